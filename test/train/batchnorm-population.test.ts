/**
 * setPopulationBatchNorm: each BN layer's moving statistics become the exact
 * mean / population variance of its input over the dataset (checked against
 * a float64 computation of that input), in network order; nothing else
 * changes and no tensor leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { arrayDataset } from '../../src/train/batches.js';
import { setPopulationBatchNorm } from '../../src/train/batchnorm-population.js';
import { Rng } from '../../src/util/rng.js';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

function model(): tf.LayersModel {
  const input = tf.input({ shape: [6, 5, 2] });
  let x = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'c1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'c2', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn2', scale: true, center: true }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function stats(v: Float32Array, c: number): { mean: number[]; variance: number[] } {
  const n = v.length / c;
  const mean = Array.from({ length: c }, (_, k) => { let s = 0; for (let i = k; i < v.length; i += c) s += v[i]; return s / n; });
  const variance = mean.map((m, k) => { let s = 0; for (let i = k; i < v.length; i += c) s += (v[i] - m) ** 2; return s / n; });
  return { mean, variance };
}

describe('setPopulationBatchNorm', () => {
  it('gives every BN layer the population mean and variance of its input, layer by layer', async () => {
    const m = model();
    const rng = new Rng('popbn');
    // Inputs far from mean 0 / variance 1, as the moving averages start.
    const xs = Array.from({ length: 37 }, () => Float32Array.from({ length: 60 }, () => 3 + 0.2 * rng.normal()));
    const ys = xs.map(() => new Float32Array([1, 0, 0]));
    const data = arrayDataset(xs, ys, [6, 5, 2]);
    const kernelsBefore = m.getLayer('c2').getWeights()[0].dataSync().slice();
    const before = tf.memory().numTensors;
    expect(await setPopulationBatchNorm(m, data, 8)).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
    const all = tf.tensor4d(Float32Array.from(xs.flatMap((x) => Array.from(x))), [37, 6, 5, 2]);
    for (const [name, c] of [['bn1', 3], ['bn2', 4]] as const) {
      const layer = m.getLayer(name);
      // The layer's input in inference mode, with earlier layers already set.
      const probe = tf.model({ inputs: m.inputs, outputs: layer.input as tf.SymbolicTensor });
      const v = (probe.predict(all) as tf.Tensor).dataSync() as Float32Array;
      const want = stats(v, c);
      const w = layer.getWeights();
      const gotMean = Array.from(w[w.length - 2].dataSync());
      const gotVar = Array.from(w[w.length - 1].dataSync());
      gotMean.forEach((g, k) => expect(Math.abs(g - want.mean[k]), `${name} mean ${k}`).toBeLessThan(1e-4 * Math.max(1, Math.abs(want.mean[k]))));
      gotVar.forEach((g, k) => expect(Math.abs(g - want.variance[k]), `${name} variance ${k}`).toBeLessThan(1e-4 * Math.max(1, want.variance[k])));
      // Far from the initial 0 / 1, so the test would see a no-op.
      expect(Math.max(...gotMean.map(Math.abs))).toBeGreaterThan(0.05);
    }
    expect(Array.from(m.getLayer('c2').getWeights()[0].dataSync())).toEqual(Array.from(kernelsBefore));
    all.dispose();
    m.dispose();
  });

  it('refuses batch norm inside a nested model', async () => {
    const inner = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] }), tf.layers.batchNormalization()] });
    const input = tf.input({ shape: [3] });
    const outer = tf.model({ inputs: input, outputs: inner.apply(input) as tf.SymbolicTensor });
    const data = arrayDataset([new Float32Array(3)], [new Float32Array(2)], [3]);
    await expect(setPopulationBatchNorm(outer, data)).rejects.toThrow(/nested model/);
    outer.dispose();
  });
});
