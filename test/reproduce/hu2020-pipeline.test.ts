/**
 * hu2020 pipeline: the Table 1 / Table 2 configs against the paper's own
 * row descriptions, the pieces it runs on (device-balanced capping from the
 * tau2020 data source, the hu2020 feature extractor and its layout, Keras
 * epochs and snapshots from src/train/epochs.ts, the unscaled features of
 * row (1)), one smoke job end to end on
 * the TAU-2020-like fixture (built from the embedded ESC-10 sample, the
 * pipeline's fallback on a clone with nothing beside it: 22.05 kHz clips
 * upsampled to 44.1 kHz, so hu2020's mel bands above 11.025 kHz hold only
 * the simulated devices' noise), and ensembles / two-stage / LR fusion from
 * stored per-clip scores on hand-made cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyBudget, jobsFor, loadExperiments, type Job } from '../../src/reproduce/experiments.js';
import type { Experiment } from '../../src/reproduce/experiment-schema.js';
import { loadPublished } from '../../src/reproduce/published.js';
import { runOneJob } from '../../src/reproduce/run-job.js';
import { readResult, type JobResult } from '../../src/reproduce/results.js';
import { codeVersion } from '../../src/reproduce/provenance.js';
import { registerTrainingKernels } from '../../src/backend/kernels/register.js';
import { TAU2020_3CLASS_LABELS as HU2020_PARENT_CLASSES, TAU2020_SCENES } from '../../src/data/loaders/tau2020.js';
import { HU2020_DEVICE_GROUPS } from '../../src/metrics/classification.js';
import { capPerScene, TAU_TASKS } from '../../src/data/sources/index.js';
import { clipScores } from '../../src/fusion/clip-scores.js';
import { deviceGroupMetrics } from '../../src/metrics/classification.js';
import { featureExtractor, type FeatureSpec } from '../../src/features/extractors.js';
import { fromModelLayout, toModelLayout } from '../../src/features/layout.js';
import { passesPerEpoch, scheduleInPasses, snapshotEpochs } from '../../src/train/epochs.js';
import { aggregateEnsemble, pipeline } from '../../src/reproduce/pipelines/hu2020.js';
import { getModelEntry } from '../../src/models/registry.js';
import { forwardFlops } from '../../src/reproduce/flops.js';

const PAPER = 'hu2020';
let tmp: string;
const savedDataRoot = process.env.AUDIO_AUG_LAB_DATA;

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTrainingKernels('cpu');
  tmp = mkdtempSync(join(tmpdir(), 'hu2020-pipeline-'));
  // An empty data root: no fetched TAU data, so the smoke job uses the fixture.
  process.env.AUDIO_AUG_LAB_DATA = join(tmp, 'empty-data-root');
  mkdirSync(process.env.AUDIO_AUG_LAB_DATA, { recursive: true });
});

afterAll(() => {
  if (savedDataRoot === undefined) delete process.env.AUDIO_AUG_LAB_DATA;
  else process.env.AUDIO_AUG_LAB_DATA = savedDataRoot;
  rmSync(tmp, { recursive: true, force: true });
});

const MODEL_OF: Record<string, string> = { Resnet: 'hu2020-resnet', 'Resnet-d': 'hu2020-resnet-d', FCNN: 'hu2020-fcnn', fsFCNN: 'hu2020-fsfcnn' };
const FIVE_AUG = ['spectrum_correction', 'pitch_shift_hu2020', 'speed_change_hu2020', 'gaussian_noise_hu2020', 'same_class_mix'];

/** Scale / Spec-aug / 5*Aug / Reverb+DRC of a config, as Table 1 marks them. */
function flagsOf(e: Experiment): string[] {
  const yn = (b: boolean) => (b ? 'Y' : '-');
  const off = e.augment.offline.map((r) => r.name);
  return [
    yn(e.features.options.scale !== false),
    yn(e.augment.online.some((r) => r.name.startsWith('spec_augment'))),
    yn(FIVE_AUG.every((n) => off.includes(n))),
    yn(off.includes('reverb_drc')),
  ];
}

