/**
 * Feature extractors (src/features/extractors.ts): the `features` section of
 * a config checked when the extractor is made (errors name
 * `features.options.<key>`), the model input each preset gives (shapes and
 * values against the feature functions they wrap: logMel 'wei2018',
 * hu2020Stages/hu2020Stack, the spectral image), what identifies the
 * features in the cache, and the layout conversions (src/features/layout.ts)
 * between model rows and feature maps.
 */
import { describe, expect, it } from 'vitest';
import { featureExtractor, FEATURE_PRESETS, type FeatureSpec } from '../../src/features/extractors.js';
import { featureMapToModel, featureMapToRow, fromModelLayout, rowToFeatureMap, toModelLayout } from '../../src/features/layout.js';
import { hu2020BinauralFeatures, hu2020Features, hu2020Stack, hu2020Stages } from '../../src/features/hu2020.js';
import { logMel } from '../../src/features/logmel.js';
import { fixLength, spectralImage } from '../../src/features/spectral-image.js';
import type { FeatureMap } from '../../src/features/types.js';
import { FeatureCache } from '../../src/data/feature-cache.js';
import { InvalidParameterError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';

function noise(seed: string, n: number, scale = 0.1): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => scale * rng.normal());
}

/** A tone plus noise, so log-mel bands differ clearly. */
function tone(seed: string, n: number, sr: number, hz = 440): Float64Array {
  const y = noise(seed, n, 0.01);
  for (let i = 0; i < n; i++) y[i] += 0.3 * Math.sin((2 * Math.PI * hz * i) / sr);
  return y;
}

/** The error thrown by `f` (fails the test when nothing is thrown). */
function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}

const fx = (preset: string, options?: Record<string, unknown>) => featureExtractor({ preset, ...(options ? { options } : {}) } as FeatureSpec);

describe('featureExtractor: the features section checked at construction', () => {
  it('knows the three presets and names features.preset for an unknown one', () => {
    expect([...FEATURE_PRESETS].sort()).toEqual(['hu2020', 'mushtaq2020', 'wei2018']);
    const e = errorOf(() => fx('librosa'));
    expect(e).toBeInstanceOf(InvalidParameterError);
    expect(e.message).toMatch(/^features\.preset: unknown preset 'librosa' \(known: mushtaq2020, wei2018, hu2020\)/);
  });

  it('refuses an option the preset does not have, naming features.options.<key> and the preset\'s options', () => {
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['wei2018', { hopLength: 512 }, 'hopLength', /not an option of preset 'wei2018' \(options: sr, seconds, frames, nMels\)/],
      ['mushtaq2020', { widthMultiplier: 0.5 }, 'widthMultiplier', /not an option of preset 'mushtaq2020' \(options: height, width, sr, seconds, control\)/],
      ['hu2020', { sr: 44100, frames: 423 }, 'frames', /not an option of preset 'hu2020' \(options: sr, seconds, nMels, scale, binaural, channelOrder\)/],
    ];
    for (const [preset, options, key, text] of cases) {
      const e = errorOf(() => fx(preset, options));
      expect(e, preset).toBeInstanceOf(InvalidParameterError);
      expect(e.message.startsWith(`features.options.${key}: `), e.message).toBe(true);
      expect(e.message).toMatch(text);
    }
  });

  it('refuses values of the wrong type or range, naming the option and the value', () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['mushtaq2020', { height: '128' }, /^features\.options\.height must be a positive integer, got "128"$/],
      ['mushtaq2020', { width: 12.5 }, /^features\.options\.width must be a positive integer, got 12\.5$/],
      ['mushtaq2020', { seconds: 0 }, /^features\.options\.seconds must be a positive number, got 0$/],
      ['mushtaq2020', { seconds: null }, /^features\.options\.seconds must be a positive number, got null$/],
      ['mushtaq2020', { sr: 16000 }, /^features\.options\.sr: preset 'mushtaq2020' computes at 22050 Hz, got 16000$/],
      ['mushtaq2020', { control: 'noise' }, /^features\.options\.control: unknown control 'noise' \(known: zero-input\)$/],
      ['wei2018', { seconds: 'four' }, /^features\.options\.seconds must be a positive number, got "four"$/],
      ['hu2020', { sr: 44100.5 }, /^features\.options\.sr must be a positive integer, got 44100\.5$/],
      ['hu2020', { sr: '44100' }, /^features\.options\.sr must be a positive integer, got "44100"$/],
      ['hu2020', { sr: 44100, nMels: 127 }, /^features\.options\.nMels must be an even integer >= 2, got 127$/],
      ['hu2020', { sr: 44100, scale: 'yes' }, /^features\.options\.scale must be true or false, got "yes"$/],
      ['hu2020', { sr: 48000, binaural: 1 }, /^features\.options\.binaural must be true or false, got 1$/],
      ['hu2020', { sr: 44100, channelOrder: 'grouped' }, /^features\.options\.channelOrder must be 'hu2020-code' or 'per-channel', got 'grouped'$/],
      ['hu2020', { sr: 44100, seconds: 0.1 }, /^features\.options\.seconds: 0\.1 s gives no frames after the two delta passes$/],
    ];
    for (const [preset, options, text] of cases) {
      const e = errorOf(() => fx(preset, options));
      expect(e, JSON.stringify(options)).toBeInstanceOf(InvalidParameterError);
      expect(e.message, JSON.stringify(options)).toMatch(text);
    }
  });

  it('wei2018: sr, frames and nMels may be stated, and must match what the preset computes', () => {
    expect(() => fx('wei2018', { sr: 16000, frames: 124, nMels: 128 })).not.toThrow();
    expect(errorOf(() => fx('wei2018', { frames: 125 })).message).toBe("features.options.frames is 125, but the 'wei2018' preset gives 124");
    expect(errorOf(() => fx('wei2018', { nMels: 64 })).message).toBe("features.options.nMels is 64, but the 'wei2018' preset gives 128");
    expect(errorOf(() => fx('wei2018', { sr: 22050 })).message).toBe("features.options.sr is 22050, but the 'wei2018' preset gives 16000");
    // The frame count follows `seconds` (not centred, n_fft 1024, hop 512 at 16 kHz): 2 s give 61 frames.
    expect(fx('wei2018', { seconds: 2 }).inputShape).toEqual([61, 128, 1]);
    expect(errorOf(() => fx('wei2018', { seconds: 2, frames: 124 })).message).toBe("features.options.frames is 124, but the 'wei2018' preset gives 61");
  });

  it('hu2020: the clip rate must be stated (the clips are read at their own rate, never resampled)', () => {
    const e = errorOf(() => fx('hu2020'));
    expect(e).toBeInstanceOf(InvalidParameterError);
    expect(e.message).toMatch(/^features\.options\.sr: preset 'hu2020' reads clips at their own rate, which must be stated \(44100 for task 1a, 48000 for task 1b\)$/);
    expect(errorOf(() => fx('hu2020', { nMels: 64 })).message).toMatch(/^features\.options\.sr: /);
  });
});

