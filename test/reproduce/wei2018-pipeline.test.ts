/**
 * wei2018 pipeline: the Table 1 configs, the split and mixing helpers, one
 * smoke job end to end on the CHiME-Home-like fixture (built from the
 * embedded ESC-10 sample, the pipeline's fallback on a clone with nothing
 * beside it), and the aggregation into Table 1's columns. With a real
 * ESC-50 copy ($AUDIO_AUG_LAB_DATA/esc50; skipped with the reason otherwise),
 * a fixture built from it is given with --data-dir and must be taken as
 * such.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyBudget, jobsFor, loadExperiments } from '../../src/reproduce/experiments.js';
import { loadPublished } from '../../src/reproduce/published.js';
import { runOneJob } from '../../src/reproduce/run-job.js';
import { readResult, resultPath, type JobResult } from '../../src/reproduce/results.js';
import { createTransform } from '../../src/augment/catalogue.js';
import { arrayDataset, assembleBatch } from '../../src/train/batches.js';
import { loadChimeHomeDevelopment } from '../../src/data/loaders/chime-home.js';
import { perClassEerTable } from '../../src/metrics/tagging.js';
import { registerTrainingKernels } from '../../src/backend/kernels/register.js';
import { Rng } from '../../src/util/rng.js';
import { buildFixture } from '../../src/data/stand-ins/index.js';
import { itNeeds, needsData } from '../helpers/requires.js';
import { loadDataset } from '../../src/data/sources/index.js';
import { featureExtractor } from '../../src/features/extractors.js';
import { logMel } from '../../src/features/logmel.js';
import { fixLength } from '../../src/features/spectral-image.js';
import { onlineAugment } from '../../src/augment/online.js';
import { holdOutBySource } from '../../src/reproduce/protocols.js';
import { buildModel } from '../../src/reproduce/train-job.js';
import { aggregateFolds, pipeline, splitRecords, WEI2018_LABELS } from '../../src/reproduce/pipelines/wei2018.js';

// Read before beforeAll points AUDIO_AUG_LAB_DATA at an empty data root.
const REAL_ESC50 = needsData('esc50', 'a real ESC-50 copy with meta/ and audio/, to build the fixture from real 44.1 kHz clips');
const TABLE = 'Table 1';

let tmp: string;
const savedDataRoot = process.env.AUDIO_AUG_LAB_DATA;

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTrainingKernels('cpu');
  tmp = mkdtempSync(join(tmpdir(), 'wei2018-pipeline-'));
  // An empty data root: no fetched CHiME-Home, so the smoke job uses the fixture.
  process.env.AUDIO_AUG_LAB_DATA = join(tmp, 'empty-data-root');
});

afterAll(() => {
  if (savedDataRoot === undefined) delete process.env.AUDIO_AUG_LAB_DATA;
  else process.env.AUDIO_AUG_LAB_DATA = savedDataRoot;
  rmSync(tmp, { recursive: true, force: true });
});

describe('wei2018 experiment configs', () => {
  const exps = loadExperiments('wei2018');
  const table = loadPublished('wei2018').tables.find((t) => t.table === TABLE)!;

  it('cover every Table 1 row: reference rows not runnable, CRNN rows with exactly one default (5-fold CV) config', () => {
    expect(table.rows).toHaveLength(13);
    for (const row of table.rows) {
      const regen = exps.filter((e) => e.regenerates.some((r) => r.table === TABLE && r.row === row.id));
      if (row.otherAuthors) {
        expect(regen, row.id).toHaveLength(1);
        expect(regen[0].kind).toBe('reference');
        expect(regen[0].notRunnable?.needs).toBe('other-authors-system');
      } else {
        const defaults = regen.filter((e) => e.kind === 'train' && e.dataset.protocol === 'dcase2016-5fold-cv');
        expect(defaults, row.id).toHaveLength(1);
        expect(defaults[0].id.endsWith('-evalset')).toBe(false);
      }
    }
    // Every experiment regenerates a real row of the table.
    for (const e of exps) for (const r of e.regenerates) expect(table.rows.map((x) => x.id)).toContain(r.row);
  });

  it('provide the evaluation-set protocol for alpha = 0 and alpha = 1.5', () => {
    for (const alpha of ['0.0', '1.5']) {
      const e = exps.find((x) => x.id === `crnn-mixup-alpha-${alpha}-evalset`)!;
      expect(e.dataset.protocol).toBe('dcase2016-evaluation-set');
      expect(e.folds).toEqual([0]);
      expect(e.regenerates[0].row).toBe(`CRNN mixup(alpha=${alpha})`);
    }
  });

  it('follow the paper: Adam, batch 44, patience 20, validation held out, 3 seeds, official folds, augmentation matching the row', () => {
    for (const e of exps.filter((x) => x.kind === 'train')) {
      expect(e.training.optimizer.kind).toBe('adam');
      expect(e.training.batchSize).toBe(44);
      expect(e.training.earlyStopping?.patience).toBe(20);
      expect(e.training.validationFraction).toBeGreaterThan(0);
      expect(e.seeds).toHaveLength(3);
      expect(e.folds).toEqual(e.dataset.protocol === 'dcase2016-5fold-cv' ? [1, 2, 3, 4, 5] : [0]);
      const quick = applyBudget(e, 'quick');
      expect(quick.training.epochs).toBeLessThan(e.training.epochs);
      expect(quick.training.earlyStopping?.patience).toBe(5);
      const smoke = applyBudget(e, 'smoke');
      expect(smoke.seeds).toHaveLength(1);
      expect(smoke.folds).toHaveLength(1);
      expect(smoke.training.epochs).toBe(2);
      // Every online reference is a valid catalogue entry with valid parameters.
      for (const r of e.augment.online) expect(() => createTransform(r.name, r.params as never)).not.toThrow();
      const row = e.regenerates[0].row;
      const alpha = /alpha=([\d.]+)/.exec(row)?.[1];
      const online = e.augment.online;
      if (row.startsWith('CRNN mixup(')) {
        if (Number(alpha) === 0) expect(online).toEqual([]);
        else expect(online).toEqual([{ name: 'mixup', params: { alpha: Number(alpha), lambdaPer: 'batch', pairing: 'shuffle' } }]);
      } else if (row === 'CRNN SamplePairing') {
        expect(online).toEqual([{ name: 'sample_pairing', params: { schedule: 'always' } }]);
      } else {
        const name = row.startsWith('CRNN mixup_lp') ? 'mixup_lp' : 'extrapolation';
        expect(online).toEqual([{ name, params: { alpha: Number(alpha), lambdaPer: 'batch', pairing: 'shuffle' } }]);
      }
    }
  });

  it('give 12 smoke jobs and 156 full jobs', () => {
    expect(jobsFor('wei2018', 'smoke')).toHaveLength(12);
    expect(jobsFor('wei2018', 'full')).toHaveLength(10 * 5 * 3 + 2 * 3);
  });

  it('estimate compute from the built model', () => {
    const e = applyBudget(exps.find((x) => x.id === 'crnn-mixup-alpha-1.5')!, 'full');
    const ctx = { workDir: join(tmp, 'work'), log: () => {} };
    const est = pipeline.estimate(e, ctx);
    // 200 epochs x (1946 * 4/5 * 0.8 training + a third of the validation clips) + test.
    expect(est.samplePasses).toBe(Math.round(200 * (1946 * 0.8 * 0.8 + (1946 * 0.8 * 0.2) / 3) + 1946 / 5 / 3));
    // The 7 conv blocks alone are 0.258 GFLOP; the gated BiGRU adds 0.074 over 124 frames.
    expect(est.flopsPerSample).toBeGreaterThan(2.5e8);
    expect(est.flopsPerSample).toBeLessThan(5e8);
    // The smoke budget's CRNN is narrower: fewer FLOPs and parameters for the same input.
    const smokeExp = applyBudget(exps.find((x) => x.id === 'crnn-mixup-alpha-1.5')!, 'smoke');
    const smoke = pipeline.estimate(smokeExp, ctx);
    expect(smoke.flopsPerSample).toBeLessThan(est.flopsPerSample / 4);
    const [small, big] = [smokeExp, e].map((x) => buildModel(x.model, [124, 128, 1], 7));
    expect(small.countParams()).toBeLessThan(big.countParams() / 4);
    small.dispose();
    big.dispose();
  });
});

describe('wei2018 helpers', () => {
  it('every config\'s features section gives the CRNN input: (124 frames, 128 mels, 1) per 4 s chunk at 16 kHz', () => {
    for (const e of loadExperiments('wei2018').filter((x) => x.kind === 'train')) {
      for (const budget of ['smoke', 'full'] as const) {
        const f = featureExtractor(applyBudget(e, budget).features);
        expect(f.preset, e.id).toBe('wei2018');
        expect(f.inputShape, `${e.id} ${budget}`).toEqual([124, 128, 1]);
        expect(f.audio).toEqual({ sr: 16000, mono: true, resample: true, cutToSeconds: null });
      }
    }
  });

  it("the features are logMel(fix_length(chunk, 4 s), 'wei2018') with (nMels, nFrames) transposed to (nFrames, nMels)", () => {
    const f = featureExtractor(loadExperiments('wei2018').find((e) => e.id === 'crnn-sample-pairing')!.features);
    const rng = new Rng('wei2018-chunk');
    const y = Float64Array.from({ length: 3 * 16000 }, (_, i) => 0.2 * Math.sin(i * 0.07) + 0.01 * rng.normal()); // 3 s: zero-padded to 4 s
    const x = f.compute({ sr: 16000, channels: [y] });
    const mel = logMel(fixLength(y, 4 * 16000), 'wei2018');
    expect([mel.nMels, mel.nFrames]).toEqual([128, 124]);
    expect(x).toHaveLength(124 * 128);
    // out[t * nMels + m] = mel[m * nFrames + t] (as the old melToFrames), in float32.
    for (const [m, t] of [
      [0, 0],
      [5, 17],
      [127, 123],
      [64, 100],
    ]) {
      expect(x[t * 128 + m]).toBe(Math.fround(mel.data[m * 124 + t]));
    }
    expect(Array.from(x)).toEqual(Array.from({ length: 124 * 128 }, (_, i) => Math.fround(mel.data[(i % 128) * 124 + Math.floor(i / 128)])));
  });

  it("holds validation out by source recording, deterministically, from the stream 'wei2018-validation' (seed, fold)", () => {
    const recs = Array.from({ length: 60 }, (_, i) => ({ id: `c${i}`, sourceId: `s${i % 10}` }));
    const a = holdOutBySource(recs, 0.2, 1, 3, 'wei2018-validation');
    const b = holdOutBySource(recs, 0.2, 1, 3, 'wei2018-validation');
    expect(a).toEqual(b);
    const vs = new Set(a.validation.map((r) => r.sourceId));
    expect(vs.size).toBe(2);
    expect(a.train.some((r) => vs.has(r.sourceId))).toBe(false);
    expect(a.train.length + a.validation.length).toBe(60);
    expect(holdOutBySource(recs, 0.2, 2, 3, 'wei2018-validation').validation).not.toEqual(a.validation);
    // The draw wei2018 always made: the sorted sources shuffled by Rng('wei2018-validation|<seed>|<fold>'), the first 20% held out.
    const sources = [...new Set(recs.map((r) => r.sourceId))].sort();
    new Rng('wei2018-validation|1|3').shuffle(sources);
    expect([...vs].sort()).toEqual(sources.slice(0, 2).sort());
    // Order within each side is the training side's order.
    expect(a.validation.map((r) => r.id)).toEqual(recs.filter((r) => vs.has(r.sourceId)).map((r) => r.id));
  });

  // The runner's online path for wei2018 (train-job.ts): onlineAugment over the
  // features' map shape and row layout. Rows here are 2 values (1 channel, 2 mels, 1 frame).
  const SHAPE = { nChannels: 1, nFreq: 2, nTime: 1 };

  it('SamplePairing draws partners from the whole training set, not only the batch', () => {
    const n = 30;
    const xs = Array.from({ length: n }, (_, i) => Float32Array.from([i, 100 + i]));
    const ys = Array.from({ length: n }, (_, i) => Float32Array.from([i % 2, 1 - (i % 2)]));
    const ds = arrayDataset(xs, ys, [2]);
    const aug = onlineAugment([{ name: 'sample_pairing', params: { schedule: 'always' } }], 7, SHAPE, 'time-freq-channels')!;
    const idx = Int32Array.from([0, 1, 2, 3]);
    const batch = assembleBatch(ds, idx);
    const partners = new Set<number>();
    for (let bi = 0; bi < 10; bi++) {
      const out = aug(batch, new Rng(0), { epoch: 0, batchIndex: bi, dataset: ds });
      for (let k = 0; k < 4; k++) {
        // x = (x_k + x_j) / 2 with x_j = [j, 100 + j]; label of the first item.
        const j = 2 * out.x[2 * k] - k;
        expect(Number.isInteger(j) && j >= 0 && j < n).toBe(true);
        expect(out.x[2 * k + 1]).toBeCloseTo((100 + k + 100 + j) / 2, 4);
        expect(Array.from(out.y.subarray(2 * k, 2 * k + 2))).toEqual(Array.from(ys[k]));
        partners.add(j);
      }
    }
    expect([...partners].some((j) => j >= 4)).toBe(true);
  });

  it('mixup mixes inputs and labels with one lambda per batch', () => {
    // One-hot inputs and labels: row k of the output is lambda e_k + (1 - lambda) e_perm(k).
    const n = 8;
    const eye = Array.from({ length: n }, (_, i) => Float32Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    const ds = arrayDataset(eye, eye, [n]);
    const aug = onlineAugment([{ name: 'mixup', params: { alpha: 1.5, lambdaPer: 'batch', pairing: 'shuffle' } }], 3, { nChannels: 1, nFreq: n, nTime: 1 }, 'time-freq-channels')!;
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const out = aug(assembleBatch(ds, all), new Rng(0), { epoch: 0, batchIndex: 0, dataset: ds });
    expect(Array.from(out.y)).toEqual(Array.from(out.x));
    const lambdas: number[] = [];
    for (let k = 0; k < n; k++) {
      const row = out.x.subarray(k * n, (k + 1) * n);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      if (row[k] < 1 - 1e-6) lambdas.push(row[k]);
    }
    expect(lambdas.length).toBeGreaterThan(0);
    for (const l of lambdas) expect(l).toBeCloseTo(lambdas[0], 6);
    // No references, no augmentation (the alpha = 0 rows); waveform transforms are offline only.
    expect(onlineAugment([], 3, SHAPE, 'time-freq-channels')).toBeUndefined();
    expect(() => onlineAugment([{ name: 'time_stretch', params: {} }], 1, SHAPE, 'time-freq-channels')).toThrow(/act on waveforms \(use augment\.offline\)/);
  });
});

describe('wei2018 aggregate', () => {
  const result = (fold: number, eers: (number | null)[]): Pick<JobResult, 'job' | 'metrics'> => ({
    job: { id: `wei2018/x/fold-${fold}-seed-1`, paper: 'wei2018', experiment: 'x', fold, seed: 1, budget: 'full' },
    metrics: Object.fromEntries(WEI2018_LABELS.map((l, k) => [`EER ${l}`, eers[k] as number])),
  });

  it('computes the class EERs, Avg, the official mean and Var as documented (NaN cells ignored)', () => {
    // Fold 2 has no positive of b: its EER is NaN (stored as null in JSON).
    const f1 = [0.1, 0.2, 0.1, 0.0, 0.15, 0.05, 0.3];
    const f2 = [0.2, 0.1, 0.2, 0.1, 0.25, null, 0.2];
    const agg = aggregateFolds([result(2, f2), result(1, f1)]);
    const cls = [0.15, 0.15, 0.15, 0.05, 0.2, 0.05, 0.25];
    WEI2018_LABELS.forEach((l, k) => expect(agg[l]).toBeCloseTo(cls[k], 12));
    const avg = cls.reduce((a, b) => a + b, 0) / 7;
    expect(agg.Avg).toBeCloseTo(avg, 12);
    const cells = [...f1, ...f2].filter((v): v is number => v !== null);
    expect(agg.AvgOfficial).toBeCloseTo(cells.reduce((a, b) => a + b, 0) / 13, 12);
    expect(agg.AvgOfficial).not.toBeCloseTo(agg.Avg, 6);
    const v = cls.reduce((a, b) => a + (b - avg) ** 2, 0) / 6;
    expect(agg.Var).toBeCloseTo(v * 1e3, 9);
    expect(agg.nanCells).toBe(1);
  });

  it('keeps a label NaN when every fold lacks positives', () => {
    const agg = aggregateFolds([result(1, [0.1, null, 0.1, 0.1, 0.1, null, 0.2]), result(2, [0.1, null, 0.1, 0.1, 0.1, 0.3, 0.2])]);
    expect(Number.isNaN(agg.m)).toBe(true);
    expect(agg.b).toBeCloseTo(0.3, 12);
    expect(agg.Avg).toBeCloseTo((0.1 + 0.1 + 0.1 + 0.1 + 0.3 + 0.2) / 6, 12);
  });
});

describe('wei2018 smoke job on the CHiME-Home-like fixture', () => {
  it(
    'trains, predicts every test clip and writes a result with EERs, scores and provenance',
    async () => {
      const job = jobsFor('wei2018', 'smoke', ['crnn-sample-pairing'])[0];
      expect(job.fold).toBe(1);
      const resultsDir = join(tmp, 'results');
      const ctx = { workDir: join(tmp, 'work'), log: () => {} };
      expect(pipeline.blocker(loadExperiments('wei2018').find((e) => e.id === job.experiment)!, ctx, 'smoke')).toBeNull();
      expect(pipeline.blocker(loadExperiments('wei2018').find((e) => e.id === job.experiment)!, ctx, 'quick')).toMatch(/CHiME-Home is not on disk/);
      const out = await runOneJob(job, resultsDir, ctx, 'cpu');
      expect(out.status).toBe('done');
      const r = readResult(resultPath(resultsDir, job))!;
      expect(r.data.status).toBe('fixture');
      expect(r.data.detail).toMatch(/embedded ESC-10 sample/);
      expect(r.provenance).toBeTruthy();
      expect(r.backend).toBe('cpu');
      expect((r.config as { budget: string }).budget).toBe('smoke');

      // The test side is exactly fold 1 of the fixture's official-format list.
      const dev = loadChimeHomeDevelopment({ root: r.data.root });
      const fold1 = dev.filter((x) => x.fold === 1).map((x) => `${x.id}.16kHz.wav`).sort();
      const clips = r.scores!.clips;
      expect(clips.map((c) => c.id).sort()).toEqual(fold1);
      expect(r.metrics.testClips).toBe(fold1.length);
      expect(r.metrics.trainClips + r.metrics.validationClips).toBe(dev.length - fold1.length);
      expect(r.metrics.leakedSources).toBe(0);
      expect(r.scores!.labels).toEqual([...WEI2018_LABELS]);
      for (const c of clips) {
        expect(c.scores).toHaveLength(7);
        for (const s of c.scores) expect(s >= 0 && s <= 1).toBe(true);
        for (const t of c.truth) expect(t === 0 || t === 1).toBe(true);
      }

      // EERs are in [0, 1] or NaN (null in JSON), and come from these scores.
      const table = perClassEerTable([{ scores: clips.flatMap((c) => c.scores), targets: clips.flatMap((c) => c.truth) }], WEI2018_LABELS);
      WEI2018_LABELS.forEach((l, k) => {
        const v = r.metrics[`EER ${l}`] as number | null;
        if (v === null) expect(Number.isNaN(table.classEers[k])).toBe(true);
        else {
          expect(v >= 0 && v <= 1).toBe(true);
          expect(v).toBeCloseTo(table.classEers[k], 12);
        }
      });
      expect(r.history).toHaveLength(2);
      const agg = pipeline.aggregate(loadExperiments('wei2018').find((e) => e.id === job.experiment)!, [r]);
      expect(agg.Avg).toBeCloseTo(table.meanOfLabels, 12);
      console.log('wei2018 smoke job:', JSON.stringify({ seconds: r.seconds, metrics: r.metrics }));
      // The evaluation-set protocol on the same fixture: all development chunks train, the evaluation chunks test.
      const data = loadDataset('chime-home', { ...ctx, budget: 'smoke' });
      expect(data.root).toBe(r.data.root);
      const evalSplit = splitRecords(data, 'dcase2016-evaluation-set', 0);
      expect(evalSplit.trainSide).toHaveLength(dev.length);
      expect(evalSplit.test.length).toBeGreaterThan(0);
      expect(evalSplit.test.every((x) => x.fold === 'evaluation')).toBe(true);
      expect(() => splitRecords(data, 'dcase2016-evaluation-set', 1)).toThrow(/one job fold, 0/);
      expect(() => splitRecords(data, 'dcase2016-5fold-cv', 6)).toThrow(/fold 6 is not one of/);
      expect(() => splitRecords(data, 'random-clip-folds', 1)).toThrow(/unknown protocol 'random-clip-folds'/);
      // The raw result file is JSON with the official clip ids.
      expect(readFileSync(resultPath(resultsDir, job), 'utf8')).toContain('.16kHz.wav');
    },
    180_000,
  );
});

describe('wei2018 with a fixture built from a real ESC-50 copy', () => {
  itNeeds(
    REAL_ESC50,
    'takes a CHiME-Home-like fixture given with --data-dir as a fixture, not as CHiME-Home, and splits it by the official lists',
    () => {
      const root = join(tmp, 'real-fixture', 'chime_home');
      buildFixture('chime-home-like', root, { seed: 1, size: 7, esc50Dir: REAL_ESC50.path! });
      const exp = loadExperiments('wei2018').find((e) => e.id === 'crnn-sample-pairing')!;
      const ctx = { workDir: join(tmp, 'work-real'), dataDir: join(tmp, 'real-fixture'), log: () => {} };
      const status = pipeline.dataStatus(exp, ctx);
      expect(status.status).toBe('fixture');
      expect(status.root).toBe(root);
      expect(status.detail).toMatch(/given with --data-dir, not CHiME-Home/);
      expect(pipeline.blocker(exp, ctx, 'smoke')).toBeNull();
      const { trainSide, test } = splitRecords(loadDataset('chime-home', { ...ctx, budget: 'quick' }), 'dcase2016-5fold-cv', 2);
      expect(test).toHaveLength(7);
      expect(trainSide).toHaveLength(28);
      // every tag is positive in the test fold (7 chunks per fold cycle through the 7 tags)
      for (const t of WEI2018_LABELS) expect(test.some((x) => x.labels.includes(t)), t).toBe(true);
    },
    120_000,
  );
});
