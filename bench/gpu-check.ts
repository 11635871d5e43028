/**
 * The GPU check that `npm run gpu-bundle` bundles and bench/gpu-check.sh
 * runs on a machine without Node or a registry:
 * 1. the backend line (adapter, driver, limits);
 * 2. a webgpu correctness subset against the plain-loop references of
 *    test/backend/reference.ts and the cpu backend: conv2d and depthwise
 *    gradients, max pool with ties, 'same' average pool, batch norm in
 *    training mode, a 40-input AddN (the kernels test/backend/webgpu-kernels
 *    found wrong or fragile); exit code 1 if any fails;
 * 3. for each timed model, the batch that fits the adapter's storage-binding
 *    limit (src/backend/webgpu/memory.ts), as `reproduce --plan` states it,
 *    and its forward GFLOP per sample;
 * 4. training-step timings at FULL input size of wei2018-crnn,
 *    mushtaq2020-cnn7 and hu2020-fcnn (task 1a, 30.7 GFLOP forward per
 *    sample): on webgpu with the paper's batch (the model's default
 *    experiment row, read from reproductions/<paper>/experiments/ through
 *    modelTrainingRow; smaller when it does not fit, said in the row), 5 steps; on the CPU path (wasm with the fused
 *    layers, 1 thread; the native OpenBLAS addon is not bundled) with at most
 *    8 per batch and at most ~200 GFLOP per step (hu2020-fcnn: 2; its
 *    samples/s hardly depend on the batch, and 32 x 122 MiB of activations
 *    would not fit wasm's 4 GiB), 2 steps; each after 1 warm-up step; ratios
 *    of samples/s; and the PyTorch CRNN result when bench/gpu-check.sh
 *    measured one (AUDIO_AUG_LAB_TORCH_JSON).
 *
 * usage: gpu-check [--quick] [--batch N]
 *   --quick    for a software adapter (llvmpipe, about 1 GFLOP/s): batch 2
 *              on both paths, 1 step after the warm-up, and the task-1b
 *              hu2020-small-fcnn (full size, 461x128x6, 2.0 GFLOP) at batch 1
 *              in place of hu2020-fcnn, whose one sample takes minutes there.
 *   --batch N  this batch for every model on both paths.
 */
import * as tf from '@tensorflow/tfjs';
import * as tfjsWebgpu from '@tensorflow/tfjs-backend-webgpu';
import * as dawn from 'webgpu';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { provideModule } from '../src/backend/webgpu/modules.js';
import { initBackend } from '../src/backend/index.js';
import { webgpuLimits } from '../src/backend/webgpu/index.js';
import { batchThatFits, explainGpuTrouble, tensorSizes } from '../src/backend/webgpu/memory.js';
import { installFusedLayers, uninstallFusedLayers } from '../src/backend/fused/layers.js';
import { getModelEntry } from '../src/models/registry.js';
import { forwardFlops } from '../src/reproduce/flops.js';
import { modelTrainingRow, REPRODUCTIONS_DIR } from '../src/reproduce/index.js';
import { lossFunction } from '../src/train/losses.js';
import { trainableVariables } from '../src/train/optimizers.js';
import { Rng } from '../src/util/rng.js';
import { conv2dRef, depthwiseRef, geom, poolRef } from '../test/backend/reference.js';

provideModule('webgpu', dawn);
provideModule('@tensorflow/tfjs-backend-webgpu', tfjsWebgpu);

const quick = process.argv.includes('--quick');
function batchArg(): number | null {
  const i = process.argv.indexOf('--batch');
  if (i < 0) return null;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`gpu-check: --batch needs a positive integer, got '${process.argv[i + 1] ?? ''}'`);
    process.exit(2);
  }
  return n;
}
const batchOverride = batchArg();
const MODELS = quick ? ['wei2018-crnn', 'mushtaq2020-cnn7', 'hu2020-small-fcnn'] : ['wei2018-crnn', 'mushtaq2020-cnn7', 'hu2020-fcnn'];
/** --quick batches (a software adapter). */
const QUICK_BATCH: Record<string, number> = { 'wei2018-crnn': 2, 'mushtaq2020-cnn7': 2, 'hu2020-small-fcnn': 1 };
/**
 * The batch each model trains with in its paper (the experiment configs).
 * bench/gpu-check.sh runs the bundle from a temporary folder with the
 * repository root as working directory, so the bundle's own idea of where
 * reproductions/ lies is wrong there: the working directory's copy is used then.
 */
