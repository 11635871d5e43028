/**
 * Runs three stock tfjs-layers layers through the fused ops of this folder,
 * without changing the layers themselves (same classes, weights, configs,
 * parameter counts and saved files; only how `call` computes):
 *
 * - BatchNormalization in training mode (channel axis last) -> one op with
 *   its own gradient (./batchnorm.ts), synchronised over data-parallel
 *   replicas when asked; the moving mean / variance follow the layer's rule
 *   (./moving-statistics.ts: tfjs-layers' own by default, or Keras 2.2.4 on
 *   TensorFlow 1.x's), from the statistics of the whole batch. Inference
 *   mode and other axes keep the stock code.
 * - GRU without masks, initial or returned states, statefulness or dropout
 *   -> one op for the whole sequence (./gru.ts), in training and inference
 *   (also inside Bidirectional, which calls its two GRUs' `call`).
 * - Dropout (training mode, no noiseShape) -> one op (./dropout.ts) with
 *   exactly tf.dropout's mask and values; inside a data-parallel step each
 *   replica takes its rows of the WHOLE batch's mask (./replica.ts), so N
 *   replicas use the masks one process would.
 *
 * Active only while the backend is wasm or cpu (libtensorflow's own kernels
 * are left alone). `installFusedLayers()` is idempotent and called by
 * initBackend and fit unless AUDIO_AUG_LAB_FUSED=0 (data-parallel training
 * always installs them); `uninstallFusedLayers()` switches back to the
 * stock code (tests compare both). Measured on the wei2018 CRNN (batch 44,
 * wasm, 1 thread): stock batch-norm gradients ~2 s, GRU ~1.5 s and dropout
 * ~0.3 s of a step that now takes ~1 s in total.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormTrain } from './batchnorm.js';
import { updateMovingStatistics, type MovingStatisticsRule } from './moving-statistics.js';
import { fusedDropout } from './dropout.js';
import { gruSequence, type GruActivation, type GruRecurrentActivation } from './gru.js';
import { replicaContext } from './replica.js';
import { backendKind } from './tensor-data.js';

export const FUSED_ENV = 'AUDIO_AUG_LAB_FUSED';

type Kwargs = Record<string, unknown> | undefined;
type CallFn = (this: unknown, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) => tf.Tensor | tf.Tensor[];
interface Proto {
  call: CallFn;
}

interface LayerVar {
  read(): tf.Tensor;
  write(v: tf.Tensor): void;
}

interface BnLayer {
  axis: number;
  epsilon: number;
  momentum: number;
  gamma?: LayerVar | null;
  beta?: LayerVar | null;
  movingMean: LayerVar;
  movingVariance: LayerVar;
  movingStatistics?: MovingStatisticsRule | null;
}

interface Named {
  getClassName(): string;
}

interface GruLayer {
  stateful: boolean;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  cell: {
    units: number;
    dropout: number;
    recurrentDropout: number;
    useBias: boolean;
    activation: Named;
    recurrentActivation: Named;
    kernel: LayerVar;
    recurrentKernel: LayerVar;
    bias: LayerVar | null;
  };
}

interface DropoutLayer {
  rate: number;
  noiseShape?: number[] | null;
  seed?: number;
}

/** Prototypes wrapped so far (wrappers stay in place; `enabled` switches them). */
const wrapped = new Set<Proto>();
let enabled = false;

