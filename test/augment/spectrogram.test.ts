import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.js';
import { InvalidParameterError } from '../../src/util/errors.js';
import type { FeatureMap } from '../../src/features/types.js';
import { hu2020BinauralFeatures } from '../../src/features/hu2020.js';
import {
  ChannelConfusion,
  RandomTimeCrop,
  SpecAugment,
  leftRightPermutation,
  spectrogramEntries,
} from '../../src/augment/spectrogram/index.js';

/** Values in [1, 2): a 0 can only come from a mask. */
function positiveMap(seed: number, nChannels: number, nFreq: number, nTime: number): FeatureMap {
  const r = new Rng(seed);
  return { data: new Float32Array(nChannels * nFreq * nTime).map(() => 1 + r.random()), nChannels, nFreq, nTime };
}

const at = (x: FeatureMap, c: number, fr: number, t: number) => x.data[(c * x.nFreq + fr) * x.nTime + t];

/** Rows (bins) of channel c that are entirely 0, and columns (frames) entirely 0. */
function zeroBands(x: FeatureMap, c: number): { rows: number[]; cols: number[]; zeros: number } {
  const rows: number[] = [];
  const cols: number[] = [];
  let zeros = 0;
  for (let fr = 0; fr < x.nFreq; fr++) {
    let all = true;
    for (let t = 0; t < x.nTime; t++) {
      if (at(x, c, fr, t) === 0) zeros++;
      else all = false;
    }
    if (all) rows.push(fr);
  }
  for (let t = 0; t < x.nTime; t++) {
    let all = true;
    for (let fr = 0; fr < x.nFreq; fr++) if (at(x, c, fr, t) !== 0) all = false;
    if (all) cols.push(t);
  }
  return { rows, cols, zeros };
}

describe('SpecAugment (hu2020 code)', () => {
  it('masks exactly the drawn bands per channel: widths < F / T, never past the end', () => {
    const x = positiveMap(1, 3, 128, 423);
    const t = new SpecAugment(); // F = 13, T = 40
    const widthsF = new Set<number>();
    const widthsT = new Set<number>();
    for (let s = 0; s < 60; s++) {
      const d = t.draw(new Rng(s), x);
      const y = t.apply(x, d);
      expect(d.masks.length).toBe(6); // one freq + one time mask per channel
      for (let c = 0; c < 3; c++) {
        const fm = d.masks.find((m) => m.channel === c && m.axis === 'freq')!;
        const tm = d.masks.find((m) => m.channel === c && m.axis === 'time')!;
        widthsF.add(fm.width);
        widthsT.add(tm.width);
        expect(fm.width).toBeLessThan(13);
        expect(tm.width).toBeLessThan(40);
        expect(fm.start + fm.width).toBeLessThanOrEqual(127); // randrange(0, n - f): last bin never masked
        expect(tm.start + tm.width).toBeLessThanOrEqual(422);
        const z = zeroBands(y, c);
        expect(z.rows).toEqual(Array.from({ length: fm.width }, (_, i) => fm.start + i));
        expect(z.cols).toEqual(Array.from({ length: tm.width }, (_, i) => tm.start + i));
        // zeros only in the two bands: f*nTime + t*nFreq - f*t
        expect(z.zeros).toBe(fm.width * 423 + tm.width * 128 - fm.width * tm.width);
      }
    }
    // the whole width range is reachable: 0 .. F-1 and up to T-1
    expect(Math.max(...widthsF)).toBe(12);
    expect(Math.min(...widthsF)).toBe(0);
    expect(Math.max(...widthsT)).toBeGreaterThanOrEqual(36);
    expect(x.data.every((v) => v >= 1)).toBe(true); // input untouched
  });

  it('"10% of each dimension": F = round(0.1 nFreq), T = round(0.1 nTime)', () => {
    const t = new SpecAugment({ maskFraction: 0.1 });
    expect(t.maskParams(128, 400)).toEqual({ F: 13, T: 40 });
    expect(t.maskParams(128, 423)).toEqual({ F: 13, T: 42 });
    expect(t.maskParams(64, 100)).toEqual({ F: 6, T: 10 });
    const x = positiveMap(2, 1, 40, 50);
    for (let s = 0; s < 40; s++) {
      for (const m of t.draw(new Rng(s), x).masks) expect(m.width).toBeLessThan(m.axis === 'freq' ? 4 : 5);
    }
  });

  it('rejects a mask wider than the input and bad parameters', () => {
    const x = positiveMap(3, 2, 128, 423);
    expect(() => new SpecAugment({ freqMaskParam: 200 }).draw(new Rng(1), x)).toThrow(
      /F = 200 is wider than the input's 128 frequency bins/,
    );
    expect(() => new SpecAugment({ timeMaskParam: 500 }).draw(new Rng(1), x)).toThrow(/T = 500 is wider than the input's 423 frames/);
    expect(() => new SpecAugment({ freqMaskParam: 0 })).toThrow(InvalidParameterError);
    expect(() => new SpecAugment({ p: 1.01 })).toThrow(/p must be in \[0, 1\]/);
    const entry = spectrogramEntries.find((e) => e.name === 'spec_augment')!;
    expect(() => entry.create({ maskFraction: 1.5 })).toThrow(/maskFraction' must be <= 1/);
    expect(() => entry.create({ p: -1 })).toThrow(/'p' must be >= 0/);
  });

  it('is bit-identical for the same seed', () => {
    const x = positiveMap(4, 6, 128, 461);
    const t = new SpecAugment();
    const a = t.apply(x, t.draw(new Rng(123), x));
    const b = t.apply(x, t.draw(new Rng(123), x));
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    const c = t.apply(x, t.draw(new Rng(124), x));
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(c.data.buffer))).toBe(false);
  });
});

