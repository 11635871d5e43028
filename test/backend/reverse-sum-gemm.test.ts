/**
 * The replaced Reverse, Sum and BatchMatMul kernels against the stock
 * kernels they displace (wasm and cpu; each falls back to stock for what it
 * does not cover), the data-sharing wasm Identity, and the native addon's
 * sgemm (when built) and the tfjs gemm fallback against a float64 loop,
 * with transposes, leading dimensions and offsets.
 * Tolerance: |a - ref| / max(1, |ref|) <= 1e-4 (Reverse: exact).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels, unregisterTrainingKernels } from '../../src/backend/kernels/register.js';
import { nativeAddon } from '../../src/backend/native/index.js';
import { gemmSession } from '../../src/backend/fused/gemm.js';
import { withoutNative } from '../../src/backend/native/index.js';
import { Rng } from '../../src/util/rng.js';
import { fmt, normal, on, setupBackends, size, worstDiff } from './helpers.js';

const TOL = 1e-4;

beforeAll(setupBackends);

async function oursAndStock(backend: 'wasm' | 'cpu', fn: () => tf.Tensor[]): Promise<[Float32Array[], Float32Array[]]> {
  const ours = await on(backend, fn);
  unregisterTrainingKernels(backend);
  try {
    return [ours, await on(backend, fn)];
  } finally {
    registerTrainingKernels(backend);
  }
}

describe('Reverse and Sum kernels', () => {
  it('Reverse along any axes (block copies; last axis: stock) equals stock exactly', async () => {
    const rng = new Rng('reverse');
    const cases: [number[], number[]][] = [
      [[3, 7, 5], [1]],
      [[3, 7, 5], [0]],
      [[3, 7, 5], [0, 1]],
      [[2, 3, 4, 5], [1, 2]],
      [[2, 3, 4, 5], [0, 2]],
      [[4, 6], [1]],
      [[6, 1, 2], [0]],
    ];
    for (const backend of ['wasm', 'cpu'] as const) {
      for (const [shape, axes] of cases) {
        const xv = normal(rng, size(shape));
        const [a, r] = await oursAndStock(backend, () => {
          const x = tf.tensor(xv, shape);
          const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.reverse(t, axes), tf.range(0, size(shape)).reshape(shape))))(x);
          return [tf.reverse(x, axes), g];
        });
        expect(Array.from(a[0]), `${backend} ${shape} ${axes}`).toEqual(Array.from(r[0]));
        expect(Array.from(a[1]), `${backend} ${shape} ${axes} grad`).toEqual(Array.from(r[1]));
      }
    }
  });

  it('Sum over all axes but the last (one pass, float64) matches stock; other reductions are stock', async () => {
    const rng = new Rng('sum');
    const cases: [number[], number[], boolean][] = [
      [[5, 9, 7, 6], [0, 1, 2], false],
      [[5, 9, 7, 6], [2, 0, 1], true],
      [[40, 3], [0], false],
      [[4, 5, 6], [0, 1], false],
      [[4, 5, 6], [1], false],
      [[4, 5, 6], [2], true],
      [[4, 5, 6], [0, 1, 2], false],
    ];
    let worst = 0;
    for (const backend of ['wasm', 'cpu'] as const) {
      for (const [shape, axes, keep] of cases) {
        const xv = normal(rng, size(shape), 10);
        const [a, r] = await oursAndStock(backend, () => [tf.sum(tf.tensor(xv, shape), axes, keep)]);
        const d = worstDiff(a[0], r[0]);
        worst = Math.max(worst, d.worst);
        expect(d.worst, `${backend} sum ${shape} over ${axes}`).toBeLessThanOrEqual(TOL);
      }
    }
    console.log(`Sum vs stock: worst ${worst.toExponential(2)}`);
  });
});

describe('BatchMatMul and Identity', () => {
  it('BatchMatMul (rank 2 and 3, transposes, a broadcast batch of 1) matches stock, values and gradients', async () => {
    const rng = new Rng('batchmatmul');
    const cases: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
      { a: [7, 5], b: [5, 3], ta: false, tb: false },
      { a: [5, 7], b: [5, 3], ta: true, tb: false },
      { a: [7, 5], b: [3, 5], ta: false, tb: true },
      { a: [5, 7], b: [3, 5], ta: true, tb: true },
      { a: [4, 6, 5], b: [4, 5, 2], ta: false, tb: false },
      { a: [4, 5, 6], b: [4, 2, 5], ta: true, tb: true },
      { a: [9, 1], b: [1, 8], ta: false, tb: false },
    ];
    // A broadcast batch of 1: forward only (tfjs' own BatchMatMul gradient
    // rejects it, stock kernels or not).
    const broadcast: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
      { a: [4, 5, 6], b: [1, 2, 5], ta: true, tb: true },
      { a: [1, 6, 5], b: [3, 5, 4], ta: false, tb: false },
    ];
    let worst = 0;
    for (const backend of ['wasm', 'cpu'] as const) {
      for (const c of cases) {
        const av = normal(rng, size(c.a));
        const bv = normal(rng, size(c.b));
        const [ours, stock] = await oursAndStock(backend, () => {
          const a = tf.tensor(av, c.a);
          const b = tf.tensor(bv, c.b);
          const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D, c.ta, c.tb);
          const out = f(a, b);
          const r = tf.tensor(normal(new Rng(out.size), out.size), out.shape);
          const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), r)))([a, b]);
          return [out, ga, gb];
        });
        ours.forEach((o, k) => {
          const d = worstDiff(o, stock[k]);
          worst = Math.max(worst, d.worst);
          expect(d.worst, `${backend} ${JSON.stringify(c)} output ${k}`).toBeLessThanOrEqual(TOL);
        });
      }
      for (const c of broadcast) {
        const av = normal(rng, size(c.a));
        const bv = normal(rng, size(c.b));
        const [ours, stock] = await oursAndStock(backend, () => [tf.matMul(tf.tensor3d(av, c.a as [number, number, number]), tf.tensor3d(bv, c.b as [number, number, number]), c.ta, c.tb)]);
        const d = worstDiff(ours[0], stock[0]);
        worst = Math.max(worst, d.worst);
        expect(d.worst, `${backend} ${JSON.stringify(c)} broadcast`).toBeLessThanOrEqual(TOL);
      }
    }
    console.log(`BatchMatMul vs stock (values and both gradients): worst ${worst.toExponential(2)}`);
  });

  it('wasm Identity shares the data: a clone survives its source, and training through saved tensors is unchanged', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor([1, 2, 3, 4]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    const init = tf.tensor([0.5, -1]);
    const v = tf.variable(init);
    const z = tf.clone(v);
    const next = tf.tensor([7, 8]);
    v.assign(next); // variables are re-pointed, never written in place
    expect(Array.from(z.dataSync())).toEqual([0.5, -1]);
    expect(Array.from(v.dataSync())).toEqual([7, 8]);
    tf.dispose([y, z, v, init, next]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('gemm', () => {
  function naive(ta: boolean, tb: boolean, m: number, n: number, k: number, a: Float32Array, aOff: number, lda: number, b: Float32Array, bOff: number, ldb: number): Float64Array {
    const c = new Float64Array(m * n);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
          const bv = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
          s += av * bv;
        }
        c[i * n + j] = s;
      }
    return c;
  }

  it('native sgemm and the tfjs fallback session match a float64 loop (transposes, strides, offsets, beta 0 / 1)', async () => {
    await tf.setBackend('wasm');
    const rng = new Rng('gemm');
    const kinds = nativeAddon() ? ['native', 'tfjs'] : ['tfjs'];
    for (const kind of kinds) {
      const before = tf.memory().numTensors;
      const run = () => {
        const mm = gemmSession();
        expect(mm.kind).toBe(kind);
        let worst = 0;
        for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          const m = 7, n = 5, k = 9;
          const lda = (ta ? m : k) + 3;
          const ldb = (tb ? k : n) + 2;
          const aOff = 4;
          const bOff = 1;
          const a = normal(rng, aOff + (ta ? k : m) * lda);
          const b = normal(rng, bOff + (tb ? n : k) * ldb);
          const ref = naive(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb);
          for (const beta of [0, 1] as const) {
            const ldc = n + 1;
            const c = normal(rng, 2 + m * ldc);
            const c0 = c.slice();
            mm.gemm(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, 2, ldc);
            const got = new Float32Array(m * n);
            const want = new Float64Array(m * n);
            for (let i = 0; i < m; i++)
              for (let j = 0; j < n; j++) {
                got[i * n + j] = c[2 + i * ldc + j];
                want[i * n + j] = ref[i * n + j] + (beta ? c0[2 + i * ldc + j] : 0);
              }
            const d = worstDiff(got, want);
            worst = Math.max(worst, d.worst);
            expect(d.worst, `${kind} ta=${ta} tb=${tb} beta=${beta}: ${fmt(d)}`).toBeLessThanOrEqual(TOL);
            expect(c[0]).toBe(c0[0]); // untouched before the offset
          }
        }
        mm.dispose();
        return worst;
      };
      const worst = kind === 'native' ? run() : withoutNative(run);
      console.log(`gemm (${kind}) vs float64 loop: worst ${worst.toExponential(2)}`);
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
