/**
 * How a BatchNormalization layer's moving mean and moving variance follow
 * the batch statistics in training. One implementation for the fused path
 * (./layers.ts, from ./batchnorm.ts's statistics) and the stock tfjs path
 * (../../models/batchnorm-statistics.ts), chosen per layer by its
 * `movingStatistics` rule (unset = tfjs's):
 *
 * - tfjs (tfjs-layers 4.22 `BatchNormalization.call`, `doMovingAverage`):
 *   moving -= (moving - batch) * (1 - momentum), with the biased batch
 *   variance (sum of squares / n), starting from the initialisers (mean 0,
 *   variance 1). Computed with the same tensor ops as tfjs-layers.
 * - `unbiasedVariance` (Keras 2.1.4 to 2.2.5, keras/layers/normalization.py
 *   `BatchNormalization.call`): before the moving update the batch variance
 *   is multiplied by n / (n - (1 + epsilon)), n = the number of values per
 *   channel (batch x spatial positions), epsilon the layer's (1e-3 by
 *   default; "sample variance - unbiased estimator of population variance",
 *   keras-team/keras PR #9028, January 2018). Every backend but CNTK.
 * - `zeroDebias` (Keras 2.1.3 to 2.2.5 on the TensorFlow backend,
 *   keras/backend/tensorflow_backend.py `moving_average_update` calls
 *   `moving_averages.assign_moving_average(x, value, momentum,
 *   zero_debias=True)`, keras-team/keras PR #9003, January 2018): TensorFlow
 *   1.x (tensorflow/python/training/moving_averages.py `_zero_debias`) keeps
 *   a hidden `biased` accumulator starting at 0 and a `local_step`, and
 *   assigns moving = biased / (1 - momentum^step) after
 *   biased -= (biased - batch) * (1 - momentum). The moving value's own start
 *   (the initialiser) is overwritten at the first step: after one step the
 *   moving statistics are that batch's. The accumulator and step are not
 *   Keras weights; here they are per-layer state (`zeroDebiasState`) that
 *   checkpoints and data-parallel replicas carry (../../train/fit.ts,
 *   ../../train/data-parallel.ts).
 *
 * Keras' updates run in float32 on TensorFlow; the Keras rules here compute
 * in float32 too (every operation rounded with Math.fround, in TensorFlow's
 * order), so they follow TensorFlow to about one float32 rounding per step.
 */
import * as tf from '@tensorflow/tfjs';

/** Which moving-statistics rule a BatchNormalization layer follows in training. */
export interface MovingStatisticsRule {
  /** Multiply the batch variance by n / (n - (1 + epsilon)) before averaging. */
  unbiasedVariance: boolean;
  /** TensorFlow's zero-debiased moving average (hidden accumulator from 0, step count). */
  zeroDebias: boolean;
}

/** tfjs-layers' rule: plain moving average of the biased batch variance. */
export const TFJS_MOVING_STATISTICS: Readonly<MovingStatisticsRule> = Object.freeze({ unbiasedVariance: false, zeroDebias: false });

interface LayerVar {
  read(): tf.Tensor;
  write(v: tf.Tensor): void;
}

/** The fields of a BatchNormalization layer the moving update uses. */
export interface MovingStatisticsLayer {
  momentum: number;
  epsilon: number;
  movingMean: LayerVar;
  movingVariance: LayerVar;
  /** The layer's rule; unset or null = tfjs's. */
  movingStatistics?: MovingStatisticsRule | null;
}

/** TensorFlow's hidden zero-debias state of one layer (both statistics share the step count). */
export interface ZeroDebiasState {
  /** Updates so far (TensorFlow's `local_step`). */
  step: number;
  /** TensorFlow's `biased` accumulator of the moving mean. */
  biasedMean: Float32Array;
  /** TensorFlow's `biased` accumulator of the moving variance. */
  biasedVariance: Float32Array;
}

const debiasStates = new WeakMap<object, ZeroDebiasState>();
const updateCounts = new WeakMap<object, number>();

export function isTfjsRule(rule: MovingStatisticsRule | null | undefined): boolean {
  return !rule || (!rule.unbiasedVariance && !rule.zeroDebias);
}

/** The rule a layer follows (tfjs's when none is set). */
export function movingStatisticsRule(layer: object): MovingStatisticsRule {
  return (layer as MovingStatisticsLayer).movingStatistics ?? TFJS_MOVING_STATISTICS;
}

/** The layer's zero-debias state (null before its first debiased update or without the rule). */
export function zeroDebiasState(layer: object): ZeroDebiasState | null {
  return debiasStates.get(layer) ?? null;
}

