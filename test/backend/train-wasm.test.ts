/**
 * A small Conv2D model trains on the wasm backend on real ESC-50 log-mels:
 * conv 3x3 (no bias: batch norm follows) -> batch norm -> ReLU -> max pool 1x2 -> global average pool ->
 * dense softmax, 6 clips of 3 classes (dog, rain, clock_tick; both clips of
 * each in the embedded ESC-10 sample, data-manifests/samples/esc10, which
 * has two per class), full-batch Adam. Stock
 * tfjs-backend-wasm 4.22 cannot run this at all (no Conv2DBackpropFilter)
 * and would get the max-pool gradient wrong. The loss must fall; one step's
 * gradients are also compared with the cpu backend on a 4-clip batch (two
 * dog, two rain). There the batch-norm statistics and the filter gradient
 * are float32 sums over 4 x 128 x 108 = 55k values; measured here, the two
 * backends differ by 7e-8 in the loss and by at most 2.4e-7 in the
 * gradients (the data and seeds are fixed, so this is deterministic), well
 * inside the 1e-4 tolerance, which allows for larger batches and other
 * summation orders (with 12 clips at 44.1 kHz the differences were ~1e-5
 * and ~8e-5). With 6 clips, 10 steps bring the loss from 1.48 to 0.69
 * (measured); the test asks for the mean of the last three below 0.6 x the first.
 *
 * Features: `logMel(y, 'hu2020', { sr: 22050 })` (the sample's own rate, so
 * no resampling): 128 HTK mels up to 11.025 kHz, hop 1024 -> 108 frames per
 * 5 s clip, then standardised with the mean / std over all clips.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAudio } from '../../src/audio/index.js';
import { EMBEDDED_SAMPLE_DIR } from '../../src/data/stand-ins/index.js';
import { loadEsc50 } from '../../src/data/loaders/esc50.js';
import { logMel } from '../../src/features/index.js';
import { fmt, on, setupBackends, worstDiff } from './helpers.js';

const SAMPLE_RATE = 22050;
const CLASSES = ['dog', 'rain', 'clock_tick'];
const PER_CLASS = 2;
const STEPS = 10;

interface Data {
  x: Float32Array; // [n, nMels, nFrames, 1]
  y: Float32Array; // one-hot [n, classes]
  n: number;
  nMels: number;
  nFrames: number;
}

function loadData(): Data {
  const rows = loadEsc50({ root: EMBEDDED_SAMPLE_DIR, metadataFile: 'meta.csv' });
  const picked: { file: string; cls: number }[] = [];
  CLASSES.forEach((name, cls) => {
    const files = rows.filter((r) => r.labels[0] === name).map((r) => r.audioPath).sort().slice(0, PER_CLASS);
    expect(files.length, name).toBe(PER_CLASS);
    for (const file of files) picked.push({ file, cls });
  });
  const mels = picked.map(({ file }) => {
    const wav = loadAudio(file, { expectedSr: SAMPLE_RATE });
    return logMel(wav.channels[0], 'hu2020', { sr: SAMPLE_RATE });
  });
  const { nMels, nFrames } = mels[0];
  const n = picked.length;
  const x = new Float32Array(n * nMels * nFrames);
  // (nMels, nFrames) row-major is already [mel][frame]: NHWC with H = mels, W = frames, C = 1.
  mels.forEach((m, i) => x.set(m.data, i * nMels * nFrames));
  let mean = 0;
  for (const v of x) mean += v;
  mean /= x.length;
  let varSum = 0;
  for (const v of x) varSum += (v - mean) ** 2;
  const std = Math.sqrt(varSum / x.length);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - mean) / std;
  const y = new Float32Array(n * CLASSES.length);
  picked.forEach(({ cls }, i) => (y[i * CLASSES.length + cls] = 1));
  return { x, y, n, nMels, nFrames };
}

function buildModel(nMels: number, nFrames: number): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({
    inputShape: [nMels, nFrames, 1], filters: 8, kernelSize: 3, padding: 'same', useBias: false,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
  }));
  model.add(tf.layers.batchNormalization({ axis: -1 }));
  model.add(tf.layers.reLU());
  model.add(tf.layers.maxPooling2d({ poolSize: [1, 2], strides: [1, 2] }));
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({
    units: CLASSES.length, activation: 'softmax',
    kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
  }));
  return model;
}

let data: Data;
beforeAll(async () => {
  await setupBackends();
  data = loadData();
});

describe('training on wasm', () => {
  it('loss falls over a few full-batch Adam steps on ESC-50 log-mels', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const model = buildModel(data.nMels, data.nFrames);
    model.compile({ optimizer: tf.train.adam(0.03), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const x = tf.tensor4d(data.x, [data.n, data.nMels, data.nFrames, 1]);
    const y = tf.tensor2d(data.y, [data.n, CLASSES.length]);
    const losses: number[] = [];
    const accs: number[] = [];
    for (let step = 0; step < STEPS; step++) {
      const [loss, acc] = (await model.trainOnBatch(x, y)) as number[];
      losses.push(loss);
      accs.push(acc);
    }
    console.log(`wasm training on ${data.n} ESC-50 clips (${CLASSES.join(', ')}), input ${data.nMels}x${data.nFrames}:`);
    console.log(`  loss ${losses.map((l) => l.toFixed(3)).join(' ')}`);
    console.log(`  acc  ${accs.map((a) => a.toFixed(2)).join(' ')}`);
    x.dispose();
    y.dispose();
    model.optimizer.dispose(); // Adam's moment variables
    model.dispose();
    expect(tf.memory().numTensors, 'tensor leak').toBe(before);
    for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    const last = (losses[STEPS - 1] + losses[STEPS - 2] + losses[STEPS - 3]) / 3;
    expect(last).toBeLessThan(0.6 * losses[0]);
  });

  it('one step of gradients agrees with the cpu backend (4 clips)', async () => {
    const n = 4;
    const per = data.nMels * data.nFrames;
    // Two dog and two rain clips.
    const idx = [0, 1, PER_CLASS, PER_CLASS + 1];
    const xs = new Float32Array(n * per);
    const ys = new Float32Array(n * CLASSES.length);
    idx.forEach((k, i) => {
      xs.set(data.x.subarray(k * per, (k + 1) * per), i * per);
      ys.set(data.y.subarray(k * CLASSES.length, (k + 1) * CLASSES.length), i * CLASSES.length);
    });
    const names: string[] = [];
    const fn = () => {
      const model = buildModel(data.nMels, data.nFrames);
      try {
        const x = tf.tensor4d(xs, [n, data.nMels, data.nFrames, 1]);
        const y = tf.tensor2d(ys, [n, CLASSES.length]);
        const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(
          () => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
          vars,
        );
        names.splice(0, names.length, 'loss', ...model.trainableWeights.map((w) => w.originalName));
        return [value, ...vars.map((v) => grads[v.name])];
      } finally {
        model.dispose();
      }
    };
    const a = await on('wasm', fn);
    const r = await on('cpu', fn);
    const parts: string[] = [];
    for (let k = 0; k < a.length; k++) {
      const d = worstDiff(a[k], r[k]);
      parts.push(`${names[k]} ${fmt(d)}`);
      expect(d.worst, `${names[k]} wasm vs cpu`).toBeLessThanOrEqual(1e-4);
    }
    console.log(`one training step, wasm vs cpu: ${parts.join(' | ')}`);
  });
});
