/**
 * Losses on probability outputs (models end in softmax or sigmoid), with
 * soft targets so mixup's mixed labels work unchanged. Probabilities are
 * clipped to [eps, 1 - eps] with eps = 1e-7, Keras's backend epsilon, which
 * is what the papers' Keras code used.
 */
import * as tf from '@tensorflow/tfjs';

export type LossName = 'categoricalCrossentropy' | 'binaryCrossentropy';
export const EPSILON = 1e-7;

/** Mean over the batch of -sum_k y_k log p_k. */
export function categoricalCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
    return tf.neg(tf.mean(tf.sum(tf.mul(yTrue, tf.log(p)), -1))) as tf.Scalar;
  });
}

/** Mean over batch and labels of -(y log p + (1 - y) log(1 - p)). */
export function binaryCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
    const term = tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p))));
    return tf.neg(tf.mean(term)) as tf.Scalar;
  });
}

export function lossFunction(name: LossName): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar {
  return name === 'binaryCrossentropy' ? binaryCrossentropy : categoricalCrossentropy;
}

/** Accuracy as Keras reports it for the loss: argmax agreement for
 * categorical targets; mean thresholded (0.5) agreement for binary ones
 * (soft targets are thresholded at 0.5 too). Plain numbers, no tensors. */
export function batchAccuracy(name: LossName, yTrue: Float32Array, yPred: Float32Array, nClasses: number): number {
  if (name === 'binaryCrossentropy') {
    let hits = 0;
    for (let i = 0; i < yTrue.length; i++) if (yTrue[i] >= 0.5 === yPred[i] >= 0.5) hits++;
    return hits / yTrue.length;
  }
  return top1Accuracy(yTrue, yPred, nClasses);
}

/**
 * Keras' categorical_accuracy: the share of rows whose highest prediction is
 * at their highest target (first index on ties), whatever the loss.
 */
export function top1Accuracy(yTrue: Float32Array, yPred: Float32Array, nClasses: number): number {
  const n = yTrue.length / nClasses;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    let bt = 0;
    let bp = 0;
    for (let k = 1; k < nClasses; k++) {
      if (yTrue[i * nClasses + k] > yTrue[i * nClasses + bt]) bt = k;
      if (yPred[i * nClasses + k] > yPred[i * nClasses + bp]) bp = k;
    }
    if (bt === bp) hits++;
  }
  return hits / n;
}
