/**
 * `loadAudio`: read a WAV file like librosa.load (soundfile backend): decode,
 * mix down to mono (mean of channels, librosa.to_mono) unless `mono: false`,
 * then resample to `sr` with resampy's kaiser_best when `sr` is given.
 *
 * Differences from librosa.load, on purpose:
 * - `sr` defaults to null (keep the file's rate); librosa's default is 22050.
 *   Pass `sr: 22050` for librosa's behaviour.
 * - Samples are float64 (librosa returns float32 by default); int16 values
 *   are identical, mono mixdown of several channels is done in float64.
 * - `expectedSr`: a guard for pipelines that must not resample silently; a
 *   file at another native rate is an AudioFormatError naming the file.
 * - WAV only (no offset/duration); other containers are AudioFormatErrors.
 * - The samples are checked when loaded (`checkAudioContent`): a file with no
 *   samples is an AudioFormatError and a NaN or infinite sample (a float WAV
 *   can hold them) a NonFiniteError, both naming the file, the channel and
 *   the sample, so a bad input is reported where it enters and not as a
 *   failure of whatever processes it later (librosa checks the same with
 *   util.valid_audio, inside each function).
 */
import type { Waveform } from './types.js';
import { AudioFormatError, InvalidParameterError, NonFiniteError } from '../util/errors.js';
import { resample } from './resample.js';
import { toMono } from './wav.js';
import { readWav } from './wav-file.js';

export interface LoadAudioOptions {
  /** Target rate; null/undefined keeps the file's rate. */
  sr?: number | null;
  /** Mix down to one channel (default true). */
  mono?: boolean;
  /** If set, the file's native rate must equal it. */
  expectedSr?: number;
}

export function loadAudio(path: string, opts: LoadAudioOptions = {}): Waveform {
  const { sr = null, mono = true, expectedSr } = opts;
  if (sr !== null && !(sr > 0 && Number.isFinite(sr))) {
    throw new InvalidParameterError(`loadAudio: sr must be a positive number or null, got ${sr}`);
  }
  const wav = readWav(path);
  checkAudioContent(wav.channels, wav.sampleRate, path);
  if (expectedSr !== undefined && wav.sampleRate !== expectedSr) {
    throw new AudioFormatError(`expected ${expectedSr} Hz, file is ${wav.sampleRate} Hz`, path);
  }
  let channels = mono ? [toMono(wav.channels)] : wav.channels;
  let rate = wav.sampleRate;
  if (sr !== null && sr !== rate) {
    channels = channels.map((ch) => resample(ch, rate, sr, { resType: 'kaiser_best' }));
    rate = sr;
  }
  return { channels, sr: rate };
}

/** Reject audio with no samples or with a NaN / infinite sample, naming the
 * file, the channel and the first bad sample. */
export function checkAudioContent(channels: readonly ArrayLike<number>[], sampleRate: number, file?: string): void {
  const n = channels[0]?.length ?? 0;
  if (n === 0) throw new AudioFormatError('has no samples (0 frames); an empty recording cannot be processed', file);
  for (let c = 0; c < channels.length; c++) {
    const ch = channels[c];
    for (let i = 0; i < ch.length; i++) {
      if (!Number.isFinite(ch[i])) {
        throw new NonFiniteError(`channel ${c}, sample ${i} (${(i / sampleRate).toFixed(3)} s) is ${ch[i]}; audio samples must be finite`, file);
      }
    }
  }
}
