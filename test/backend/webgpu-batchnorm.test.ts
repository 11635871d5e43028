/**
 * The keras-2.2.4-tf1 batch-norm moving statistics (Keras 2.2.4 on
 * TensorFlow 1.x: unbiased batch variance, zero-debiased moving average;
 * src/backend/fused/moving-statistics.ts) on the webgpu backend, which has
 * no synchronous read in Node: the rule runs as tensor ops, its debias state
 * is held as tensors.
 *
 * - The rule alone, 300 steps of seeded statistics (37 channels, 1e-4 to
 *   1e2), against the float32 arithmetic it is on cpu / wasm bit for bit:
 *   within TOL_RULE (relative, per channel). WGSL's division need not be
 *   correctly rounded (2.5 ULP allowed). Measured on Mesa llvmpipe: 0
 *   (bit-identical).
 * - A small model with two BatchNormalization layers (after a conv: channel
 *   axis of a rank-4 input; after a dense layer: rank 2) trained with `fit`
 *   under keras-2.2.4-tf1 for 6 steps (3 epochs of 2 batches of 8) on
 *   webgpu (stock layers; the moments from tf.moments on the GPU) and on
 *   wasm as training runs without a GPU (fused batch norm, native kernels
 *   when built): losses relative to max(1, |loss|) within TOL_LOSS, moving
 *   mean / variance and the debias accumulators relative to max(1e-3,
 *   |value|) within TOL_STATS, the debias step counts equal. Measured on
 *   Mesa llvmpipe: losses 7.5e-8, moving statistics 9.6e-6, debias
 *   accumulators 5.7e-6 (the batch moments are summed in another order on
 *   each backend; the rule itself adds nothing, see above).
 * - tf.memory().numTensors is flat across the epochs on webgpu; the
 *   synchronous export fails there with an error naming the asynchronous
 *   one; a run resumed from a checkpoint (which reads the debias state)
 *   ends where the uninterrupted webgpu run ends (same kernels, same order:
 *   bit-identical).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import type { ZeroDebiasState } from '../../src/backend/fused/moving-statistics.js';
import { batchNormLayers, exportZeroDebiasState, exportZeroDebiasStateAsync } from '../../src/models/batchnorm-statistics.js';
import { fit, type FitOptions } from '../../src/train/fit.js';
import { frameworkProfile } from '../../src/train/framework-profile.js';
import { describeNeeds } from '../helpers/requires.js';
import { ruleFloat32, ruleOnBackend, seededStats, worstRelative } from '../train/fixtures/keras-moving-statistics.js';
import { stripes, X_SHAPE } from '../train/fixtures/tiny.js';
import { webgpuNeed } from './webgpu-helpers.js';

const gpu = await webgpuNeed();

const TOL_RULE = 1e-6;
const TOL_LOSS = 1e-5;
const TOL_STATS = 1e-4;

function bnModel(): tf.LayersModel {
  const input = tf.input({ shape: X_SHAPE });
  let h = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
  h = tf.layers.activation({ activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 6, useBias: false }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
  h = tf.layers.activation({ activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const options = (epochs: number, checkpointDir?: string): FitOptions => ({
  build: bnModel,
  train: stripes(16, 4),
  epochs,
  batchSize: 8,
  loss: 'categoricalCrossentropy',
  optimizer: { kind: 'adam', lr: 1e-2 },
  seed: 11,
  progress: 'none',
  framework: 'keras-2.2.4-tf1',
  checkpointDir,
});

interface Run {
  losses: number[];
  moving: Float32Array[];
  debias: (ZeroDebiasState | null)[];
  tensors: number[];
  seconds: number;
  model: tf.LayersModel;
}

async function train(backend: 'webgpu' | 'wasm', epochs = 3, checkpointDir?: string): Promise<Run> {
  await tf.setBackend(backend);
  const tensors: number[] = [];
  const t0 = performance.now();
  const r = await fit({ ...options(epochs, checkpointDir), onEpochEnd: () => tensors.push(tf.memory().numTensors) });
  const seconds = (performance.now() - t0) / 1000;
  const moving = await Promise.all(
    batchNormLayers(r.model).flatMap((l) => [l.movingMean.read(), l.movingVariance.read()].map(async (t) => (await t.data()).slice() as Float32Array)),
  );
  return { losses: r.history.map((h) => h.loss), moving, debias: await exportZeroDebiasStateAsync(r.model), tensors, seconds, model: r.model };
}

/** Worst |a - b| / max(1e-3, |b|). */
function worstStat(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / Math.max(1e-3, Math.abs(b[i])));
  return w;
}

