/**
 * The GPU check that `npm run gpu-bundle` bundles and bench/gpu-check.sh
 * runs on a machine without Node or a registry:
 * 1. the backend line (adapter, driver, limits);
 * 2. a webgpu correctness subset against the plain-loop references of
 *    test/backend/reference.ts and the cpu backend: conv2d and depthwise
 *    gradients, max pool with ties, 'same' average pool, batch norm in
 *    training mode, a 40-input AddN (the kernels test/backend/webgpu-kernels
 *    found wrong or fragile); exit code 1 if any fails;
 * 3. training-step timings at FULL size (the registry's input and batch) of
 *    wei2018-crnn, mushtaq2020-cnn7 and hu2020-fcnn on webgpu and on the CPU
 *    path (wasm with the fused layers; the native addon is not bundled),
 *    with the ratio, and the PyTorch CRNN result when bench/gpu-check.sh
 *    measured one (AUDIO_AUG_LAB_TORCH_JSON).
 *
 * usage: gpu-check [--quick]   (--quick: 1 timed step each, for a software adapter)
 */
import * as tf from '@tensorflow/tfjs';
import * as tfjsWebgpu from '@tensorflow/tfjs-backend-webgpu';
import * as dawn from 'webgpu';
import { readFileSync } from 'node:fs';
import { provideModule } from '../src/backend/webgpu/modules.js';
import { initBackend } from '../src/backend/index.js';
import { installFusedLayers } from '../src/backend/fused/layers.js';
import { getModelEntry } from '../src/models/registry.js';
import { lossFunction } from '../src/train/losses.js';
import { trainableVariables } from '../src/train/optimizers.js';
import { Rng } from '../src/util/rng.js';
import { conv2dRef, depthwiseRef, geom, poolRef } from '../test/backend/reference.js';

provideModule('webgpu', dawn);
provideModule('@tensorflow/tfjs-backend-webgpu', tfjsWebgpu);

const quick = process.argv.includes('--quick');
const TOL = 1e-4;

function normal(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

function worst(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - ref[i]) / Math.max(1, Math.abs(ref[i]));
    if (!(e <= w)) w = e;
  }
  return w;
}

async function read(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const ts = tf.tidy(fn);
  const out = await Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(ts);
  return out;
}

async function correctness(): Promise<boolean> {
  const rng = new Rng('gpu-check');
  const rows: [string, number, number][] = [];
  for (const kind of ['conv', 'depthwise'] as const) {
    const xShape = [4, 24, 31, 8];
    const o = kind === 'conv' ? 16 : 1;
    const g = geom(xShape, 3, 3, [1, 1], 'same');
    const fShape = [3, 3, 8, o] as [number, number, number, number];
    const yShape = [4, 24, 31, kind === 'conv' ? o : 8] as [number, number, number, number];
    const xv = normal(rng, xShape.reduce((a, b) => a * b));
    const wv = normal(rng, fShape.reduce((a, b) => a * b));
    const dyv = normal(rng, yShape.reduce((a, b) => a * b));
    const ref = kind === 'conv' ? conv2dRef(xv, wv, dyv, g, o) : depthwiseRef(xv, wv, dyv, g, o);
    const [y, dx, dw] = await read('webgpu', () => {
      const x = tf.tensor4d(xv, xShape as [number, number, number, number]);
      const w = tf.tensor4d(wv, fShape);
      const dy = tf.tensor4d(dyv, yShape);
      const f = (a: tf.Tensor4D, b: tf.Tensor4D) => (kind === 'conv' ? tf.conv2d(a, b, 1, 'same') : tf.depthwiseConv2d(a, b, 1, 'same'));
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), dy)))([x, w]);
      return [f(x, w), gx, gw];
    });
    // 3e-4: dW sums ~3000 float32 products (see test/backend/webgpu-kernels.test.ts).
    rows.push([`${kind} 3x3 same [4,24,31,8]: y, dx, dW`, Math.max(worst(y, ref.y), worst(dx, ref.dx), worst(dw, ref.dw)), 3e-4]);
  }
  for (const [kind, pool, s, pad, ties] of [
    ['max', [2, 2], [2, 2], 'valid', true],
    ['max', [3, 3], [1, 1], 'same', true],
    ['avg', [2, 2], [2, 2], 'same', false],
    ['avg', [3, 3], [2, 2], 'same', false],
  ] as ['max' | 'avg', [number, number], [number, number], 'same' | 'valid', boolean][]) {
    const xShape = [2, 9, 17, 3];
    const g = geom(xShape, pool[0], pool[1], s, pad);
    const xv = normal(rng, xShape.reduce((a, b) => a * b)).map((v) => (ties ? Math.round(v) : v));
    const dyv = Float32Array.from({ length: g.n * g.ho * g.wo * g.c }, () => rng.uniform(0, 1000));
    const ref = poolRef(kind, xv, dyv, g);
    const [y, dx] = await read('webgpu', () => {
      const x = tf.tensor4d(xv, xShape as [number, number, number, number]);
      const dy = tf.tensor4d(dyv, [g.n, g.ho, g.wo, g.c]);
      const f = (a: tf.Tensor4D) => (kind === 'max' ? tf.maxPool(a, pool, s, pad) : tf.avgPool(a, pool, s, pad));
      return [f(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D), dy)))(x)];
    });
    rows.push([`${kind}Pool ${pool.join('x')}/${s.join('x')} ${pad}${ties ? ' ties' : ''}: y, dx`, Math.max(worst(y, ref.y), worst(dx, ref.dx)), TOL]);
  }
  const bnX = normal(rng, 6 * 5 * 7 * 4);
  const bnDy = normal(rng, 6 * 5 * 7 * 4);
  const bn = () => {
    const x = tf.tensor4d(bnX, [6, 5, 7, 4]);
    const dy = tf.tensor4d(bnDy, [6, 5, 7, 4]);
    const f = (a: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      return tf.batchNorm(a, mean, variance, undefined, undefined, 1e-3);
    };
    return [f(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), dy)))(x)];
  };
  const [gy, gdx] = await read('webgpu', bn);
  const [cy, cdx] = await read('cpu', bn);
  rows.push(['batch norm (batch statistics): y, dx vs cpu', Math.max(worst(gy, cy), worst(gdx, cdx)), TOL]);
  const [sum] = await read('webgpu', () => [tf.addN(Array.from({ length: 40 }, (_, i) => tf.fill([5], i + 1)))]);
  rows.push(['addN of 40 inputs', worst(sum, new Float32Array(5).fill(820)), 0]);
  let ok = true;
  for (const [name, w, tol] of rows) {
    const pass = w <= tol;
    ok &&= pass;
    console.log(`  ${pass ? 'ok  ' : 'FAIL'} ${name}: worst ${w.toExponential(2)} (tolerance ${tol})`);
  }
  return ok;
}

