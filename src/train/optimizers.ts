/**
 * Optimizers: Adam (wei2018's Keras default: lr 1e-3, beta1 0.9, beta2 0.999,
 * eps 1e-7) and SGD with momentum (hu2020: momentum 0.9, rates from the
 * cosine schedule). `setLearningRate` is how schedules drive them per batch.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '../util/errors.js';

export type OptimizerSpec =
  | { kind: 'adam'; lr?: number; beta1?: number; beta2?: number; epsilon?: number }
  | { kind: 'sgd'; lr?: number; momentum?: number; nesterov?: boolean };

export function makeOptimizer(spec: OptimizerSpec): tf.Optimizer {
  if (spec.kind === 'adam') {
    const lr = spec.lr ?? 1e-3;
    if (!(lr > 0)) throw new InvalidParameterError(`adam: lr must be > 0, got ${lr}`);
    return tf.train.adam(lr, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon ?? 1e-7);
  }
  const lr = spec.lr ?? 0.01;
  const momentum = spec.momentum ?? 0.9;
  if (!(lr > 0) || !(momentum >= 0)) throw new InvalidParameterError(`sgd: lr must be > 0 and momentum >= 0`);
  return momentum > 0 ? tf.train.momentum(lr, momentum, spec.nesterov ?? false) : tf.train.sgd(lr);
}

/** Set the learning rate of an optimizer made by makeOptimizer. */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** The tf.Variables behind a model's trainable weights (what optimizer.minimize takes as varList). */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
}
