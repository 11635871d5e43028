/**
 * Feature extractors: an experiment's `features` section ({ preset, options })
 * turned into the one object that says how a clip is read, what the model
 * sees and how a waveform becomes that input. `features` is the only
 * authority on features: nothing else reads its options, and no model or
 * training option changes them.
 *
 * Presets (options, defaults):
 * - 'mushtaq2020': the spectral image (spectral-image.ts) of a clip read at
 *   `sr` 22050 Hz mono, brought to `seconds` 5 (fix_length) after any
 *   waveform augmentation; `height` x `width` pixels (128 x 128), one grey
 *   channel; model input (height, width, 1). `control: 'zero-input'` sets
 *   every image to zero (a negative control).
 * - 'wei2018': log-mel (presets.ts 'wei2018': 16 kHz, 124 x 128 per 4 s) of
 *   a clip read at 16 kHz mono, fix_length to `seconds` 4; model input
 *   (frames, mels, 1). `sr`, `frames`, `nMels` may be stated, and must then
 *   match what the preset computes.
 * - 'hu2020': log-mel with deltas (hu2020.ts) of a clip read at its own
 *   rate, which must be `sr` (no resampling, as the authors' code), cut or
 *   zero-padded to `seconds` (10) at load, as the code's
 *   `sound.read(stop=duration*sr)`; `nMels` (128), `scale` (min-max to
 *   [0, 1], true; off: deltas of the unscaled log-mel), `binaural` (false:
 *   mono mix), `channelOrder` ('hu2020-code' | 'per-channel'), hop 1024 and
 *   two 5-point delta passes (8 frames fewer); model input (frames, mels,
 *   3 or 6 channels).
 */
import type { Waveform } from '../audio/types.js';
import { fixLength } from './spectral-image.js';
import { spectralImage } from './spectral-image.js';
import { logMel, resolvePreset } from './logmel.js';
import { hu2020MelOptions, hu2020Stack, hu2020Stages, type Hu2020Options } from './hu2020.js';
import { regressionDelta5 } from './delta.js';
import { toModelLayout, type RowLayout } from './layout.js';
import type { FeatureMap } from './types.js';
import { InvalidParameterError } from '../util/errors.js';

export interface FeatureSpec {
  preset: string;
  options?: Record<string, unknown>;
}

export interface FeatureExtractor {
  preset: string;
  /** How a clip is read: resampled to `sr` (or required to have it), mono or all channels, cut at load. */
  audio: { sr: number; mono: boolean; resample: boolean; cutToSeconds: number | null };
  /** The feature map's (channel, freq, time) size. */
  map: { nChannels: number; nFreq: number; nTime: number };
  /** One example as the model takes it. */
  inputShape: [number, number, number];
  /** What identifies these features in the feature cache. */
  cacheParams: Record<string, unknown>;
  /** The model input of a waveform read as `audio` says. */
  compute(w: Waveform): Float32Array;
  /** How a model-layout row maps onto a FeatureMap (layout.ts rowToFeatureMap / featureMapToRow). */
  layout: RowLayout;
}

type Options = Record<string, unknown>;

function known(preset: string, o: Options, keys: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw new InvalidParameterError(`features.options.${k}: not an option of preset '${preset}' (options: ${keys.join(', ')})`);
  }
}

function num(o: Options, key: string, fallback: number, check: (v: number) => boolean = (v) => v > 0, what = 'a positive number'): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw new InvalidParameterError(`features.options.${key} must be ${what}, got ${JSON.stringify(v)}`);
  return v;
}

const int = (v: number) => Number.isInteger(v) && v >= 1;

function mushtaq2020(o: Options): FeatureExtractor {
  known('mushtaq2020', o, ['height', 'width', 'sr', 'seconds', 'control']);
  const p = resolvePreset('mushtaq2020');
  const sr = num(o, 'sr', p.sr);
  if (sr !== p.sr) throw new InvalidParameterError(`features.options.sr: preset 'mushtaq2020' computes at ${p.sr} Hz, got ${sr}`);
  const seconds = num(o, 'seconds', 5);
  const height = num(o, 'height', 128, int, 'a positive integer');
  const width = num(o, 'width', 128, int, 'a positive integer');
  const control = o.control;
  if (control !== undefined && control !== 'zero-input') throw new InvalidParameterError(`features.options.control: unknown control '${String(control)}' (known: zero-input)`);
  const map = { nChannels: 1, nFreq: height, nTime: width };
  return {
    preset: 'mushtaq2020',
    audio: { sr, mono: true, resample: true, cutToSeconds: null },
    map,
    inputShape: [height, width, 1],
    cacheParams: { kind: 'mushtaq2020-spectral-image', sr, seconds, height, width, control: control ?? null },
    compute(w) {
      const mel = logMel(fixLength(w.channels[0], Math.round(sr * seconds)), 'mushtaq2020');
      const x = spectralImage(mel.data, mel.nMels, mel.nFrames, { height, width }).data;
      // Negative control: the model sees nothing (an all-zero image).
      return control === 'zero-input' ? new Float32Array(x.length) : x;
    },
    // An image row is (height, width) = (freq, time) with one channel: the same values.
    layout: 'image',
  };
}

function framesOf(samples: number, nFft: number, hop: number, center: boolean): number {
  return center ? 1 + Math.floor(samples / hop) : 1 + Math.floor((samples - nFft) / hop);
}

