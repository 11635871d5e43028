/**
 * The float64 reference ops of test/backend/reference.ts, one by one:
 *
 * 1. each backward against central differences of its own forward, in
 *    float64, on seeded random inputs (every coordinate of small tensors):
 *    h = 1e-6, tolerance 1e-7 of the largest gradient of the op (central
 *    differences in float64 are accurate to ~h^2 + 1e-16 / h ~ 1e-10 here;
 *    inputs avoid kinks by construction, see `awayFrom`);
 * 2. each forward and gradient against tfjs on wasm and cpu (float32
 *    operands, so tolerance 1e-5 of the largest value: float32 rounding of
 *    sums of at most a few hundred terms), including the ops the three
 *    paper models do not use but the reference provides (relu6, tanh,
 *    hardSigmoid, batch norm in inference mode, a GRU with sigmoid gates).
 *
 * The model-level comparisons are in ./models.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.js';
import { on, setupBackends } from '../backend/helpers.js';
import {
  activation,
  activationDerivative,
  attentionPoolingBackward,
  attentionPoolingForward,
  batchNormInferBackward,
  batchNormInferForward,
  batchNormTrainBackward,
  batchNormTrainForward,
  conv2dBackward,
  conv2dForward,
  crossEntropy,
  denseBackward,
  denseForward,
  depthwiseBackward,
  depthwiseForward,
  geom,
  globalAvgPoolBackward,
  globalAvgPoolForward,
  gruBackward,
  gruForward,
  maxPoolBackward,
  maxPoolForward,
  softmaxBackward,
  softmaxForward,
  type ElementwiseActivation,
  type GruRefSpec,
} from '../backend/reference.js';
import { relErr } from './compare.js';

const H = 1e-6;
const CD_TOL = 1e-7;
const TFJS_TOL = 1e-5;

beforeAll(setupBackends);

function normal(rng: Rng, n: number, scale = 1, offset = 0): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = offset + scale * rng.normal();
  return a;
}

/** Moves values within 0.05 of any kink by 0.1 (central differences must not straddle one). */
function awayFrom(kinks: number[], a: Float64Array): Float64Array {
  return a.map((v) => (kinks.some((k) => Math.abs(v - k) < 0.05) ? v + 0.1 : v));
}

/**
 * Checks d/dx of L(x) = sum(f(x) * w) (w fixed random weights) computed by
 * `grad` (given dL/df = w) against central differences, for each input.
 */
function checkGrad(label: string, inputs: Float64Array[], f: (...xs: Float64Array[]) => Float64Array, grad: (w: Float64Array, ...xs: Float64Array[]) => Float64Array[], seed: string): void {
  const rng = new Rng(seed);
  const y0 = f(...inputs);
  const w = normal(rng, y0.length);
  const L = () => {
    const y = f(...inputs);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * w[i];
    return s;
  };
  const analytic = grad(w, ...inputs);
  let scale = 0;
  for (const g of analytic) for (const v of g) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  inputs.forEach((x, k) => {
    for (let i = 0; i < x.length; i++) {
      const x0 = x[i];
      x[i] = x0 + H;
      const lp = L();
      x[i] = x0 - H;
      const lm = L();
      x[i] = x0;
      const cd = (lp - lm) / (2 * H);
      worst = Math.max(worst, Math.abs(cd - analytic[k][i]) / scale);
    }
  });
  console.log(`${label}: backward vs central differences ${worst.toExponential(2)} (of max |grad| ${scale.toExponential(2)})`);
  expect(worst, label).toBeLessThanOrEqual(CD_TOL);
}