function paperBatches(): Record<string, number> {
  const dir = existsSync(REPRODUCTIONS_DIR) ? REPRODUCTIONS_DIR : join(process.cwd(), 'reproductions');
  if (!existsSync(dir)) {
    console.error(`gpu-check: the experiment configs are needed for the papers' batch sizes: neither ${REPRODUCTIONS_DIR} nor ${dir} exists (run from the repository root)`);
    process.exit(2);
  }
  return Object.fromEntries(MODELS.map((name) => [name, modelTrainingRow(name, 'full', dir).training.batchSize]));
}
const PAPER_BATCH = paperBatches();
const CPU_MAX_BATCH = 8;
/** Training FLOPs (3 x forward) one CPU-path step may take. */
const CPU_STEP_FLOPS = 200e9;
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
  // tf.batchNorm's gradient saves scale and offset, so they must be tensors
  // (stock tfjs fails in Identity on an undefined scale, on every backend).
  const bnX = normal(rng, 6 * 5 * 7 * 4);
  const bnDy = normal(rng, 6 * 5 * 7 * 4);
  const bnGamma = Float32Array.from({ length: 4 }, () => rng.uniform(0.5, 1.5));
  const bnBeta = normal(rng, 4);
  const bn = () => {
    const x = tf.tensor4d(bnX, [6, 5, 7, 4]);
    const dy = tf.tensor4d(bnDy, [6, 5, 7, 4]);
    const gamma = tf.tensor1d(bnGamma);
    const beta = tf.tensor1d(bnBeta);
    const f = (a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      return tf.batchNorm(a, mean, variance, o as tf.Tensor1D, s as tf.Tensor1D, 1e-3);
    };
    const [dx, dGamma, dBeta] = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(f(a, s, o), dy)))([x, gamma, beta]);
    return [f(x, gamma, beta), dx, dGamma, dBeta];
  };
  const gpuBn = await read('webgpu', bn);
  const cpuBn = await read('cpu', bn);
  rows.push(['batch norm (batch statistics): y, dx, dGamma, dBeta vs cpu', Math.max(...gpuBn.map((v, i) => worst(v, cpuBn[i]))), TOL]);
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

function buildFull(name: string): tf.LayersModel {
  const entry = getModelEntry(name);
  const [a, b, c] = entry.inputShape;
  return entry.layout === 'time-freq-channels'
    ? entry.build({ seed: 1, frames: a, nMels: b, channels: c })
    : entry.build({ seed: 1, frames: b, nMels: a, channels: c });
}

async function timeModel(name: string, backend: 'webgpu' | 'wasm', batch: number, steps: number): Promise<Timing> {
  await tf.setBackend(backend);
  // The fused layers are the CPU path's (their kernels are registered for wasm
  // and cpu); webgpu trains the stock layers, as a webgpu run does.
  if (backend === 'wasm') installFusedLayers();
  else uninstallFusedLayers();
  const entry = getModelEntry(name);
  const [a, b, c] = entry.inputShape;
  const model = buildFull(name);
  const rng = new Rng(`gpu-check-${name}`);
  const x = tf.tensor(normal(rng, batch * a * b * c), [batch, a, b, c]);
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % entry.nClasses), 'int32'), entry.nClasses).toFloat());
  const opt = tf.train.adam(1e-3);
  const lossFn = lossFunction(entry.loss);
  const vars = trainableVariables(model);
  const step = async (i: number) => {
    // GPU errors (a limit, out of memory) become an error naming the step instead of zeros.
    await explainGpuTrouble(
      async () => {
        const cost = tf.tidy(() => opt.minimize(() => lossFn(labels, model.apply(x, { training: true }) as tf.Tensor), true, vars)!);
        await cost.data();
        cost.dispose();
      },
      () => `${name} step ${i} (batch ${batch}) on ${backend}`,
    );
  };
  try {
    await step(0); // warm-up: shader compilation, kernel set-up, memory growth
    const t0 = performance.now();
    for (let i = 1; i <= steps; i++) await step(i);
    const s = (performance.now() - t0) / 1000 / steps;
    return { model: name, input: `${a}x${b}x${c}`, batch, stepSeconds: s, samplesPerSecond: batch / s };
  } finally {
    tf.dispose([x, labels]);
    opt.dispose();
    model.dispose();
  }
}

const info = await initBackend();
if (info.name !== 'webgpu') {
  console.log(`gpu-check: the backend is ${info.name}, not webgpu (${info.reason}); nothing to check`);
  process.exit(2);
}
const limits = webgpuLimits()!;
console.log('== correctness subset (webgpu vs plain-loop references / cpu)');
const ok = await correctness();

