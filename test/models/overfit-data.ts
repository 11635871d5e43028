/**
 * Data for the overfit test (overfit.test.ts): 16 excerpts of real ESC-50
 * audio from the embedded ESC-10 sample (data-manifests/samples/esc10: two
 * clips per class, 22.05 kHz), 4 classes x 2 clips x 2 excerpts, and their
 * features, made once per test file through the library's own pipelines and
 * cached here.
 *
 * Our choices (to keep the training cheap enough for CI):
 * - Classes: rooster, rain, crying_baby, chainsaw. The sample has two clips
 *   per class, so each clip gives two excerpts to keep 16 examples of 4
 *   classes (the size the epoch counts in overfit.test.ts were chosen for).
 *   Both excerpts of every clip of these classes hold sound; dog, the
 *   earlier choice, was dropped because one of its sample clips is digital
 *   silence after its first second (two silent excerpts of different
 *   classes could not be told apart). `pickClips` checks this.
 * - Excerpts: 1 s each, on a 0.1 s grid of the 22.05 kHz clip: the window
 *   with the most energy, and the most energetic window not overlapping it.
 *   The same start time (in seconds) is used at every sample rate.
 * - Audio at each pipeline's rate via `loadAudio(path, { sr })` (resampy
 *   kaiser_best): 16 kHz (wei2018, downsampled), 22.05 kHz (mushtaq2020, the
 *   sample's own rate), 44.1 kHz (hu2020, upsampled: its top mel bands,
 *   above 11.025 kHz, hold no sound, as on the TAU-2020-like fixtures).
 * - wei2018: `logMel(y, 'wei2018')` (128 mels, dB) -> 30 frames x 128 mels x 1.
 * - mushtaq2020: `logMel(y, 'mushtaq2020')` (128 mels x 44 frames, dB) ->
 *   `spectralImage` resized to 32 x 32, 3 channels (grey repeated).
 * - hu2020: `hu2020Features(y, 44100, { nMels: 32 })` -> 36 frames x 32 mels
 *   x 3 (scaled log-mel, delta, delta-delta); the task 1b models take 6
 *   channels (binaural L, R): ESC-50 is mono, so the clip is fed as both
 *   sides (`hu2020BinauralFeatures(y, y, ...)`) -> 36 x 32 x 6.
 * Feature maps are transposed to the models' (time, freq, channels) layout.
 */
import { loadAudio } from '../../src/audio/load.js';
import { EMBEDDED_SAMPLE_DIR } from '../../src/data/stand-ins/index.js';
import { loadEsc50 } from '../../src/data/loaders/esc50.js';
import { hu2020BinauralFeatures, hu2020Features, logMel } from '../../src/features/index.js';
import { spectralImage } from '../../src/features/spectral-image.js';
import type { FeatureMap } from '../../src/features/types.js';
import { arrayDataset, type Dataset } from '../../src/train/batches.js';

export const SOURCE_RATE = 22050;
export const CLASSES = ['rooster', 'rain', 'crying_baby', 'chainsaw'] as const;
export const CLIPS_PER_CLASS = 2;
export const EXCERPTS_PER_CLIP = 2;
export const EXCERPT_SECONDS = 1;
/** An excerpt quieter than this (RMS, dBFS) counts as silent. */
export const SILENT_DB = -50;
export const HU_MELS = 32;
export const IMAGE_SIZE = 32;

export type FeatureKind = 'wei2018' | 'mushtaq2020' | 'hu2020-3ch' | 'hu2020-6ch';

export interface Clip {
  /** Path of the sample's WAV file. */
  path: string;
  /** `<ESC-50 file name>@<start>s`. */
  id: string;
  cls: number;
  /** Start of the excerpt in seconds. */
  start: number;
}

/** Start (s) of the most energetic `seconds`-long window on a 0.1 s grid, optionally not overlapping [avoid, avoid + seconds). */
export function loudestStart(y: Float64Array, sr: number, seconds: number, avoid?: number): number {
  const len = Math.round(seconds * sr);
  const step = Math.round(0.1 * sr);
  const cum = new Float64Array(y.length + 1);
  for (let i = 0; i < y.length; i++) cum[i + 1] = cum[i] + y[i] * y[i];
  let best = -1;
  let bestE = -1;
  for (let s = 0; s + len <= y.length; s += step) {
    if (avoid !== undefined && Math.abs(s - Math.round(avoid * sr)) < len) continue;
    const e = cum[s + len] - cum[s];
    if (e > bestE) {
      bestE = e;
      best = s;
    }
  }
  if (best < 0) throw new Error(`no ${seconds}-s window of ${y.length} samples avoids the one at ${avoid} s`);
  return best / sr;
}

function excerpt(y: Float64Array, sr: number, start: number): Float64Array {
  const s = Math.round(start * sr);
  const len = Math.round(EXCERPT_SECONDS * sr);
  if (s + len > y.length) throw new Error(`excerpt [${s}, ${s + len}) beyond ${y.length} samples`);
  return y.slice(s, s + len);
}