/** An experiment's features section at full budget with the clip rate of its TAU task (the extractor requires it stated). */
function fullFeatures(e: Experiment): FeatureSpec {
  const b = applyBudget(e, 'full');
  const task = TAU_TASKS[b.dataset.id as keyof typeof TAU_TASKS];
  return { preset: b.features.preset, options: { ...b.features.options, sr: task.sr } };
}

describe('hu2020 experiment configs', () => {
  const exps = loadExperiments(PAPER);
  const byId = new Map(exps.map((e) => [e.id, e]));
  const pub = loadPublished(PAPER);
  const table1 = pub.tables.find((t) => t.table === 'Table 1')!;
  const table2 = pub.tables.find((t) => t.table === 'Table 2')!;
  const regenOf = (table: string, row: string) => exps.filter((e) => e.regenerates.some((r) => r.table === table && r.row === row));

  it('give every Table 1 row exactly one experiment, with the combination the paper prints', () => {
    expect(table1.rows.map((r) => r.id)).toEqual(['(0)', '(1)', '(2)', '(3)', '(4)', '(5)', '(6)', '(7)', '(8)', '(9)', '(10)', '(11)', '(12)']);
    const idOfRow = new Map<string, string>();
    for (const row of table1.rows) {
      const regen = regenOf('Table 1', row.id);
      expect(regen, row.id).toHaveLength(1);
      idOfRow.set(row.id, regen[0].id);
    }
    for (const row of table1.rows) {
      const e = byId.get(idOfRow.get(row.id)!)!;
      // The quote is the printed row: "(3) Resnet Y Y - - - 80.3 ...": system, then 5 flags.
      const tok = row.quote.split(/\s+/);
      const flags = tok.slice(2, 6);
      const twoStage = tok[6] === 'Y';
      if (row.id === '(0)') {
        expect(e.kind).toBe('reference');
        expect(e.notRunnable?.needs).toBe('other-authors-system');
        continue;
      }
      if (tok[1].startsWith('(')) {
        // "(7)+(8)": an ensemble of those rows' experiments
        const members = tok[1].split('+').map((r) => idOfRow.get(r)!);
        expect(e.kind).toBe('ensemble');
        expect(e.members, row.id).toEqual(members);
        expect(e.twoStageWith !== undefined, row.id).toBe(twoStage);
        for (const m of members) expect(flagsOf(byId.get(m)!)).toEqual(flags);
      } else {
        expect(e.kind).toBe('train');
        expect(flagsOf(e), `${row.id} ${e.id}`).toEqual(flags);
        expect(e.model.name, row.id).toBe(MODEL_OF[tok[1]]);
        expect(twoStage).toBe(false);
        const full = applyBudget(e, 'full');
        expect(full.seeds).toEqual([1, 2, 3]);
        expect(full.folds).toEqual([1]);
        expect(full.training.schedule).toEqual({ kind: 'cosineRestarts', max: 0.1, min: 1e-5 });
        expect(full.training.epochs).toBe(tok[1].startsWith('Resnet') ? 126 : 254);
        expect(e.metrics).toEqual(table1.columns.map((c) => c.id));
      }
    }
  });

  it('build the two-stage rows on the 3-class system, which regenerates the 93.2% text figure', () => {
    const sys = byId.get('t1a-3class-system')!;
    expect(sys.kind).toBe('ensemble');
    expect(sys.regenerates).toEqual([{ table: 'text', row: 's5.3-three-class-accuracy', metric: 'Avg' }]);
    expect(pub.text.find((t) => t.id === 's5.3-three-class-accuracy')?.value).toBe(93.2);
    for (const m of sys.members!) {
      expect(byId.get(m)!.dataset.subset).toBe('3class');
      expect(byId.get(m)!.kind).toBe('train');
    }
    for (const id of ['t1a-11-twostage-7-8', 't1a-12-twostage-5-7-8']) expect(byId.get(id)!.twoStageWith).toBe('t1a-3class-system');
  });

  it('give every Table 2 row one experiment on the 3Class data, ensembles fused by logistic regression', () => {
    for (const row of table2.rows) {
      const regen = regenOf('Table 2', row.id);
      expect(regen, row.id).toHaveLength(1);
      const e = regen[0];
      expect(e.dataset.id).toBe('tau2020-3class-dev');
      if (row.values[2] === null) expect(e.kind).toBe('train');
      else {
        expect(e.kind).toBe('ensemble');
        expect(e.model.name).toBe('lr-fusion');
        expect(e.members).toHaveLength(2);
        for (const m of e.members!) expect(byId.get(m)?.kind).toBe('train');
      }
    }
    // Task 1b: no cropping (section 3), channel confusion in the features' channel layout.
    for (const e of exps.filter((x) => x.dataset.id === 'tau2020-3class-dev' && x.kind === 'train')) {
      expect(e.augment.online.map((r) => r.name)).toEqual(['spec_augment', 'channel_confusion', 'mixup_hu2020']);
      expect(e.features.options.channelOrder).toBe('hu2020-code');
      expect(e.augment.online[1].params.layout).toBe('interleaved');
    }
  });

  it('list smoke jobs for every trained experiment and none for ensembles or the reference row', () => {
    const jobs = jobsFor(PAPER, 'smoke');
    const trained = exps.filter((e) => e.kind === 'train');
    expect(jobs.map((j) => j.experiment).sort()).toEqual(trained.map((e) => e.id).sort());
    expect(jobsFor(PAPER, 'full')).toHaveLength(3 * trained.length);
  });

  it('estimate compute: mixed examples per epoch x epochs (offline copies included), and the paper-size input at full budget', () => {
    // Smoke: 2 clips per scene = 20 training clips, ~73% of them device A (10215 / 13965) = 15.
    const expected: Record<string, number> = { 't1a-02-resnet-scale': 2 * 20, 't1a-06-fcnn-5aug': 2 * (20 + 15 + 4 * 20), 't1a-07-fcnn-all-aug': 2 * (20 + 15 + 4 * 20 + 15), 't1b-mobnet': 2 * 20 };
    for (const e of exps.filter((x) => x.kind === 'train')) {
      const est = pipeline.estimate(applyBudget(e, 'smoke'), { workDir: tmp, log: () => {} });
      expect(est.flopsPerSample, e.id).toBeGreaterThan(0);
      if (expected[e.id] !== undefined) expect(est.samplePasses, e.id).toBe(expected[e.id]);
    }
    // FLOPs per sample: the network on what it trains on, the 400-frame crop of the 128-mel, 3-channel input.
    const fcnn = applyBudget(byId.get('t1a-06-fcnn-5aug')!, 'full');
    expect(fcnn.augment.online.find((r) => r.name === 'random_crop')?.params).toEqual({ cropLength: 400 });
    const ref = getModelEntry('hu2020-fcnn').build({ frames: 400, nMels: 128, channels: 3, nClasses: 10 });
    expect(pipeline.estimate(fcnn, { workDir: tmp, log: () => {} }).flopsPerSample).toBe(forwardFlops(ref));
    ref.dispose();
    // The features at full budget: 10 s at 44.1 kHz mono (task 1a), binaural at 48 kHz (task 1b).
    const t1a = featureExtractor(fullFeatures(byId.get('t1a-07-fcnn-all-aug')!));
    expect(t1a.inputShape).toEqual([423, 128, 3]);
    expect(t1a.map).toEqual({ nChannels: 3, nFreq: 128, nTime: 423 });
    const t1b = featureExtractor(fullFeatures(byId.get('t1b-small-fcnn')!));
    expect(t1b.inputShape).toEqual([461, 128, 6]);
    expect(t1b.audio).toMatchObject({ sr: 48000, mono: false, resample: false, cutToSeconds: 10 });
    // Every trained row's features at full budget are one of these two inputs.
    for (const e of exps.filter((x) => x.kind === 'train')) {
      const f = featureExtractor(fullFeatures(e));
      expect(f.inputShape, e.id).toEqual(e.dataset.id === 'tau2020-3class-dev' ? [461, 128, 6] : [423, 128, 3]);
      expect(f.cacheParams.scale, e.id).toBe(e.features.options.scale !== false);
    }
  });
});

