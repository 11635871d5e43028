/**
 * Batch-norm population statistics: replace every BatchNormalization layer's
 * moving mean and variance by the exact mean and (population) variance of
 * its input over a dataset, layer by layer in network order, each measured
 * with the layers before it already replaced — so inference sees the
 * statistics of the data it was trained on. This is "precise BN" (Wu &
 * Johnson 2021, "Rethinking 'Batch' in BatchNorm", section 3), not part of
 * any of the three papers.
 *
 * Why it is here: Keras' moving averages (momentum 0.99, starting from mean 0
 * and variance 1) need several hundred steps to forget their start. A short
 * run keeps most of it — after 30 steps the moving variance is still
 * 0.99^30 = 74% of its initial 1 — and on the small ESC-10 part of the fold-4
 * subset (49 training clips, 15 epochs = 30 steps) the mushtaq2020 CNN-7
 * then predicts one class for every test clip: 9.7% accuracy with the moving
 * averages, 38.7% and 10 distinct classes with batch statistics (measured,
 * see the closing note of issue 7). Pipelines report the paper's protocol
 * (moving averages) as their accuracy and this as a separate measure.
 *
 * Works on flat functional and sequential models (the BN layers' inputs are
 * reachable from model.inputs); throws for a BN layer inside a nested model.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '../util/errors.js';
import { assembleBatch, batchIndices, type Dataset } from './batches.js';

/** Sets the BN layers' moving statistics to their population values over `data`; returns how many layers. Reads with `await data()` (webgpu has no synchronous read in Node). */
export async function setPopulationBatchNorm(model: tf.LayersModel, data: Dataset, batchSize = 32): Promise<number> {
  const layers = model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  const nested = model.layers.find((l) => l instanceof tf.LayersModel && (l as tf.LayersModel).layers.some((m) => m.getClassName() === 'BatchNormalization'));
  if (nested) throw new InvalidParameterError(`setPopulationBatchNorm: batch norm inside the nested model '${nested.name}' is not supported`);
  const all = new Int32Array(data.size).map((_, i) => i);
  for (const layer of layers) {
    const probe = tf.model({ inputs: model.inputs, outputs: layer.input as tf.SymbolicTensor });
    let sum: Float64Array | null = null;
    let sumSq: Float64Array | null = null;
    let count = 0;
    for (const idx of batchIndices(all, batchSize)) {
      const b = assembleBatch(data, idx);
      const v = tf.tidy(() => probe.predict(tf.tensor(b.x, [b.n, ...data.xShape])) as tf.Tensor);
      const c = v.shape[v.shape.length - 1]!;
      const d = await v.data();
      v.dispose();
      sum ??= new Float64Array(c);
      sumSq ??= new Float64Array(c);
      for (let i = 0; i < d.length; i++) {
        const k = i % c;
        sum[k] += d[i];
        sumSq[k] += d[i] * d[i];
      }
      count += d.length / c;
    }
    const mean = Float32Array.from(sum!, (s) => s / count);
    const variance = Float32Array.from(sumSq!, (s, k) => Math.max(0, s / count - (sum![k] / count) ** 2));
    // Keras order: [gamma], [beta], moving_mean, moving_variance. getWeights
    // returns the layer's own variables (never dispose them); setWeights
    // assigns, so the new tensors can go afterwards.
    const weights = layer.getWeights();
    const n = weights.length;
    const fresh = [tf.tensor(mean, weights[n - 2].shape), tf.tensor(variance, weights[n - 1].shape)];
    layer.setWeights([...weights.slice(0, n - 2), ...fresh]);
    tf.dispose(fresh);
  }
  return layers.length;
}
