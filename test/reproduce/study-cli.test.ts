/**
 * `reproduce --study FILE` end to end, as the README's user study runs: the
 * shipped reproductions/studies/example-esc.json on a folder of WAVs with a
 * labels.csv made from the embedded ESC-10 sample (src/data/labels-folder.ts,
 * the library behind scripts/make-study-folder.ts), one arm at the smoke
 * budget, in this process; the results are filed under the study id and a
 * rerun skips them; `--plan` and `--list` cover studies; every wrong command
 * line says what is wrong in one line before anything runs.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLabelsFolder } from '../../src/data/labels-folder.js';
import { EMBEDDED_SAMPLE_DIR } from '../../src/data/stand-ins/index.js';
import { STUDIES_DIR } from '../../src/reproduce/study-run.js';
import { cli, tree } from '../cli/cli-harness.js';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../../src/reproduce/published.js';
import { readStoredRun, summarizeStoredRun } from '../../src/reproduce/study-store.js';
import { readInvocations } from '../../src/reproduce/study-provenance.js';

const STUDY = join(STUDIES_DIR, 'example-esc.json');
const tmp = mkdtempSync(join(tmpdir(), 'aal-study-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const NO_DATA = { AUDIO_AUG_LAB_DATA: join(tmp, 'no-data-root') };

describe('makeLabelsFolder: a labels.csv folder from an ESC-50 copy', () => {
  it('from the embedded sample: 20 WAVs and labels.csv file,label,source (one fold in the copy: no fold column)', () => {
    const f = makeLabelsFolder({ out: join(tmp, 'from-sample') });
    expect(f.clips).toBe(20);
    expect(f.classes).toHaveLength(10);
    expect(f.folds).toBeNull();
    const lines = readFileSync(f.labels, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('file,label,source');
    expect(lines).toHaveLength(21);
    const meta = readFileSync(join(EMBEDDED_SAMPLE_DIR, 'meta.csv'), 'utf8').trim().split('\n').slice(1);
    // every sample clip, with its category and src_file, copied byte for byte
    for (const row of meta) {
      const [file, , , category, , src] = row.split(',');
      expect(lines).toContain(`${file},${category},${src}`);
      expect(readFileSync(join(f.out, file)).equals(readFileSync(join(EMBEDDED_SAMPLE_DIR, 'audio', file))), file).toBe(true);
    }
    expect(readdirSync(f.out).filter((n) => n.endsWith('.wav'))).toHaveLength(20);
  });

  it('keeps the folds of a copy that spans several (1..k), and only ESC-10 clips with esc10', () => {
    const esc = join(tmp, 'esc50-two-folds');
    mkdirSync(join(esc, 'meta'), { recursive: true });
    mkdirSync(join(esc, 'audio'));
    const meta = readFileSync(join(EMBEDDED_SAMPLE_DIR, 'meta.csv'), 'utf8').trim().split('\n');
    const rows = meta.slice(1).map((r, i) => {
      const c = r.split(',');
      copyFileSync(join(EMBEDDED_SAMPLE_DIR, 'audio', c[0]), join(esc, 'audio', c[0]));
      c[1] = String(1 + (i % 2)); // folds 1 and 2
      if (i >= 16) c[4] = 'False'; // the last four not in ESC-10
      return c.slice(0, 7).join(',');
    });
    writeFileSync(join(esc, 'meta', 'esc50.csv'), `${meta[0].split(',').slice(0, 7).join(',')}\n${rows.join('\n')}\n`);
    const f = makeLabelsFolder({ from: esc, out: join(tmp, 'from-two-folds'), subset: 'esc10' });
    expect(f.folds).toBe(2);
    expect(f.clips).toBe(16);
    const lines = readFileSync(f.labels, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('file,label,fold,source');
    expect(new Set(lines.slice(1).map((l) => l.split(',')[2]))).toEqual(new Set(['1', '2']));
  });

  it('never writes into a folder that is not empty, and says when there is no ESC-50 copy', () => {
    const busy = join(tmp, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'mine.txt'), 'keep');
    expect(() => makeLabelsFolder({ out: busy })).toThrow(/the folder is not empty/);
    expect(readdirSync(busy)).toEqual(['mine.txt']);
    expect(() => makeLabelsFolder({ from: busy, out: join(tmp, 'never') })).toThrow(/busy: no ESC-50 copy here/);
    expect(existsSync(join(tmp, 'never'))).toBe(false);
  });
});

describe('reproduce --study: the example study on a folder made from the embedded sample', () => {
  const data = join(tmp, 'folder');
  const results = join(tmp, 'results');
  const resultFile = join(results, 'smoke', 'example-esc', 'none', 'fold-1-seed-1.json');
  const reportDir = join(results, 'smoke', 'example-esc', 'report');
  const argv = ['reproduce', '--study', STUDY, '--data-dir', data, '--budget', 'smoke', '--results', results, '--only', 'none', '--in-process'];
  let first: Awaited<ReturnType<typeof cli>>;

  beforeAll(async () => {
    makeLabelsFolder({ out: data });
    first = await cli(argv, NO_DATA);
  }, 300_000);

  it('runs the arm at the smoke budget and files its result under the study id', () => {
    expect(first.code, first.err.join('\n')).toBe(0);
    expect(first.err.join('\n')).toContain('reproduce example-esc: 1 job(s), budget smoke');
    const r = JSON.parse(readFileSync(resultFile, 'utf8'));
    expect(r.job).toEqual({ id: 'example-esc/none/fold-1-seed-1', paper: 'example-esc', experiment: 'none', fold: 1, seed: 1, budget: 'smoke', study: resolve(STUDY) });
    expect(r.data.dataset).toBe('folder');
    expect(r.data.status).toBe('unverified');
    expect(r.data.detail).toContain('labels.csv: 20 clips, 10 classes');
    // the smoke budget's 32 x 32 image and 2 epochs, from the study's budgets
    expect(r.config.features.options).toEqual({ height: 32, width: 32 });
    expect(r.history).toHaveLength(2);
    expect(r.metrics.testClips + r.metrics.trainClips).toBe(20);
    expect(r.metrics.accuracy).toBeGreaterThanOrEqual(0);
    expect(r.metrics.accuracy).toBeLessThanOrEqual(100);
    expect(r.scores.clips).toHaveLength(r.metrics.testClips);
  });

  it('writes a report of measured values that says no cell has a published counterpart', () => {
    for (const f of ['report.md', 'report.csv', 'report.json', 'report.vl.json', 'report.svg', 'report.png']) {
      expect(statSync(join(reportDir, f)).size, f).toBeGreaterThan(0);
    }
    const md = readFileSync(join(reportDir, 'report.md'), 'utf8').split('\n');
    expect(md[0]).toMatch(/^# example-esc: .* \(smoke budget\)$/);
    expect(md[2]).toContain('no cell has a published counterpart');
    expect(JSON.parse(readFileSync(join(reportDir, 'report.vl.json'), 'utf8')).title.text).toContain('a user study: nothing published to compare with');
    const r = JSON.parse(readFileSync(resultFile, 'utf8'));
    const acc = md.find((l) => l.startsWith('| none | accuracy |'))!;
    expect(acc.split('|').map((c) => c.trim())[3]).toBe(String(Number(r.metrics.accuracy.toPrecision(4))));
    expect(acc).toContain('| 1 (1) |');
    // the arms that did not run are listed as such, never given a number
    expect(md.find((l) => l.startsWith('| mixup | accuracy |'))).toContain('not run yet (no results)');
    const rep = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8'));
    expect(rep.study).toEqual({ title: expect.stringContaining('CNN-7'), file: expect.stringContaining('example-esc.json') });
    expect(rep.rows.every((row: { published: unknown }) => row.published === null)).toBe(true);
    // the markdown printed is the one written
    expect(first.out.join('\n')).toContain(md[2]);
  });

  it('stores the run (scripts/store-study-run.ts): summary recomputed from the stored scores, report, charts, provenance with the command and every clip\'s SHA-256', () => {
    const out = join(tmp, 'stored');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'store-study-run.ts'), '--study', STUDY, '--results', results, '--data-dir', data, '--budget', 'smoke', '--out', out], {
      encoding: 'utf8',
      cwd: REPO_ROOT,
    });
    expect(r.status, r.stderr).toBe(0);
    for (const f of ['jobs.json.gz', 'scores.csv.gz', 'summary.json', 'report.md', 'report.csv', 'report.json', 'report.svg', 'report.png', 'curves.png', 'provenance.json']) {
      expect(statSync(join(out, f)).size, f).toBeGreaterThan(0);
    }
    const run = readStoredRun(out);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(summarizeStoredRun(run))));
    const stored = JSON.parse(readFileSync(resultFile, 'utf8'));
    expect(run.scores.map((x) => x.clip)).toEqual(stored.scores.clips.map((c: { id: string }) => c.id));
    expect(summarizeStoredRun(run).arms[0].perSeed[0].accuracy).toBeCloseTo(stored.metrics.accuracy, 6);
    const p = JSON.parse(readFileSync(join(out, 'provenance.json'), 'utf8'));
    expect(p.commands).toHaveLength(1);
    expect(p.commands[0].command).toBe(`npx audio-aug-lab ${argv.join(' ')}`);
    expect(p.commands[0].threadLayout).toBe('1 worker process(es) x 1 thread(s) per job');
    expect(p.commands[0]).toMatchObject({ jobsScheduled: 1, jobsRun: 1, jobsSkipped: 0, jobsFailed: 0, interrupted: false });
    expect(p.data.clips).toBe(20);
    expect(p.data.sha256.every((c: { sha256: string }) => /^[0-9a-f]{64}$/.test(c.sha256))).toBe(true);
    // --only none: the other arms' jobs are listed as missing (a partial run says so)
    expect(p.jobs).toEqual({ finished: 1, expected: 3, missing: ['example-esc/mixup/fold-1-seed-1', 'example-esc/pitch-shift/fold-1-seed-1'] });
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\*\*0 of \d+ cells have a published counterpart\.\*\*/);
  }, 120_000);

  it('is resumable: a rerun skips the finished job and leaves its result as it was', async () => {
    const before = readFileSync(resultFile, 'utf8');
    const again = await cli(argv, NO_DATA);
    expect(again.code, again.err.join('\n')).toBe(0);
    expect(again.err.join('\n')).toContain('harness: 1 job(s) already finished, skipped');
    expect(again.err.join('\n')).not.toContain('epoch 1/2');
    expect(readFileSync(resultFile, 'utf8')).toBe(before);
    // an invocation that ran nothing leaves no line in the run's provenance log
    expect(readInvocations(dirname(dirname(resultFile)))).toHaveLength(1);
  }, 120_000);

  it('--plan lists every arm for the study and runs nothing', async () => {
    const before = tree(tmp);
    const r = await cli(['reproduce', '--study', STUDY, '--data-dir', data, '--budget', 'smoke', '--plan', '--results', join(tmp, 'plan-results')], NO_DATA);
    expect(r.code, r.err.join('\n')).toBe(0);
    for (const arm of ['none', 'mixup', 'pitch-shift']) expect(r.out.some((l) => l.startsWith(`| ${arm} | (measured only) | runs here | 1 |`)), arm).toBe(true);
    expect(tree(tmp)).toEqual(before);
  }, 120_000);
});

