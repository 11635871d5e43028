import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, parseNpy, readNpy, writeNpy } from '../../src/io/npy.js';

/** .npy files written by NumPy (test/fixtures/augment, made by scripts/ref_taa.py; taa_cases.json lists their shapes). */
const FIXTURES = join(import.meta.dirname, '../fixtures/augment');

describe('npy', () => {
  it('reads a file NumPy wrote, with the shape its case list states and the values NumPy reads', () => {
    const cases = JSON.parse(readFileSync(join(FIXTURES, 'taa_cases.json'), 'utf8')) as { numpy: string; cases: { name: string; shape: number[] }[] };
    const identity = cases.cases.find((c) => c.name === 'identity')!;
    const arr = readNpy(join(FIXTURES, 'taa_identity_in.npy'));
    expect(arr.dtype).toBe('<f4');
    expect(arr.shape).toEqual(identity.shape);
    expect(arr.data.length).toBe(identity.shape.reduce((a, b) => a * b, 1));
    // np.load(...).ravel()[:4].tolist() with NumPy 2.4.6
    expect(Array.from(arr.data.subarray(0, 4))).toEqual([0.013549567200243473, 0.12903863191604614, 0.5649217963218689, -0.12309210747480392]);
  });

  it('round-trips float32 and float64 through encode/parse and write/read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    const f64 = Float64Array.from({ length: 12 }, (_, i) => i / 7 - 1);
    const f32 = Float32Array.from(f64);
    const a = parseNpy(encodeNpy(f64, [3, 4]));
    expect(a.shape).toEqual([3, 4]);
    expect(Array.from(a.data)).toEqual(Array.from(f64));
    writeNpy(join(dir, 'x.npy'), f32, [12]);
    const b = readNpy(join(dir, 'x.npy'));
    expect(b.dtype).toBe('<f4');
    expect(b.shape).toEqual([12]);
    expect(Array.from(b.data)).toEqual(Array.from(f32));
  });

  it('names the file when it is truncated or missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    const bytes = encodeNpy(new Float64Array(100), [100]);
    writeFileSync(join(dir, 'cut.npy'), bytes.subarray(0, bytes.length - 8));
    expect(() => readNpy(join(dir, 'cut.npy'))).toThrow(/cut\.npy: truncated/);
    expect(() => readNpy(join(dir, 'nope.npy'))).toThrow(/nope\.npy: cannot read/);
  });
});