console.log(`== batch that fits (every tensor within one storage binding of ${(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / 2 ** 20).toFixed(0)} MiB)`);
const gpuBatch: Record<string, number> = {};
const cpuBatchOf: Record<string, number> = {};
const batchNote: Record<string, string> = {};
for (const name of MODELS) {
  const model = buildFull(name);
  const fit = batchThatFits(tensorSizes(model), limits);
  const flops = forwardFlops(model);
  model.dispose();
  cpuBatchOf[name] = Math.max(1, Math.min(PAPER_BATCH[name], CPU_MAX_BATCH, Math.floor(CPU_STEP_FLOPS / (3 * flops))));
  const want = batchOverride ?? (quick ? QUICK_BATCH[name] : PAPER_BATCH[name]);
  gpuBatch[name] = Math.min(want, fit.maxBatch);
  if (gpuBatch[name] < want) batchNote[name] = ` (batch ${want} does not fit)`;
  console.log(
    `  ${name}: ${(flops / 1e9).toFixed(2)} GFLOP forward per sample; largest tensor ${fit.largestWhere} = ${(fit.largestBytes / 2 ** 20).toFixed(2)} MiB per sample -> batches up to ${fit.maxBatch}; ` +
      `activations ${(fit.activationBytes / 2 ** 20).toFixed(1)} MiB per sample; timed with batch ${gpuBatch[name]}${batchNote[name] ?? ''}`,
  );
}

const gpuSteps = quick ? 1 : 5;
const cpuSteps = quick ? 1 : 2;
console.log(
  `== training step, full-size inputs (webgpu ${gpuSteps} step(s), CPU path wasm+fused ${cpuSteps} step(s), after 1 warm-up each` +
    `${quick ? '; --quick: small batches for a software adapter' : `; CPU path batch at most ${CPU_MAX_BATCH} and ${CPU_STEP_FLOPS / 1e9} GFLOP per step`})`,
);
const rows: string[] = ['model | input | webgpu batch | webgpu s/step | webgpu samples/s | cpu batch | cpu s/step | cpu samples/s | webgpu / cpu'];
const timings: Record<string, Timing> = {};
const tStart = performance.now();
for (const name of MODELS) {
  const t0 = performance.now();
  const g = await timeModel(name, 'webgpu', gpuBatch[name], gpuSteps);
  console.log(`  ${name} on webgpu: ${g.stepSeconds.toFixed(3)} s/step at batch ${g.batch} (${((performance.now() - t0) / 1000).toFixed(0)} s with the warm-up)`);
  const cpuBatch = batchOverride ?? (quick ? gpuBatch[name] : cpuBatchOf[name]);
  const t1 = performance.now();
  const c = await timeModel(name, 'wasm', cpuBatch, cpuSteps);
  console.log(`  ${name} on the CPU path: ${c.stepSeconds.toFixed(3)} s/step at batch ${c.batch} (${((performance.now() - t1) / 1000).toFixed(0)} s with the warm-up)`);
  timings[name] = g;
  rows.push(
    `${name} | ${g.input} | ${g.batch}${batchNote[name] ?? ''} | ${g.stepSeconds.toFixed(3)} | ${g.samplesPerSecond.toPrecision(3)} | ` +
      `${c.batch} | ${c.stepSeconds.toFixed(3)} | ${c.samplesPerSecond.toPrecision(3)} | ${(g.samplesPerSecond / c.samplesPerSecond).toPrecision(3)}x`,
  );
}
console.log(`  timings took ${((performance.now() - tStart) / 1000).toFixed(0)} s`);
const torchJson = process.env.AUDIO_AUG_LAB_TORCH_JSON;
if (torchJson) {
  try {
    const t = JSON.parse(readFileSync(torchJson, 'utf8')) as { torch: string; device: string; samplesPerSecond: number };
    const g = timings['wei2018-crnn'];
    rows.push(`wei2018-crnn in PyTorch ${t.torch} on ${t.device}: ${t.samplesPerSecond.toPrecision(3)} samples/s = ${(t.samplesPerSecond / g.samplesPerSecond).toPrecision(3)}x webgpu`);
  } catch (e) {
    rows.push(`PyTorch result unreadable: ${(e as Error).message}`);
  }
} else {
  rows.push(`wei2018-crnn in PyTorch: not measured (${process.env.AUDIO_AUG_LAB_TORCH_SKIPPED ?? 'not run by bench/gpu-check.sh'})`);
}
console.log(`== summary\n${rows.join('\n')}\ncorrectness: ${ok ? 'all ok' : 'FAILED'}`);
process.exitCode = ok ? 0 : 1;
