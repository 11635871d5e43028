/**
 * The hu2020 (DCASE 2020 task 1, Hu et al.) input pipeline, exactly as the
 * authors' feature script (MihawkHu/DCASE2020_task1,
 * task1b/train/extr_feat_2020.py; task 1a's is the same with one channel):
 *
 * 1. mel power per audio channel: nFft 2048, hop 1024, periodic Hann,
 *    centred with REFLECT padding (they ran librosa 0.6.3, whose default was
 *    reflect), 128 HTK mels, no norm, fmin 0, fmax sr/2, power 2;
 * 2. stored in a float32 array, then log(x + 1e-8) in float32;
 * 3. min-max scaling to [0, 1] over the WHOLE clip (all channels jointly);
 * 4. 5-point regression deltas with no padding, twice (T -> T-4 -> T-8);
 * 5. stacked [scaled[:, 4:-4], d[:, 2:-2], dd] on the channel axis.
 *
 * 10 s at 44.1 kHz: 431 frames -> 423 (task 1a, 3 channels); 10 s at
 * 48 kHz binaural: 469 -> 461 frames, 6 channels (task 1b). Truncating
 * the audio to 10 s (`sound.read(..., stop=duration*sr)`) is the caller's
 * job.
 *
 * Channel order for several audio channels: the code concatenates along its
 * last axis arrays of shape (F, T, C), so the order is
 * [scaled_0..scaled_{C-1}, d_0..d_{C-1}, dd_0..dd_{C-1}] (for task 1b:
 * L, R, dL, dR, ddL, ddR) — `channelOrder: 'hu2020-code'`, the default.
 * `'per-channel'` groups each audio channel's three maps together
 * (L, dL, ddL, R, dR, ddR). Either way the min-max scaling is joint, as in
 * the code.
 *
 * Output: FeatureMap in (channel, freq, time) order, Float32Array (the code
 * produces float32); the golden files use (freq, time, channel).
 */
import type { FeatureMap } from './types.js';
import { InvalidParameterError } from '../util/errors.js';
import { logEps, minMaxScale } from './db.js';
import { regressionDelta5 } from './delta.js';
import { melSpectrogram, type MelSpectrogramOptions } from './spectrogram.js';

export interface Hu2020Options {
  nFft?: number;
  hopLength?: number;
  nMels?: number;
  /** Default 'reflect' as in the hu2020 code (librosa 0.6.3). */
  padMode?: 'constant' | 'reflect';
  /** Default 1e-8. */
  eps?: number;
  /** Emulate the code's float32 arithmetic (default true). */
  float32?: boolean;
  /** See the file header. Default 'hu2020-code'. */
  channelOrder?: 'hu2020-code' | 'per-channel';
}

/** The mel-spectrogram parameters of hu2020 (step 1). */
export function hu2020MelOptions(sr: number, opts: Hu2020Options = {}): MelSpectrogramOptions {
  return {
    sr,
    nFft: opts.nFft ?? 2048,
    hopLength: opts.hopLength ?? 1024,
    window: 'hann',
    center: true,
    padMode: opts.padMode ?? 'reflect',
    nMels: opts.nMels ?? 128,
    fmin: 0,
    fmax: sr / 2,
    htk: true,
    norm: null,
    power: 2,
  };
}

/** Intermediate results of the pipeline, per audio channel, (nMels, T)
 * row-major. */
export interface Hu2020Stages {
  nMels: number;
  nFrames: number;
  logMel: Float64Array[];
  scaled: Float64Array[];
  /** (nMels, T - 4) */
  d: Float64Array[];
  /** (nMels, T - 8) */
  dd: Float64Array[];
}

/** Steps 1-4 for one or more audio channels of equal length. */
export function hu2020Stages(channels: Float64Array[], sr: number, opts: Hu2020Options = {}): Hu2020Stages {
  if (channels.length === 0) throw new InvalidParameterError('hu2020: at least one audio channel is required');
  const len = channels[0].length;
  if (channels.some((c) => c.length !== len)) throw new InvalidParameterError('hu2020: all audio channels must have the same length');
  const float32 = opts.float32 ?? true;
  const eps = opts.eps ?? 1e-8;
  const melOpts = hu2020MelOptions(sr, opts);
  const mels = channels.map((y) => melSpectrogram(y, melOpts));
  const { nMels, nFrames } = mels[0];
  if (nFrames < 9) throw new InvalidParameterError(`hu2020: needs at least 9 frames for the two delta passes, got ${nFrames}`);
  const logMel = mels.map((m) => logEps(m.data, eps, { float32 }));
  // Joint min-max over all channels: scale the concatenation, then split.
  const size = nMels * nFrames;
  const all = new Float64Array(size * logMel.length);
  logMel.forEach((l, i) => all.set(l, i * size));
  const allScaled = minMaxScale(all, { float32 });
  const scaled = logMel.map((_, i) => allScaled.slice(i * size, (i + 1) * size));
  const d = scaled.map((s) => regressionDelta5(s, nFrames, { float32 }).data);
  const dd = d.map((x) => regressionDelta5(x, nFrames - 4, { float32 }).data);
  return { nMels, nFrames, logMel, scaled, d, dd };
}

/** Crop columns [from, from + nOut) of a (rows, nFrames) matrix into dst. */
function copyCropped(src: Float64Array, rows: number, nFrames: number, from: number, nOut: number, dst: Float32Array, offset: number): void {
  for (let r = 0; r < rows; r++) {
    const s = r * nFrames + from;
    const o = offset + r * nOut;
    for (let t = 0; t < nOut; t++) dst[o + t] = src[s + t];
  }
}

/** Step 5: the stacked network input, (3 * C, nMels, T - 8). */
export function hu2020Stack(st: Hu2020Stages, channelOrder: Hu2020Options['channelOrder'] = 'hu2020-code'): FeatureMap {
  const { nMels, nFrames } = st;
  const nTime = nFrames - 8;
  const nCh = st.scaled.length;
  const plane = nMels * nTime;
  const data = new Float32Array(3 * nCh * plane);
  for (let c = 0; c < nCh; c++) {
    const slot = (kind: number): number => (channelOrder === 'per-channel' ? 3 * c + kind : kind * nCh + c);
    copyCropped(st.scaled[c], nMels, nFrames, 4, nTime, data, slot(0) * plane);
    copyCropped(st.d[c], nMels, nFrames - 4, 2, nTime, data, slot(1) * plane);
    copyCropped(st.dd[c], nMels, nFrames - 8, 0, nTime, data, slot(2) * plane);
  }
  return { data, nChannels: 3 * nCh, nFreq: nMels, nTime };
}

/** hu2020 task 1a input for a mono clip: 3 channels (scaled log-mel,
 * delta, delta-delta), 128 mels, T - 8 frames. */
export function hu2020Features(y: Float64Array, sr: number, opts: Hu2020Options = {}): FeatureMap {
  return hu2020Stack(hu2020Stages([y], sr, opts), opts.channelOrder);
}

/** hu2020 task 1b input for a binaural clip: 6 channels (see the header
 * for the order), 128 mels, T - 8 frames (461 for 10 s at 48 kHz). */
export function hu2020BinauralFeatures(left: Float64Array, right: Float64Array, sr: number, opts: Hu2020Options = {}): FeatureMap {
  return hu2020Stack(hu2020Stages([left, right], sr, opts), opts.channelOrder);
}