function one(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

function fusedBackend(): boolean {
  return enabled && backendKind() !== 'other';
}

function bnCall(original: CallFn): CallFn {
  return function (this: unknown, inputs, kwargs) {
    const layer = this as BnLayer;
    const input = one(inputs);
    const axis = layer.axis >= 0 ? layer.axis : layer.axis + input.rank;
    if (kwargs?.training !== true || axis !== input.rank - 1 || !fusedBackend() || input.dtype !== 'float32') {
      return original.call(this, inputs, kwargs);
    }
    return tf.tidy(() => {
      const gamma = layer.gamma ? layer.gamma.read() : null;
      const beta = layer.beta ? layer.beta.read() : null;
      const r = batchNormTrain(input, gamma, beta, layer.epsilon);
      updateMovingStatistics(layer, r.mean, r.variance, r.count);
      return r.y;
    });
  };
}

const GRU_ACTIVATIONS = new Set(['linear', 'tanh', 'sigmoid', 'relu']);
const GRU_RECURRENT = new Set(['hardSigmoid', 'sigmoid']);

function gruCall(original: CallFn): CallFn {
  return function (this: unknown, inputs, kwargs) {
    const layer = this as GruLayer;
    const cell = layer.cell;
    const input = one(inputs);
    const act = cell.activation.getClassName();
    const ract = cell.recurrentActivation.getClassName();
    const usable =
      fusedBackend() &&
      !Array.isArray(inputs) &&
      input.rank === 3 &&
      input.dtype === 'float32' &&
      kwargs?.mask == null &&
      kwargs?.initialState == null &&
      !layer.stateful &&
      !layer.returnState &&
      !(cell.dropout > 0) &&
      !(cell.recurrentDropout > 0) &&
      GRU_ACTIVATIONS.has(act) &&
      GRU_RECURRENT.has(ract);
    if (!usable) return original.call(this, inputs, kwargs);
    return tf.tidy(() =>
      gruSequence(input, cell.kernel.read(), cell.recurrentKernel.read(), cell.useBias && cell.bias ? cell.bias.read() : null, {
        units: cell.units,
        activation: act as GruActivation,
        recurrentActivation: ract as GruRecurrentActivation,
        goBackwards: layer.goBackwards,
        returnSequences: layer.returnSequences,
      }),
    );
  };
}

/** Dropout through ./dropout.ts (whole-batch element indices inside a data-parallel step). */
function dropoutCall(original: CallFn): CallFn {
  return function (this: unknown, inputs, kwargs) {
    const ctx = replicaContext();
    const layer = this as DropoutLayer;
    const input = one(inputs);
    const replicated = ctx !== null && ctx.size > 1;
    // Subclasses (SpatialDropout1D) shape their noise themselves: stock code.
    const plain = Object.getPrototypeOf(this) === dropoutProto && layer.noiseShape == null;
    if (kwargs?.training !== true || !(layer.rate > 0 && layer.rate < 1) || input.rank < 1 || input.dtype !== 'float32') {
      return original.call(this, inputs, kwargs);
    }
    if (!plain || !(fusedBackend() || replicated)) {
      if (replicated) throw new Error('data-parallel training (workers > 1) supports Dropout without a noiseShape only');
      return original.call(this, inputs, kwargs);
    }
    if (ctx && ctx.batchOffset + input.shape[0] > ctx.batchTotal) {
      throw new Error(`Dropout: replica rows [${ctx.batchOffset}, ${ctx.batchOffset + input.shape[0]}) exceed the batch of ${ctx.batchTotal}`);
    }
    // tf.dropout's seed: the layer's, else one Math.random() draw (the trainer seeds that stream).
    const seed = layer.seed ?? Math.random();
    return fusedDropout(input, layer.rate, seed, ctx ? ctx.batchOffset : 0);
  };
}

function protoOf(layer: tf.layers.Layer): Proto {
  return Object.getPrototypeOf(layer) as Proto;
}

const dropoutProto = protoOf(tf.layers.dropout({ rate: 0.5 }));

function wrap(proto: Proto, make: (original: CallFn) => CallFn): void {
  if (wrapped.has(proto)) return;
  wrapped.add(proto);
  proto.call = make(proto.call);
}

/**
 * Installs the fused layer implementations (idempotent). The wrappers stay
 * on the prototypes once added (other wrappers, e.g. ../../models/tfjs-fixes.ts,
 * may chain onto them) and delegate to the stock code while disabled.
 */
export function installFusedLayers(): void {
  wrap(protoOf(tf.layers.batchNormalization({})), bnCall);
  wrap(protoOf(tf.layers.gru({ units: 1 })), gruCall);
  wrap(dropoutProto, dropoutCall);
  enabled = true;
}

/** Back to the stock implementations (the wrappers delegate). */
export function uninstallFusedLayers(): void {
  enabled = false;
}

/** Whether the fused layers are in effect. */
export function fusedLayersInstalled(): boolean {
  return enabled;
}