describe('reference backward == central differences of the reference forward (float64)', () => {
  const rng = new Rng('reference-ops');

  it('conv2d and depthwise conv (same / valid, strides, non-square)', () => {
    for (const [fh, fw, s, pad] of [[3, 3, [1, 1], 'same'], [3, 2, [2, 1], 'same'], [2, 3, [1, 2], 'valid'], [1, 1, [1, 1], 'same']] as const) {
      const g = geom([2, 5, 6, 3], fh, fw, [...s] as [number, number], pad);
      const x = normal(rng, 2 * 5 * 6 * 3);
      const w = normal(rng, fh * fw * 3 * 4);
      const b = normal(rng, 4);
      checkGrad(`conv2d ${fh}x${fw} s${s} ${pad}`, [x, w, b], (xx, ww, bb) => conv2dForward(xx, ww, bb, g, 4), (d, xx, ww) => {
        const r = conv2dBackward(xx, ww, d, g, 4);
        return [r.dx, r.dw, r.db];
      }, `conv${fh}${fw}`);
      const wd = normal(rng, fh * fw * 3 * 2);
      const bd = normal(rng, 6);
      checkGrad(`depthwise ${fh}x${fw} s${s} ${pad}`, [x, wd, bd], (xx, ww, bb) => depthwiseForward(xx, ww, bb, g, 2), (d, xx, ww) => {
        const r = depthwiseBackward(xx, ww, d, g, 2);
        return [r.dx, r.dw, r.db];
      }, `dw${fh}${fw}`);
    }
  });

  it('max pool (no ties), global average pool', () => {
    const g = geom([2, 4, 6, 3], 2, 2, [2, 2], 'valid');
    const x = normal(rng, 2 * 4 * 6 * 3);
    const { arg } = maxPoolForward(x, g);
    checkGrad('maxPool 2x2', [x], (xx) => maxPoolForward(xx, g).y, (d) => [maxPoolBackward(arg, d, x.length)], 'maxpool');
    checkGrad('global average pool', [x], (xx) => globalAvgPoolForward(xx, 2, 24, 3), (d) => [globalAvgPoolBackward(d, 2, 24, 3)], 'gap');
  });

  it('batch norm, training mode (with and without gamma / beta) and inference mode', () => {
    const C = 3;
    const x = normal(rng, 40 * C, 2, 5);
    const gamma = normal(rng, C, 0.3, 1);
    const beta = normal(rng, C);
    checkGrad('batchNorm train', [x, gamma, beta], (xx, gg, bb) => batchNormTrainForward(xx, C, gg, bb, 1e-3).y, (d, xx, gg) => {
      const f = batchNormTrainForward(xx, C, gg, null, 1e-3);
      const r = batchNormTrainBackward(d, f.xhat, f.invStd, gg, C);
      return [r.dx, r.dgamma, r.dbeta];
    }, 'bn-train');
    checkGrad('batchNorm train, no gamma/beta', [x], (xx) => batchNormTrainForward(xx, C, null, null, 1e-3).y, (d, xx) => {
      const f = batchNormTrainForward(xx, C, null, null, 1e-3);
      return [batchNormTrainBackward(d, f.xhat, f.invStd, null, C).dx];
    }, 'bn-train-plain');
    const mm = normal(rng, C);
    const mv = normal(rng, C, 0.2, 1).map(Math.abs);
    checkGrad('batchNorm inference', [x, gamma, beta], (xx, gg, bb) => batchNormInferForward(xx, C, mm, mv, gg, bb, 1e-3), (d, xx, gg) => {
      const r = batchNormInferBackward(d, xx, C, mm, mv, gg, 1e-3);
      return [r.dx, r.dgamma, r.dbeta];
    }, 'bn-infer');
  });

  it('element-wise activations, softmax, dense', () => {
    const kinks: Record<ElementwiseActivation, number[]> = { linear: [], relu: [0], relu6: [0, 6], elu: [], sigmoid: [], tanh: [], hardSigmoid: [-2.5, 2.5] };
    for (const act of Object.keys(kinks) as ElementwiseActivation[]) {
      const x = awayFrom(kinks[act], normal(rng, 60, 3, act === 'relu6' ? 3 : 0));
      checkGrad(act, [x], (xx) => xx.map((v) => activation(act, v)), (d, xx) => [xx.map((v, i) => d[i] * activationDerivative(act, v))], `act-${act}`);
    }
    const z = normal(rng, 5 * 4, 2);
    checkGrad('softmax', [z], (zz) => softmaxForward(zz, 4), (d, zz) => [softmaxBackward(softmaxForward(zz, 4), d, 4)], 'softmax');
    const x = normal(rng, 6 * 5);
    const w = normal(rng, 5 * 3);
    const b = normal(rng, 3);
    checkGrad('dense', [x, w, b], (xx, ww, bb) => denseForward(xx, ww, bb, 5, 3), (d, xx, ww) => {
      const r = denseBackward(xx, ww, d, 5, 3);
      return [r.dx, r.dw, r.db];
    }, 'dense');
  });

  it('GRU (reset_after = false; forwards and backwards; hardSigmoid and sigmoid gates)', () => {
    const [B, T, D, U] = [2, 5, 3, 4];
    for (const spec of [
      { units: U, activation: 'linear', recurrentActivation: 'hardSigmoid', goBackwards: false },
      { units: U, activation: 'sigmoid', recurrentActivation: 'hardSigmoid', goBackwards: true },
      { units: U, activation: 'tanh', recurrentActivation: 'sigmoid', goBackwards: false },
    ] as GruRefSpec[]) {
      const x = normal(rng, B * T * D);
      const w = normal(rng, D * 3 * U, 0.5);
      const u = normal(rng, U * 3 * U, 0.5);
      const b = normal(rng, 3 * U, 0.3);
      const f = (xx: Float64Array, ww: Float64Array, uu: Float64Array, bb: Float64Array) => gruForward(xx, B, T, D, ww, uu, bb, spec);
      // keep every gate pre-activation away from the hardSigmoid kinks at +-2.5
      const { cache } = f(x, w, u, b);
      const near = [...cache.az, ...cache.ar].some((a) => Math.abs(Math.abs(a) - 2.5) < 0.01);
      expect(near, 'test input too close to a hardSigmoid kink').toBe(false);
      checkGrad(`GRU ${spec.activation}/${spec.recurrentActivation}${spec.goBackwards ? ' backwards' : ''}`, [x, w, u, b], (xx, ww, uu, bb) => f(xx, ww, uu, bb).y, (d, xx, ww, uu, bb) => {
        const r = gruBackward(xx, B, T, D, ww, uu, spec, f(xx, ww, uu, bb).cache, d);
        return [r.dx, r.dw, r.du, r.db];
      }, `gru-${spec.activation}`);
    }
  });

  it('attention pooling and the cross-entropy losses', () => {
    const [B, T, K] = [2, 6, 3];
    const cla = normal(rng, B * T * K).map((v) => 1 / (1 + Math.exp(-v)));
    const att = softmaxForward(normal(rng, B * T * K), K);
    checkGrad('attention pooling', [cla, att], (c, a) => attentionPoolingForward(c, a, B, T, K, 1e-7), (d, c, a) => {
      const r = attentionPoolingBackward(c, a, attentionPoolingForward(c, a, B, T, K, 1e-7), d, B, T, K, 1e-7);
      return [r.dcla, r.datt];
    }, 'att');
    const p = softmaxForward(normal(rng, 4 * K), K);
    const y = new Float64Array(4 * K).map((_, i) => (i % K === 1 ? 1 : 0));
    for (const kind of ['categorical', 'binary'] as const) {
      const pp = kind === 'binary' ? cla.slice(0, 4 * K) : p;
      const L = () => crossEntropy(kind, y, pp, K).loss;
      const an = crossEntropy(kind, y, pp, K).dp;
      let worst = 0;
      const scale = Math.max(...an.map(Math.abs));
      for (let i = 0; i < pp.length; i++) {
        const v = pp[i];
        pp[i] = v + H;
        const lp = L();
        pp[i] = v - H;
        const lm = L();
        pp[i] = v;
        worst = Math.max(worst, Math.abs((lp - lm) / (2 * H) - an[i]) / scale);
      }
      console.log(`${kind} cross-entropy: backward vs central differences ${worst.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(CD_TOL);
    }
  });
});

describe('reference ops == tfjs ops (wasm and cpu, float32 operands)', () => {
  const rng = new Rng('reference-vs-tfjs');

  /** Runs fn on both backends and compares its outputs with `ref` (tolerance TFJS_TOL of each output's largest value). */
  async function compare(label: string, ref: ArrayLike<number>[], fn: () => tf.Tensor[]): Promise<void> {
    for (const backend of ['wasm', 'cpu'] as const) {
      const out = await on(backend, fn);
      const errs = out.map((o, k) => relErr(o, ref[k]).err);
      console.log(`${label} [${backend}]: ${errs.map((e) => e.toExponential(2)).join(' | ')}`);
      errs.forEach((e, k) => expect(e, `${label} ${backend} output ${k}`).toBeLessThanOrEqual(TFJS_TOL));
    }
  }
  const f32 = (a: Float64Array) => Float32Array.from(a);

  it('element-wise activations (relu, relu6, elu, sigmoid, tanh) and their gradients', async () => {
    const x = f32(awayFrom([0, 6], normal(rng, 200, 4, 1)));
    const dy = f32(normal(rng, 200));
    const ops: [ElementwiseActivation, (t: tf.Tensor) => tf.Tensor][] = [
      ['relu', tf.relu], ['relu6', tf.relu6], ['elu', tf.elu], ['sigmoid', tf.sigmoid], ['tanh', tf.tanh],
    ];
    for (const [name, op] of ops) {
      const y = Array.from(x, (v) => activation(name, v));
      const dx = Array.from(x, (v, i) => dy[i] * activationDerivative(name, v));
      await compare(name, [y, dx], () => {
        const t = tf.tensor1d(x);
        return [op(t), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(op(a), tf.tensor1d(dy))))(t)];
      });
    }
  });

  it('batch norm in inference mode (tf.batchNorm) and its gradients', async () => {
    const C = 4;
    const x = f32(normal(rng, 30 * C, 3, 2));
    const mm = f32(normal(rng, C));
    const mv = f32(normal(rng, C, 0.3, 1).map(Math.abs));
    const gamma = f32(normal(rng, C, 0.2, 1));
    const beta = f32(normal(rng, C));
    const dy = f32(normal(rng, x.length));
    const y = batchNormInferForward(x, C, mm, mv, gamma, beta, 1e-3);
    const r = batchNormInferBackward(dy, x, C, mm, mv, gamma, 1e-3);
    await compare('batchNorm inference', [y, r.dx, r.dgamma, r.dbeta], () => {
      const [xt, gt, bt] = [tf.tensor2d(x, [30, C]), tf.tensor1d(gamma), tf.tensor1d(beta)];
      const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.batchNorm(a, tf.tensor1d(mm), tf.tensor1d(mv), b, g, 1e-3);
      const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, g, b), tf.tensor2d(dy, [30, C]))))([xt, gt, bt]);
      return [f(xt, gt, bt), ...grads];
    });
  });

  it('softmax over the last axis and its gradient', async () => {
    const z = f32(normal(rng, 6 * 5, 2));
    const dy = f32(normal(rng, 30));
    const p = softmaxForward(z, 5);
    await compare('softmax', [p, softmaxBackward(p, dy, 5)], () => {
      const t = tf.tensor2d(z, [6, 5]);
      return [tf.softmax(t), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.softmax(a), tf.tensor2d(dy, [6, 5]))))(t)];
    });
  });

  it('GRU layer with tanh / sigmoid gates (tfjs-layers GRU, kernels z, r, h)', async () => {
    const [B, T, D, U] = [3, 7, 4, 5];
    const x = f32(normal(rng, B * T * D));
    const w = f32(normal(rng, D * 3 * U, 0.4));
    const u = f32(normal(rng, U * 3 * U, 0.4));
    const b = f32(normal(rng, 3 * U, 0.2));
    const spec: GruRefSpec = { units: U, activation: 'tanh', recurrentActivation: 'sigmoid', goBackwards: false };
    const { y } = gruForward(x, B, T, D, w, u, b, spec);
    await compare('GRU tanh/sigmoid', [y], () => {
      const layer = tf.layers.gru({ units: U, activation: 'tanh', recurrentActivation: 'sigmoid', returnSequences: true });
      const xt = tf.tensor3d(x, [B, T, D]);
      layer.apply(xt); // builds the layer
      layer.setWeights([tf.tensor2d(w, [D, 3 * U]), tf.tensor2d(u, [U, 3 * U]), tf.tensor1d(b)]);
      const out = layer.apply(xt) as tf.Tensor;
      layer.dispose();
      return [out];
    });
  });
});
