/**
 * Which clips spectrum correction's coefficients are estimated on, when a
 * config gives none (hu2020 section 3; the code used 150 paired clips):
 * source = device A, reference = the mean magnitude spectrum of every other
 * training device, each estimated on up to 150 training clips per device
 * drawn with Rng(`hu2020-spectrum-correction|<device>`) from the clips
 * sorted by id. The plan's `key` (the clips' audio hashes and the STFT
 * settings) identifies the coefficients in a feature cache.
 */
import { createHash } from 'node:crypto';
import type { Waveform } from '../../audio/types.js';
import { InvalidParameterError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { averageMagnitudeSpectrum, correctionCoefficients, referenceSpectrum } from './spectrum-correction.js';

/** Clips per device for the spectrum-correction spectra. */
export const SPECTRUM_CLIPS_PER_DEVICE = 150;
export interface DeviceClip {
  id: string;
  audioPath: string;
  device?: string;
}

export interface SpectrumPlan<C extends DeviceClip = DeviceClip> {
  stft: { nFft: number; hopLength: number; padMode: 'reflect' | 'constant' };
  /** Clips of each non-A training device (reference), and of device A (source). */
  reference: C[][];
  source: C[];
  key: string;
}

function numberParam(params: Record<string, unknown>, key: string, fallback: number): number {
  const v = params[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidParameterError(`spectrum_correction: '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export async function planSpectrumCorrection<C extends DeviceClip>(
  train: readonly C[],
  params: Record<string, unknown>,
  hashOf: (path: string) => Promise<string>,
  /** The reference devices' order (the dataset's own, e.g. TAU's a, b, c, s1-s6). */
  deviceRank: (device: string) => number,
): Promise<SpectrumPlan<C>> {
  const stft = {
    nFft: numberParam(params, 'nFft', 2048),
    hopLength: numberParam(params, 'hopLength', 1024),
    padMode: (params.padMode ?? 'reflect') as 'reflect' | 'constant',
  };
  const byDevice = new Map<string, C[]>();
  for (const c of train) {
    const d = c.device ?? '';
    byDevice.set(d, [...(byDevice.get(d) ?? []), c]);
  }
  const pick = (d: string): C[] => {
    const list = [...(byDevice.get(d) ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1));
    new Rng(`hu2020-spectrum-correction|${d}`).shuffle(list);
    return list.slice(0, SPECTRUM_CLIPS_PER_DEVICE);
  };
  const others = [...byDevice.keys()].filter((d) => d !== 'a').sort((a, b) => deviceRank(a) - deviceRank(b));
  const source = pick('a');
  if (source.length === 0 || others.length === 0) {
    throw new InvalidParameterError('spectrum correction needs device-A training clips and training clips of at least one other device');
  }
  const reference = others.map(pick);
  const hashes: string[] = [];
  for (const c of [...source, ...reference.flat()]) hashes.push(await hashOf(c.audioPath));
  return { stft, reference, source, key: createHash('sha256').update(JSON.stringify({ hashes, stft })).digest('hex') };
}

/** Correction coefficients: mean spectrum of the reference devices over device A's (first channel of each clip as read). */
export function spectrumCorrectionCoefficients<C extends DeviceClip>(plan: SpectrumPlan<C>, read: (c: C) => Waveform): Float64Array {
  // Every clip has the same length, so the mean of per-clip mean spectra is the mean over all frames.
  const meanSpectrum = (clips: C[]): Float64Array => {
    let sum: Float64Array | null = null;
    for (const c of clips) {
      const s = averageMagnitudeSpectrum([read(c).channels[0]], plan.stft);
      if (sum === null) sum = new Float64Array(s.length);
      for (let i = 0; i < s.length; i++) sum[i] += s[i] / clips.length;
    }
    return sum!;
  };
  return correctionCoefficients(referenceSpectrum(plan.reference.map(meanSpectrum)), meanSpectrum(plan.source));
}