describeNeeds(gpu, 'keras-2.2.4-tf1 batch-norm moving statistics on webgpu', () => {
  it('the rule alone: 300 steps of seeded statistics match the float32 arithmetic', async () => {
    await tf.setBackend('webgpu');
    const rule = frameworkProfile('keras-2.2.4-tf1').batchNorm;
    const batches = seededStats('keras-rules-webgpu', 37, 300);
    let worst = 0;
    for (const momentum of [0.99, 0.9]) {
      const ref = ruleFloat32(rule, momentum, 1e-3, batches);
      const got = await ruleOnBackend(rule, momentum, 1e-3, batches, 'mixed');
      expect(got.state?.step).toBe(300);
      worst = Math.max(
        worst,
        ...[
          [got.mean, ref.mean],
          [got.variance, ref.variance],
          [got.state!.biasedMean, ref.state!.biasedMean],
          [got.state!.biasedVariance, ref.state!.biasedVariance],
        ].map(([a, b]) => worstRelative(a, b)),
      );
    }
    console.log(`rule on webgpu vs float32 arithmetic, 300 steps: worst relative difference ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(TOL_RULE);
  }, 120_000);

  it('a model with two batch-norm layers trains like on wasm; tensors flat; the sync export names the async one; resume', async () => {
    const g = await train('webgpu');
    const w = await train('wasm');
    const dLoss = Math.max(...g.losses.map((l, i) => Math.abs(l - w.losses[i]) / Math.max(1, Math.abs(w.losses[i]))));
    const dMoving = Math.max(...g.moving.map((m, i) => worstStat(m, w.moving[i])));
    const dDebias = Math.max(...g.debias.flatMap((s, i) => [worstStat(s!.biasedMean, w.debias[i]!.biasedMean), worstStat(s!.biasedVariance, w.debias[i]!.biasedVariance)]));
    console.log(
      `keras-2.2.4-tf1, 6 steps: losses webgpu ${g.losses.map((l) => l.toFixed(6)).join(' ')} | wasm ${w.losses.map((l) => l.toFixed(6)).join(' ')} ` +
        `(worst ${dLoss.toExponential(2)}); moving statistics worst ${dMoving.toExponential(2)}, debias accumulators ${dDebias.toExponential(2)}; ` +
        `webgpu tensors after each epoch ${g.tensors.join(', ')}; seconds webgpu ${g.seconds.toFixed(1)}, wasm ${w.seconds.toFixed(1)}`,
    );
    expect(g.debias.map((s) => s?.step)).toEqual([6, 6]);
    expect(w.debias.map((s) => s?.step)).toEqual([6, 6]);
    expect(dLoss).toBeLessThanOrEqual(TOL_LOSS);
    expect(dMoving).toBeLessThanOrEqual(TOL_STATS);
    expect(dDebias).toBeLessThanOrEqual(TOL_STATS);
    expect(new Set(g.tensors).size, 'tensors flat across epochs on webgpu').toBe(1);
    // The debias state lives on the GPU: a synchronous read cannot work in Node.
    await tf.setBackend('webgpu');
    const fresh = await fit(options(1));
    expect(() => exportZeroDebiasState(fresh.model)).toThrow(/synchronous read failed on the 'webgpu' backend.*exportZeroDebiasStateAsync/);
    fresh.model.dispose();
    w.model.dispose();

    // Resumed after epoch 1 from a checkpoint (weights, optimizer and debias state).
    const dir = mkdtempSync(join(tmpdir(), 'webgpu-bn-ck-'));
    (await train('webgpu', 1, dir)).model.dispose();
    const resumed = await train('webgpu', 3, dir);
    expect(resumed.losses).toEqual(g.losses);
    expect(resumed.debias).toEqual(g.debias);
    expect(resumed.moving).toEqual(g.moving);
    resumed.model.dispose();
    g.model.dispose();
  }, 300_000);
});