describe('hu2020 helpers', () => {
  it('cap clips per scene, taking the devices in turn so every device group is present', () => {
    const devices = ['a', 'b', 'c', 's1', 's2', 's3', 's4', 's5', 's6'];
    const clips = TAU2020_SCENES.flatMap((scene) => devices.flatMap((device) => [0, 1].map((k) => ({ id: `${scene}-x-${k}-${device}`, scene, device }))));
    const capped = capPerScene(clips, 2, 'evaluate');
    expect(capped).toHaveLength(20);
    for (const scene of TAU2020_SCENES) expect(capped.filter((c) => c.scene === scene)).toHaveLength(2);
    for (const g of HU2020_DEVICE_GROUPS) expect(capped.some((c) => g.devices.includes(c.device)), g.name).toBe(true);
    expect(capPerScene(clips, 2, 'evaluate')).toEqual(capped);
    expect(capPerScene(clips, 100, 'evaluate')).toHaveLength(clips.length);
  });

  it('convert (channel, freq, time) to the models\' (time, freq, channel) and back', () => {
    const [C, F, T] = [3, 4, 5];
    const x = Float32Array.from({ length: C * F * T }, (_, i) => i);
    const m = toModelLayout(x, C, F, T);
    // value(c, f, t) = x[(c F + f) T + t] lands at ((t F + f) C + c)
    expect(m[(2 * F + 1) * C + 2]).toBe(x[(2 * F + 1) * T + 2]);
    expect(m[(4 * F + 3) * C + 0]).toBe(x[(0 * F + 3) * T + 4]);
    expect(fromModelLayout(m, C, F, T)).toEqual(x);
  });

  it('count two trainer passes per epoch with the code\'s halves mixup, and pick the last three minima as snapshots', () => {
    const mixup = { name: 'mixup', params: { alpha: 0.4, lambdaPer: 'sample', pairing: 'halves' } };
    expect(passesPerEpoch([mixup])).toBe(2);
    expect(passesPerEpoch([{ name: 'mixup', params: { alpha: 1.5 } }])).toBe(1);
    expect(passesPerEpoch([{ name: 'mixup_hu2020', params: {} }])).toBe(2);
    const cos = { kind: 'cosineRestarts' as const, max: 0.1, min: 1e-5 };
    expect((scheduleInPasses(cos, 2) as { restartEpochs: number[] }).restartEpochs.slice(0, 4)).toEqual([6, 14, 30, 62]);
    expect(snapshotEpochs(cos, 254)).toEqual([63, 127, 254]);
    expect(snapshotEpochs(cos, 126)).toEqual([31, 63, 126]);
    expect(snapshotEpochs(cos, 2)).toEqual([2]);
  });

  it('leave the log-mel unscaled when Scale is off (row (1)): a linear map of the scaled channels', () => {
    const exps = loadExperiments(PAPER);
    const sr = 44100;
    const y = Float64Array.from({ length: sr }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / sr) + 0.01 * Math.sin(i * 0.37));
    // Row (2)'s features at the smoke budget's 32 mels, on a 1 s clip; row (1) is the same with scale off.
    const smoke = applyBudget(exps.find((e) => e.id === 't1a-02-resnet-scale')!, 'smoke');
    expect(smoke.features.options.scale).toBe(true);
    expect(exps.find((e) => e.id === 't1a-01-resnet')!.features.options.scale).toBe(false);
    const options = { ...smoke.features.options, sr, seconds: 1, nMels: 32 };
    const fxScaled = featureExtractor({ preset: 'hu2020', options });
    const fxRaw = featureExtractor({ preset: 'hu2020', options: { ...options, scale: false } });
    expect(fxRaw.cacheParams).not.toEqual(fxScaled.cacheParams);
    const asMap = (f: typeof fxScaled) => ({ ...f.map, data: fromModelLayout(f.compute({ sr, channels: [y] }), f.map.nChannels, f.map.nFreq, f.map.nTime) });
    const scaled = asMap(fxScaled);
    const raw = asMap(fxRaw);
    expect([scaled.nChannels, scaled.nFreq, scaled.nTime]).toEqual([3, 32, 36]);
    const plane = scaled.nFreq * scaled.nTime;
    const s0 = scaled.data.subarray(0, plane);
    const r0 = raw.data.subarray(0, plane);
    expect(Math.min(...s0)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...s0)).toBeLessThanOrEqual(1);
    expect(Math.min(...r0)).toBeLessThan(-1); // log(power + 1e-8) of quiet bands
    // scaled = (raw - min) / (max - min) over the whole clip: raw = a scaled + b, deltas scale by a.
    let i0 = 0;
    let i1 = 0;
    for (let i = 0; i < plane; i++) {
      if (s0[i] < s0[i0]) i0 = i;
      if (s0[i] > s0[i1]) i1 = i;
    }
    const a = (r0[i1] - r0[i0]) / (s0[i1] - s0[i0]);
    const b = r0[i0] - a * s0[i0];
    let worst = 0;
    for (let i = 0; i < plane; i++) worst = Math.max(worst, Math.abs(a * s0[i] + b - r0[i]));
    for (let i = plane; i < 3 * plane; i++) worst = Math.max(worst, Math.abs(a * scaled.data[i] - raw.data[i]));
    console.log(`unscaled vs a * scaled + b (a = ${a.toFixed(3)}), worst |diff| ${worst.toExponential(2)}`);
    expect(a).toBeGreaterThan(1);
    expect(worst).toBeLessThan(1e-4 * a); // float32 rounding of both pipelines
  });
});

