/**
 * Conv2D and depthwise-conv gradients: the kernels of src/backend/kernels/
 * on wasm and cpu (with the native OpenBLAS addon when it is built, and the
 * forward-convolution kernels without it: variant 'wasm-js'), and the stock
 * cpu kernels, against plain-loop float64 references, on seeded random
 * shapes (strides 1/2/1x2, 'same' / 'valid' / explicit pads, 3x3 5x5 1x3
 * 3x1 1x1 kernels). Tolerance: |a - ref| / max(1, |ref|) <= 1e-4.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels, trainingKernelNames, unregisterTrainingKernels } from '../../src/backend/kernels/register.js';
import { nativeAddon } from '../../src/backend/native/index.js';
import { Rng } from '../../src/util/rng.js';
import { fmt, normal, on, setupBackends, size, withoutNativeKernels, worstDiff } from './helpers.js';
import { conv2dRef, depthwiseRef, geom, type PadSpec } from './reference.js';

const TOL = 1e-4;

beforeAll(setupBackends);

type Variant = 'wasm' | 'wasm-js' | 'cpu' | 'cpu-stock';
const VARIANTS: Variant[] = nativeAddon() ? ['wasm', 'wasm-js', 'cpu', 'cpu-stock'] : ['wasm', 'cpu', 'cpu-stock'];

/** Runs fn on the backend behind `v` (stock cpu: our cpu kernels removed for the call). */
async function onVariant(v: Variant, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  if (v === 'wasm-js') return withoutNativeKernels(() => on('wasm', fn));
  if (v !== 'cpu-stock') return on(v, fn);
  unregisterTrainingKernels('cpu');
  try {
    return await on('cpu', fn);
  } finally {
    registerTrainingKernels('cpu');
  }
}

function tfPad(pad: PadSpec): 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  return pad === 'same' || pad === 'valid' ? pad : [[0, 0], pad[0], pad[1], [0, 0]];
}

interface Case {
  kind: 'conv' | 'depthwise';
  f: [number, number];
  s: [number, number];
  pad: PadSpec;
  /** Fixed shape [n, h, w, c] (else drawn). */
  x?: [number, number, number, number];
  /** Out channels (conv) or channel multiplier (depthwise). */
  o?: number;
}

function drawShape(rng: Rng, c: Case): { x: [number, number, number, number]; o: number } {
  if (c.x) return { x: c.x, o: c.o ?? 3 };
  const extra = c.pad === 'valid' ? 0 : -Math.min(c.f[0], c.f[1]) + 1;
  const h = Math.max(1, c.f[0] + extra + rng.int(0, 10));
  const w = Math.max(1, c.f[1] + extra + rng.int(0, 10));
  return {
    x: [rng.int(1, 4), h, w, rng.int(1, 5)],
    o: c.kind === 'conv' ? rng.int(1, 6) : rng.int(1, 3),
  };
}

async function checkCase(rng: Rng, c: Case): Promise<number> {
  const { x: xShape, o } = drawShape(rng, c);
  const g = geom(xShape, c.f[0], c.f[1], c.s, c.pad);
  const fShape = [c.f[0], c.f[1], xShape[3], o];
  const yShape = [g.n, g.ho, g.wo, c.kind === 'conv' ? o : xShape[3] * o];
  const xv = normal(rng, size(xShape));
  const wv = normal(rng, size(fShape));
  const dyv = normal(rng, size(yShape));
  const ref = c.kind === 'conv' ? conv2dRef(xv, wv, dyv, g, o) : depthwiseRef(xv, wv, dyv, g, o);
  const pad = tfPad(c.pad);
  const label = `${c.kind} x=${JSON.stringify(xShape)} f=${c.f.join('x')} o=${o} s=${c.s.join('x')} pad=${JSON.stringify(c.pad)}`;
  let worstAll = 0;
  for (const v of VARIANTS) {
    const [y, dx, dw] = await onVariant(v, () => {
      const x = tf.tensor4d(xv, xShape);
      const w = tf.tensor4d(wv, fShape as [number, number, number, number]);
      const dy = tf.tensor4d(dyv, yShape as [number, number, number, number]);
      const f = (a: tf.Tensor4D, b: tf.Tensor4D) =>
        c.kind === 'conv' ? tf.conv2d(a, b, c.s, pad) : tf.depthwiseConv2d(a, b, c.s, pad);
      const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), dy)))([x, w]);
      return [f(x, w), grads[0], grads[1], value];
    });
    const dY = worstDiff(y, ref.y);
    const dX = worstDiff(dx, ref.dx);
    const dW = worstDiff(dw, ref.dw);
    console.log(`${label} [${v}] y ${fmt(dY)} | dx ${fmt(dX)} | dW ${fmt(dW)}`);
    expect(dY.worst, `${label} ${v} forward`).toBeLessThanOrEqual(TOL);
    expect(dX.worst, `${label} ${v} input gradient`).toBeLessThanOrEqual(TOL);
    expect(dW.worst, `${label} ${v} filter gradient`).toBeLessThanOrEqual(TOL);
    worstAll = Math.max(worstAll, dX.worst, dW.worst);
  }
  return worstAll;
}