/** The 16 excerpts: both sample clips of each class (sorted by name), two non-overlapping loud windows each. */
export function pickClips(): Clip[] {
  const rows = loadEsc50({ root: EMBEDDED_SAMPLE_DIR, metadataFile: 'meta.csv' });
  const out: Clip[] = [];
  CLASSES.forEach((name, cls) => {
    const paths = rows
      .filter((r) => r.labels[0] === name)
      .map((r) => r.audioPath)
      .sort();
    if (paths.length !== CLIPS_PER_CLASS) throw new Error(`the embedded sample has ${paths.length} '${name}' clips, need ${CLIPS_PER_CLASS}`);
    for (const path of paths) {
      const y = loadAudio(path, { expectedSr: SOURCE_RATE }).channels[0];
      const first = loudestStart(y, SOURCE_RATE, EXCERPT_SECONDS);
      const second = loudestStart(y, SOURCE_RATE, EXCERPT_SECONDS, first);
      for (const start of [first, second]) {
        const e = excerpt(y, SOURCE_RATE, start);
        const db = 10 * Math.log10(e.reduce((a, v) => a + v * v, 0) / e.length + 1e-30);
        if (db < SILENT_DB) throw new Error(`${path}: the 1-s excerpt at ${start.toFixed(1)} s is silent (${db.toFixed(1)} dBFS)`);
        out.push({ path, id: `${path.split('/').pop()}@${start.toFixed(1)}s`, cls, start });
      }
    }
  });
  return out;
}

/** (channel, freq, time) FeatureMap -> (time, freq, channel) Float32Array. */
export function toTimeFreqChannels(f: FeatureMap): Float32Array {
  const { nChannels: C, nFreq: F, nTime: T } = f;
  const out = new Float32Array(C * F * T);
  for (let c = 0; c < C; c++) for (let m = 0; m < F; m++) for (let t = 0; t < T; t++) out[(t * F + m) * C + c] = f.data[(c * F + m) * T + t];
  return out;
}

/** (nMels, nFrames) row-major -> (frames, mels, 1). */
function melToTimeFreq(data: Float64Array, nMels: number, nFrames: number): Float32Array {
  const out = new Float32Array(nMels * nFrames);
  for (let m = 0; m < nMels; m++) for (let t = 0; t < nFrames; t++) out[t * nMels + m] = data[m * nFrames + t];
  return out;
}

export interface OverfitData {
  clips: Clip[];
  /** One-hot targets over CLASSES. */
  labels: Float32Array[];
  datasets: Record<FeatureKind, Dataset>;
  seconds: number;
}

let cache: OverfitData | undefined;

/** Loads the clips and computes every feature kind (once per test file). */
export function overfitData(): OverfitData {
  if (cache) return cache;
  const t0 = performance.now();
  const clips = pickClips();
  const feats: Record<FeatureKind, Float32Array[]> = { wei2018: [], mushtaq2020: [], 'hu2020-3ch': [], 'hu2020-6ch': [] };
  const shapes = {} as Record<FeatureKind, number[]>;
  const audio = new Map<string, Record<number, Float64Array>>();
  for (const clip of clips) {
    let rates = audio.get(clip.path);
    if (!rates) {
      rates = Object.fromEntries([16000, 22050, 44100].map((sr) => [sr, loadAudio(clip.path, { sr }).channels[0]]));
      audio.set(clip.path, rates);
    }
    const e44 = excerpt(rates[44100], 44100, clip.start);
    const e16 = excerpt(rates[16000], 16000, clip.start);
    const e22 = excerpt(rates[22050], 22050, clip.start);

    const wei = logMel(e16, 'wei2018');
    feats.wei2018.push(melToTimeFreq(wei.data, wei.nMels, wei.nFrames));
    shapes.wei2018 = [wei.nFrames, wei.nMels, 1];

    const db = logMel(e22, 'mushtaq2020');
    const img = spectralImage(db.data, db.nMels, db.nFrames, { height: IMAGE_SIZE, width: IMAGE_SIZE, channels: 3 });
    feats.mushtaq2020.push(img.data);
    shapes.mushtaq2020 = [img.height, img.width, img.channels];

    const hu3 = hu2020Features(e44, 44100, { nMels: HU_MELS });
    feats['hu2020-3ch'].push(toTimeFreqChannels(hu3));
    shapes['hu2020-3ch'] = [hu3.nTime, hu3.nFreq, hu3.nChannels];

    const hu6 = hu2020BinauralFeatures(e44, e44, 44100, { nMels: HU_MELS });
    feats['hu2020-6ch'].push(toTimeFreqChannels(hu6));
    shapes['hu2020-6ch'] = [hu6.nTime, hu6.nFreq, hu6.nChannels];
  }
  const labels = clips.map((c) => {
    const y = new Float32Array(CLASSES.length);
    y[c.cls] = 1;
    return y;
  });
  const ids = clips.map((c) => c.id);
  const datasets = Object.fromEntries(
    (Object.keys(feats) as FeatureKind[]).map((k) => [k, arrayDataset(feats[k], labels, shapes[k], ids)]),
  ) as Record<FeatureKind, Dataset>;
  cache = { clips, labels, datasets, seconds: (performance.now() - t0) / 1000 };
  return cache;
}
