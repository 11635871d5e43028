/**
 * Audio I/O: WAV decode/encode on bytes, WAV files, librosa-style loading and
 * resampy-exact band-limited resampling.
 */
export { decodeWav, encodeWav, toMono, type DecodedWav, type EncodeWavOptions } from './wav.js';
export { readWav, writeWav } from './wav-file.js';
export {
  resample,
  filterTable,
  sincWindowHalf,
  besselI0,
  FILTERS,
  type ResType,
  type ResampleOptions,
  type SincFilterSpec,
} from './resample.js';
export { loadAudio, type LoadAudioOptions } from './load.js';
export type { Waveform } from './types.js';