describe('random time crop', () => {
  it('423 -> 400 frames, the same start in every channel, start in 0..22 (hu2020 code)', () => {
    const x = positiveMap(5, 3, 16, 423);
    const t = new RandomTimeCrop({ cropLength: 400 });
    const starts = new Set<number>();
    for (let s = 0; s < 400; s++) {
      const d = t.draw(new Rng(s), x);
      starts.add(d.start);
      if (s < 5) {
        const y = t.apply(x, d);
        expect([y.nChannels, y.nFreq, y.nTime]).toEqual([3, 16, 400]);
        for (let c = 0; c < 3; c++) {
          for (let fr = 0; fr < 16; fr += 5) {
            for (let k = 0; k < 400; k += 37) expect(at(y, c, fr, k)).toBe(at(x, c, fr, d.start + k));
          }
        }
      }
    }
    expect(Math.min(...starts)).toBe(0);
    expect(Math.max(...starts)).toBe(22); // randint(0, 23): 23 never drawn
    expect(starts.size).toBe(23);
  });

  it('is the identity at full length and rejects a crop longer than the input', () => {
    const x = positiveMap(6, 1, 8, 40);
    const t = new RandomTimeCrop({ cropLength: 40 });
    expect(t.apply(x, t.draw(new Rng(1), x)).data).toEqual(x.data);
    expect(() => new RandomTimeCrop({ cropLength: 41 }).draw(new Rng(1), x)).toThrow(/cropLength 41 is longer than the input's 40 frames/);
    expect(() => new RandomTimeCrop({ cropLength: 0 })).toThrow(InvalidParameterError);
  });
});

describe('channel confusion (hu2020 task 1b)', () => {
  const sixChannels: FeatureMap = {
    data: new Float32Array(6 * 4 * 5).map((_, i) => Math.floor(i / 20) * 10 + (i % 20) / 100),
    nChannels: 6,
    nFreq: 4,
    nTime: 5,
  };

  it("swaps exactly left and right: pairs in the code's interleaved layout, the 3-channel groups in the grouped layout", () => {
    expect(leftRightPermutation(6, 'interleaved')).toEqual([1, 0, 3, 2, 5, 4]); // the code's swap_inds
    expect(leftRightPermutation(6, 'grouped')).toEqual([3, 4, 5, 0, 1, 2]);
    for (const layout of ['interleaved', 'grouped'] as const) {
      const t = new ChannelConfusion({ layout });
      const y = t.apply(sixChannels, t.draw(new Rng(1), sixChannels));
      const perm = leftRightPermutation(6, layout);
      for (let c = 0; c < 6; c++) {
        expect(y.data.subarray(c * 20, (c + 1) * 20)).toEqual(sixChannels.data.subarray(perm[c] * 20, (perm[c] + 1) * 20));
      }
      // swapping twice restores the input
      expect(t.apply(y, t.draw(new Rng(2), y)).data).toEqual(sixChannels.data);
    }
  });

  it('on real hu2020 task 1b features, swapping gives the features of the swapped recording (both channel orders)', () => {
    const sr = 16000;
    const r = new Rng(8);
    const left = new Float64Array(sr).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 300 * i) / sr) + 0.05 * r.normal());
    const right = new Float64Array(sr).map((_, i) => 0.2 * Math.sin((2 * Math.PI * 1200 * i) / sr) + 0.05 * r.normal());
    for (const [channelOrder, layout] of [
      ['hu2020-code', 'interleaved'],
      ['per-channel', 'grouped'],
    ] as const) {
      const lr = hu2020BinauralFeatures(left, right, sr, { channelOrder });
      const rl = hu2020BinauralFeatures(right, left, sr, { channelOrder });
      expect(lr.nChannels).toBe(6);
      const t = new ChannelConfusion({ layout });
      const swapped = t.apply(lr, t.draw(new Rng(1), lr));
      expect(swapped.data).toEqual(rl.data);
      expect(swapped.data).not.toEqual(lr.data);
    }
  });

  it('rejects an odd channel count, an unknown layout and p outside [0, 1]', () => {
    const odd: FeatureMap = { data: new Float32Array(3 * 4), nChannels: 3, nFreq: 2, nTime: 2 };
    expect(() => new ChannelConfusion().draw(new Rng(1), odd)).toThrow(/even number of channels/);
    expect(() => new ChannelConfusion({ layout: 'zigzag' as 'grouped' })).toThrow(/layout must be/);
    expect(() => new ChannelConfusion({ p: 1.2 })).toThrow(/p must be in \[0, 1\]/);
    expect(new ChannelConfusion().p).toBe(0.5); // hu2020 code: randint(2) == 1
  });
});
