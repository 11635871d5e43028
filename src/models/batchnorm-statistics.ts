/**
 * The moving-statistics rule of BatchNormalization layers on the model side
 * (the rules themselves: ../backend/fused/moving-statistics.ts).
 *
 * - The rule is a training setting, not part of the layer's config: fit
 *   sets it from the framework profile on the model it builds, and hands it
 *   to data-parallel replicas (`exportMovingStatistics`), so saved model
 *   files (and the sizes hu2020 reports from them) are the same under every
 *   profile.
 * - The stock tfjs training path (non-fused backends, other channel axes,
 *   AUDIO_AUG_LAB_FUSED=0) follows it too: around the stock call, a layer
 *   with a Keras rule takes its batch mean and biased variance with
 *   tf.moments (what tfjs-layers' normalizeBatchInTraining computes) and
 *   replaces tfjs' own moving update by the rule's. The fused path
 *   (../backend/fused/layers.ts) applies the rule itself; a wrapper that
 *   finds the update already done does nothing, whichever order the two are
 *   installed in. Layers under tfjs' rule run the stock code untouched.
 * - `setMovingStatisticsRule(model, rule)` sets the rule on every
 *   BatchNormalization layer (the training framework profile, ../train/fit.ts);
 *   `exportZeroDebiasState` / `importZeroDebiasState` carry TensorFlow's
 *   hidden debias accumulators through checkpoints;
 *   `exportMovingStatistics` / `importMovingStatistics` give a data-parallel
 *   replica rules and state.
 *
 * Installed once, on import of any model module (./common.ts).
 */
import * as tf from '@tensorflow/tfjs';
import {
  isTfjsRule,
  movingStatisticsRule,
  movingStatisticsUpdates,
  readZeroDebiasState,
  setZeroDebiasState,
  updateMovingStatistics,
  zeroDebiasState,
  type MovingStatisticsLayer,
  type MovingStatisticsRule,
  type ZeroDebiasState,
} from '../backend/fused/moving-statistics.js';
import { InvalidParameterError } from '../util/errors.js';