describe('wei2018 extractor', () => {
  const w = fx('wei2018');

  it('reads 16 kHz mono (resampled), no cut at load, and gives (124 frames, 128 mels, 1) per 4 s', () => {
    expect(w.audio).toEqual({ sr: 16000, mono: true, resample: true, cutToSeconds: null });
    expect(w.inputShape).toEqual([124, 128, 1]);
    expect(w.map).toEqual({ nChannels: 1, nFreq: 128, nTime: 124 });
    expect(w.layout).toBe('time-freq-channels');
  });

  it("computes logMel(fix_length(y, 4 s), 'wei2018') transposed to (frames, mels): frame t's 128 mels are contiguous", () => {
    for (const n of [64000, 50000, 70000]) {
      const y = tone(`wei|${n}`, n, 16000);
      const x = w.compute({ sr: 16000, channels: [y] });
      const mel = logMel(fixLength(y, 64000), 'wei2018');
      expect([mel.nMels, mel.nFrames]).toEqual([128, 124]);
      expect(x).toHaveLength(124 * 128);
      // The old wei2018 melToFrames: out[t * nMels + m] = mel[m * nFrames + t] (in float32).
      let worst = 0;
      for (let m = 0; m < 128; m++) for (let t = 0; t < 124; t++) worst = Math.max(worst, Math.abs(x[t * 128 + m] - Math.fround(mel.data[m * 124 + t])));
      expect(worst, `${n} samples`).toBe(0);
      expect(x).toEqual(toModelLayout(mel.data, 1, 128, 124));
      // And a row read back as a feature map is the (mel, frame) log-mel.
      expect(rowToFeatureMap(x, w.layout, w.map).data).toEqual(Float32Array.from(mel.data));
    }
  });

  it('identifies its features by the preset and the sample count', () => {
    expect(w.cacheParams).toMatchObject({ kind: 'wei2018-crnn-input', layout: 'frames-mels', samples: 64000 });
    expect(fx('wei2018', { seconds: 2 }).cacheParams.samples).toBe(32000);
  });
});

