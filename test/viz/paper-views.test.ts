import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leakageSplitRows, quantizationRows, twoStageRows } from '../../src/viz/paper-views.js';
import { initBackend } from '../../src/backend/index.js';
import { paperErrata, storedReportChart, storedReportHtml, storedReports, storedSummary } from '../../src/viz/results.js';
import { dcase2016Example, dcase2016ExampleDir, eerFrame, rocInputs } from '../../src/viz/metrics-views.js';
import { compileSpec } from '../../src/viz/render.js';
import { findInconsistencies } from '../../src/reproduce/consistency.js';
import { loadPublished } from '../../src/reproduce/published.js';
import { REFERENCE_MANIFEST_DATA, describeNeeds, needsData } from '../helpers/requires.js';

describe('leakage audit splits', () => {
  // 10 classes x 4 sources x 2 takes
  const items = Array.from({ length: 10 }, (_, c) => Array.from({ length: 8 }, (_, i) => ({ id: `c${c}-s${i >> 1}-${i & 1}`, sourceId: `c${c}-s${i >> 1}`, label: `c${c}` }))).flat();
  const rows = leakageSplitRows(items, { k: 5, seed: 1, copies: 5 });

  it('(a) shares no source recording; (b) shares takes of one recording; (c) puts copies of test clips in training', () => {
    const [a, b, c] = rows;
    expect(a['test source recordings also in training']).toBe(0);
    expect(a['test items whose own clip (or a copy) is in training']).toBe(0);
    expect(Number(b['test source recordings also in training'])).toBeGreaterThan(0);
    expect(b['test items whose own clip (or a copy) is in training']).toBe(0);
    expect(Number(c['test items'])).toBeGreaterThan(0);
    // with 6 copies per clip and 1/5 of them in test, nearly every test item has a sibling in training
    expect(Number(c['test items whose own clip (or a copy) is in training'])).toBeGreaterThan(0.9 * Number(c['test items']));
    expect(Number(c['test items']) + Number(c['training items'])).toBe(items.length * 6);
    expect(() => leakageSplitRows(items.slice(0, 3))).toThrow(/3 clips for 5 folds/);
  });
});

describe('two-stage fusion rows', () => {
  it('the 3-class model can overturn the 10-class decision (hu2020 section 2.1)', () => {
    const F2 = [[0.02, 0.05, 0.03, 0.02, 0.04, 0.06, 0.02, 0.33, 0.05, 0.38]];
    const F1 = [[0.1, 0.8, 0.1]];
    const [r] = twoStageRows(F2, F1);
    expect(r['10-class alone']).toBe('tram (0.38)');
    expect(r['3-class']).toBe('outdoor (0.80)');
    expect(r['two-stage']).toBe('street_pedestrian (0.264)'); // 0.33 * 0.8 > 0.38 * 0.1
    expect(r.changed).toBe('yes');
  });
});

describe('quantization rows', () => {
  beforeAll(async () => {
    await initBackend({ quiet: true });
  });

  it('int8 weights shrink the DCASE size of the task 1b Mobnet about 4x and keep its outputs close', async () => {
    const rows = await quantizationRows(['hu2020-mobnet']);
    expect(rows).toHaveLength(2);
    const key = 'DCASE 2020 size (KB): non-zero parameters x bytes, BatchNorm excluded';
    const f32 = Number(rows[0][key]);
    const i8 = Number(rows[1][key]);
    console.log(`hu2020-mobnet DCASE size: float32 ${f32} KB, int8 ${i8} KB`);
    expect(i8 / f32).toBeGreaterThan(0.2);
    expect(i8 / f32).toBeLessThan(0.3);
    const diff = Number(Object.entries(rows[1]).find(([k]) => k.startsWith('max |output'))![1]);
    expect(diff).toBeGreaterThanOrEqual(0);
    expect(diff).toBeLessThan(0.05);
  });
});

