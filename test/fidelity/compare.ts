/**
 * tfjs against the float64 reference (./graph64.ts) for one fidelity case:
 * the training loss and gradients as fit() computes them (data loss +
 * weight penalties, training-mode forward), the inference forward, and the
 * error measures used throughout:
 *
 *   outputs:   err = max_i |a_i - ref_i| / max_i |ref_i|
 *   gradients: err(tensor) = max_i |a_i - ref_i| / max over the LAYER's
 *              gradient tensors of max_j |ref_j|
 *
 * Element-wise relative errors are meaningless for entries that happen to
 * be near zero, and a float32 sum of N terms is accurate relative to the
 * size of its terms, not of its sum. Some gradients are zero or tiny by
 * structure (a conv bias right before a training-mode batch norm, whose
 * batch mean removes it; a batch-norm beta whose every path ends in such a
 * norm; a softmax bias): their float32 value is rounding noise of the size
 * of the layer's other gradient terms, so each tensor is measured against
 * the largest gradient of its layer (kernel and bias, gamma and beta, all
 * GRU kernels of a Bidirectional).
 */
import * as tf from '@tensorflow/tfjs';
import { binaryCrossentropy, categoricalCrossentropy } from '../../src/train/losses.js';
import { trainableVariables } from '../../src/train/optimizers.js';
import { buildGraph, type Ambiguity, type Graph } from './graph64.js';
import type { FidelityCase } from './cases.js';

export interface TensorErr {
  name: string;
  err: number;
  /** Largest |ref| of the tensor. */
  scale: number;
}

/** err(tensor) as defined in the header. */
export function relErr(a: ArrayLike<number>, ref: ArrayLike<number>): { err: number; scale: number } {
  if (a.length !== ref.length) throw new Error(`relErr: ${a.length} vs ${ref.length} values`);
  let num = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - ref[i]);
    num = d > num || Number.isNaN(d) ? d : num;
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return { err: scale > 0 ? num / scale : num, scale };
}

export function worst(errs: TensorErr[]): TensorErr {
  return errs.reduce((w, e) => (e.err > w.err || Number.isNaN(e.err) ? e : w), { name: '-', err: 0, scale: 0 });
}

/** Rows of x / y in the order `perm` (batch axis). */
export function permuteRows(c: FidelityCase, perm: number[]): { x: Float32Array; y: Float32Array } {
  const xs = c.x.length / c.xShape[0];
  const x = new Float32Array(c.x.length);
  const y = new Float32Array(c.y.length);
  perm.forEach((src, dst) => {
    x.set(c.x.subarray(src * xs, (src + 1) * xs), dst * xs);
    y.set(c.y.subarray(src * c.nClasses, (src + 1) * c.nClasses), dst * c.nClasses);
  });
  return { x, y };
}

export interface TfjsStep {
  loss: number;
  /** Gradients by tf variable name. */
  grads: Map<string, Float32Array>;
}

/** Training loss and gradients as fit() computes them (no optimizer step). */
export function tfjsGradients(model: tf.LayersModel, c: FidelityCase, rows?: { x: Float32Array; y: Float32Array }): TfjsStep {
  const vars = trainableVariables(model);
  const lossFn = c.loss === 'binary' ? binaryCrossentropy : categoricalCrossentropy;
  let result: TfjsStep | null = null;
  tf.tidy(() => {
    const x = tf.tensor(rows?.x ?? c.x, c.xShape);
    const y = tf.tensor2d(rows?.y ?? c.y, [c.xShape[0], c.nClasses]);
    const { value, grads } = tf.variableGrads(() => {
      const p = model.apply(x, { training: true }) as tf.Tensor;
      const penalties = model.calculateLosses();
      const data = lossFn(y, p);
      return penalties.length ? (tf.addN([data, ...penalties]) as tf.Scalar) : data;
    }, vars);
    const out = new Map<string, Float32Array>();
    for (const v of vars) {
      const g = grads[v.name];
      if (!g) throw new Error(`tfjsGradients: no gradient for ${v.name}`);
      out.set(v.name, g.dataSync().slice() as Float32Array);
    }
    result = { loss: value.dataSync()[0], grads: out };
  });
  return result!;
}