/** Replaces (copies in) or clears a layer's zero-debias state, e.g. from a checkpoint. */
export function setZeroDebiasState(layer: object, state: ZeroDebiasState | null): void {
  if (!state) {
    debiasStates.delete(layer);
    return;
  }
  if (!(Number.isInteger(state.step) && state.step >= 0) || state.biasedMean.length !== state.biasedVariance.length) {
    throw new Error(`zero-debias state: step must be a non-negative integer and both accumulators the same length (got step ${state.step}, ${state.biasedMean.length} and ${state.biasedVariance.length} values)`);
  }
  debiasStates.set(layer, { step: state.step, biasedMean: Float32Array.from(state.biasedMean), biasedVariance: Float32Array.from(state.biasedVariance) });
}

/** How many moving updates this module applied to the layer (lets nested wrappers see whether one already ran). */
export function movingStatisticsUpdates(layer: object): number {
  return updateCounts.get(layer) ?? 0;
}

const f32 = Math.fround;

/**
 * Keras 2.1.4-2.2.5's sample variance: variance * n / (n - (1 + epsilon)),
 * in float32 as keras/layers/normalization.py computes it on TensorFlow
 * (sample_size cast to float32; 1 + epsilon a float32 constant).
 */
export function unbiasedBatchVariance(variance: Float32Array, count: number, epsilon: number): Float32Array {
  const n = f32(count);
  const factor = f32(n / f32(n - f32(1 + epsilon)));
  return variance.map((v) => f32(v * factor));
}

/**
 * One TensorFlow `assign_moving_average(..., zero_debias=True)` step on
 * `biased` (in place) for the step count `step` (already incremented):
 * biased -= (biased - value) * decay; returns biased / (1 - (1 - decay)^step),
 * decay = float32(1 - momentum) as TensorFlow converts it.
 */
export function zeroDebiasedUpdate(biased: Float32Array, value: Float32Array, momentum: number, step: number): Float32Array {
  const decay = f32(1 - momentum);
  const factor = f32(1 - f32(Math.pow(f32(1 - decay), step)));
  const out = new Float32Array(biased.length);
  for (let c = 0; c < biased.length; c++) {
    biased[c] = f32(biased[c] - f32(f32(biased[c] - value[c]) * decay));
    out[c] = f32(biased[c] / factor);
  }
  return out;
}

/** TensorFlow's `assign_moving_average(..., zero_debias=False)`: moving - (moving - value) * decay, in float32. */
function plainUpdate(moving: Float32Array, value: Float32Array, momentum: number): Float32Array {
  const decay = f32(1 - momentum);
  return moving.map((m, c) => f32(m - f32(f32(m - value[c]) * decay)));
}

/** tfjs-layers' doMovingAverage, op for op. */
function tfjsMovingAverage(variable: LayerVar, value: Float32Array, momentum: number): void {
  tf.tidy(() => {
    const decay = 1 - momentum;
    const orig = variable.read();
    variable.write(tf.sub(orig, tf.mul(tf.sub(orig, tf.tensor1d(value)), decay)));
  });
}

/**
 * Updates a layer's moving mean and variance from one training batch's
 * statistics (`mean`, biased `variance`, taken over `count` values per
 * channel) by the layer's rule.
 */
export function updateMovingStatistics(layer: MovingStatisticsLayer, mean: Float32Array, variance: Float32Array, count: number): void {
  const rule = movingStatisticsRule(layer);
  updateCounts.set(layer, movingStatisticsUpdates(layer) + 1);
  if (isTfjsRule(rule)) {
    tfjsMovingAverage(layer.movingMean, mean, layer.momentum);
    tfjsMovingAverage(layer.movingVariance, variance, layer.momentum);
    return;
  }
  const v = rule.unbiasedVariance ? unbiasedBatchVariance(variance, count, layer.epsilon) : variance;
  let newMean: Float32Array;
  let newVariance: Float32Array;
  if (rule.zeroDebias) {
    const C = mean.length;
    const state = debiasStates.get(layer) ?? { step: 0, biasedMean: new Float32Array(C), biasedVariance: new Float32Array(C) };
    if (state.biasedMean.length !== C) {
      throw new Error(`batch norm: the zero-debias state has ${state.biasedMean.length} channels, the batch ${C}`);
    }
    state.step += 1;
    newMean = zeroDebiasedUpdate(state.biasedMean, mean, layer.momentum, state.step);
    newVariance = zeroDebiasedUpdate(state.biasedVariance, v, layer.momentum, state.step);
    debiasStates.set(layer, state);
  } else {
    newMean = plainUpdate(layer.movingMean.read().dataSync() as Float32Array, mean, layer.momentum);
    newVariance = plainUpdate(layer.movingVariance.read().dataSync() as Float32Array, v, layer.momentum);
  }
  tf.tidy(() => {
    layer.movingMean.write(tf.tensor1d(newMean));
    layer.movingVariance.write(tf.tensor1d(newVariance));
  });
}