interface Timing {
  model: string;
  input: string;
  batch: number;
  stepSeconds: number;
  samplesPerSecond: number;
}

async function timeModel(name: string, backend: 'webgpu' | 'wasm', steps: number): Promise<Timing> {
  await tf.setBackend(backend);
  if (backend === 'wasm') installFusedLayers();
  const entry = getModelEntry(name);
  const [a, b, c] = entry.inputShape;
  const batch = entry.batchSize;
  const model =
    entry.layout === 'time-freq-channels'
      ? entry.build({ seed: 1, frames: a, nMels: b, channels: c })
      : entry.build({ seed: 1, frames: b, nMels: a, channels: c });
  const rng = new Rng(`gpu-check-${name}`);
  const x = tf.tensor(normal(rng, batch * a * b * c), [batch, a, b, c]);
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % entry.nClasses), 'int32'), entry.nClasses).toFloat());
  const opt = tf.train.adam(1e-3);
  const lossFn = lossFunction(entry.loss);
  const vars = trainableVariables(model);
  const step = async () => {
    const cost = tf.tidy(() => opt.minimize(() => lossFn(labels, model.apply(x, { training: true }) as tf.Tensor), true, vars)!);
    await cost.data();
    cost.dispose();
  };
  await step(); // warm-up: shader compilation, kernel set-up
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const s = (performance.now() - t0) / 1000 / steps;
  tf.dispose([x, labels]);
  opt.dispose();
  model.dispose();
  return { model: name, input: `${a}x${b}x${c}`, batch, stepSeconds: s, samplesPerSecond: batch / s };
}

const info = await initBackend();
if (info.name !== 'webgpu') {
  console.log(`gpu-check: the backend is ${info.name}, not webgpu (${info.reason}); nothing to check`);
  process.exit(2);
}
console.log('== correctness subset (webgpu vs plain-loop references / cpu)');
const ok = await correctness();
console.log(`== training step at full size (webgpu ${quick ? 1 : 5} steps, CPU path wasm+fused ${quick ? 1 : 2} steps, after 1 warm-up each)`);
const rows: string[] = ['model | input | batch | webgpu s/step | cpu-path s/step | webgpu samples/s | cpu samples/s | speed-up'];
const timings: Record<string, Timing> = {};
for (const name of ['wei2018-crnn', 'mushtaq2020-cnn7', 'hu2020-fcnn']) {
  const g = await timeModel(name, 'webgpu', quick ? 1 : 5);
  const c = await timeModel(name, 'wasm', quick ? 1 : 2);
  timings[name] = g;
  const row = `${name} | ${g.input} | ${g.batch} | ${g.stepSeconds.toFixed(3)} | ${c.stepSeconds.toFixed(3)} | ${g.samplesPerSecond.toFixed(1)} | ${c.samplesPerSecond.toFixed(1)} | ${(c.stepSeconds / g.stepSeconds).toFixed(2)}x`;
  rows.push(row);
  console.log(row);
}
const torchJson = process.env.AUDIO_AUG_LAB_TORCH_JSON;
if (torchJson) {
  try {
    const t = JSON.parse(readFileSync(torchJson, 'utf8')) as { torch: string; device: string; samplesPerSecond: number };
    const g = timings['wei2018-crnn'];
    rows.push(`wei2018-crnn in PyTorch ${t.torch} on ${t.device}: ${t.samplesPerSecond.toFixed(1)} samples/s = ${(t.samplesPerSecond / g.samplesPerSecond).toFixed(2)}x webgpu`);
  } catch (e) {
    rows.push(`PyTorch result unreadable: ${(e as Error).message}`);
  }
}
console.log(`== summary\n${rows.join('\n')}\ncorrectness: ${ok ? 'all ok' : 'FAILED'}`);
process.exitCode = ok ? 0 : 1;
