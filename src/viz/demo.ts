/**
 * Small, clearly labelled demo training runs for the notebooks: a few real
 * clips, a reduced-width model, one to three epochs. They show the training
 * loop, online augmentation and the metrics working end to end in seconds;
 * they reproduce nothing, and every result carries a line saying so, with
 * its data, budget, seed, code version and backend.
 *
 * Live curves: `fit` runs its epochs without yielding to the event loop, so
 * a chart updated from inside it would only be sent when training ends. The
 * demo therefore trains one epoch per `fit` call, resuming from a checkpoint
 * in a temporary directory (fit's resume gives the same weights as an
 * uninterrupted run), and yields between epochs so `onEpochEnd` can update a
 * notebook display while the run goes on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { FeatureMap } from '../features/types.js';
import { initBackend } from '../backend/index.js';
import { getModelEntry, type RegistryBuildOptions } from '../models/registry.js';
import { arrayDataset } from '../train/batches.js';
import { fit, predictDataset } from '../train/fit.js';
import type { EpochRecord } from '../train/history.js';
import { batchAccuracy } from '../train/losses.js';
import type { OptimizerSpec } from '../train/optimizers.js';
import { onlineAugment } from '../augment/online.js';
import { codeVersion } from '../reproduce/index.js';
import { eerDcase2016 } from '../metrics/eer.js';
import { logMel } from '../features/logmel.js';
import { hu2020Features } from '../features/hu2020.js';
import { fixLength, spectralImage } from '../features/spectral-image.js';
import { InvalidParameterError } from '../util/errors.js';
import { loadClip, type EscClipSource } from './clips.js';
import type { RocInput } from './charts.js';

/** (channel, freq, time) -> (time, freq, channel): the audio models' input layout. */
export function timeFreqChannels(x: FeatureMap): Float32Array {
  const { nChannels: C, nFreq: F, nTime: T } = x;
  const out = new Float32Array(C * F * T);
  for (let c = 0; c < C; c++) {
    for (let f = 0; f < F; f++) {
      const src = (c * F + f) * T;
      for (let t = 0; t < T; t++) out[(t * F + f) * C + c] = x.data[src + t];
    }
  }
  return out;
}

export interface DemoExample {
  id: string;
  /** Source recording (train and test never share one). */
  sourceId: string;
  x: Float32Array;
  /** Target vector (one-hot or multi-hot) over `classes`. */
  y: Float32Array;
}

export interface DemoRunSpec {
  /** What is run, for the provenance line (e.g. 'wei2018 CRNN, width 0.25, mixup alpha 1.5'). */
  title: string;
  /** Which clips (e.g. 'ESC-10 fold-4 clips of dog, rooster, rain, crying_baby'). */
  data: string;
  model: string;
  /** Build options (nClasses defaults to classes.length). */
  build: RegistryBuildOptions;
  xShape: number[];
  classes: readonly string[];
  train: DemoExample[];
  test: DemoExample[];
  epochs: number;
  batchSize: number;
  seed: number;
  optimizer?: OptimizerSpec;
  /** Online augmentations by catalogue name (e.g. [{ name: 'mixup', params: { alpha: 1.5 } }]). */
  augment?: { name: string; params?: Record<string, unknown>; p?: number }[];
  /** Feature-map shape of one example for item-level augmentations (SpecAugment, TAA). */
  itemShape?: { nChannels: number; nFreq: number; nTime: number };
  /** Called after each epoch with the history so far (may be async). */
  onEpochEnd?: (history: EpochRecord[]) => void | Promise<void>;
}

export interface DemoRunResult {
  history: EpochRecord[];
  classes: readonly string[];
  /** Test outputs, n x classes, and targets. */
  probs: Float32Array;
  truth: Float32Array;
  /** accuracy (softmax models) or per-class EER and their mean (sigmoid models). */
  metrics: Record<string, number>;
  parameters: number;
  seconds: number;
  /** One line: DEMO RUN, what, on which data, seed, code version, backend. */
  provenance: string;
}

function checkExamples(spec: DemoRunSpec): void {
  if (spec.train.length === 0 || spec.test.length === 0) throw new InvalidParameterError('demoRun: needs training and test examples');
  const trainSources = new Set(spec.train.map((e) => e.sourceId));
  const shared = spec.test.filter((e) => trainSources.has(e.sourceId)).map((e) => e.sourceId);
  if (shared.length > 0) throw new InvalidParameterError(`demoRun: source recordings on both sides of the split: ${[...new Set(shared)].join(', ')}`);
}

