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
 * Keras' updates run in float32 on TensorFlow; the Keras rules here run as
 * float32 tensor ops in TensorFlow's order, with the scalars (decay = 1 -
 * momentum, Keras' n / (n - (1 + epsilon)), the debias divisor 1 -
 * momentum^step) rounded to float32 on the JS side as TensorFlow converts
 * them, so they follow TensorFlow to about one float32 rounding per step.
 * Each op (sub, mul, div by a scalar) is one correctly rounded float32
 * operation on the cpu and wasm backends, so the result is bit-identical to
 * the same arithmetic written with Math.fround (test/train/framework-profile
 * .test.ts checks this on both); on webgpu WGSL's division need not be
 * correctly rounded (test/backend/webgpu-batchnorm.test.ts measures the
 * difference).
 *
 * Nothing here reads a tensor: the batch statistics may be tensors (the
 * stock path) or arrays (the fused path), and the zero-debias state is held
 * as kept tensors (step count on the JS side), so training under the Keras
 * rules runs on backends without synchronous reads (webgpu in Node). Reading
 * the state (`zeroDebiasState`, checkpoints) is synchronous on cpu / wasm;
 * on webgpu `readZeroDebiasState` (async) first.
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

/** The state as held: the accumulators as kept float32 tensors of shape [C]. */
interface HeldState {
  step: number;
  biasedMean: tf.Tensor;
  biasedVariance: tf.Tensor;
}

const debiasStates = new WeakMap<object, HeldState>();
const updateCounts = new WeakMap<object, number>();

export function isTfjsRule(rule: MovingStatisticsRule | null | undefined): boolean {
  return !rule || (!rule.unbiasedVariance && !rule.zeroDebias);
}

/** The rule a layer follows (tfjs's when none is set). */
export function movingStatisticsRule(layer: object): MovingStatisticsRule {
  return (layer as MovingStatisticsLayer).movingStatistics ?? TFJS_MOVING_STATISTICS;
}

function readSync(t: tf.Tensor): Float32Array {
  try {
    return Float32Array.from(t.dataSync());
  } catch (e) {
    throw new Error(
      `batch norm zero-debias state: a synchronous read failed on the '${tf.getBackend()}' backend (${e instanceof Error ? e.message : String(e)}); ` +
        'read it with readZeroDebiasState / exportZeroDebiasStateAsync, or prefetchZeroDebiasState first',
    );
  }
}

/**
 * A copy of the layer's zero-debias state (null before its first debiased
 * update or without the rule). Reads synchronously: on webgpu in Node only
 * after `readZeroDebiasState` (a value read once stays on the CPU side).
 */
export function zeroDebiasState(layer: object): ZeroDebiasState | null {
  const s = debiasStates.get(layer);
  return s ? { step: s.step, biasedMean: readSync(s.biasedMean), biasedVariance: readSync(s.biasedVariance) } : null;
}

/** zeroDebiasState with asynchronous reads (every backend). */
export async function readZeroDebiasState(layer: object): Promise<ZeroDebiasState | null> {
  const s = debiasStates.get(layer);
  if (!s) return null;
  const [m, v] = await Promise.all([s.biasedMean.data(), s.biasedVariance.data()]);
  return { step: s.step, biasedMean: Float32Array.from(m), biasedVariance: Float32Array.from(v) };
}

function disposeHeld(s: HeldState | undefined): void {
  s?.biasedMean.dispose();
  s?.biasedVariance.dispose();
}

/** Replaces (copies in) or clears a layer's zero-debias state, e.g. from a checkpoint. Reads nothing. */
export function setZeroDebiasState(layer: object, state: ZeroDebiasState | null): void {
  if (state && (!(Number.isInteger(state.step) && state.step >= 0) || state.biasedMean.length !== state.biasedVariance.length)) {
    throw new Error(`zero-debias state: step must be a non-negative integer and both accumulators the same length (got step ${state.step}, ${state.biasedMean.length} and ${state.biasedVariance.length} values)`);
  }
  disposeHeld(debiasStates.get(layer));
  if (!state) {
    debiasStates.delete(layer);
    return;
  }
  debiasStates.set(layer, {
    step: state.step,
    biasedMean: tf.keep(tf.tensor1d(Float32Array.from(state.biasedMean))),
    biasedVariance: tf.keep(tf.tensor1d(Float32Array.from(state.biasedVariance))),
  });
}