const S1: [number, number] = [1, 1];
const S2: [number, number] = [2, 2];
const S12: [number, number] = [1, 2];
const S21: [number, number] = [2, 1];

describe('registration', () => {
  it('replaces the conv gradients on wasm and the filter gradients on cpu', () => {
    expect(trainingKernelNames('wasm')).toEqual(expect.arrayContaining([
      'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput',
    ]));
    for (const name of trainingKernelNames('wasm')) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
    expect(trainingKernelNames('cpu')).toEqual(expect.arrayContaining(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter']));
  });

  it('kernels accept bare TensorInfo inputs (not only Tensors) without freeing them', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(new Float32Array(2 * 5 * 6 * 3).map((_, i) => Math.sin(i)), [2, 5, 6, 3]);
    const dy = tf.tensor4d(new Float32Array(2 * 5 * 6 * 4).map((_, i) => Math.cos(i)), [2, 5, 6, 4]);
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [3, 3, 3, 4] };
    const viaEngine = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    const before = tf.memory().numTensors;
    const info = (t: tf.Tensor): tf.TensorInfo => ({ dataId: t.dataId, shape: t.shape, dtype: t.dtype });
    const check = async () => {
      const kernel = tf.getKernel('Conv2DBackpropFilter', 'wasm')!;
      const res = kernel.kernelFunc({ inputs: { x: info(x), dy: info(dy) }, backend: tf.backend(), attrs: attrs as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
      // The JS kernels return Tensors, the native ones bare TensorInfos (as stock kernels do).
      const out = res instanceof tf.Tensor ? res : tf.engine().makeTensorFromTensorInfo(res, tf.backend());
      expect(worstDiff(out.dataSync(), viaEngine.dataSync()).worst).toBeLessThanOrEqual(1e-6);
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
    };
    await check();
    if (nativeAddon()) await withoutNativeKernels(check);
    expect(x.dataSync()[1]).toBeCloseTo(Math.sin(1), 6); // inputs still alive
    tf.dispose([x, dy, viaEngine]);
  });
});

describe('Conv2D gradients vs plain-loop reference', () => {
  const cases: Case[] = [];
  for (const f of [[3, 3], [5, 5], [1, 3], [3, 1], [1, 1]] as [number, number][])
    for (const s of [S1, S2])
      for (const pad of ['same', 'valid'] as PadSpec[]) cases.push({ kind: 'conv', f, s, pad });
  cases.push({ kind: 'conv', f: [3, 3], s: S12, pad: 'same' });
  cases.push({ kind: 'conv', f: [1, 3], s: S21, pad: 'valid' });
  cases.push({ kind: 'conv', f: [3, 3], s: S1, pad: [[1, 2], [0, 3]] });
  cases.push({ kind: 'conv', f: [3, 3], s: S2, pad: [[3, 3], [3, 0]] }); // pad beyond f-1: crop paths
  cases.push({ kind: 'conv', f: [3, 3], s: S1, pad: 'same', x: [4, 24, 31, 8], o: 16 });
  cases.push({ kind: 'conv', f: [3, 3], s: S2, pad: 'same', x: [3, 25, 18, 6], o: 12 });

  it(`${cases.length} configurations on ${VARIANTS.join(', ')}`, async () => {
    const rng = new Rng('conv-grads');
    let worst = 0;
    for (const c of cases) worst = Math.max(worst, await checkCase(rng, c));
    console.log(`Conv2D gradients: worst error over all cases ${worst.toExponential(2)} (tolerance ${TOL})`);
  });
});

describe('DepthwiseConv2dNative gradients vs plain-loop reference', () => {
  const cases: Case[] = [];
  for (const f of [[3, 3], [5, 5], [3, 1], [1, 3]] as [number, number][])
    for (const s of [S1, S2])
      for (const pad of ['same', 'valid'] as PadSpec[]) cases.push({ kind: 'depthwise', f, s, pad });
  cases.push({ kind: 'depthwise', f: [3, 3], s: S12, pad: 'same' });
  cases.push({ kind: 'depthwise', f: [3, 3], s: S2, pad: [[2, 1], [0, 3]] });
  cases.push({ kind: 'depthwise', f: [3, 3], s: S1, pad: 'same', x: [4, 20, 23, 16], o: 1 });
  cases.push({ kind: 'depthwise', f: [3, 3], s: S2, pad: 'same', x: [3, 21, 16, 8], o: 2 });

  it(`${cases.length} configurations on ${VARIANTS.join(', ')}`, async () => {
    const rng = new Rng('depthwise-grads');
    let worst = 0;
    for (const c of cases) worst = Math.max(worst, await checkCase(rng, c));
    console.log(`Depthwise gradients: worst error over all cases ${worst.toExponential(2)} (tolerance ${TOL})`);
  });
});

describe("forward convolutions with 'same' padding on wasm", () => {
  type Op = 'conv2d' | 'depthwise' | 'fused.conv2d' | 'fused.depthwise';
  const ops: Op[] = ['conv2d', 'depthwise', 'fused.conv2d', 'fused.depthwise'];

  function forward(op: Op, x: tf.Tensor4D, f: tf.Tensor4D, s: [number, number], bias: tf.Tensor1D): tf.Tensor {
    switch (op) {
      case 'conv2d':
        return tf.conv2d(x, f, s, 'same');
      case 'depthwise':
        return tf.depthwiseConv2d(x, f, s, 'same');
      case 'fused.conv2d':
        return tf.fused.conv2d({ x, filter: f, strides: s, pad: 'same', bias, activation: 'relu' });
      case 'fused.depthwise':
        return tf.fused.depthwiseConv2d({ x, filter: f, strides: s, pad: 'same', bias, activation: 'relu' });
    }
  }

  /** Worst wasm-vs-cpu error per op over a sweep of small shapes, and how many configs exceed TOL. */
  async function sweep(): Promise<Record<Op, { worst: number; bad: number; total: number }>> {
    const rng = new Rng('same-pad-sweep');
    const out = Object.fromEntries(ops.map((o) => [o, { worst: 0, bad: 0, total: 0 }])) as Record<Op, { worst: number; bad: number; total: number }>;
    for (const op of ops)
      for (const [fh, fw] of [[1, 3], [3, 1], [3, 3], [2, 2], [5, 5]])
        for (const s of [[1, 1], [2, 2], [1, 2], [2, 1], [3, 3]] as [number, number][])
          for (const h of [1, 2, 5, 7])
            for (const w of [2, 6]) {
              const c = 2;
              const fo = op.includes('depthwise') ? 1 : 3;
              const xv = normal(rng, 2 * h * w * c);
              const fv = normal(rng, fh * fw * c * fo);
              const bv = normal(rng, op.includes('depthwise') ? c * fo : fo);
              const run = (b: 'wasm' | 'cpu') => on(b, () => [forward(op, tf.tensor4d(xv, [2, h, w, c]), tf.tensor4d(fv, [fh, fw, c, fo]), s, tf.tensor1d(bv))]);
              const [a] = await run('wasm');
              const [r] = await onVariant('cpu-stock', () => [forward(op, tf.tensor4d(xv, [2, h, w, c]), tf.tensor4d(fv, [fh, fw, c, fo]), s, tf.tensor1d(bv))]);
              const d = worstDiff(a, r).worst;
              const o = out[op];
              o.total++;
              o.worst = Math.max(o.worst, d);
              if (!(d <= TOL)) o.bad++;
            }
    return out;
  }

  it('match stock cpu for square and non-square kernels and strides (stock wasm does not)', async () => {
    unregisterTrainingKernels('wasm');
    let stock;
    try {
      stock = await sweep();
    } finally {
      registerTrainingKernels('wasm');
    }
    const ours = await withoutNativeKernels(sweep);
    const native = nativeAddon() ? await sweep() : null;
    for (const op of ops) {
      console.log(`wasm ${op} 'same': stock ${stock[op].bad}/${stock[op].total} configs wrong (worst ${stock[op].worst.toExponential(2)}); ` +
        `with explicit pads ${ours[op].bad}/${ours[op].total} (worst ${ours[op].worst.toExponential(2)})` +
        (native ? `; native ${native[op].bad}/${native[op].total} (worst ${native[op].worst.toExponential(2)})` : ''));
      expect(ours[op].worst, op).toBeLessThanOrEqual(TOL);
      if (native) expect(native[op].worst, `${op} native`).toBeLessThanOrEqual(TOL);
    }
  });
});
