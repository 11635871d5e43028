/**
 * Every kernel the registered models train with, on the webgpu backend
 * (tfjs-backend-webgpu 4.22 on a Dawn adapter; here Mesa llvmpipe), against
 * the plain-loop float64 references of reference.ts (convolutions, pools)
 * and against the cpu backend with the project's corrected kernels (layers,
 * activations, losses, the attention pooling, the hu2020 blocks), on seeded
 * random shapes:
 * - conv2d and depthwise conv: forward, input and filter gradients (3x3,
 *   5x5, 1x3, 3x1, 1x1; strides 1, 2, 1x2; 'same', 'valid', explicit pads);
 * - max / avg pool incl. 1x2 and 2x2, 'same' borders and ties;
 * - batch norm (training mode), ELU / ReLU / ReLU6 / sigmoid / tanh,
 *   bidirectional GRU, dense on 2-D and 3-D input, global pools, softmax
 *   and sigmoid cross-entropy, AttentionPooling, ChannelAttention and the
 *   hu2020 conv-BN-ReLU / pre-activation / frequency-split blocks.
 * Tolerance: |a - ref| / max(1, |ref|) <= 1e-4 (the backend tests' own),
 * 2e-4 where a gradient sums over a whole batch of a 4-D activation (stated
 * per case); no tensor leaks (helpers.on). Skipped with the reason when the
 * optional webgpu packages or an adapter are missing.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { AttentionPooling, channelAttention } from '../../src/models/layers.js';
import { bnGapSoftmax, concatFrequency, convBnRelu, frequencyHalves, preActConv } from '../../src/models/hu2020-blocks.js';
import { InitFactory } from '../../src/models/common.js';
import { registerWebgpuTrainingKernels, unregisterWebgpuTrainingKernels } from '../../src/backend/webgpu/kernels.js';
import { Rng } from '../../src/util/rng.js';
import { describeNeeds } from '../helpers/requires.js';
import { fmt, normal, on, size, stackGrads, worstDiff } from './helpers.js';
import { conv2dRef, depthwiseRef, geom, poolRef, type PadSpec } from './reference.js';
import { webgpuNeed } from './webgpu-helpers.js';

const TOL = 1e-4;
const gpu = await webgpuNeed();

function tfPad(pad: PadSpec): 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  return pad === 'same' || pad === 'valid' ? pad : [[0, 0], pad[0], pad[1], [0, 0]];
}

/** Runs fn on webgpu and on cpu; every output must agree within tol. */
async function gpuVsCpu(label: string, names: string[], fn: () => tf.Tensor[], tol = TOL): Promise<number> {
  const a = await on('webgpu', fn);
  const r = await on('cpu', fn);
  expect(a.length).toBe(names.length);
  const parts: string[] = [];
  let worst = 0;
  for (let k = 0; k < names.length; k++) {
    const d = worstDiff(a[k], r[k]);
    parts.push(`${names[k]} ${fmt(d)}`);
    expect(d.worst, `${label}: ${names[k]} webgpu vs cpu`).toBeLessThanOrEqual(tol);
    worst = Math.max(worst, d.worst);
  }
  console.log(`${label} (webgpu vs cpu): ${parts.join(' | ')}`);
  return worst;
}