/** Float64 reference at the model's current weights: forward + backward. */
export function referenceGraph(model: tf.LayersModel, c: FidelityCase, training = true): Graph {
  const g = buildGraph(model, { training, loss: c.loss, inputShape: c.xShape, nClasses: c.nClasses });
  g.input.value.set(c.x);
  g.labels.value.set(c.y);
  g.forward();
  if (training) g.backward();
  return g;
}

/** The layer a variable belongs to (the first component of its name). */
export function layerOf(variable: string): string {
  return variable.split('/')[0];
}

/** Largest |reference gradient| per layer. */
export function layerScales(g: Graph): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of g.params) {
    let s = 0;
    for (const v of p.node.grad ?? []) s = Math.max(s, Math.abs(v));
    m.set(layerOf(p.variable), Math.max(m.get(layerOf(p.variable)) ?? 0, s));
  }
  return m;
}

/** Per-variable max |a - b| over the layer's scale (see the header); b defaults to the reference gradient. */
export function gradientErrors(t: TfjsStep, g: Graph, other?: TfjsStep): TensorErr[] {
  const scales = layerScales(g);
  return g.params.map((p) => {
    const a = t.grads.get(p.variable);
    if (!a) throw new Error(`gradientErrors: tfjs has no gradient for ${p.variable}`);
    const b = other ? other.grads.get(p.variable)! : (p.node.grad ?? new Float64Array(p.node.value.length));
    let num = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      num = d > num || Number.isNaN(d) ? d : num;
    }
    const scale = scales.get(layerOf(p.variable)) ?? 0;
    return { name: p.variable, err: scale > 0 ? num / scale : num, scale };
  });
}

export function fmtErr(e: TensorErr): string {
  return `${e.err.toExponential(2)} (${e.name})`;
}

export interface Resolved {
  errors: TensorErr[];
  /** Ambiguities whose other side matched tfjs better (see graph64.ts). */
  flipped: Ambiguity[];
  /** How many ambiguities there were (tau-close decisions). */
  ambiguous: number;
}

/** Sum over all coordinates of ((a - ref) / layer scale)^2: the objective resolveAmbiguities lowers. */
function squaredError(t: TfjsStep, g: Graph, scales: Map<string, number>): number {
  let s = 0;
  for (const p of g.params) {
    const a = t.grads.get(p.variable)!;
    const r = p.node.grad!;
    const sc = scales.get(layerOf(p.variable)) || 1;
    for (let i = 0; i < a.length; i++) s += ((a[i] - r[i]) / sc) ** 2;
  }
  return s;
}

/**
 * tfjs' gradients against the reference, letting the reference take the
 * other one-sided derivative at tau-close decisions where that matches
 * tfjs better: greedily, closest decisions first (at most `maxTries` per
 * pass, two passes, as one flip may only pay off with another), keeping a
 * flip when it lowers the summed squared error (all coordinates, each
 * relative to its layer's scale) by at least 1% (a real flip removes a
 * whole routed gradient term; noise-level changes are not reported as
 * flips), and stopping once the worst error is at most `goodEnough`.
 * Leaves the graph's gradients at the chosen flips.
 */
export function resolveAmbiguities(t: TfjsStep, g: Graph, maxTries = 12, goodEnough = 0): Resolved {
  for (const a of g.ambiguities) a.flip = false;
  g.backward();
  const scales = layerScales(g);
  let errors = gradientErrors(t, g);
  let best = squaredError(t, g, scales);
  const flipped: Ambiguity[] = [];
  const order = [...g.ambiguities].sort((a, b) => a.margin - b.margin).slice(0, maxTries);
  for (let pass = 0; pass < 2; pass++) {
    let changed = false;
    for (const a of order) {
      if (a.flip) continue;
      if (worst(errors).err <= goodEnough) break;
      a.flip = true;
      g.backward();
      const s = squaredError(t, g, scales);
      if (s < 0.99 * best) {
        best = s;
        errors = gradientErrors(t, g);
        flipped.push(a);
        changed = true;
      } else {
        a.flip = false;
      }
    }
    if (!changed) break;
  }
  g.backward();
  return { errors, flipped, ambiguous: g.ambiguities.length };
}