describe('hu2020 extractor', () => {
  it('10 s at 44.1 kHz (task 1a): input (423, 128, 3), read at the clip rate and cut at load', () => {
    const h = fx('hu2020', { sr: 44100 });
    expect(h.inputShape).toEqual([423, 128, 3]);
    expect(h.map).toEqual({ nChannels: 3, nFreq: 128, nTime: 423 });
    expect(h.audio).toEqual({ sr: 44100, mono: true, resample: false, cutToSeconds: 10 });
    expect(h.layout).toBe('time-freq-channels');
  });

  it('10 s binaural at 48 kHz (task 1b): input (461, 128, 6), both channels read', () => {
    const h = fx('hu2020', { sr: 48000, binaural: true });
    expect(h.inputShape).toEqual([461, 128, 6]);
    expect(h.audio).toEqual({ sr: 48000, mono: false, resample: false, cutToSeconds: 10 });
  });

  it('computes hu2020Stack(hu2020Stages(...)) transposed by toModelLayout, for mono and binaural clips', () => {
    const sr = 44100;
    const y = tone('hu-mono', sr - 3000, sr); // shorter than 1 s: zero-padded to seconds * sr
    const h = fx('hu2020', { sr, seconds: 1, nMels: 32 });
    expect(h.inputShape).toEqual([1 + Math.floor(sr / 1024) - 8, 32, 3]);
    const ref = hu2020Stack(hu2020Stages([fixLength(y, sr)], sr, { nMels: 32, channelOrder: 'hu2020-code' }), 'hu2020-code');
    const x = h.compute({ sr, channels: [y] });
    expect(x).toEqual(toModelLayout(ref.data, ref.nChannels, ref.nFreq, ref.nTime));
    expect(x).toEqual(featureMapToModel(hu2020Features(fixLength(y, sr), sr, { nMels: 32 })));
    expect(rowToFeatureMap(x, h.layout, h.map)).toEqual(ref);

    const sr2 = 48000;
    const left = tone('hu-left', sr2, sr2, 300);
    const right = tone('hu-right', sr2, sr2, 700);
    for (const channelOrder of ['hu2020-code', 'per-channel'] as const) {
      const hb = fx('hu2020', { sr: sr2, seconds: 1, nMels: 32, binaural: true, channelOrder });
      expect(hb.inputShape).toEqual([1 + Math.floor(sr2 / 1024) - 8, 32, 6]);
      expect(hb.cacheParams.channelOrder).toBe(channelOrder);
      const fm = hu2020BinauralFeatures(left, right, sr2, { nMels: 32, channelOrder });
      expect(hb.compute({ sr: sr2, channels: [left, right] })).toEqual(toModelLayout(fm.data, 6, 32, fm.nTime));
    }
  });

  it('refuses a waveform at another rate or with the wrong channel count', () => {
    const h = fx('hu2020', { sr: 44100, seconds: 1 });
    expect(() => h.compute({ sr: 48000, channels: [new Float64Array(48000)] })).toThrow(/waveform at 48000 Hz, features expect 44100 Hz/);
    expect(() => h.compute({ sr: 44100, channels: [new Float64Array(44100), new Float64Array(44100)] })).toThrow(/need 1 audio channel\(s\), got 2/);
  });

  it('keeps every option that changes the features in the cache parameters', () => {
    const base = fx('hu2020', { sr: 44100 }).cacheParams;
    expect(base).toEqual({ kind: 'hu2020-input', version: 1, sr: 44100, seconds: 10, nMels: 128, scale: true, binaural: false, channelOrder: 'hu2020-code' });
    for (const o of [{ scale: false }, { nMels: 64 }, { seconds: 5 }, { channelOrder: 'per-channel' }]) {
      expect(fx('hu2020', { sr: 44100, ...o }).cacheParams, JSON.stringify(o)).not.toEqual(base);
    }
  });
});