function wei2018(o: Options): FeatureExtractor {
  known('wei2018', o, ['sr', 'seconds', 'frames', 'nMels']);
  const p = resolvePreset('wei2018');
  const seconds = num(o, 'seconds', 4);
  const samples = Math.round(seconds * p.sr);
  const computed = { sr: p.sr, frames: framesOf(samples, p.nFft, p.hopLength, p.center), nMels: p.nMels };
  for (const k of ['sr', 'frames', 'nMels'] as const) {
    if (o[k] !== undefined && o[k] !== computed[k]) {
      throw new InvalidParameterError(`features.options.${k} is ${String(o[k])}, but the 'wei2018' preset gives ${computed[k]}`);
    }
  }
  const { frames, nMels } = computed;
  const map = { nChannels: 1, nFreq: nMels, nTime: frames };
  return {
    preset: 'wei2018',
    audio: { sr: p.sr, mono: true, resample: true, cutToSeconds: null },
    map,
    inputShape: [frames, nMels, 1],
    cacheParams: { kind: 'wei2018-crnn-input', layout: 'frames-mels', samples, preset: p },
    compute(w) {
      const mel = logMel(fixLength(w.channels[0], samples), 'wei2018');
      if (mel.nFrames !== frames || mel.nMels !== nMels) {
        throw new InvalidParameterError(`wei2018 features: ${mel.nFrames} x ${mel.nMels}, expected ${frames} x ${nMels}`);
      }
      return toModelLayout(mel.data, 1, nMels, frames);
    },
    layout: 'time-freq-channels',
  };
}

/** The hu2020 network input of one clip, (channel, freq, time). */
function hu2020Map(w: Waveform, g: { sr: number; seconds: number; nMels: number; scale: boolean; binaural: boolean; channelOrder: NonNullable<Hu2020Options['channelOrder']> }): FeatureMap {
  if (w.sr !== g.sr) throw new InvalidParameterError(`hu2020 features: waveform at ${w.sr} Hz, features expect ${g.sr} Hz`);
  const need = g.binaural ? 2 : 1;
  if (w.channels.length !== need) throw new InvalidParameterError(`hu2020 features: need ${need} audio channel(s), got ${w.channels.length}`);
  const n = Math.round(g.seconds * g.sr);
  const chans = w.channels.map((c) => fixLength(c, n));
  const st = hu2020Stages(chans, g.sr, { nMels: g.nMels, channelOrder: g.channelOrder });
  if (g.scale) return hu2020Stack(st, g.channelOrder);
  // Scale off (Table 1 row (1)): deltas of the unscaled log-mel, in float32 as the code.
  const d = st.logMel.map((l) => regressionDelta5(l, st.nFrames, { float32: true }).data);
  const dd = d.map((x) => regressionDelta5(x, st.nFrames - 4, { float32: true }).data);
  return hu2020Stack({ ...st, scaled: st.logMel, d, dd }, g.channelOrder);
}

function hu2020(o: Options): FeatureExtractor {
  known('hu2020', o, ['sr', 'seconds', 'nMels', 'scale', 'binaural', 'channelOrder']);
  if (o.sr === undefined) throw new InvalidParameterError("features.options.sr: preset 'hu2020' reads clips at their own rate, which must be stated (44100 for task 1a, 48000 for task 1b)");
  const sr = num(o, 'sr', 0, int, 'a positive integer');
  const seconds = num(o, 'seconds', 10);
  const nMels = num(o, 'nMels', 128, (v) => Number.isInteger(v) && v >= 2 && v % 2 === 0, 'an even integer >= 2');
  for (const k of ['scale', 'binaural'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new InvalidParameterError(`features.options.${k} must be true or false, got ${JSON.stringify(o[k])}`);
  }
  const scale = o.scale !== false;
  const binaural = o.binaural === true;
  const channelOrder = (o.channelOrder ?? 'hu2020-code') as NonNullable<Hu2020Options['channelOrder']>;
  if (channelOrder !== 'hu2020-code' && channelOrder !== 'per-channel') {
    throw new InvalidParameterError(`features.options.channelOrder must be 'hu2020-code' or 'per-channel', got '${String(channelOrder)}'`);
  }
  const hop = hu2020MelOptions(sr, { nMels }).hopLength ?? 1024;
  const samples = Math.round(seconds * sr);
  const nFrames = 1 + Math.floor(samples / hop) - 8;
  if (nFrames < 1) throw new InvalidParameterError(`features.options.seconds: ${seconds} s gives no frames after the two delta passes`);
  const nChannels = binaural ? 6 : 3;
  const g = { sr, seconds, nMels, scale, binaural, channelOrder };
  const map = { nChannels, nFreq: nMels, nTime: nFrames };
  return {
    preset: 'hu2020',
    audio: { sr, mono: !binaural, resample: false, cutToSeconds: seconds },
    map,
    inputShape: [nFrames, nMels, nChannels],
    cacheParams: { kind: 'hu2020-input', version: 1, ...g },
    compute: (w) => {
      const fm = hu2020Map(w, g);
      return toModelLayout(fm.data, fm.nChannels, fm.nFreq, fm.nTime);
    },
    layout: 'time-freq-channels',
  };
}

const EXTRACTORS: Record<string, (o: Options) => FeatureExtractor> = { mushtaq2020, wei2018, hu2020 };

export const FEATURE_PRESETS = Object.keys(EXTRACTORS);

/** The extractor of a `features` section (options checked now, errors name the option). */
export function featureExtractor(spec: FeatureSpec): FeatureExtractor {
  const make = EXTRACTORS[spec.preset];
  if (!make) throw new InvalidParameterError(`features.preset: unknown preset '${spec.preset}' (known: ${FEATURE_PRESETS.join(', ')})`);
  return make(spec.options ?? {});
}
