/**
 * Shared helpers for the backend tests: bring up wasm and cpu in one
 * process, run a computation on a named backend with a tensor-leak check,
 * and compare arrays with the tolerance used throughout:
 *   err = |a - ref| / max(1, |ref|)   (absolute below 1, relative above)
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { registerTrainingKernels, unregisterTrainingKernels } from '../../src/backend/kernels/register.js';
import { Rng } from '../../src/util/rng.js';

/** Initialises the backends (wasm preferred) and the training kernels on both. */
export async function setupBackends(): Promise<void> {
  const info = await initBackend({ prefer: 'wasm', quiet: true });
  if (info.name !== 'wasm') throw new Error(`backend tests need wasm, got ${info.description} (${info.reason})`);
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false; // no tfjs-node banner
  await tf.setBackend('wasm');
}

/**
 * Runs fn on `backend` inside tf.tidy, copies the returned tensors out
 * (with `await data()`: webgpu has no synchronous read in Node), and
 * checks that no tensor survives (numTensors before == after).
 */
export async function on(backend: 'wasm' | 'cpu' | 'webgpu', fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const ts = tf.tidy(() => fn());
  const out = await Promise.all(ts.map(async (t) => (await t.data()).slice() as Float32Array));
  tf.dispose(ts);
  const after = tf.memory().numTensors;
  expect(after, `tensor leak on ${backend}`).toBe(before);
  return out;
}

export interface Diff {
  worst: number;
  at: number;
  got: number;
  ref: number;
}

/** Worst |a - ref| / max(1, |ref|) over two equally long arrays. */
export function worstDiff(a: ArrayLike<number>, ref: ArrayLike<number>): Diff {
  expect(a.length).toBe(ref.length);
  let d: Diff = { worst: 0, at: -1, got: NaN, ref: NaN };
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - ref[i]) / Math.max(1, Math.abs(ref[i]));
    if (!(e <= d.worst)) d = { worst: e, at: i, got: a[i], ref: ref[i] }; // NaN counts as worst
  }
  return d;
}

export function fmt(d: Diff): string {
  return d.at < 0 ? '0' : `${d.worst.toExponential(2)} (at ${d.at}: ${d.got.toPrecision(7)} vs ${d.ref.toPrecision(7)})`;
}

/** Standard-normal float32 values from a seeded Rng. */
export function normal(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

export const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Runs fn with the wasm kernels registered without the native addon. */
export async function withoutNativeKernels<T>(fn: () => Promise<T>): Promise<T> {
  unregisterTrainingKernels('wasm');
  registerTrainingKernels('wasm', { native: false });
  try {
    return await fn();
  } finally {
    unregisterTrainingKernels('wasm');
    registerTrainingKernels('wasm');
  }
}

/** Seeded weights for every weight of the given (built) layers, identical on each backend. */
export function setSeededWeights(layers: tf.layers.Layer[], seed: string): void {
  const rng = new Rng(seed);
  for (const l of layers) {
    l.setWeights(
      l.weights.map((w) => {
        const n = size(w.shape as number[]);
        const vals = new Float32Array(n);
        const name = w.name;
        for (let i = 0; i < n; i++) {
          if (name.includes('moving_variance')) vals[i] = 0.5 + rng.uniform(0, 1);
          else if (name.includes('gamma')) vals[i] = 1 + 0.2 * rng.normal();
          else vals[i] = 0.3 * rng.normal();
        }
        return tf.tensor(vals, w.shape as number[]);
      }),
    );
  }
}

/**
 * d sum(stack(x) * dy) / d(x, trainable weights) for freshly built layers
 * with seeded weights; disposes the layers and variables it made.
 */
export function stackGrads(
  make: () => tf.layers.Layer[],
  xShape: number[],
  seed: string,
  kwargs: Record<string, unknown> = {},
): tf.Tensor[] {
  const rng = new Rng(`${seed}-data`);
  const layers = make();
  const x = tf.variable(tf.tensor(normal(rng, size(xShape)), xShape));
  const apply = () => layers.reduce<tf.Tensor>((h, l) => l.apply(h, kwargs) as tf.Tensor, x);
  try {
    const shape = tf.tidy(() => apply().shape); // builds the layers
    setSeededWeights(layers, seed);
    const dy = tf.tensor(normal(rng, size(shape)), shape);
    const vars = [x, ...layers.flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable))];
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(apply(), dy)) as tf.Scalar, vars);
    const y = apply();
    return [y, value, ...vars.map((v) => grads[v.name])];
  } finally {
    x.dispose();
    for (const l of layers) l.dispose();
  }
}
