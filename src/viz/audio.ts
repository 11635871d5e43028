/**
 * HTML audio players for notebooks: the waveform is encoded as a 16-bit PCM
 * WAV (src/audio/wav.ts) and embedded as a `data:audio/wav;base64,...` URI
 * in an `<audio controls>` element, with a caption and, for dataset audio,
 * its attribution and licence line. No files are written and no server is
 * needed, so the players work in nbconvert's HTML export too.
 *
 * Level: a signal whose peak exceeds 1 (mixup extrapolation, noise, gains)
 * would clip in 16-bit PCM; by default it is scaled down to a peak of 0.99
 * and the caption says by how much (`level: 'as-is'` clips instead).
 * Signals are never scaled up.
 *
 * Size: a WAV data URI costs 4/3 x 2 bytes per sample (5 s at 22.05 kHz is
 * ~290 kB), so notebooks with many players pass `playbackSr` (e.g. 16000):
 * the clip is resampled for playback only (resampy's kaiser_fast) and the
 * caption says so.
 */
import { encodeWav } from '../audio/wav.js';
import { resample } from '../audio/resample.js';
import type { Waveform } from '../audio/types.js';
import { InvalidParameterError } from '../util/errors.js';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Peak absolute value over all channels. */
export function peakOf(channels: readonly ArrayLike<number>[]): number {
  let p = 0;
  for (const ch of channels) for (let i = 0; i < ch.length; i++) p = Math.max(p, Math.abs(ch[i]));
  return p;
}

export interface WavUriResult {
  uri: string;
  /** Gain applied (1 when the signal was left as it is). */
  gain: number;
  bytes: number;
}

/** Encode channels as a 16-bit WAV data URI (peak-limited, see header). */
export function wavDataUri(channels: readonly ArrayLike<number>[], sr: number, level: 'limit' | 'as-is' = 'limit'): WavUriResult {
  if (channels.length === 0) throw new InvalidParameterError('wavDataUri: no channels');
  const rate = Math.round(sr);
  if (!(rate >= 1)) throw new InvalidParameterError(`wavDataUri: sample rate must be >= 1 Hz, got ${sr}`);
  const peak = peakOf(channels);
  const gain = level === 'limit' && peak > 1 ? 0.99 / peak : 1;
  const scaled = gain === 1 ? channels : channels.map((ch) => Float64Array.from(ch, (v) => v * gain));
  const wav = encodeWav(scaled as ArrayLike<number>[], rate, { encoding: 'pcm16' });
  return { uri: `data:audio/wav;base64,${Buffer.from(wav.buffer, wav.byteOffset, wav.byteLength).toString('base64')}`, gain, bytes: wav.byteLength };
}

export interface AudioHtmlOptions {
  /** Shown above the player. */
  caption?: string;
  /** Attribution / licence lines shown under the player (dataset audio must carry them). */
  attribution?: string | readonly string[];
  level?: 'limit' | 'as-is';
  /** Player width in CSS pixels (default 300). */
  width?: number;
  /** Resample to this rate for playback only (smaller page); default: keep. */
  playbackSr?: number;
}

function isWaveform(x: unknown): x is Waveform {
  return typeof x === 'object' && x !== null && Array.isArray((x as Waveform).channels) && typeof (x as Waveform).sr === 'number';
}

/** An `<audio controls>` element with the clip embedded. Pass a Waveform,
 * or mono samples and their rate. */
export function audioHtml(x: Waveform | ArrayLike<number>, srOrOpts?: number | AudioHtmlOptions, maybeOpts: AudioHtmlOptions = {}): string {
  let channels: readonly ArrayLike<number>[];
  let sr: number;
  let opts: AudioHtmlOptions;
  if (isWaveform(x)) {
    channels = x.channels;
    sr = x.sr;
    opts = (typeof srOrOpts === 'object' ? srOrOpts : maybeOpts) ?? {};
  } else {
    if (typeof srOrOpts !== 'number') throw new InvalidParameterError('audioHtml: give the sample rate with raw samples');
    channels = [x];
    sr = srOrOpts;
    opts = maybeOpts;
  }
  const seconds = (channels[0]?.length ?? 0) / sr;
  let playSr = sr;
  if (opts.playbackSr !== undefined && Math.round(opts.playbackSr) !== Math.round(sr)) {
    playSr = Math.round(opts.playbackSr);
    const from = sr;
    channels = channels.map((ch) => resample(Float64Array.from(ch), from, playSr, { resType: 'kaiser_fast' }));
  }
  const { uri, gain } = wavDataUri(channels, playSr, opts.level ?? 'limit');
  const rate = playSr === sr ? `${Math.round(sr)} Hz` : `${Math.round(sr)} Hz, played at ${playSr} Hz`;
  const facts = `${seconds.toFixed(2)} s, ${rate}${gain !== 1 ? `, scaled by ${gain.toFixed(3)} to avoid clipping` : ''}`;
  const attribution = opts.attribution === undefined ? [] : typeof opts.attribution === 'string' ? [opts.attribution] : [...opts.attribution];
  const width = opts.width ?? 300;
  return [
    '<figure class="audio-aug-lab-audio" style="display:inline-block;margin:4px 12px 4px 0;vertical-align:top;max-width:' + (width + 40) + 'px">',
    opts.caption ? `<figcaption style="font-weight:600;font-size:0.9em">${escapeHtml(opts.caption)} <span style="font-weight:400;color:#666">(${escapeHtml(facts)})</span></figcaption>` : `<figcaption style="font-size:0.85em;color:#666">${escapeHtml(facts)}</figcaption>`,
    `<audio controls preload="none" style="width:${width}px" src="${uri}"></audio>`,
    ...attribution.map((a) => `<div class="audio-aug-lab-attribution" style="font-size:0.75em;color:#555">${escapeHtml(a)}</div>`),
    '</figure>',
  ].join('');
}