describe('hu2020 smoke job on the TAU-2020-like fixture', () => {
  it('trains, predicts the evaluate list and stores Table 1 metrics per device group with per-clip scores', async () => {
    const resultsDir = join(tmp, 'results');
    // Fixtures are reused across test runs (built atomically, keyed by their parameters).
    const workDir = join(tmpdir(), 'audio-aug-lab-test-hu2020-work');
    const job: Job = { id: `${PAPER}/t1a-02-resnet-scale/fold-1-seed-1`, paper: PAPER, experiment: 't1a-02-resnet-scale', fold: 1, seed: 1, budget: 'smoke' };
    const lines: string[] = [];
    const out = await runOneJob(job, resultsDir, { workDir, noCache: true, log: (l) => lines.push(l) }, tf.getBackend());
    expect(out.status).toBe('done');
    const r = readResult((out as { path: string }).path)!;
    expect(r.data.status).toBe('fixture');
    expect(r.data.detail).toMatch(/embedded ESC-10 sample .*upsampled to 44\.1 kHz/);
    for (const k of ['A', 'B&C', 's1-s3', 's4-s6', 'val loss', 'Avg']) expect(Number.isFinite(r.metrics[k]), k).toBe(true);
    expect(r.metrics['evaluate clips']).toBe(20);
    expect(r.metrics['train clips']).toBe(20);
    const s = r.scores!;
    expect(s.labels).toEqual([...TAU2020_SCENES]);
    expect(s.clips).toHaveLength(20);
    for (const c of s.clips) {
      expect(c.scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(['a', 'b', 'c', 's1', 's2', 's3', 's4', 's5', 's6']).toContain(c.group);
    }
    for (const g of HU2020_DEVICE_GROUPS) expect(s.clips.some((c) => g.devices.includes(c.group!)), g.name).toBe(true);
    // The metrics are those of the stored scores.
    const cs = clipScores(r);
    const again = deviceGroupMetrics(cs.truth, cs.probs, cs.devices);
    for (const k of Object.keys(again)) expect(r.metrics[k], k).toBeCloseTo(again[k], 9);
    // Two epochs = four trainer passes (epochs of the trainer), each logged; history kept.
    expect(lines.filter((l) => / epoch \d+\/4 /.test(l))).toHaveLength(4);
    expect(r.history).toHaveLength(4);
    const exp = loadExperiments(PAPER).find((e) => e.id === 't1a-02-resnet-scale')!;
    expect(pipeline.aggregate(exp, [r]).Avg).toBe(r.metrics.Avg);
    // The same seed on the same backend gives the same scores, bit for bit.
    const again2 = await runOneJob(job, join(tmp, 'results-again'), { workDir, noCache: true, log: () => {} }, tf.getBackend());
    const r2 = readResult((again2 as { path: string }).path)!;
    let worst = 0;
    r2.scores!.clips.forEach((c, i) => c.scores.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - s.clips[i].scores[k])))));
    console.log('rerun with the same seed: worst |score difference|', worst);
    expect(worst).toBe(0);
  }, 120_000);
});

