/**
 * The three fidelity cases: reduced-width wei2018 CRNN, mushtaq2020 CNN-7
 * and hu2020 Mobnet, each fed REAL features of the embedded ESC-10 sample
 * (data-manifests/samples/esc10/, 22.05 kHz) made with the project's own
 * loaders and feature presets:
 *
 * - wei2018-crnn: loadAudio at 16 kHz (resampled with src/audio/resample.ts),
 *   logMel(preset 'wei2018') in dB as the wei2018 pipeline feeds it (no
 *   normalisation), the middle `frames` frames, (time, mel, 1).
 * - mushtaq2020-cnn7: logMel(preset 'mushtaq2020') at the sample's own
 *   22.05 kHz, spectralImage (8-bit grey, bilinear resize to size x size).
 * - hu2020-mobnet: loadAudio at 44.1 kHz, hu2020Features (log-mel, delta,
 *   delta-delta; 3 channels, task 1a style: the sample is mono), the middle
 *   `frames` frames, (time, mel, channel).
 *
 * One clip per class, classes 0, 1, ... (the first clip of each in the
 * sample's meta.csv); labels are one-hot of the ESC-10 class index, so the
 * CRNN (sigmoid outputs, binary cross-entropy) and the softmax models see
 * the same targets. Dropout is built at rate 0 (a reference has no random
 * masks). Widths are reduced so a float64 reference stays cheap; the
 * layer structure is the paper's.
 */
import * as tf from '@tensorflow/tfjs';
import { loadAudio } from '../../src/audio/load.js';
import { EMBEDDED_SAMPLE_DIR } from '../../src/data/stand-ins/esc10-sample.js';
import { esc10View, loadEsc50, type Esc50Record } from '../../src/data/loaders/esc50.js';
import { hu2020Features } from '../../src/features/hu2020.js';
import { logMel } from '../../src/features/logmel.js';
import { spectralImage } from '../../src/features/spectral-image.js';
import { buildWei2018Crnn } from '../../src/models/wei2018-crnn.js';
import { buildMushtaq2020Cnn } from '../../src/models/mushtaq2020-cnn.js';
import { buildHu2020Mobnet } from '../../src/models/hu2020-mobnet.js';
import { modelTrainingRow } from '../../src/reproduce/index.js';
import type { OptimizerSpec } from '../../src/train/optimizers.js';

export type CaseName = 'wei2018-crnn' | 'mushtaq2020-cnn7' | 'hu2020-mobnet';
export const CASE_NAMES: CaseName[] = ['wei2018-crnn', 'mushtaq2020-cnn7', 'hu2020-mobnet'];

export interface FidelityCase {
  name: CaseName;
  build: () => tf.LayersModel;
  /** [batch, ...per-example shape] */
  xShape: number[];
  x: Float32Array;
  y: Float32Array;
  nClasses: number;
  loss: 'categorical' | 'binary';
  /** What the input is, for test titles / logs. */
  describe: string;
  /** The model's training optimizer in its paper's default experiment row (wei2018 / mushtaq2020 Adam 1e-3, hu2020 SGD momentum). */
  optimizer: OptimizerSpec;
}

/**
 * The optimizer a model trains with in its paper's default row
 * (modelTrainingRow: the experiment configs), as makeOptimizer takes it:
 * kind, learning rate and SGD momentum only, under tfjs' update rules (the
 * fidelity references use no framework profile, no Keras decay).
 */
export function paperOptimizer(name: CaseName): OptimizerSpec {
  const o = modelTrainingRow(name).training.optimizer;
  if (o.lr === undefined) throw new Error(`fidelity cases: the default experiment row of ${name} names no learning rate`);
  if (o.kind === 'adam') return { kind: 'adam', lr: o.lr };
  if (o.momentum === undefined) throw new Error(`fidelity cases: the default experiment row of ${name} names no SGD momentum`);
  return { kind: 'sgd', lr: o.lr, momentum: o.momentum };
}

export interface CaseOptions {
  /** Clips (one per class, classes 0..batch-1; at most 10). */
  batch: number;
  /** Frames of the CRNN / Mobnet input, side of the CNN-7 image. */
  frames: number;
  /** Width multiplier of the hidden layers. */
  width: number;
  seed: number;
}

let records: Esc50Record[] | undefined;

