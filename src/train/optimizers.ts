/**
 * Optimizers: Adam (wei2018's Keras default: lr 1e-3, beta1 0.9, beta2 0.999,
 * eps 1e-7) and SGD with momentum (hu2020: momentum 0.9, rates from the
 * cosine schedule, Keras `decay` 1e-6 in some scripts). `setLearningRate` is
 * how schedules drive them per batch.
 *
 * Two sets of update equations, picked by the spec's framework profile
 * (./framework-profile.ts explains the differences and their sources):
 *
 * - `tfjs`: tfjs-core's own optimizers (tf.train.momentum / sgd / adam),
 *   untouched. tfjs has no `decay`; fit applies it to the rate it sets.
 * - `keras2`: `KerasSGD` and `KerasAdam` below, the update rules of
 *   keras/optimizers.py (Keras 2.x `get_updates`, the same from 2.1.3 to
 *   2.3.1 for these two), in float32 tensor ops:
 *     lr_i = lr / (1 + decay * i)          (i = updates before this one; decay > 0 only)
 *     SGD:  v = mu v - lr_i g;  p += v     (nesterov: p += mu v - lr_i g; mu = 0: p -= lr_i g)
 *     Adam: t = i + 1;  lr_t = lr_i sqrt(1 - b2^t) / (1 - b1^t)
 *           m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= lr_t m / (sqrt(v) + eps)
 *   Their state (iterations, then each slot for every variable, as Keras'
 *   `weights`) goes through getWeights / setWeights, so checkpoints and
 *   data-parallel replicas carry it like tfjs' optimizers' state.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '../util/errors.js';
import { frameworkProfile, type FrameworkName } from './framework-profile.js';

type NamedTensor = { name: string; tensor: tf.Tensor };

export type OptimizerSpec =
  | { kind: 'adam'; lr?: number; beta1?: number; beta2?: number; epsilon?: number; decay?: number; framework?: FrameworkName }
  | { kind: 'sgd'; lr?: number; momentum?: number; nesterov?: boolean; decay?: number; framework?: FrameworkName };

/** The learning rate a spec starts from when it names none. */
export function defaultLearningRate(spec: OptimizerSpec): number {
  return spec.lr ?? (spec.kind === 'adam' ? 1e-3 : 0.01);
}

