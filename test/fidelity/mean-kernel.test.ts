/**
 * The wasm Mean kernel (src/backend/kernels/mean.ts) against a float64 loop
 * and against the stock tfjs-backend-wasm kernel it displaces:
 *
 * - every contiguous axis run (leading: batch-norm moments; middle: global
 *   pooling; trailing; all), keepDims, the native and JavaScript paths;
 *   non-contiguous axes and int32 inputs fall back to the stock kernel;
 * - tf.moments over 1.5M rows (a batch-norm layer of the wei2018 CRNN at
 *   batch 44 has 44 x 124 x 128 = 698k rows; the full-width first layers of
 *   the hu2020 models have millions): ours within 1e-6 of float64 (mean in
 *   standard deviations, variance relative); the stock kernel's error is
 *   printed, and must be larger than 1e-4 (what made the stock-layers path
 *   drift; if a tfjs upgrade fixes it, this test says so).
 * Tolerance for the small cases: |a - ref| / max(1, |ref|) <= 1e-6.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { displacedKernel } from '../../src/backend/kernels/register.js';
import { withoutNative } from '../../src/backend/native/index.js';
import { blockMean, contiguousReduction } from '../../src/backend/kernels/mean.js';
import { Rng } from '../../src/util/rng.js';
import { normal, on, setupBackends, size, worstDiff } from '../backend/helpers.js';

beforeAll(setupBackends);

/** Runs fn on wasm with the stock Mean kernel (the one registerTrainingKernels displaced) in place. */
async function withStockMean<T>(fn: () => Promise<T>): Promise<T> {
  const stockMean = displacedKernel('wasm', tf.Mean);
  if (!stockMean) throw new Error('mean-kernel.test.ts: registerTrainingKernels did not displace a stock wasm Mean kernel');
  const ours = tf.getKernel(tf.Mean, 'wasm')!;
  tf.unregisterKernel(tf.Mean, 'wasm');
  tf.registerKernel(stockMean);
  try {
    return await fn();
  } finally {
    tf.unregisterKernel(tf.Mean, 'wasm');
    tf.registerKernel(ours);
  }
}

function meanRef(x: Float32Array, shape: number[], axes: number[]): Float64Array {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float64Array(size(outShape));
  const count = axes.reduce((p, a) => p * shape[a], 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    for (let d = 0; d < shape.length; d++) o = o * outShape[d] + (axes.includes(d) ? 0 : idx[d]);
    out[o] += x[i];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out.map((v) => v / count);
}

describe('wasm Mean kernel (float64 accumulation)', () => {
  it('contiguousReduction splits shapes into [outer, reduce, inner]', () => {
    expect(contiguousReduction([2, 3, 4, 5], [0, 1, 2])).toEqual([1, 24, 5]);
    expect(contiguousReduction([2, 3, 4, 5], [1, 2])).toEqual([2, 12, 5]);
    expect(contiguousReduction([2, 3, 4, 5], [3])).toEqual([24, 5, 1]);
    expect(contiguousReduction([2, 3, 4, 5], [0, 2])).toBeNull();
    expect(contiguousReduction([2, 3], [])).toBeNull();
    const out = new Float32Array(2);
    blockMean(Float32Array.of(1, 2, 3, 4, 5, 6), 1, 3, 2, out);
    expect(Array.from(out)).toEqual([3, 4]);
  });

  it('matches a float64 loop over every contiguous axis run, with and without keepDims (native and JavaScript)', async () => {
    const rng = new Rng('mean-kernel');
    const shape = [3, 5, 4, 6];
    const x = normal(rng, size(shape), 3);
    for (let k = 0; k < x.length; k++) x[k] += 10;
    const cases: [number[], boolean][] = [
      [[0, 1, 2], false], [[0, 1, 2], true], [[1, 2], false], [[1, 2], true], [[3], false], [[2, 3], true], [[0, 1, 2, 3], false], [[0], false],
      [[0, 2], false], [[1, 3], true], // not contiguous: stock kernel
    ];
    for (const js of [false, true]) {
      for (const [axes, keep] of cases) {
        const run = () => on('wasm', () => [tf.mean(tf.tensor(x, shape), axes, keep)]);
        const [a] = js ? await withoutNative(run) : await run();
        const ref = meanRef(x, shape, axes);
        const d = worstDiff(a, ref);
        expect(d.worst, `mean over ${axes} keepDims ${keep}${js ? ' (JavaScript)' : ''}`).toBeLessThanOrEqual(1e-6);
        const t = tf.mean(tf.tensor(x, shape), axes, keep);
        const expected = keep ? shape.map((s, i) => (axes.includes(i) ? 1 : s)) : shape.filter((_, i) => !axes.includes(i));
        expect(t.shape, `shape of mean over ${axes} keepDims ${keep}`).toEqual(expected);
        t.dispose();
      }
    }
    const ints = await on('wasm', () => [tf.mean(tf.tensor([1, 2, 4, 7], [2, 2], 'int32'), 0)]);
    expect(Array.from(ints[0])).toEqual(await withStockMean(async () => Array.from((await on('wasm', () => [tf.mean(tf.tensor([1, 2, 4, 7], [2, 2], 'int32'), 0)]))[0])));
  });

  it('tf.moments over 1.5M rows: ours within 1e-6 of float64, the stock wasm kernel not (batch-norm statistics)', async () => {
    const rows = 1_500_000;
    const C = 2;
    const rng = new Rng('moments');
    const x = new Float32Array(rows * C);
    for (let i = 0; i < x.length; i++) x[i] = 5 + rng.normal();
    const mean = new Float64Array(C);
    const variance = new Float64Array(C);
    for (let i = 0; i < x.length; i++) mean[i % C] += x[i];
    for (let c = 0; c < C; c++) mean[c] /= rows;
    for (let i = 0; i < x.length; i++) variance[i % C] += (x[i] - mean[i % C]) ** 2;
    for (let c = 0; c < C; c++) variance[c] /= rows;
    const errors = (m: Float32Array, v: Float32Array) => {
      let em = 0;
      let ev = 0;
      for (let c = 0; c < C; c++) {
        em = Math.max(em, Math.abs(m[c] - mean[c]) / Math.sqrt(variance[c]));
        ev = Math.max(ev, Math.abs(v[c] - variance[c]) / variance[c]);
      }
      return { em, ev };
    };
    const moments = () => {
      const r = tf.moments(tf.tensor2d(x, [rows, C]), 0);
      return [r.mean, r.variance];
    };
    const [m, v] = await on('wasm', moments);
    const ours = errors(m, v);
    const [sm, sv] = await withStockMean(() => on('wasm', moments));
    const stock = errors(sm, sv);
    const [cm, cv] = await on('cpu', moments);
    const cpu = errors(cm, cv);
    console.log(`moments of 1.5M rows: mean error (in std) / variance error (relative): ours ${ours.em.toExponential(2)} / ${ours.ev.toExponential(2)}, stock wasm ${stock.em.toExponential(2)} / ${stock.ev.toExponential(2)}, cpu ${cpu.em.toExponential(2)} / ${cpu.ev.toExponential(2)}`);
    expect(ours.em).toBeLessThanOrEqual(1e-6);
    expect(ours.ev).toBeLessThanOrEqual(1e-6);
    expect(cpu.ev).toBeLessThanOrEqual(1e-6);
    expect(stock.ev, 'the stock wasm Mean kernel is no longer inaccurate: mean.ts may be unnecessary').toBeGreaterThan(1e-4);
  });
});