/** How many moving updates this module applied to the layer (lets nested wrappers see whether one already ran). */
export function movingStatisticsUpdates(layer: object): number {
  return updateCounts.get(layer) ?? 0;
}

const f32 = Math.fround;

/**
 * Keras 2.1.4-2.2.5's sample-variance factor n / (n - (1 + epsilon)), in
 * float32 as keras/layers/normalization.py computes it on TensorFlow
 * (sample_size cast to float32; 1 + epsilon a float32 constant).
 */
export function unbiasedVarianceFactor(count: number, epsilon: number): number {
  const n = f32(count);
  return f32(n / f32(n - f32(1 + epsilon)));
}

/** TensorFlow's decay for `assign_moving_average`: float32(1 - momentum). */
function decayOf(momentum: number): number {
  return f32(1 - momentum);
}

/** TensorFlow 1.x `_zero_debias`'s divisor 1 - (1 - decay)^step, in float32. */
export function zeroDebiasDivisor(momentum: number, step: number): number {
  return f32(1 - f32(Math.pow(f32(1 - decayOf(momentum)), step)));
}

/** TensorFlow's moving-average step: value is moved toward `target`, v - (v - target) * decay (float32 ops). */
function movedToward(v: tf.Tensor, target: tf.Tensor, decay: number): tf.Tensor {
  return tf.sub(v, tf.mul(tf.sub(v, target), decay));
}

function asTensor(v: Float32Array | tf.Tensor): tf.Tensor {
  return v instanceof Float32Array ? tf.tensor1d(v) : v;
}

/**
 * Updates a layer's moving mean and variance from one training batch's
 * statistics (`mean`, biased `variance`, taken over `count` values per
 * channel; arrays or float32 tensors of shape [C]) by the layer's rule.
 * Tensor ops only (no read); call it inside a tidy.
 */
export function updateMovingStatistics(layer: MovingStatisticsLayer, mean: Float32Array | tf.Tensor, variance: Float32Array | tf.Tensor, count: number): void {
  const rule = movingStatisticsRule(layer);
  updateCounts.set(layer, movingStatisticsUpdates(layer) + 1);
  tf.tidy(() => {
    const m = asTensor(mean);
    const v = rule.unbiasedVariance ? tf.mul(asTensor(variance), unbiasedVarianceFactor(count, layer.epsilon)) : asTensor(variance);
    if (isTfjsRule(rule)) {
      // tfjs-layers' doMovingAverage, op for op (its decay is not rounded first).
      const decay = 1 - layer.momentum;
      for (const [variable, value] of [[layer.movingMean, m], [layer.movingVariance, v]] as const) {
        const orig = variable.read();
        variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), decay)));
      }
      return;
    }
    const decay = decayOf(layer.momentum);
    if (!rule.zeroDebias) {
      // TensorFlow's assign_moving_average(..., zero_debias=False).
      layer.movingMean.write(movedToward(layer.movingMean.read(), m, decay));
      layer.movingVariance.write(movedToward(layer.movingVariance.read(), v, decay));
      return;
    }
    // TensorFlow 1.x's zero_debias=True: the hidden `biased` accumulators
    // start at 0; moving = biased / (1 - momentum^step).
    const C = m.size;
    const held = debiasStates.get(layer);
    if (held && held.biasedMean.size !== C) {
      throw new Error(`batch norm: the zero-debias state has ${held.biasedMean.size} channels, the batch ${C}`);
    }
    const step = (held?.step ?? 0) + 1;
    const biasedMean = movedToward(held?.biasedMean ?? tf.zeros([C]), m, decay);
    const biasedVariance = movedToward(held?.biasedVariance ?? tf.zeros([C]), v, decay);
    const divisor = zeroDebiasDivisor(layer.momentum, step);
    layer.movingMean.write(tf.div(biasedMean, divisor));
    layer.movingVariance.write(tf.div(biasedVariance, divisor));
    disposeHeld(held);
    debiasStates.set(layer, { step, biasedMean: tf.keep(biasedMean), biasedVariance: tf.keep(biasedVariance) });
  });
}
