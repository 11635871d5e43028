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
 * Runs fn on `backend` inside tf.tidy, copies the returned tensors out, and
 * checks that no tensor survives (numTensors before == after).
 */
export async function on(backend: 'wasm' | 'cpu', fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => fn().map((t) => t.dataSync().slice() as Float32Array));
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
