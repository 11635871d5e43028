/**
 * Mel scale and mel filterbank, as librosa 0.9.2 (librosa.hz_to_mel,
 * mel_to_hz, mel_frequencies, fft_frequencies, filters.mel).
 *
 * Arithmetic follows librosa's expression order (e.g. the Slaney log region
 * uses logstep = ln(6.4) / 27 and min_log_mel = 1000 / (200 / 3)), so
 * values agree with librosa to a unit in the last place.
 *
 * dtype: librosa.filters.mel builds the weights in float32 by default (the
 * triangle is rounded to float32, then multiplied by the float64 Slaney
 * norm and rounded again). `dtype: 'float32'` (the default here, as in
 * librosa) reproduces that with Math.fround, so parity with librosa's
 * float64-input outputs is exact up to FFT rounding; 'float64' keeps full
 * precision (differs from librosa by ~1e-7 relative).
 *
 * Filterbanks are cached per parameter set (`getMelBasis`), and carry the
 * range of non-zero bins of each filter so applying them costs
 * O(non-zeros) instead of O(nMels * nFreq).
 *
 * Empty filters (an all-zero row, e.g. fmax above sr/2 or too many mels for
 * nFft) are allowed, as in librosa, with librosa's warning printed once per
 * process on stderr (`EMPTY_FILTERS_WARNING`, same condition: a row whose
 * lower edge is not 0 Hz and whose weights are all 0).
 */
import { InvalidParameterError, warnOnce } from '../util/errors.js';

/** librosa 0.9.2 filters.mel's warning text, word for word. */
export const EMPTY_FILTERS_WARNING =
  'Empty filters detected in mel frequency basis. Some channels will produce empty responses. ' +
  'Try increasing your sampling rate (and fmax) or reducing n_mels.';

const F_SP = 200.0 / 3;
const MIN_LOG_HZ = 1000.0;
const MIN_LOG_MEL = (MIN_LOG_HZ - 0.0) / F_SP;
const LOGSTEP = Math.log(6.4) / 27.0;

/** librosa.hz_to_mel: HTK (2595 log10(1 + f/700)) or Slaney (linear below
 * 1 kHz, logarithmic above). */
export function hzToMel(f: number, htk = false): number {
  if (htk) return 2595.0 * Math.log10(1.0 + f / 700.0);
  let mel = (f - 0.0) / F_SP;
  if (f >= MIN_LOG_HZ) mel = MIN_LOG_MEL + Math.log(f / MIN_LOG_HZ) / LOGSTEP;
  return mel;
}

/** librosa.mel_to_hz, the inverse of hzToMel. */
export function melToHz(mel: number, htk = false): number {
  if (htk) return 700.0 * (10.0 ** (mel / 2595.0) - 1.0);
  let f = 0.0 + F_SP * mel;
  if (mel >= MIN_LOG_MEL) f = MIN_LOG_HZ * Math.exp(LOGSTEP * (mel - MIN_LOG_MEL));
  return f;
}

/** librosa.mel_frequencies: n frequencies (Hz) uniformly spaced in mels
 * from fmin to fmax inclusive (numpy.linspace arithmetic). */
export function melFrequencies(n: number, opts: { fmin?: number; fmax?: number; htk?: boolean } = {}): Float64Array {
  const { fmin = 0.0, fmax = 11025.0, htk = false } = opts;
  if (!Number.isInteger(n) || n < 0) throw new InvalidParameterError(`melFrequencies: n must be a non-negative integer, got ${n}`);
  const minMel = hzToMel(fmin, htk);
  const maxMel = hzToMel(fmax, htk);
  const out = new Float64Array(n);
  const step = (maxMel - minMel) / (n - 1);
  for (let i = 0; i < n; i++) {
    // numpy.linspace: num=1 gives [start]; the last point is exactly stop.
    const mel = n === 1 ? minMel : i === n - 1 ? maxMel : i * step + minMel;
    out[i] = melToHz(mel, htk);
  }
  return out;
}

/** librosa.fft_frequencies (numpy.fft.rfftfreq(nFft, 1/sr)). */
export function fftFrequencies(sr: number, nFft: number): Float64Array {
  const nFreq = Math.floor(nFft / 2) + 1;
  const val = 1.0 / (nFft * (1.0 / sr));
  const out = new Float64Array(nFreq);
  for (let k = 0; k < nFreq; k++) out[k] = k * val;
  return out;
}

export type MelNorm = 'slaney' | null;

export interface MelOptions {
  sr: number;
  nFft: number;
  /** Default 128. */
  nMels?: number;
  /** Default 0. */
  fmin?: number;
  /** Default sr / 2 (null or undefined). */
  fmax?: number | null;
  /** HTK mel scale instead of Slaney's. Default false. */
  htk?: boolean;
  /** 'slaney' (area normalisation, default) or null (peak 1). */
  norm?: MelNorm;
  /** Precision the weights are built in. Default 'float32' like librosa. */
  dtype?: 'float32' | 'float64';
}

/** A mel filterbank, (nMels, nFreq) row-major, with the non-zero range
 * [start[m], end[m]) of each row. */
export interface MelBasis {
  weights: Float64Array;
  nMels: number;
  nFreq: number;
  start: Int32Array;
  end: Int32Array;
  /** The weights of row m in [start[m], end[m]), packed contiguously from
   * packedOffset[m] (the sparse form used to apply the filterbank). */
  packed: Float64Array;
  packedOffset: Int32Array;
  /** Rows that are all zero (librosa warns "Empty filters detected"). */
  emptyFilters: number[];
}