describe('reproduce --list', () => {
  it('lists the papers with their experiment ids and the studies with their arms', async () => {
    const r = await cli(['reproduce', '--list']);
    expect(r.code, r.err.join('\n')).toBe(0);
    const text = r.out.join('\n');
    expect(text).toMatch(/^papers /);
    expect(text).toMatch(/ {2}wei2018 \(\d+ experiments\): /);
    expect(text).toContain('esc10-cnn7-naa');
    expect(text).toContain('t1a-00-baseline');
    expect(text).toMatch(/\n {2}example-esc: Your clips, .* \(reproductions\/studies\/example-esc\.json\)\n {4}3 arms: none, mixup, pitch-shift/);
  });
});

describe('reproduce --study: what is wrong, in one line, before anything runs', () => {
  const data = join(tmp, 'folder-for-errors');
  beforeAll(() => void makeLabelsFolder({ out: data }));

  async function fails(argv: string[], code: number, message: RegExp) {
    const before = tree(tmp);
    const r = await cli(argv, NO_DATA);
    expect(r.code, r.err.join('\n')).toBe(code);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
    expect(tree(tmp)).toEqual(before);
  }
  const results = () => ['--results', join(tmp, 'error-results')];

  it('a study file that does not exist', async () => {
    await fails(['reproduce', '--study', join(tmp, 'nope.json'), '--data-dir', data, ...results()], 1, /^audio-aug-lab reproduce: .*nope\.json: does not exist$/);
  });

  it('a paper and a study together, --list with either, an arm the study does not have', async () => {
    await fails(['reproduce', 'mushtaq2020', '--study', STUDY, ...results()], 2, /give a paper or --study FILE, not both .*\(see audio-aug-lab reproduce --help\)$/);
    await fails(['reproduce', '--list', 'mushtaq2020'], 2, /--list takes no paper or study/);
    await fails(['reproduce', '--list', '--study', STUDY], 2, /--list takes no paper or study/);
    await fails(['reproduce', '--study', STUDY, '--data-dir', data, '--only', 'bogus', ...results()], 2, /unknown arm\(s\) for example-esc: bogus \(arms: none, mixup, pitch-shift\)/);
  });

  it("a study on dataset 'folder' without --data-dir", async () => {
    await fails(['reproduce', '--study', STUDY, ...results()], 2, /example-esc\.json: dataset 'folder' is the folder given with --data-dir .*give --data-dir DIR/);
  });

  it('a data folder without labels.csv, one that does not exist, and a bad line in labels.csv', async () => {
    const empty = join(tmp, 'no-labels');
    mkdirSync(empty);
    await fails(['reproduce', '--study', STUDY, '--data-dir', empty, ...results()], 1, /example-esc\.json: arm 'none' \(dataset folder\): .*no-labels\/labels\.csv: no labels\.csv/);
    await fails(['reproduce', '--study', STUDY, '--data-dir', join(tmp, 'missing'), ...results()], 1, /missing: --data-dir does not exist$/);
    const bad = join(tmp, 'bad-labels');
    mkdirSync(bad);
    writeFileSync(join(bad, 'labels.csv'), 'file,label\nghost.wav,dog\n');
    await fails(['reproduce', '--study', STUDY, '--data-dir', bad, ...results()], 1, /bad-labels\/labels\.csv: line 2: file 'ghost\.wav' does not exist/);
  });
});