// ------------------------------------------------------------ fusion cases

function fakeResult(experiment: string, labels: readonly string[], clips: { id: string; scores: number[]; truth: number; group: string }[], metrics: Record<string, number> = {}): JobResult {
  return {
    job: { id: `${PAPER}/${experiment}/fold-1-seed-1`, paper: PAPER, experiment, fold: 1, seed: 1, budget: 'smoke' },
    metrics,
    scores: { labels: [...labels], clips: clips.map((c) => ({ id: c.id, scores: c.scores, truth: labels.map((_, k) => (k === c.truth ? 1 : 0)), group: c.group })) },
    config: {},
    data: { dataset: 'tau2020-mobile-dev', status: 'fixture', root: '/x', detail: 'test' },
    backend: 'cpu',
    provenance: codeVersion(),
    startedAt: new Date().toISOString(),
    seconds: 0,
  };
}

/** A 10-class row: the given scenes' probabilities, the rest spread evenly. */
function row10(given: Record<string, number>): number[] {
  const rest = (1 - Object.values(given).reduce((a, b) => a + b, 0)) / (TAU2020_SCENES.length - Object.keys(given).length);
  return TAU2020_SCENES.map((s) => given[s] ?? rest);
}

describe('hu2020 ensembles from stored per-clip scores', () => {
  const exps = loadExperiments(PAPER);
  const get = (id: string) => exps.find((e) => e.id === id)!;
  // Three evaluate clips: bus on device a, park on b, airport on s4.
  const ids = ['bus-x-1-1-a', 'park-x-2-2-b', 'airport-x-3-3-s4'];
  const groups = ['a', 'b', 's4'];
  const truth = [1, 4, 0]; // bus, park, airport in TAU2020_SCENES
  const parents = [2, 1, 0]; // transportation, outdoor, indoor
  const fine = [row10({ street_traffic: 0.3, bus: 0.25 }), row10({ park: 0.4, airport: 0.1 }), row10({ metro: 0.35, airport: 0.3 })];
  const coarse = [
    [0.1, 0.1, 0.8],
    [0.2, 0.7, 0.1],
    [0.3, 0.1, 0.6],
  ];
  const fineResult = (experiment: string, order: number[]) =>
    fakeResult(experiment, TAU2020_SCENES, order.map((i) => ({ id: ids[i], scores: fine[i], truth: truth[i], group: groups[i] })));
  const coarseResult = (experiment: string, order: number[]) =>
    fakeResult(experiment, HU2020_PARENT_CLASSES, order.map((i) => ({ id: ids[i], scores: coarse[i], truth: parents[i], group: groups[i] })));
  // Members agree (so their mean is `fine` / `coarse`) but store the clips in different orders.
  const all = [fineResult('t1a-07-fcnn-all-aug', [0, 1, 2]), fineResult('t1a-08-fsfcnn-all-aug', [2, 0, 1]), coarseResult('t1a-3class-resnet', [1, 2, 0]), coarseResult('t1a-3class-fcnn', [0, 1, 2])];

  it('average the members in any clip order and score the device groups', () => {
    const agg = aggregateEnsemble(get('t1a-09-ens-7-8'), all, exps);
    // argmax: street_traffic (wrong), park (right), metro (wrong)
    expect(agg.Avg).toBeCloseTo(100 / 3, 12);
    expect(agg.A).toBe(0);
    expect(agg['B&C']).toBe(100);
    expect(agg['s4-s6']).toBe(0);
    expect(Number.isNaN(agg['s1-s3'])).toBe(true); // no s1-s3 clip here
    expect(agg['val loss']).toBeCloseTo(-(Math.log(0.25) + Math.log(0.4) + Math.log(0.3)) / 3, 12);
    expect(agg.members).toBe(2);
  });

  it('fuse with the 3-class system: p10(q) x p3(parent(q)) moves clip 1 to the right scene', () => {
    const agg = aggregateEnsemble(get('t1a-11-twostage-7-8'), all, exps);
    // clip 1: bus 0.25 x 0.8 = 0.2 > street_traffic 0.3 x 0.1 = 0.03 -> right;
    // clip 2: park 0.4 x 0.7 -> right; clip 3: metro 0.35 x 0.6 = 0.21 > airport 0.3 x 0.3 = 0.09 -> wrong.
    expect(agg['Avg before two-stage']).toBeCloseTo(100 / 3, 12);
    expect(agg.Avg).toBeCloseTo(200 / 3, 12);
    expect(agg.A).toBe(100);
    expect(agg['B&C']).toBe(100);
    expect(agg['s4-s6']).toBe(0);
    expect(agg['3-class Avg']).toBeCloseTo(200 / 3, 12); // clip 3's 3-class vote is transportation
    // Log loss of the renormalised products.
    const sceneParent = [0, 2, 2, 0, 1, 1, 0, 1, 1, 2]; // parent index of each TAU2020_SCENES entry
    let loss = 0;
    for (let i = 0; i < 3; i++) {
      const prod = fine[i].map((p, q) => p * coarse[i][sceneParent[q]]);
      loss -= Math.log(prod[truth[i]] / prod.reduce((a, b) => a + b, 0));
    }
    expect(agg['val loss']).toBeCloseTo(loss / 3, 12);
    // Without a needed member there is nothing to report yet.
    expect(aggregateEnsemble(get('t1a-11-twostage-7-8'), all.slice(0, 3), exps)).toEqual({});
    expect(aggregateEnsemble(get('t1a-09-ens-7-8'), all.slice(0, 1), exps)).toEqual({});
  });

  it('fuse task 1b members by cross-validated logistic regression and add up the quantized sizes', () => {
    const y = Array.from({ length: 30 }, (_, i) => i % 3);
    const member = (experiment: string, noise: number, sizes: Record<string, number>) => {
      const clips: { id: string; scores: number[]; truth: number; group: string }[] = [];
      y.forEach((t, i) => {
        const s = [0.2, 0.2, 0.2];
        s[t] = 0.6 - noise * ((i * 7) % 5) * 0.02;
        const z = s.reduce((a, b) => a + b, 0);
        clips.push({ id: `clip${i}`, scores: s.map((v) => v / z), truth: t, group: 'a' });
        clips.push({ id: `clip${i}@int8`, scores: s.map((v) => v / z), truth: t, group: 'int8' });
      });
      return fakeResult(experiment, HU2020_PARENT_CLASSES, clips, sizes);
    };
    const a = member('t1b-mobnet-reduced', 1, { 'original size': 1.5, 'quantized size': 200 });
    const b = member('t1b-small-fcnn-v1', 2, { 'original size': 1.9, 'quantized size': 290 });
    const agg = aggregateEnsemble(get('t1b-ens-mobnet-small-fcnn-v1'), [a, b], exps);
    expect(agg['original acc']).toBe(100);
    expect(agg['quantized acc']).toBe(100);
    expect(agg['original acc (in-sample LR)']).toBe(100);
    expect(agg['original size']).toBe(1.5);
    expect(agg['original size (second model)']).toBe(1.9);
    expect(agg['quantized size']).toBe(490);
    expect(clipScores(a, 'int8').ids[0]).toBe('clip0');
    expect(aggregateEnsemble(get('t1b-ens-mobnet-small-fcnn-v1'), [a], exps)).toEqual({});
  });
});