describeNeeds(gpu, 'webgpu kernels', () => {
  it('runs on the adapter the backend line names', () => {
    console.log(`webgpu kernels test on: ${gpu.path}`);
    expect(gpu.path).toMatch(/^webgpu \(tfjs-backend-webgpu 4\.22\.0, Dawn via webgpu [\d.]+; .*vendor .*device .*driver .*limits: buffer/);
  });

  /**
   * `tol` 3e-4 on the two large cases: there dW sums 2976 (conv) products of
   * N(0, 1) values in float32 on the GPU, in another order than the float64
   * reference; the expected rounding, eps * sqrt(N) * |partial sums|, is
   * ~2e-4 (measured worst 1.4e-4). Every other case is within 2.2e-6.
   */
  type ConvCase = { kind: 'conv' | 'depthwise'; f: [number, number]; s: [number, number]; pad: PadSpec; x?: [number, number, number, number]; o?: number; tol?: number };
  const convCases: ConvCase[] = [
    { kind: 'conv', f: [3, 3], s: [1, 1], pad: 'same' },
    { kind: 'conv', f: [3, 3], s: [2, 2], pad: 'same' },
    { kind: 'conv', f: [5, 5], s: [1, 1], pad: 'valid' },
    { kind: 'conv', f: [1, 3], s: [1, 2], pad: 'same' },
    { kind: 'conv', f: [3, 1], s: [2, 1], pad: 'valid' },
    { kind: 'conv', f: [1, 1], s: [1, 1], pad: 'same' },
    { kind: 'conv', f: [3, 3], s: [1, 1], pad: [[1, 2], [0, 3]] },
    { kind: 'conv', f: [3, 3], s: [1, 1], pad: 'same', x: [4, 24, 31, 8], o: 16, tol: 3e-4 },
    { kind: 'depthwise', f: [3, 3], s: [1, 1], pad: 'same' },
    { kind: 'depthwise', f: [3, 3], s: [2, 2], pad: 'same' },
    { kind: 'depthwise', f: [5, 5], s: [1, 1], pad: 'valid' },
    { kind: 'depthwise', f: [3, 3], s: [1, 2], pad: 'same' },
    { kind: 'depthwise', f: [3, 3], s: [1, 1], pad: 'same', x: [4, 20, 23, 16], o: 1, tol: 3e-4 },
    { kind: 'depthwise', f: [3, 3], s: [2, 2], pad: 'same', x: [3, 21, 16, 8], o: 2 },
  ];

  it(`conv2d and depthwise conv: forward, dx, dW vs plain-loop reference (${convCases.length} configurations)`, async () => {
    const rng = new Rng('webgpu-conv');
    let worst = 0;
    for (const c of convCases) {
      const xShape = c.x ?? [rng.int(1, 4), c.f[0] + rng.int(0, 9), c.f[1] + rng.int(0, 9), rng.int(1, 5)];
      const o = c.o ?? (c.kind === 'conv' ? rng.int(1, 6) : rng.int(1, 3));
      const g = geom(xShape, c.f[0], c.f[1], c.s, c.pad);
      const fShape = [c.f[0], c.f[1], xShape[3], o] as [number, number, number, number];
      const yShape = [g.n, g.ho, g.wo, c.kind === 'conv' ? o : xShape[3] * o] as [number, number, number, number];
      const xv = normal(rng, size(xShape));
      const wv = normal(rng, size(fShape));
      const dyv = normal(rng, size(yShape));
      const ref = c.kind === 'conv' ? conv2dRef(xv, wv, dyv, g, o) : depthwiseRef(xv, wv, dyv, g, o);
      const pad = tfPad(c.pad);
      const [y, dx, dw] = await on('webgpu', () => {
        const x = tf.tensor4d(xv, xShape);
        const w = tf.tensor4d(wv, fShape);
        const dy = tf.tensor4d(dyv, yShape);
        const f = (a: tf.Tensor4D, b: tf.Tensor4D) => (c.kind === 'conv' ? tf.conv2d(a, b, c.s, pad) : tf.depthwiseConv2d(a, b, c.s, pad));
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), dy)))([x, w]);
        return [f(x, w), grads[0], grads[1]];
      });
      const label = `${c.kind} x=${JSON.stringify(xShape)} f=${c.f.join('x')} o=${o} s=${c.s.join('x')} pad=${JSON.stringify(c.pad)}`;
      const dY = worstDiff(y, ref.y);
      const dX = worstDiff(dx, ref.dx);
      const dW = worstDiff(dw, ref.dw);
      console.log(`${label} [webgpu] y ${fmt(dY)} | dx ${fmt(dX)} | dW ${fmt(dW)}`);
      const tol = c.tol ?? TOL;
      expect(dY.worst, `${label} forward`).toBeLessThanOrEqual(tol);
      expect(dX.worst, `${label} input gradient`).toBeLessThanOrEqual(tol);
      expect(dW.worst, `${label} filter gradient`).toBeLessThanOrEqual(tol);
      worst = Math.max(worst, dY.worst, dX.worst, dW.worst);
    }
    console.log(`webgpu convolutions: worst ${worst.toExponential(2)} (tolerance ${TOL}, 3e-4 on the two large cases)`);
  });

  type PoolCase = { pool: [number, number]; s: [number, number]; pad: 'same' | 'valid'; ties?: boolean };
  const poolCases: PoolCase[] = [
    { pool: [1, 2], s: [1, 2], pad: 'valid' },
    { pool: [1, 2], s: [1, 2], pad: 'same' },
    { pool: [2, 2], s: [2, 2], pad: 'valid' },
    { pool: [2, 2], s: [2, 2], pad: 'same' },
    { pool: [3, 3], s: [2, 2], pad: 'same' },
    { pool: [2, 3], s: [1, 2], pad: 'same' },
    { pool: [2, 2], s: [2, 2], pad: 'valid', ties: true },
    { pool: [3, 3], s: [1, 1], pad: 'same', ties: true },
  ];
  for (const kind of ['max', 'avg'] as const) {
    it(`${kind} pool forward and gradient vs plain-loop reference (${poolCases.length} configurations; replaced ${kind}PoolGrad)`, async () => {
      const rng = new Rng(`webgpu-pool-${kind}`);
      let worst = 0;
      let stockWrong = 0;
      for (const c of poolCases) {
        const xShape = [rng.int(1, 4), rng.int(c.pool[0], 9), rng.int(c.pool[1], 20), rng.int(1, 6)];
        const g = geom(xShape, c.pool[0], c.pool[1], c.s, c.pad);
        const xv = normal(rng, size(xShape));
        if (c.ties) for (let i = 0; i < xv.length; i++) xv[i] = Math.round(xv[i]);
        const dyv = new Float32Array(g.n * g.ho * g.wo * g.c).map(() => rng.uniform(0, 1000));
        const ref = poolRef(kind, xv, dyv, g);
        const fn = () => {
          const x = tf.tensor4d(xv, xShape as [number, number, number, number]);
          const dy = tf.tensor4d(dyv, [g.n, g.ho, g.wo, g.c]);
          const f = (a: tf.Tensor4D) => (kind === 'max' ? tf.maxPool(a, c.pool, c.s, c.pad) : tf.avgPool(a, c.pool, c.s, c.pad));
          return [f(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D), dy)))(x)];
        };
        const [y, dx] = await on('webgpu', fn);
        // Diagnostic only: the stock tfjs-backend-webgpu gradient on this case.
        unregisterWebgpuTrainingKernels();
        try {
          const [, stockDx] = await on('webgpu', fn);
          const d = worstDiff(stockDx, ref.dx).worst;
          if (!(d <= TOL)) {
            stockWrong++;
            console.log(`  stock webgpu ${kind}PoolGrad on this case: off by ${d.toExponential(2)} (replaced)`);
          }
        } finally {
          registerWebgpuTrainingKernels();
        }
        const label = `${kind}Pool x=${JSON.stringify(xShape)} pool=${c.pool.join('x')} s=${c.s.join('x')} ${c.pad}${c.ties ? ' ties' : ''}`;
        const dY = worstDiff(y, ref.y);
        const dX = worstDiff(dx, ref.dx);
        console.log(`${label} [webgpu] y ${fmt(dY)} | dx ${fmt(dX)}`);
        expect(dY.worst, `${label} forward`).toBeLessThanOrEqual(TOL);
        expect(dX.worst, `${label} gradient`).toBeLessThanOrEqual(TOL);
        worst = Math.max(worst, dX.worst);
      }
      console.log(`webgpu ${kind} pool gradient: worst ${worst.toExponential(2)}; stock kernel wrong on ${stockWrong} of ${poolCases.length}`);
    });
  }

  it('layers: batch norm (training), conv-BN-ReLU-maxpool 1x2, bidirectional GRU, dense 2-D / 3-D, global pools', async () => {
    await gpuVsCpu('batchNorm train [6,5,7,4]', ['y', 'loss', 'dx', 'dGamma', 'dBeta'], () =>
      stackGrads(() => [tf.layers.batchNormalization({ axis: -1 })], [6, 5, 7, 4], 'bn', { training: true }));
    await gpuVsCpu('conv-bn-relu-pool [3,8,10,2]', ['y', 'loss', 'dx', 'dKernel', 'dBias', 'dGamma', 'dBeta'], () =>
      stackGrads(
        () => [
          tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same' }),
          tf.layers.batchNormalization({ axis: -1 }),
          tf.layers.reLU(),
          tf.layers.maxPooling2d({ poolSize: [1, 2], strides: [1, 2] }),
        ],
        [3, 8, 10, 2],
        'cbrp',
        { training: true },
      ));
    await gpuVsCpu('biGRU [3,6,4] units 5', ['y', 'loss', 'dx', 'dKernelF', 'dRecurrentF', 'dBiasF', 'dKernelB', 'dRecurrentB', 'dBiasB'], () =>
      stackGrads(() => [tf.layers.bidirectional({ layer: tf.layers.gru({ units: 5, returnSequences: true }) as tf.RNN, mergeMode: 'concat' })], [3, 6, 4], 'gru'));
    await gpuVsCpu('dense [5,9] -> 7', ['y', 'loss', 'dx', 'dKernel', 'dBias'], () => stackGrads(() => [tf.layers.dense({ units: 7 })], [5, 9], 'dense2'));
    await gpuVsCpu('dense [3,6,10] -> 4 (sigmoid)', ['y', 'loss', 'dx', 'dKernel', 'dBias'], () =>
      stackGrads(() => [tf.layers.dense({ units: 4, activation: 'sigmoid' })], [3, 6, 10], 'dense3'));
    await gpuVsCpu('globalAveragePooling2d [4,5,7,3]', ['y', 'loss', 'dx'], () => stackGrads(() => [tf.layers.globalAveragePooling2d({})], [4, 5, 7, 3], 'gap'));
    await gpuVsCpu('globalMaxPooling2d [4,5,7,3]', ['y', 'loss', 'dx'], () => stackGrads(() => [tf.layers.globalMaxPooling2d({})], [4, 5, 7, 3], 'gmp'));
  });

  it('activations (ELU, ReLU, ReLU6, sigmoid, tanh) and losses (softmax / sigmoid cross-entropy, both forms)', async () => {
    const rng = new Rng('webgpu-act');
    const xv = normal(rng, 6 * 50, 3);
    const dyv = normal(rng, 6 * 50);
    for (const [name, act] of [['elu', tf.elu], ['relu', tf.relu], ['relu6', tf.relu6], ['sigmoid', tf.sigmoid], ['tanh', tf.tanh]] as [string, (x: tf.Tensor) => tf.Tensor][]) {
      await gpuVsCpu(name, ['y', 'dx'], () => {
        const x = tf.tensor2d(xv, [6, 50]);
        const dy = tf.tensor2d(dyv, [6, 50]);
        return [act(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(act(a), dy)))(x)];
      });
    }
    const nb = 8;
    const nc = 5;
    const logits = normal(rng, nb * nc, 2);
    const onehot = new Float32Array(nb * nc);
    const multihot = new Float32Array(nb * nc);
    for (let i = 0; i < nb; i++) onehot[i * nc + rng.int(0, nc)] = 1;
    for (let i = 0; i < nb * nc; i++) multihot[i] = rng.bernoulli(0.3) ? 1 : 0;
    const losses: [string, Float32Array, (y: tf.Tensor, z: tf.Tensor) => tf.Tensor][] = [
      ['softmax cross-entropy (tf.losses)', onehot, (y, z) => tf.losses.softmaxCrossEntropy(y, z)],
      ['categorical cross-entropy on softmax (layers)', onehot, (y, z) => tf.metrics.categoricalCrossentropy(y, tf.softmax(z))],
      ['sigmoid cross-entropy (tf.losses)', multihot, (y, z) => tf.losses.sigmoidCrossEntropy(y, z)],
      ['binary cross-entropy on sigmoid (layers)', multihot, (y, z) => tf.metrics.binaryCrossentropy(y, tf.sigmoid(z))],
    ];
    for (const [name, labels, loss] of losses) {
      await gpuVsCpu(name, ['loss', 'dLogits'], () => {
        const z = tf.tensor2d(logits, [nb, nc]);
        const y = tf.tensor2d(labels, [nb, nc]);
        const { value, grad } = tf.valueAndGrad((a: tf.Tensor) => tf.mean(loss(y, a)) as tf.Scalar)(z);
        return [value, grad];
      });
    }
  });

  /** d sum(model(x) * dy) / d(x, trainable weights) of a built functional model, plus y. */
  function modelGrads(model: tf.LayersModel, xv: Float32Array, dyv: Float32Array): tf.Tensor[] {
    const xShape = [2, ...(model.inputs[0].shape.slice(1) as number[])];
    const x = tf.variable(tf.tensor(xv, xShape));
    try {
      const out = () => model.apply(x, { training: true }) as tf.Tensor;
      const yShape = tf.tidy(() => out().shape);
      const dy = tf.tensor(dyv.subarray(0, size(yShape)), yShape);
      const vars = [x, ...model.trainableWeights.map((w) => w.read() as tf.Variable)];
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(out(), dy)) as tf.Scalar, vars);
      return [out(), value, ...vars.map((v) => grads[v.name])];
    } finally {
      x.dispose();
    }
  }

  it('the attention pooling, channel attention and the hu2020 blocks (training mode)', async () => {
    const rng = new Rng('webgpu-blocks');
    // hu2020 FCNN-style stack on a 12 x 16 x 3 input, built with the same
    // seed on each backend (weights made on webgpu cannot move to cpu: that
    // would need a synchronous read).
    const makeBlocks = () => {
      const init = new InitFactory(7);
      const input = tf.input({ shape: [12, 16, 3] });
      let h = convBnRelu(input, { filters: 4, kernel: 3, zeroPad: 1, wd: 1e-3, init, name: 'c1' });
      const [low, high] = frequencyHalves(h, 16, 'split');
      const a = preActConv(low, { filters: 4, kernel: 3, learnBn: true, relu: true, wd: 1e-3, init, name: 'lowconv' });
      const b = preActConv(high, { filters: 4, kernel: 3, learnBn: false, relu: true, wd: 1e-3, init, name: 'highconv' });
      h = concatFrequency(a, b, 'cat');
      h = channelAttention(h, 2, init, 'att');
      return tf.model({ inputs: input, outputs: bnGapSoftmax(h, 'out') });
    };
    const xv = normal(rng, 2 * 12 * 16 * 3);
    const dyv = normal(rng, 2 * 12 * 16 * 8);
    await tf.setBackend('cpu');
    const probe = makeBlocks();
    const names = ['y', 'loss', 'dx', ...probe.trainableWeights.map((w) => `d ${w.name}`)];
    probe.dispose();
    await gpuVsCpu('hu2020 blocks (convBnRelu, frequency halves, preActConv, concat, ChannelAttention, bnGapSoftmax)', names, () => {
      const m = makeBlocks();
      try {
        return modelGrads(m, xv, dyv);
      } finally {
        m.dispose();
      }
    }, 2e-4);

    // wei2018's attention pooling: [cla, att] of (batch, time, classes).
    const cla = normal(rng, 3 * 9 * 7);
    const att = Float32Array.from(normal(rng, 3 * 9 * 7), (v) => 1 / (1 + Math.exp(-v)));
    const dyp = normal(rng, 3 * 7);
    await gpuVsCpu('AttentionPooling [3,9,7]', ['y', 'dCla', 'dAtt'], () => {
      const layer = new AttentionPooling();
      const c = tf.tensor3d(cla, [3, 9, 7]);
      const t = tf.tensor3d(att, [3, 9, 7]);
      const dy = tf.tensor2d(dyp, [3, 7]);
      const f = (p: tf.Tensor, q: tf.Tensor) => layer.apply([p, q]) as tf.Tensor;
      const [gc, ga] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(f(p, q), dy)))([c, t]);
      return [f(c, t), gc, ga];
    });
  });
});
