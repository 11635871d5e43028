import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.js';
import { readNpy } from '../../src/io/npy.js';
import type { FeatureMap } from '../../src/features/types.js';
import {
  KerasTaa,
  applyKerasImageTransform,
  brightnessFloat,
  brightnessKerasUint8,
  flipRows,
  imageEntries,
  kerasTransformMatrix,
  type KerasCenter,
  type KerasTaaParams,
} from '../../src/augment/image/index.js';

const FIX = join(import.meta.dirname, '../fixtures/augment');

interface RefCase {
  name: string;
  shape: [number, number, number];
  params: Omit<KerasTaaParams, 'brightness'>;
  order: 0 | 1;
  center: KerasCenter;
  matrix: number[][] | null;
}

const manifest = JSON.parse(readFileSync(join(FIX, 'taa_cases.json'), 'utf8')) as { scipy: string; cases: RefCase[] };

function loadMap(file: string): FeatureMap {
  const a = readNpy(join(FIX, file));
  const [nChannels, nFreq, nTime] = a.shape;
  return { data: Float32Array.from(a.data), nChannels, nFreq, nTime };
}

describe('Keras TAA affine transform vs scipy.ndimage.affine_transform references', () => {
  it(`agrees with ${manifest.cases.length} reference cases (scipy ${manifest.scipy}, mode nearest) within 1e-5`, () => {
    let worstAll = 0;
    let worstMatrix = 0;
    for (const c of manifest.cases) {
      const input = loadMap(`taa_${c.name}_in.npy`);
      const expected = loadMap(`taa_${c.name}_out.npy`);
      const [, h, w] = c.shape;
      const m = kerasTransformMatrix(c.params, h, w, c.center);
      if (c.matrix === null) expect(m).toBeNull();
      else {
        for (let i = 0; i < 9; i++) {
          const ref = c.matrix[Math.floor(i / 3)][i % 3];
          worstMatrix = Math.max(worstMatrix, Math.abs(m![i] - ref) / Math.max(1, Math.abs(ref)));
        }
      }
      const out = applyKerasImageTransform(input, { ...c.params, brightness: null }, { order: c.order, center: c.center });
      let worst = 0;
      for (let i = 0; i < out.data.length; i++) worst = Math.max(worst, Math.abs(out.data[i] - expected.data[i]));
      worstAll = Math.max(worstAll, worst);
      if (worst > 1e-5) console.log(`case ${c.name}: max |diff| = ${worst}`);
      expect(worst, `case ${c.name}`).toBeLessThanOrEqual(1e-5);
    }
    console.log(
      `TAA vs scipy: worst max |diff| over ${manifest.cases.length} cases = ${worstAll.toExponential(2)}; ` +
        `worst relative matrix difference = ${worstMatrix.toExponential(2)}`,
    );
    expect(worstMatrix).toBeLessThan(1e-12);
  });

  it('the two centre conventions differ (legacy = keras_preprocessing <= 1.1.2)', () => {
    const p = { theta: 30, tx: 0, ty: 0, shear: 0, zx: 1, zy: 1 };
    const a = kerasTransformMatrix(p, 24, 40, 'legacy')!;
    const b = kerasTransformMatrix(p, 24, 40, 'fixed')!;
    expect(a[2]).not.toBeCloseTo(b[2], 3);
    // a pure shift does not depend on the centre
    const s = { theta: 0, tx: 3, ty: -2, shear: 0, zx: 1, zy: 1 };
    expect([...kerasTransformMatrix(s, 24, 40, 'legacy')!]).toEqual([...kerasTransformMatrix(s, 24, 40, 'fixed')!]);
  });
});