describe('mushtaq2020 extractor', () => {
  const sr = 22050;
  const y = tone('mushtaq', 3 * sr, sr, 1000);

  it('reads 22.05 kHz mono and gives the (height, width, 1) spectral image of the clip brought to 5 s', () => {
    const m = fx('mushtaq2020', { height: 32, width: 48 });
    expect(m.audio).toEqual({ sr, mono: true, resample: true, cutToSeconds: null });
    expect(m.inputShape).toEqual([32, 48, 1]);
    expect(m.map).toEqual({ nChannels: 1, nFreq: 32, nTime: 48 });
    expect(m.layout).toBe('image');
    const mel = logMel(fixLength(y, 5 * sr), 'mushtaq2020');
    const ref = spectralImage(mel.data, mel.nMels, mel.nFrames, { height: 32, width: 48 }).data;
    const x = m.compute({ sr, channels: [y] });
    expect(x).toEqual(ref);
    expect(fx('mushtaq2020').inputShape).toEqual([128, 128, 1]);
  });

  it("the 'zero-input' control gives all-zero images AND different cache parameters (cached features of the normal run must never be reused)", () => {
    const normal = fx('mushtaq2020', { height: 32, width: 48 });
    const control = fx('mushtaq2020', { height: 32, width: 48, control: 'zero-input' });
    const xn = normal.compute({ sr, channels: [y] });
    const xc = control.compute({ sr, channels: [y] });
    expect(xc).toHaveLength(xn.length);
    expect(xc.every((v) => v === 0)).toBe(true);
    expect(xn.some((v) => v !== 0)).toBe(true);
    expect(normal.cacheParams.control).toBeNull();
    expect(control.cacheParams.control).toBe('zero-input');
    expect(control.cacheParams).not.toEqual(normal.cacheParams);
    // The feature cache's key (what the runner stores a clip's features under) differs too.
    const cache = new FeatureCache({ dir: '/nonexistent-feature-cache', libraryVersion: 'test', noCache: true });
    const sha = 'ab'.repeat(32);
    const key = (p: Record<string, unknown>) => cache.keyHash({ audioSha256: sha, params: { ...p, copy: 'original' } });
    expect(key(control.cacheParams)).not.toBe(key(normal.cacheParams));
    expect(key(fx('mushtaq2020', { height: 32, width: 48 }).cacheParams)).toBe(key(normal.cacheParams));
    // Image size is part of the key as well.
    expect(key(fx('mushtaq2020', { height: 32, width: 64 }).cacheParams)).not.toBe(key(normal.cacheParams));
  });
});

describe('layout: model rows <-> feature maps', () => {
  const map = (nChannels: number, nFreq: number, nTime: number): FeatureMap => ({
    nChannels,
    nFreq,
    nTime,
    data: Float32Array.from({ length: nChannels * nFreq * nTime }, (_, i) => i * 0.5 - 3),
  });

  it("'time-freq-channels': a row is the map in (time, freq, channel) order, and converts back exactly", () => {
    for (const [C, F, T] of [
      [3, 4, 5],
      [6, 2, 7],
      [1, 5, 3],
    ]) {
      const fm = map(C, F, T);
      const row = featureMapToRow(fm, 'time-freq-channels');
      // value(c, f, t) = fm[(c F + f) T + t] lands at ((t F + f) C + c)
      for (let c = 0; c < C; c++) for (let f = 0; f < F; f++) for (let t = 0; t < T; t++) expect(row[(t * F + f) * C + c]).toBe(fm.data[(c * F + f) * T + t]);
      expect(row).toEqual(toModelLayout(fm.data, C, F, T));
      expect(fromModelLayout(row, C, F, T)).toEqual(fm.data);
      expect(rowToFeatureMap(row, 'time-freq-channels', { nChannels: C, nFreq: F, nTime: T })).toEqual(fm);
    }
    // One channel: the old wei2018 melToFrames transpose of (2 mels, 3 frames).
    expect(Array.from(featureMapToRow({ nChannels: 1, nFreq: 2, nTime: 3, data: Float32Array.from([0, 1, 2, 3, 4, 5]) }, 'time-freq-channels'))).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it("'image': a row holds the map's values as they are, both ways", () => {
    const fm = map(1, 4, 6);
    const row = featureMapToRow(fm, 'image');
    expect(row).toEqual(fm.data);
    const back = rowToFeatureMap(row, 'image', { nChannels: 1, nFreq: 4, nTime: 6 });
    expect(back).toEqual(fm);
    expect(featureMapToRow(back, 'image')).toEqual(row);
  });

  it('refuses a row whose length is not the shape', () => {
    expect(() => rowToFeatureMap(new Float32Array(11), 'image', { nChannels: 1, nFreq: 3, nTime: 4 })).toThrow(RangeError);
    expect(() => rowToFeatureMap(new Float32Array(25), 'time-freq-channels', { nChannels: 2, nFreq: 3, nTime: 4 })).toThrow(/a row of 25 values is not 2 x 3 x 4/);
  });
});