export function makeOptimizer(spec: OptimizerSpec): tf.Optimizer {
  const profile = frameworkProfile(spec.framework);
  const decay = spec.decay ?? 0;
  if (!(decay >= 0)) throw new InvalidParameterError(`${spec.kind}: decay must be >= 0, got ${spec.decay}`);
  if (spec.kind === 'adam') {
    const lr = spec.lr ?? 1e-3;
    if (!(lr > 0)) throw new InvalidParameterError(`adam: lr must be > 0, got ${lr}`);
    const beta1 = spec.beta1 ?? 0.9;
    const beta2 = spec.beta2 ?? 0.999;
    const epsilon = spec.epsilon ?? profile.adamEpsilon;
    if (profile.optimizer === 'keras2') return new KerasAdam(lr, beta1, beta2, epsilon, decay);
    return tf.train.adam(lr, beta1, beta2, epsilon);
  }
  const lr = spec.lr ?? 0.01;
  const momentum = spec.momentum ?? 0.9;
  if (!(lr > 0) || !(momentum >= 0)) throw new InvalidParameterError(`sgd: lr must be > 0 and momentum >= 0`);
  if (profile.optimizer === 'keras2') return new KerasSGD(lr, momentum, spec.nesterov ?? false, decay);
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

/**
 * Keras' learning-rate decay, lr / (1 + decay * iterations), for the
 * `iterations` updates done before this one (keras/optimizers.py). tfjs'
 * optimizers have no decay: under the tfjs profile fit sets this rate.
 */
export function decayedLearningRate(lr: number, decay: number | undefined, iterations: number): number {
  return decay ? lr * (1 / (1 + decay * iterations)) : lr;
}

/**
 * The rate to give an optimizer made by makeOptimizer from `spec` for a
 * schedule's rate `lr`: the Keras optimizers decay it themselves, tfjs'
 * have no decay, so for them the decayed rate (what fit sets every batch).
 */
export function learningRateToSet(opt: tf.Optimizer, spec: OptimizerSpec, lr: number): number {
  // (tf.Optimizer's Symbol.hasInstance accepts any optimizer: check the prototype chain.)
  return KerasOptimizer.prototype.isPrototypeOf(opt) ? lr : decayedLearningRate(lr, spec.decay, opt.iterations);
}

/**
 * Shared machinery of the Keras optimizers: slot variables per model
 * variable (created at its first gradient, in gradient-list order, as tfjs'
 * optimizers do), the iteration count, decay, and state in Keras' order
 * ([iterations, slot 0 of every variable, slot 1 of every variable, ...]).
 */
abstract class KerasOptimizer extends tf.Optimizer {
  learningRate: number;
  private readonly index = new Map<string, number>();
  private readonly slots: tf.Variable[][] = [];

  protected constructor(
    learningRate: number,
    readonly decay: number,
    private readonly slotNames: string[],
  ) {
    super();
    this.learningRate = learningRate;
  }

  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  /** One variable's update, inside a tidy. `lr` is decayed; `t` = iterations + 1. */
  protected abstract update(value: tf.Variable, gradient: tf.Tensor, slots: tf.Variable[], lr: number, t: number): void;

  private slotsFor(name: string, value: tf.Variable): tf.Variable[] {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.index.size;
      this.index.set(name, i);
    }
    this.slots[i] ??= this.slotNames.map(() => tf.tidy(() => tf.zerosLike(value).variable(false)));
    return this.slots[i];
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    const lr = decayedLearningRate(this.learningRate, this.decay, this.iterations);
    const t = this.iterations + 1;
    tf.tidy(() => {
      for (const { name, tensor } of list) {
        const value = tf.engine().registeredVariables[name];
        if (!value) throw new Error(`${this.getClassName()}: no variable named '${name}'`);
        const slots = this.slotsFor(name, value);
        if (tensor == null) continue;
        this.update(value, tensor, slots, lr, t);
      }
    });
    this.incrementIterations();
  }

  async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    const names = [...this.index.keys()];
    this.slotNames.forEach((slot, k) => {
      this.slots.forEach((s, i) => out.push({ name: `${names[i] ?? i}/${slot}`, tensor: s[k] }));
    });
    return out;
  }

  async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const k = this.slotNames.length;
    if (k === 0 ? rest.length !== 0 : rest.length % k !== 0) {
      throw new InvalidParameterError(`${this.getClassName()}: ${rest.length} slot tensors do not make ${k} slot(s) per variable`);
    }
    const n = k === 0 ? 0 : rest.length / k;
    for (let i = 0; i < n; i++) {
      const values = this.slotNames.map((_, s) => rest[s * n + i].tensor);
      if (this.slots[i]) this.slots[i].forEach((v, s) => v.assign(values[s]));
      else this.slots[i] = values.map((v) => tf.variable(v, false));
    }
  }

  dispose(): void {
    super.dispose();
    this.slots.forEach((s) => s.forEach((v) => v.dispose()));
    this.slots.length = 0;
    this.index.clear();
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, decay: this.decay };
  }
}

/** Keras 2.x SGD (keras/optimizers.py `SGD.get_updates`): the rate enters the velocity with each gradient. */
export class KerasSGD extends KerasOptimizer {
  static className = 'KerasSGD';

  constructor(
    learningRate: number,
    readonly momentum: number,
    readonly nesterov: boolean,
    decay = 0,
  ) {
    super(learningRate, decay, momentum > 0 ? ['momentum'] : []);
  }

  protected update(value: tf.Variable, g: tf.Tensor, slots: tf.Variable[], lr: number): void {
    if (this.momentum === 0) {
      value.assign(tf.sub(value, tf.mul(g, lr)));
      return;
    }
    const [m] = slots;
    const v = tf.sub(tf.mul(m, this.momentum), tf.mul(g, lr));
    m.assign(v);
    value.assign(this.nesterov ? tf.sub(tf.add(value, tf.mul(v, this.momentum)), tf.mul(g, lr)) : tf.add(value, v));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}

/** Keras 2.x Adam (keras/optimizers.py `Adam.get_updates`): bias correction in the rate, epsilon on sqrt(v). */
export class KerasAdam extends KerasOptimizer {
  static className = 'KerasAdam';

  constructor(
    learningRate: number,
    readonly beta1: number,
    readonly beta2: number,
    readonly epsilon: number,
    decay = 0,
  ) {
    super(learningRate, decay, ['m', 'v']);
  }

  protected update(value: tf.Variable, g: tf.Tensor, slots: tf.Variable[], lr: number, t: number): void {
    const [m, v] = slots;
    const lrT = (lr * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    const mT = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
    const vT = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    m.assign(mT);
    v.assign(vT);
    value.assign(tf.sub(value, tf.div(tf.mul(mT, lrT), tf.add(tf.sqrt(vT), this.epsilon))));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
