/**
 * The training step the benchmarks time: one optimizer.minimize of the data
 * loss on a fixed batch, the way tfjs-layers' fit does it (no weight
 * penalties, no data pipeline), inside tf.tidy. Shared by bench/train.ts and
 * bench/profile-train.ts so both measure the same thing.
 */
import * as tf from '@tensorflow/tfjs';
import { lossFunction, type LossName } from '../src/train/losses.js';
import { trainableVariables } from '../src/train/optimizers.js';

export function benchTrainStep(model: tf.LayersModel, loss: LossName, opt: tf.Optimizer, x: tf.Tensor, labels: tf.Tensor): () => void {
  const lossFn = lossFunction(loss);
  const vars = trainableVariables(model);
  return () =>
    tf.tidy(() => {
      const cost = opt.minimize(() => lossFn(labels, model.apply(x, { training: true }) as tf.Tensor), true, vars);
      cost!.dataSync();
    });
}