function sampleClips(n: number): Esc50Record[] {
  records ??= esc10View(loadEsc50({ root: EMBEDDED_SAMPLE_DIR, metadataFile: 'meta.csv' }));
  const byClass = new Map<number, Esc50Record>();
  for (const r of records) if (!byClass.has(r.target)) byClass.set(r.target, r);
  const clips = [...byClass.values()].sort((a, b) => a.target - b.target);
  if (n > clips.length) throw new Error(`fidelity cases: asked for ${n} clips, the embedded sample has ${clips.length} classes`);
  return clips.slice(0, n);
}

/** ESC-10 class index (0..9) of an ESC-50 target. */
function esc10Index(r: Esc50Record): number {
  const targets = [...new Set((records ?? []).map((x) => x.target))].sort((a, b) => a - b);
  return targets.indexOf(r.target);
}

/** (nMels, nFrames) row-major -> (frames, nMels) with the middle `frames` frames. */
function middleFramesTimeMajor(m: ArrayLike<number>, nMels: number, nFrames: number, frames: number, out: Float32Array, offset: number, channels = 1, channel = 0): void {
  if (nFrames < frames) throw new Error(`fidelity cases: clip has ${nFrames} frames, need ${frames}`);
  const t0 = Math.floor((nFrames - frames) / 2);
  for (let t = 0; t < frames; t++) for (let f = 0; f < nMels; f++) out[offset + (t * nMels + f) * channels + channel] = m[f * nFrames + t0 + t];
}

const cache = new Map<string, FidelityCase>();

export function fidelityCase(name: CaseName, opts: CaseOptions): FidelityCase {
  const key = `${name}|${JSON.stringify(opts)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const clips = sampleClips(opts.batch);
  const K = 10;
  const y = new Float32Array(opts.batch * K);
  clips.forEach((r, b) => (y[b * K + esc10Index(r)] = 1));
  const { frames, width, seed } = opts;
  let c: FidelityCase;
  if (name === 'wei2018-crnn') {
    const nMels = 128;
    const x = new Float32Array(opts.batch * frames * nMels);
    clips.forEach((r, b) => {
      const mel = logMel(loadAudio(r.audioPath, { sr: 16000 }).channels[0], 'wei2018');
      middleFramesTimeMajor(mel.data, mel.nMels, mel.nFrames, frames, x, b * frames * nMels);
    });
    c = {
      name, x, y, nClasses: K, loss: 'binary', optimizer: paperOptimizer(name),
      xShape: [opts.batch, frames, nMels, 1],
      build: () => buildWei2018Crnn({ frames, nMels, nClasses: K, width, seed, dropout: 0 }),
      describe: `${opts.batch} clips, wei2018 log-mel (16 kHz, dB), ${frames} frames x 128 mels, width ${width}`,
    };
  } else if (name === 'mushtaq2020-cnn7') {
    const x = new Float32Array(opts.batch * frames * frames);
    clips.forEach((r, b) => {
      const mel = logMel(loadAudio(r.audioPath).channels[0], 'mushtaq2020');
      x.set(spectralImage(mel.data, mel.nMels, mel.nFrames, { height: frames, width: frames, channels: 1 }).data, b * frames * frames);
    });
    c = {
      name, x, y, nClasses: K, loss: 'categorical', optimizer: paperOptimizer(name),
      xShape: [opts.batch, frames, frames, 1],
      build: () => buildMushtaq2020Cnn('cnn7', { height: frames, widthPx: frames, channels: 1, nClasses: K, width, seed, dropout: 0 }),
      describe: `${opts.batch} clips, mushtaq2020 spectral image (22.05 kHz log-mel, 8-bit) ${frames} x ${frames}, width ${width}`,
    };
  } else {
    const nMels = 128;
    const ch = 3;
    const x = new Float32Array(opts.batch * frames * nMels * ch);
    clips.forEach((r, b) => {
      const f = hu2020Features(loadAudio(r.audioPath, { sr: 44100 }).channels[0], 44100);
      const plane = f.nFreq * f.nTime;
      for (let k = 0; k < ch; k++) middleFramesTimeMajor(f.data.subarray(k * plane, (k + 1) * plane), f.nFreq, f.nTime, frames, x, b * frames * nMels * ch, ch, k);
    });
    c = {
      name, x, y, nClasses: K, loss: 'categorical', optimizer: paperOptimizer(name),
      xShape: [opts.batch, frames, nMels, ch],
      build: () => buildHu2020Mobnet({ frames, nMels, channels: ch, nClasses: K, width, seed, dropout: 0 }),
      describe: `${opts.batch} clips, hu2020 features (44.1 kHz log-mel + deltas) ${frames} frames x 128 mels x 3, width ${width}`,
    };
  }
  cache.set(key, c);
  return c;
}