function validateMel(opts: MelOptions): Required<Omit<MelOptions, 'fmax'>> & { fmax: number } {
  const { sr, nFft } = opts;
  if (!(Number.isFinite(sr) && sr > 0)) throw new InvalidParameterError(`mel: sr must be a positive number, got ${sr}`);
  if (!Number.isInteger(nFft) || nFft < 1) throw new InvalidParameterError(`mel: nFft must be a positive integer, got ${nFft}`);
  const nMels = opts.nMels ?? 128;
  if (!Number.isInteger(nMels) || nMels < 1) throw new InvalidParameterError(`mel: nMels must be a positive integer, got ${nMels}`);
  const fmin = opts.fmin ?? 0;
  const fmax = opts.fmax ?? sr / 2;
  if (!(Number.isFinite(fmin) && fmin >= 0)) throw new InvalidParameterError(`mel: fmin must be >= 0, got ${fmin}`);
  if (!(Number.isFinite(fmax) && fmax > fmin)) throw new InvalidParameterError(`mel: fmax (${fmax}) must be > fmin (${fmin})`);
  const norm = opts.norm === undefined ? 'slaney' : opts.norm;
  if (norm !== 'slaney' && norm !== null) throw new InvalidParameterError(`mel: norm must be 'slaney' or null, got '${String(norm)}'`);
  const dtype = opts.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') throw new InvalidParameterError(`mel: dtype must be 'float32' or 'float64', got '${String(dtype)}'`);
  return { sr, nFft, nMels, fmin, fmax, htk: opts.htk ?? false, norm, dtype };
}

function buildMelBasis(opts: MelOptions): MelBasis {
  const { sr, nFft, nMels, fmin, fmax, htk, norm, dtype } = validateMel(opts);
  const round = dtype === 'float32' ? Math.fround : (x: number) => x;
  const nFreq = Math.floor(nFft / 2) + 1;
  const fftf = fftFrequencies(sr, nFft);
  const melF = melFrequencies(nMels + 2, { fmin, fmax, htk });
  const weights = new Float64Array(nMels * nFreq);
  const start = new Int32Array(nMels);
  const end = new Int32Array(nMels);
  const emptyFilters: number[] = [];
  for (let m = 0; m < nMels; m++) {
    const fdiffLo = melF[m + 1] - melF[m];
    const fdiffHi = melF[m + 2] - melF[m + 1];
    const enorm = norm === 'slaney' ? 2.0 / (melF[m + 2] - melF[m]) : 1;
    let first = -1;
    let last = -1;
    for (let k = 0; k < nFreq; k++) {
      const lower = -(melF[m] - fftf[k]) / fdiffLo;
      const upper = (melF[m + 2] - fftf[k]) / fdiffHi;
      let w = round(Math.max(0, Math.min(lower, upper)));
      if (norm === 'slaney') w = round(w * enorm);
      weights[m * nFreq + k] = w;
      if (w !== 0) {
        if (first < 0) first = k;
        last = k;
      }
    }
    if (first < 0) {
      emptyFilters.push(m);
      start[m] = 0;
      end[m] = 0;
    } else {
      start[m] = first;
      end[m] = last + 1;
    }
  }
  // librosa: `if not np.all((mel_f[:-2] == 0) | (weights.max(axis=1) > 0))`
  if (emptyFilters.some((m) => melF[m] !== 0)) warnOnce(EMPTY_FILTERS_WARNING);
  const packedOffset = new Int32Array(nMels + 1);
  for (let m = 0; m < nMels; m++) packedOffset[m + 1] = packedOffset[m] + (end[m] - start[m]);
  const packed = new Float64Array(packedOffset[nMels]);
  for (let m = 0; m < nMels; m++) {
    packed.set(weights.subarray(m * nFreq + start[m], m * nFreq + end[m]), packedOffset[m]);
  }
  return { weights, nMels, nFreq, start, end, packed, packedOffset, emptyFilters };
}

const basisCache = new Map<string, MelBasis>();
const MAX_CACHED = 32;

/** Cached mel filterbank for this parameter set (build once, reuse). The
 * returned object is shared: do not modify it. */
export function getMelBasis(opts: MelOptions): MelBasis {
  const v = validateMel(opts);
  const key = JSON.stringify([v.sr, v.nFft, v.nMels, v.fmin, v.fmax, v.htk, v.norm, v.dtype]);
  let b = basisCache.get(key);
  if (!b) {
    b = buildMelBasis(opts);
    if (basisCache.size >= MAX_CACHED) basisCache.delete(basisCache.keys().next().value as string);
    basisCache.set(key, b);
  }
  return b;
}

/** librosa.filters.mel: the (nMels, 1 + nFft/2) filterbank, row-major
 * (a fresh copy). */
export function melFilterbank(opts: MelOptions): Float64Array {
  return Float64Array.from(getMelBasis(opts).weights);
}

/** Apply a mel basis to one spectrum column: out[m] = sum_k W[m,k] p[k]. */
export function applyMelColumn(basis: MelBasis, p: Float64Array, out: Float64Array): void {
  const { packed, packedOffset, start } = basis;
  const nMels = basis.nMels;
  for (let m = 0; m < nMels; m++) {
    let acc = 0;
    let k = start[m];
    const stop = packedOffset[m + 1];
    for (let j = packedOffset[m]; j < stop; j++, k++) acc += packed[j] * p[k];
    out[m] = acc;
  }
}