describe('published numbers, errata, stored results', () => {
  it('paperErrata recomputes the findings and attaches the explanations of errata.json', () => {
    const e = paperErrata('wei2018');
    expect(e.findings.map((f) => f.id)).toEqual(findInconsistencies(loadPublished('wei2018')).map((f) => f.id));
    expect(Object.keys(e.explanations).length).toBeGreaterThan(0);
    for (const id of Object.keys(e.explanations)) expect(e.findings.some((f) => f.id === id)).toBe(true);
  });

  it('storedReports is empty without results, and says how to make some', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viz-results-'));
    try {
      expect(await storedReports('mushtaq2020', dir)).toEqual([]);
      expect(await storedReports('mushtaq2020', join(dir, 'absent'))).toEqual([]);
      expect(storedSummary('mushtaq2020', [], dir)).toContain('npm run reproduce -- mushtaq2020');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('storedReports builds the report from stored job results, with their provenance', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viz-results-'));
    try {
      const job = { id: 'mushtaq2020/leakage-a/fold-1-seed-1', paper: 'mushtaq2020', experiment: 'leakage-a', fold: 1, seed: 1, budget: 'smoke' };
      const result = {
        job,
        metrics: { accuracy: 42.5 },
        config: {},
        data: { dataset: 'esc50', status: 'partial', root: '/x', detail: 'a subset' },
        backend: 'cpu (test)',
        provenance: { package: 'audio-aug-lab@0', gitCommit: 'abcdef0123456789', gitDirty: false, node: 'v20', platform: 'linux', cpus: 2, host: 'h' },
        startedAt: '2020-01-01T00:00:00Z',
        seconds: 1,
      };
      mkdirSync(join(dir, 'smoke', 'mushtaq2020', 'leakage-a'), { recursive: true });
      writeFileSync(join(dir, 'smoke', 'mushtaq2020', 'leakage-a', 'fold-1-seed-1.json'), JSON.stringify(result));
      const stored = await storedReports('mushtaq2020', dir);
      expect(stored).toHaveLength(1);
      expect(stored[0].budget).toBe('smoke');
      const row = stored[0].report.rows.find((r) => r.experiment === 'leakage-a')!;
      expect(row.measured?.mean).toBe(42.5);
      const html = storedReportHtml(stored[0]);
      expect(html).toContain('42.5');
      expect(html).toContain('verifies nothing about the paper');
      expect(html).toContain('cpu (test)');
      expect(html).toContain('abcdef0123');
      expect(storedSummary('mushtaq2020', stored, dir)).toContain('1 stored job result(s) at the smoke budget');
      const log = { warnings: [] as string[] };
      compileSpec(storedReportChart(stored[0], (r) => r.measured !== null), log);
      expect(log.warnings).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const OFFICIAL = needsData('dcase2016-task4-eval-example', 'the official DCASE 2016 task 4 example system output');

describe('the DCASE 2016 task 4 example the notebooks show', () => {
  it('is the committed synthetic example, and gives the EERs of its NumPy generator (eers.json)', () => {
    expect(dcase2016ExampleDir()).toBe(join(REFERENCE_MANIFEST_DATA, 'dcase2016-task4-format-example'));
    const ex = dcase2016Example()!;
    expect(ex).not.toBeNull();
    const g = JSON.parse(readFileSync(join(ex.dir, 'eers.json'), 'utf8')) as { perLabel: Record<string, { eer: number }>; mean: number };
    expect(ex.reference).toEqual({ ...Object.fromEntries(Object.entries(g.perLabel).map(([l, r]) => [l, r.eer])), mean: g.mean });
    const values = eerFrame(ex.evaluation, ex.reference!).values as unknown[][];
    expect(values).toHaveLength(8);
    let worst = 0;
    for (const row of values) worst = Math.max(worst, Math.abs(Number(row[6])));
    console.log(`synthetic example: worst |EER - generator| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-12);
    const roc = rocInputs(ex.evaluation);
    expect(roc).toHaveLength(7);
    for (const r of roc) expect(r.eerPoint.fpr).toBeCloseTo(r.eer, 12);
    expect(dcase2016Example(join(ex.dir, 'absent'))).toBeNull();
  });
});

describeNeeds(OFFICIAL, 'the official DCASE 2016 example', () => {
  it('gives the EERs of the official evaluation (README of the example)', () => {
    const official: Record<string, number> = { b: 0.131292164, c: 0.196869852, f: 0.277813923, m: 0.212643678, o: 0.232686981, p: 0.232679739, v: 0.062745098, mean: 0.192390205 };
    const ex = dcase2016Example(OFFICIAL.path!)!;
    expect(ex.reference).toBeNull(); // no eers.json there: the official values are in its README
    const values = eerFrame(ex.evaluation, official).values as unknown[][];
    let worst = 0;
    for (const row of values) worst = Math.max(worst, Math.abs(Number(row[6])));
    console.log(`official example: worst |EER - official| ${worst.toExponential(2)} (official values printed to 9 decimals)`);
    expect(worst).toBeLessThan(5e-10);
    const roc = rocInputs(ex.evaluation);
    expect(roc).toHaveLength(7);
    for (const r of roc) expect(r.eerPoint.fpr).toBeCloseTo(r.eer, 12);
  });
});

describe('model tables', () => {
  it('layerRows add up to the model parameter count; modelFamilyRows lists a paper models', async () => {
    const { buildModel } = await import('../../src/models/registry.js');
    const { layerRows, modelFamilyRows } = await import('../../src/viz/models.js');
    const m = buildModel('mushtaq2020-cnn7', { seed: 0, width: 0.25, nMels: 32, frames: 32, channels: 1 });
    try {
      const rows = layerRows(m);
      expect(rows.reduce((s, r) => s + Number(r.parameters), 0)).toBe(m.countParams());
      expect(rows[0]['output shape']).toBe('(32, 32, 1)');
    } finally {
      m.dispose();
    }
    const family = modelFamilyRows('mushtaq2020', { width: 0.25, nMels: 32, frames: 32, channels: 1 });
    expect(family.map((r) => r.model)).toEqual(['mushtaq2020-cnn7', 'mushtaq2020-cnn9']);
    for (const r of family) expect(Number(r['DCASE 2020 size, float32 (KB)'])).toBeGreaterThan(0);
  });
});