describe('Keras TAA transform (mushtaq2020 settings)', () => {
  const img = (seed: number, c = 1, h = 32, w = 48): FeatureMap => {
    const r = new Rng(seed);
    return { data: new Float32Array(c * h * w).map(() => r.uniform(-80, 0)), nChannels: c, nFreq: h, nTime: w };
  };

  it('draws each parameter from its Keras range', () => {
    const t = new KerasTaa();
    const x = img(1);
    let flips = 0;
    const n = 400;
    for (let s = 0; s < n; s++) {
      const d = t.draw(new Rng(s), x);
      expect(Math.abs(d.theta)).toBeLessThanOrEqual(30);
      expect(Math.abs(d.tx)).toBeLessThanOrEqual(0.2 * 32);
      expect(Math.abs(d.ty)).toBeLessThanOrEqual(0.2 * 48);
      expect(Math.abs(d.shear)).toBeLessThanOrEqual(0.3); // degrees
      for (const z of [d.zx, d.zy]) {
        expect(z).toBeGreaterThanOrEqual(0.75);
        expect(z).toBeLessThanOrEqual(1.25);
      }
      expect(d.brightness!).toBeGreaterThanOrEqual(0.5);
      expect(d.brightness!).toBeLessThanOrEqual(1.5);
      expect(d.flipVertical).toBe(false);
      if (d.flipHorizontal) flips++;
    }
    expect(Math.abs(flips / n - 0.5)).toBeLessThan(0.1);
  });

  it("origin 'lower' transforms the picture with the lowest frequency at the bottom", () => {
    const x = img(2, 2, 20, 30);
    const lower = new KerasTaa({ origin: 'lower', interpolationOrder: 0 });
    const upper = new KerasTaa({ origin: 'upper', interpolationOrder: 0 });
    const d = lower.draw(new Rng(3), x);
    const a = lower.apply(x, d);
    const b = flipRows(upper.apply(flipRows(x), d));
    expect(a.data).toEqual(b.data);
    expect(a.data).not.toEqual(upper.apply(x, d).data); // the choice matters for rotation/shear
  });

  it('flips: horizontal reverses time, vertical reverses frequency', () => {
    const x = img(4, 1, 6, 9);
    const none = { theta: 0, tx: 0, ty: 0, shear: 0, zx: 1, zy: 1, brightness: null };
    const h = applyKerasImageTransform(x, { ...none, flipHorizontal: true, flipVertical: false });
    const v = applyKerasImageTransform(x, { ...none, flipHorizontal: false, flipVertical: true });
    for (let f = 0; f < 6; f++) {
      for (let t = 0; t < 9; t++) {
        expect(h.data[f * 9 + t]).toBe(x.data[f * 9 + (8 - t)]);
        expect(v.data[f * 9 + t]).toBe(x.data[(5 - f) * 9 + t]);
      }
    }
  });

  it("brightness 'float': Keras's min/max mapping without quantisation, in the input's units", () => {
    const neg = img(5); // values in [-80, 0): lo = min, span = max - min
    expect(brightnessFloat(neg, 1).data).toEqual(neg.data);
    const dark = brightnessFloat(neg, 0.5);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of neg.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    for (let i = 0; i < neg.data.length; i += 17) expect(dark.data[i]).toBeCloseTo(lo + 0.5 * (neg.data[i] - lo), 4);
    const bright = brightnessFloat(neg, 1.5);
    expect(Math.max(...bright.data)).toBeLessThanOrEqual(hi + 1e-4); // clipped at the top of the range
    const pos: FeatureMap = { data: Float32Array.from([0, 0.25, 0.5, 1]), nChannels: 1, nFreq: 2, nTime: 2 };
    expect([...brightnessFloat(pos, 0.5).data]).toEqual([0, 0.125, 0.25, 0.5]); // lo = 0 for non-negative input
    expect([...brightnessFloat(pos, 1.5).data]).toEqual([0, 0.375, 0.75, 1]);
  });

  it("brightness 'keras_uint8': 8-bit image blended with black, values on 0..255", () => {
    const pos: FeatureMap = { data: Float32Array.from([0, 0.25, 0.5, 1]), nChannels: 1, nFreq: 2, nTime: 2 };
    expect([...brightnessKerasUint8(pos, 1).data]).toEqual([0, 63, 127, 255]);
    expect([...brightnessKerasUint8(pos, 0.5).data]).toEqual([0, 31, 63, 127]);
    expect([...brightnessKerasUint8(pos, 1.5).data]).toEqual([0, 94, 190, 255]);
    const y = brightnessKerasUint8(img(6, 3, 8, 8), 0.8);
    expect(y.data.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
    expect(() => brightnessKerasUint8(img(6, 2, 8, 8), 0.8)).toThrow(/1 or 3 channels/);
  });

  it('is bit-identical for the same seed (draw + apply)', () => {
    const x = img(7, 3, 40, 64);
    const t = new KerasTaa();
    const a = t.apply(x, t.draw(new Rng(99), x));
    const b = t.apply(x, t.draw(new Rng(99), x));
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    const c = t.apply(x, t.draw(new Rng(100), x));
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(c.data.buffer))).toBe(false);
  });

  it('rejects bad parameters with a clear error', () => {
    expect(() => new KerasTaa({ zoomRange: 1.2 })).toThrow(/zoomRange must be in \[0, 1\)/);
    expect(() => new KerasTaa({ interpolationOrder: 3 as 1 })).toThrow(/interpolationOrder must be 0 or 1/);
    expect(() => new KerasTaa({ brightnessRange: [1.5, 0.5] })).toThrow(/brightnessRange/);
    expect(() => new KerasTaa({ rotationRange: -5 })).toThrow(/rotationRange/);
    expect(() => new KerasTaa({ p: 2 })).toThrow(/p must be in \[0, 1\]/);
    const entry = imageEntries[0];
    expect(() => entry.create({ fillMode: 'constant' })).toThrow(/fillMode' must be one of nearest/);
    expect(() => entry.create({ interpolationOrder: 0.5 })).toThrow(/interpolationOrder must be 0 or 1/);
    expect(() => entry.create({ brightnessRange: [0.5] })).toThrow(/needs 2 numbers/);
  });
});