/** Run a demo (see the header). */
export async function demoRun(spec: DemoRunSpec): Promise<DemoRunResult> {
  checkExamples(spec);
  const backend = await initBackend({ quiet: true });
  const entry = getModelEntry(spec.model);
  const train = arrayDataset(spec.train.map((e) => e.x), spec.train.map((e) => e.y), spec.xShape, spec.train.map((e) => e.sourceId));
  const test = arrayDataset(spec.test.map((e) => e.x), spec.test.map((e) => e.y), spec.xShape, spec.test.map((e) => e.sourceId));
  const shape = spec.itemShape ?? { nChannels: 1, nFreq: 1, nTime: spec.xShape.reduce((a, b) => a * b, 1) };
  const augment = onlineAugment((spec.augment ?? []).map((a) => ({ name: a.name, params: (a.params ?? {}) as never, p: a.p })), spec.seed, shape, null);
  const optimizer: OptimizerSpec = spec.optimizer ?? { kind: 'adam', lr: 1e-3 };
  const dir = mkdtempSync(join(tmpdir(), 'audio-aug-lab-demo-'));
  const t0 = Date.now();
  let history: EpochRecord[] = [];
  let model: tf.LayersModel | null = null;
  try {
    for (let e = 1; e <= spec.epochs; e++) {
      model?.dispose();
      const r = await fit({
        build: () => entry.build({ nClasses: spec.classes.length, ...spec.build, seed: spec.seed }),
        train,
        validation: test,
        epochs: e,
        batchSize: spec.batchSize,
        loss: entry.loss,
        optimizer,
        seed: spec.seed,
        augment,
        checkpointDir: dir,
        progress: 'none',
      });
      model = r.model;
      history = r.history;
      await spec.onEpochEnd?.(history);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const { probs } = await predictDataset(model!, test, spec.batchSize);
    const nC = spec.classes.length;
    const truth = new Float32Array(test.size * nC);
    spec.test.forEach((e, i) => truth.set(e.y, i * nC));
    const metrics: Record<string, number> = {};
    if (entry.output === 'softmax') {
      metrics.accuracy = batchAccuracy('categoricalCrossentropy', truth, probs, nC);
    } else {
      const eers: number[] = [];
      spec.classes.forEach((c, k) => {
        const labels = Array.from({ length: test.size }, (_, i) => truth[i * nC + k]);
        const scores = Array.from({ length: test.size }, (_, i) => probs[i * nC + k]);
        const r = eerDcase2016(labels, scores);
        metrics[`EER ${c}`] = r.eer;
        if (Number.isFinite(r.eer)) eers.push(r.eer);
      });
      metrics['EER mean'] = eers.length ? eers.reduce((a, b) => a + b, 0) / eers.length : NaN;
    }
    const parameters = model!.countParams();
    const seconds = (Date.now() - t0) / 1000;
    const v = codeVersion();
    const code = `${v.package} ${v.gitCommit ? v.gitCommit.slice(0, 10) : 'no git'}${v.gitDirty ? '+dirty' : ''}`;
    const augText = spec.augment?.length ? spec.augment.map((a) => a.name).join(' + ') : 'no augmentation';
    return {
      history,
      classes: spec.classes,
      probs,
      truth,
      metrics,
      parameters,
      seconds,
      provenance:
        `DEMO RUN, not a reproduction: ${spec.title} (${parameters} parameters, ${augText}), ${spec.epochs} epoch(s), batch ${spec.batchSize}, ` +
        `seed ${spec.seed}; ${spec.train.length} training / ${spec.test.length} test clips of ${spec.data}, split by source recording; ` +
        `code ${code}; backend ${backend.description}; ${seconds.toFixed(1)} s.`,
    };
  } finally {
    model?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Split items into train/test by source recording, per class: within each
 * class the sources are sorted and every k-th one (offset `fold`) goes to
 * test, so both sides have every class and no source is on both sides. */
export function splitBySource<T extends { sourceId: string }>(items: readonly T[], classOf: (x: T) => string, k = 4, fold = 0): { train: T[]; test: T[] } {
  if (!(Number.isInteger(k) && k >= 2)) throw new InvalidParameterError(`splitBySource: k must be an integer >= 2, got ${k}`);
  const testSources = new Set<string>();
  const byClass = new Map<string, Set<string>>();
  for (const x of items) {
    const c = classOf(x);
    if (!byClass.has(c)) byClass.set(c, new Set());
    byClass.get(c)!.add(x.sourceId);
  }
  for (const sources of byClass.values()) {
    [...sources].sort().forEach((s, i) => {
      if (i % k === fold % k) testSources.add(s);
    });
  }
  return { train: items.filter((x) => !testSources.has(x.sourceId)), test: items.filter((x) => testSources.has(x.sourceId)) };
}

// ------------------------------------------------ per-paper model inputs

/** wei2018 input of a 16 kHz clip: the first 4 s (zero-padded if shorter),
 * log-mel with the wei2018 preset (124 frames x 128 mels), as (124, 128, 1). */
export function wei2018Input(y: Float64Array, sr: number): { x: Float32Array; xShape: number[] } {
  if (sr !== 16000) throw new InvalidParameterError(`wei2018Input: expects 16 kHz audio (the preset's rate), got ${sr} Hz; load the clip with sr 16000`);
  const S = logMel(fixLength(y, 4 * sr), 'wei2018');
  const fm: FeatureMap = { data: Float32Array.from(S.data), nChannels: 1, nFreq: S.nMels, nTime: S.nFrames };
  return { x: timeFreqChannels(fm), xShape: [S.nFrames, S.nMels, 1] };
}

/** mushtaq2020 input: the spectral image (librosa-default log-mel, top 80 dB
 * in 8 bits, grey) resized to size x size, as (size, size, 1). */
export function mushtaq2020Input(y: Float64Array, sr: number, size = 128): { x: Float32Array; xShape: number[] } {
  const S = logMel(y, 'mushtaq2020', { sr });
  const img = spectralImage(S.data, S.nMels, S.nFrames, { height: size, width: size });
  return { x: img.data, xShape: [size, size, 1] };
}

/** hu2020 task 1a input: scaled log-mel, delta, delta-delta, as (T - 8, 128, 3). */
export function hu2020Input(y: Float64Array, sr: number): { x: Float32Array; xShape: number[] } {
  const fm = hu2020Features(y, sr);
  return { x: timeFreqChannels(fm), xShape: [fm.nTime, fm.nFreq, fm.nChannels] };
}

// ------------------------------------------------ demo data from clips

export type DemoPaper = 'wei2018' | 'mushtaq2020' | 'hu2020';

export interface DemoData {
  classes: string[];
  xShape: number[];
  train: DemoExample[];
  test: DemoExample[];
  /** What the clips are, for the provenance line. */
  data: string;
}

/**
 * Demo examples from real clips of `classes`: one-hot targets, the paper's
 * model input (wei2018: 16 kHz, first 4 s; mushtaq2020: spectral image of
 * `imageSize`; hu2020: 3-channel features at the file's rate), split by
 * source recording within each class (every k-th source to test).
 */
export function demoExamples(src: EscClipSource, classes: readonly string[], paper: DemoPaper, opts: { k?: number; imageSize?: number; maxPerClass?: number } = {}): DemoData {
  const recs = src.records.filter((r) => classes.includes(r.labels[0]));
  const missing = classes.filter((c) => !recs.some((r) => r.labels[0] === c));
  if (missing.length) throw new InvalidParameterError(`demoExamples: no clips of ${missing.join(', ')} in ${src.description}`);
  const perClass = new Map<string, number>();
  const kept = recs.filter((r) => {
    const n = perClass.get(r.labels[0]) ?? 0;
    perClass.set(r.labels[0], n + 1);
    return opts.maxPerClass === undefined || n < opts.maxPerClass;
  });
  let xShape: number[] = [];
  const examples = kept.map((r): DemoExample => {
    const wave = loadClip(r, paper === 'wei2018' ? 16000 : undefined);
    const y = wave.channels[0];
    const input =
      paper === 'wei2018' ? wei2018Input(y, wave.sr) : paper === 'mushtaq2020' ? mushtaq2020Input(y, wave.sr, opts.imageSize ?? 128) : hu2020Input(y, wave.sr);
    xShape = input.xShape;
    const target = new Float32Array(classes.length);
    target[classes.indexOf(r.labels[0])] = 1;
    return { id: r.id, sourceId: r.sourceId, x: input.x, y: target };
  });
  const classOf = (e: DemoExample) => classes[e.y.indexOf(1)];
  const { train, test } = splitBySource(examples, classOf, opts.k ?? 4);
  return { classes: [...classes], xShape, train, test, data: `${src.description}, classes ${classes.join(', ')}` };
}

/** ROC inputs (per class) of a demo run's test outputs. */
export function demoRocInputs(run: DemoRunResult): RocInput[] {
  const n = run.classes.length;
  const rows = run.probs.length / n;
  return run.classes.map((c, k) => {
    const labels = Array.from({ length: rows }, (_, i) => run.truth[i * n + k]);
    const scores = Array.from({ length: rows }, (_, i) => run.probs[i * n + k]);
    const r = eerDcase2016(labels, scores);
    return { label: c, fpr: r.fpr, tpr: r.tpr, eer: r.eer, eerPoint: r.eerPoint };
  });
}