type Kwargs = Record<string, unknown> | undefined;
type BnLayer = tf.layers.Layer & MovingStatisticsLayer & { axis: number };
interface Proto {
  call(this: BnLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[];
  dispose(this: BnLayer): { refCountAfterDispose: number; numDisposedVariables: number };
}

let installed = false;

export function installBatchNormStatistics(): void {
  if (installed) return;
  installed = true;
  const proto = Object.getPrototypeOf(tf.layers.batchNormalization({})) as Proto;

  const inner = proto.call;
  proto.call = function ruleCall(this: BnLayer, inputs, kwargs) {
    const rule = movingStatisticsRule(this);
    if (kwargs?.training !== true || isTfjsRule(rule)) return inner.call(this, inputs, kwargs);
    const before = movingStatisticsUpdates(this);
    // Without zero-debiasing the rule continues from the moving values
    // before this call: keep them, since the stock code updates them itself.
    const kept = rule.zeroDebias ? null : [this.movingMean.read().clone(), this.movingVariance.read().clone()];
    try {
      const out = inner.call(this, inputs, kwargs);
      if (movingStatisticsUpdates(this) === before) {
        const x = Array.isArray(inputs) ? inputs[0] : inputs;
        const axis = this.axis >= 0 ? this.axis : this.axis + x.rank;
        const reduce = x.shape.map((_, i) => i).filter((i) => i !== axis);
        const count = reduce.reduce((n, i) => n * x.shape[i], 1);
        if (kept) {
          this.movingMean.write(kept[0]);
          this.movingVariance.write(kept[1]);
        }
        // Tensor ops only: no read, so this runs on webgpu too.
        tf.tidy(() => {
          const m = tf.moments(x, reduce);
          updateMovingStatistics(this, m.mean, m.variance, count);
        });
      }
      return out;
    } finally {
      kept?.forEach((t) => t.dispose());
    }
  };

  // The zero-debias state is held as tensors: free them with the layer's weights.
  const innerDispose = proto.dispose;
  proto.dispose = function disposeWithState(this: BnLayer) {
    const r = innerDispose.call(this);
    if (r.refCountAfterDispose === 0) setZeroDebiasState(this, null);
    return r;
  };
}

/** Every BatchNormalization layer of a model, nested models included, in layer order. */
export function batchNormLayers(model: tf.LayersModel): BnLayer[] {
  const out: BnLayer[] = [];
  const walk = (m: tf.LayersModel) => {
    for (const l of m.layers) {
      if (l instanceof tf.LayersModel) walk(l);
      else if (l.getClassName() === 'BatchNormalization') out.push(l as BnLayer);
    }
  };
  walk(model);
  return out;
}

/**
 * Sets the moving-statistics rule of every BatchNormalization layer (tfjs'
 * rule removes the setting) and clears their zero-debias state.
 */
export function setMovingStatisticsRule(model: tf.LayersModel, rule: MovingStatisticsRule): number {
  const layers = batchNormLayers(model);
  for (const l of layers) {
    if (isTfjsRule(rule)) delete l.movingStatistics;
    else l.movingStatistics = { unbiasedVariance: rule.unbiasedVariance, zeroDebias: rule.zeroDebias };
    setZeroDebiasState(l, null);
  }
  return layers.length;
}

/**
 * The zero-debias state of every BatchNormalization layer, in layer order
 * (null: none yet). Reads synchronously (cpu, wasm; on webgpu in Node only
 * after prefetchZeroDebiasState, else an error naming it).
 */
export function exportZeroDebiasState(model: tf.LayersModel): (ZeroDebiasState | null)[] {
  return batchNormLayers(model).map((l) => zeroDebiasState(l));
}

/** exportZeroDebiasState with asynchronous reads (every backend). */
export async function exportZeroDebiasStateAsync(model: tf.LayersModel): Promise<(ZeroDebiasState | null)[]> {
  return Promise.all(batchNormLayers(model).map((l) => readZeroDebiasState(l)));
}

/**
 * Reads the zero-debias state asynchronously once, so that
 * exportZeroDebiasState (e.g. a checkpoint's) then works on webgpu (a value
 * read once stays on the CPU side there); nothing to do on cpu / wasm.
 */
export async function prefetchZeroDebiasState(model: tf.LayersModel): Promise<void> {
  await exportZeroDebiasStateAsync(model);
}

/** Restores what exportZeroDebiasState returned (for a model of the same architecture). */
export function importZeroDebiasState(model: tf.LayersModel, states: (ZeroDebiasState | null)[]): void {
  const layers = batchNormLayers(model);
  if (states.length !== layers.length) {
    throw new InvalidParameterError(`zero-debias state for ${states.length} batch-norm layers, the model has ${layers.length}`);
  }
  layers.forEach((l, i) => setZeroDebiasState(l, states[i]));
}

/** A BatchNormalization layer's rule and zero-debias state, for a data-parallel replica. */
export interface BatchNormMovingState {
  rule: MovingStatisticsRule | null;
  debias: ZeroDebiasState | null;
}

/** Every BatchNormalization layer's rule and zero-debias state, in layer order. */
export function exportMovingStatistics(model: tf.LayersModel): BatchNormMovingState[] {
  const debias = exportZeroDebiasState(model);
  return batchNormLayers(model).map((l, i) => {
    const r = l.movingStatistics;
    return { rule: r ? { unbiasedVariance: r.unbiasedVariance, zeroDebias: r.zeroDebias } : null, debias: debias[i] };
  });
}

/** Gives a model (of the same architecture) what exportMovingStatistics returned. */
export function importMovingStatistics(model: tf.LayersModel, states: BatchNormMovingState[]): void {
  const layers = batchNormLayers(model);
  if (states.length !== layers.length) {
    throw new InvalidParameterError(`moving-statistics state for ${states.length} batch-norm layers, the model has ${layers.length}`);
  }
  layers.forEach((l, i) => {
    const r = states[i].rule;
    if (r && !isTfjsRule(r)) l.movingStatistics = { unbiasedVariance: r.unbiasedVariance, zeroDebias: r.zeroDebias };
    else delete l.movingStatistics;
    setZeroDebiasState(l, states[i].debias);
  });
}

installBatchNormStatistics();
