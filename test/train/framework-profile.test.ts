/**
 * Framework profiles (src/train/framework-profile.ts): each profile's
 * optimizer updates, batch-norm moving statistics and he_normal scaling
 * against independent float64 references written from the frameworks'
 * equations (tfjs-core / tfjs-layers 4.22; Keras 2.2.4 keras/optimizers.py,
 * keras/layers/normalization.py, keras/initializers.py; TensorFlow 1.x
 * moving_averages.py), the debias state through checkpoint and resume, the
 * profile on data-parallel replicas, and the configs that pick the profiles.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THREADS_ENV } from '../../src/backend/threads.js';
import { installFusedLayers, uninstallFusedLayers } from '../../src/backend/fused/layers.js';
import { DataParallel } from '../../src/train/data-parallel.js';
import { zeroDebiasState, type MovingStatisticsRule } from '../../src/backend/fused/moving-statistics.js';
import { batchNormLayers, exportZeroDebiasState, setMovingStatisticsRule } from '../../src/models/batchnorm-statistics.js';
import { InitFactory, TRUNCATED_NORMAL_STD } from '../../src/models/common.js';
import { loadExperiments } from '../../src/reproduce/experiments.js';
import { buildSeeded, fit, type FitOptions } from '../../src/train/fit.js';
import { FRAMEWORKS, frameworkProfile, type FrameworkName } from '../../src/train/framework-profile.js';
import { KerasAdam, KerasSGD, learningRateToSet, makeOptimizer, setLearningRate, type OptimizerSpec } from '../../src/train/optimizers.js';
import { makeSchedule } from '../../src/train/schedules.js';
import { Rng } from '../../src/util/rng.js';
import { stripes, tinyModel } from './fixtures/tiny.js';
import { ruleFloat32, ruleOnBackend, seededStats } from './fixtures/keras-moving-statistics.js';
import { setupBackends } from '../backend/helpers.js';

process.env[THREADS_ENV] ??= '2';

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
});

function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
  return w;
}

// ---------------------------------------------------------------- optimizers

/**
 * A warm-restart schedule sampled per batch, as hu2020's LR_WarmRestart sets
 * it: 8 batches per epoch, restarts after epochs 1 and 3 (rates fall from
 * 0.1 to 0.004, then jump back to 0.1 at step 8).
 */
const BATCHES_PER_EPOCH = 8;
const STEPS = 14;
const schedule = makeSchedule({ kind: 'cosineRestarts', max: 0.1, min: 1e-5, restartEpochs: [1, 3] });
const RATES = Array.from({ length: STEPS }, (_, k) => schedule.at(k / BATCHES_PER_EPOCH));

/** Seeded gradients, the same for every rule: normal-sized components and tiny ones (where Adam's epsilon matters). */
const N = 6;
const GRADS: Float64Array[] = (() => {
  const rng = new Rng(42);
  return Array.from({ length: STEPS }, () => Float64Array.from({ length: N }, (_, i) => Math.fround(rng.normal() * (i < 3 ? 0.5 : 2e-6))));
})();
const P0 = Float64Array.from({ length: N }, (_, i) => Math.fround(0.3 * (i + 1) - 0.9));

type RefRule = 'tfjs' | 'keras2';

/** The learning rate the update uses at step k (0-based): Keras' decay lr / (1 + decay k) in both (fit applies it for tfjs). */
const decayed = (k: number, decay: number) => RATES[k] / (1 + decay * k);

/** Float64 reference of SGD with momentum under either framework's equations. */
function sgdReference(rule: RefRule, mu: number, decay: number): Float64Array {
  const p = Float64Array.from(P0);
  const a = new Float64Array(N);
  for (let k = 0; k < STEPS; k++) {
    const lr = decayed(k, decay);
    for (let i = 0; i < N; i++) {
      const g = GRADS[k][i];
      if (rule === 'tfjs') {
        // tfjs-core momentum_optimizer: a = mu a + g; p += -lr a
        a[i] = mu * a[i] + g;
        p[i] -= lr * a[i];
      } else {
        // Keras 2.2.4 SGD.get_updates: v = mu v - lr g; p += v
        a[i] = mu * a[i] - lr * g;
        p[i] += a[i];
      }
    }
  }
  return p;
}

/** Float64 reference of Adam under either framework's equations. */
function adamReference(rule: RefRule, decay: number, b1 = 0.9, b2 = 0.999, eps = 1e-7): Float64Array {
  const p = Float64Array.from(P0);
  const m = new Float64Array(N);
  const v = new Float64Array(N);
  for (let k = 0; k < STEPS; k++) {
    const lr = decayed(k, decay);
    const t = k + 1;
    for (let i = 0; i < N; i++) {
      const g = GRADS[k][i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      if (rule === 'tfjs') {
        // tfjs-core adam_optimizer: bias-corrected moments, eps on sqrt(v_hat)
        const mh = m[i] / (1 - b1 ** t);
        const vh = v[i] / (1 - b2 ** t);
        p[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
      } else {
        // Keras 2.2.4 Adam.get_updates: correction in the rate, eps on sqrt(v)
        const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
        p[i] -= (lrT * m[i]) / (Math.sqrt(v[i]) + eps);
      }
    }
  }
  return p;
}

/** Runs an optimizer made for `framework` over the gradients and rates, setting the rate as fit does. */
function runOptimizer(spec: OptimizerSpec, framework: FrameworkName): { p: Float32Array; opt: tf.Optimizer } {
  const full: OptimizerSpec = { ...spec, framework };
  const opt = makeOptimizer(full);
  const p = tf.variable(tf.tensor1d(Float32Array.from(P0)));
  for (let k = 0; k < STEPS; k++) {
    setLearningRate(opt, learningRateToSet(opt, full, RATES[k]));
    tf.tidy(() => opt.applyGradients([{ name: p.name, tensor: tf.tensor1d(Float32Array.from(GRADS[k])) }]));
  }
  const out = p.dataSync().slice() as Float32Array;
  p.dispose();
  return { p: out, opt };
}

describe('optimizer update rules over a warm restart', () => {
  it('the schedule jumps from about 1e-5 back to 0.1 inside the run', () => {
    expect(RATES[7]).toBeLessThan(0.005);
    expect(RATES[8]).toBeCloseTo(0.1, 10);
  });

  const cases: { name: string; spec: OptimizerSpec; ref: (rule: RefRule) => Float64Array }[] = [
    { name: 'SGD momentum 0.9, decay 1e-6 (hu2020)', spec: { kind: 'sgd', lr: 0.1, momentum: 0.9, decay: 1e-6 }, ref: (r) => sgdReference(r, 0.9, 1e-6) },
    { name: 'SGD momentum 0.9, decay 0.05', spec: { kind: 'sgd', lr: 0.1, momentum: 0.9, decay: 0.05 }, ref: (r) => sgdReference(r, 0.9, 0.05) },
    { name: 'Adam, decay 0', spec: { kind: 'adam', lr: 0.1 }, ref: (r) => adamReference(r, 0) },
    { name: 'Adam, decay 0.05', spec: { kind: 'adam', lr: 0.1, decay: 0.05 }, ref: (r) => adamReference(r, 0.05) },
  ];
  for (const c of cases) {
    for (const framework of FRAMEWORKS) {
      it(`${c.name}: ${framework} follows its own equations, not the other framework's`, () => {
        const rule = frameworkProfile(framework).optimizer;
        const other: RefRule = rule === 'tfjs' ? 'keras2' : 'tfjs';
        const { p, opt } = runOptimizer(c.spec, framework);
        const own = worst(p, c.ref(rule));
        const cross = worst(p, c.ref(other));
        console.log(`${c.name} [${framework}]: worst |p - own reference| ${own.toExponential(2)}, |p - other framework's| ${cross.toExponential(2)}`);
        // float32 updates (tfjs: float32 bias-correction products too) against
        // float64 references over 14 steps, parameters moving by O(1).
        expect(own).toBeLessThan(2e-5);
        expect(cross).toBeGreaterThan(1e-2);
        expect(opt.iterations).toBe(STEPS);
        const keras = c.spec.kind === 'sgd' ? KerasSGD : KerasAdam;
        // (tf.Optimizer's Symbol.hasInstance makes instanceof true for every optimizer.)
        expect(keras.prototype.isPrototypeOf(opt)).toBe(framework !== 'tfjs');
        opt.dispose();
      });
    }
  }

  it("Keras Adam's effective epsilon is 1/sqrt(1 - beta2) = 31.6x tfjs' at step 1", () => {
    // One step with g = 1e-5: tfjs divides by (|g| + eps), Keras by (sqrt(1 - b2) |g| + eps) / sqrt(1 - b2).
    const g = 1e-5;
    const step = (framework: FrameworkName) => {
      const opt = makeOptimizer({ kind: 'adam', lr: 1, framework });
      const p = tf.variable(tf.zeros([1]));
      opt.applyGradients([{ name: p.name, tensor: tf.tensor1d([g]) }]);
      const d = -p.dataSync()[0];
      p.dispose();
      opt.dispose();
      return d;
    };
    const eps = 1e-7;
    // 0.990 against 0.760: float32 arithmetic to 1e-4.
    expect(step('tfjs')).toBeCloseTo(g / (g + eps), 4);
    expect(step('keras-2.2.4-tf1')).toBeCloseTo(g / (g + eps / Math.sqrt(1 - 0.999)), 4);
  });

  it('Keras optimizer state survives getWeights / setWeights (iterations, then each slot of every variable)', async () => {
    const spec: OptimizerSpec = { kind: 'adam', lr: 0.1, decay: 0.05, framework: 'keras-2.2.4-tf1' };
    const a = makeOptimizer(spec);
    const b = makeOptimizer(spec);
    const pa = tf.variable(tf.tensor1d(Float32Array.from(P0)));
    const pb = tf.variable(tf.tensor1d(Float32Array.from(P0)));
    for (let k = 0; k < STEPS; k++) {
      setLearningRate(a, RATES[k]);
      tf.tidy(() => a.applyGradients([{ name: pa.name, tensor: tf.tensor1d(Float32Array.from(GRADS[k])) }]));
      if (k < 5) {
        setLearningRate(b, RATES[k]);
        tf.tidy(() => b.applyGradients([{ name: pb.name, tensor: tf.tensor1d(Float32Array.from(GRADS[k])) }]));
      }
    }
    // Copy b's state after 5 steps into a fresh optimizer and finish there.
    const saved = (await b.getWeights()).map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
    expect(saved.map((w) => w.name.replace(/^.*\//, ''))).toEqual(['iter', 'm', 'v']);
    const c = makeOptimizer(spec);
    await c.setWeights(saved);
    tf.dispose(saved.map((w) => w.tensor));
    expect(c.iterations).toBe(5);
    for (let k = 5; k < STEPS; k++) {
      setLearningRate(c, RATES[k]);
      tf.tidy(() => c.applyGradients([{ name: pb.name, tensor: tf.tensor1d(Float32Array.from(GRADS[k])) }]));
    }
    expect(Array.from(pb.dataSync())).toEqual(Array.from(pa.dataSync()));
    [a, b, c].forEach((o) => o.dispose());
    tf.dispose([pa, pb]);
  });
});

// ------------------------------------------------------ batch-norm statistics

const BN_SHAPE = [5, 3, 2, 4]; // batch 5, 3 x 2 positions, 4 channels: n = 30 values per channel
const BN_MOMENTUM = 0.99;
const BN_EPSILON = 1e-3;

/** Three seeded batches with per-channel offsets and scales far from the initial mean 0 / variance 1. */
const BN_BATCHES: Float32Array[] = (() => {
  const rng = new Rng(7);
  const C = BN_SHAPE[3];
  const size = BN_SHAPE.reduce((a, b) => a * b, 1);
  return [0, 1, 2].map((b) => Float32Array.from({ length: size }, (_, i) => 3 + (i % C) + b + (0.5 + (i % C)) * rng.normal()));
})();

/** Float64 reference of the moving statistics after the batches, for a framework's rule. */
function bnReference(framework: FrameworkName): { mean: number[]; variance: number[] } {
  const rule = frameworkProfile(framework).batchNorm;
  const C = BN_SHAPE[3];
  const d = 1 - BN_MOMENTUM;
  let mean = new Array(C).fill(0);
  let variance = new Array(C).fill(1);
  const biasedMean = new Array(C).fill(0);
  const biasedVariance = new Array(C).fill(0);
  BN_BATCHES.forEach((x, b) => {
    const n = x.length / C;
    const bm = new Array(C).fill(0);
    const bv = new Array(C).fill(0);
    for (let i = 0; i < x.length; i++) bm[i % C] += x[i] / n;
    for (let i = 0; i < x.length; i++) bv[i % C] += (x[i] - bm[i % C]) ** 2 / n;
    // Keras 2.1.4-2.2.5: sample variance n / (n - (1 + epsilon))
    const v = rule.unbiasedVariance ? bv.map((s) => (s * n) / (n - (1 + BN_EPSILON))) : bv;
    if (rule.zeroDebias) {
      // TensorFlow moving_averages._zero_debias: hidden accumulator from 0, divided by 1 - momentum^t
      const t = b + 1;
      for (let c = 0; c < C; c++) {
        biasedMean[c] -= (biasedMean[c] - bm[c]) * d;
        biasedVariance[c] -= (biasedVariance[c] - v[c]) * d;
      }
      mean = biasedMean.map((s) => s / (1 - BN_MOMENTUM ** t));
      variance = biasedVariance.map((s) => s / (1 - BN_MOMENTUM ** t));
    } else {
      mean = mean.map((s, c) => s - (s - bm[c]) * d);
      variance = variance.map((s, c) => s - (s - v[c]) * d);
    }
  });
  return { mean, variance };
}

function bnModel(): tf.LayersModel {
  const input = tf.input({ shape: BN_SHAPE.slice(1) });
  const out = tf.layers.batchNormalization({ momentum: BN_MOMENTUM, epsilon: BN_EPSILON }).apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

function runBatchNorm(framework: FrameworkName): { mean: Float32Array; variance: Float32Array; model: tf.LayersModel } {
  const model = bnModel();
  setMovingStatisticsRule(model, frameworkProfile(framework).batchNorm);
  for (const x of BN_BATCHES) {
    tf.tidy(() => {
      model.apply(tf.tensor(x, BN_SHAPE), { training: true });
    });
  }
  const [, , mm, mv] = model.getWeights();
  return { mean: mm.dataSync() as Float32Array, variance: mv.dataSync() as Float32Array, model };
}

describe('batch-norm moving statistics after 3 steps', () => {
  for (const path of ['fused', 'stock tfjs'] as const) {
    for (const framework of FRAMEWORKS) {
      it(`${framework} rule on the ${path} path matches its float64 reference`, () => {
        if (path === 'fused') installFusedLayers();
        else uninstallFusedLayers();
        try {
          const { mean, variance, model } = runBatchNorm(framework);
          const ref = bnReference(framework);
          const other = bnReference(framework === 'tfjs' ? 'keras-2.2.4-tf1' : 'tfjs');
          const rel = Math.max(worst(mean, ref.mean) / Math.max(...ref.mean), worst(variance, ref.variance) / Math.max(...ref.variance));
          console.log(`batch norm [${framework}, ${path}]: moving mean ${Array.from(mean, (v) => v.toFixed(4)).join(' ')}; worst relative difference ${rel.toExponential(2)}`);
          expect(rel).toBeLessThan(1e-5);
          expect(worst(variance, other.variance)).toBeGreaterThan(0.1);
          const state = zeroDebiasState(batchNormLayers(model)[0]);
          if (frameworkProfile(framework).batchNorm.zeroDebias) expect(state?.step).toBe(3);
          else expect(state).toBeNull();
          model.dispose();
        } finally {
          installFusedLayers();
        }
      });
    }
  }

  it('zero-debiased statistics forget the initialisers at the first step: moving = that batch', () => {
    const model = bnModel();
    setMovingStatisticsRule(model, frameworkProfile('keras-2.2.4-tf1').batchNorm);
    tf.tidy(() => {
      model.apply(tf.tensor(BN_BATCHES[0], BN_SHAPE), { training: true });
    });
    const [, , mm, mv] = model.getWeights();
    const C = BN_SHAPE[3];
    const n = BN_BATCHES[0].length / C;
    const m = new Array(C).fill(0);
    for (let i = 0; i < BN_BATCHES[0].length; i++) m[i % C] += BN_BATCHES[0][i] / n;
    expect(worst(mm.dataSync(), m)).toBeLessThan(1e-5);
    const v = new Array(C).fill(0);
    for (let i = 0; i < BN_BATCHES[0].length; i++) v[i % C] += (BN_BATCHES[0][i] - m[i % C]) ** 2 / (n - 1 - BN_EPSILON);
    expect(worst(mv.dataSync(), v) / Math.max(...v)).toBeLessThan(1e-5);
    model.dispose();
  });
});

describe('Keras rules as tensor ops: bit-identical to the float32 array arithmetic on cpu and wasm', () => {
  // The rules run as tensor ops (no synchronous read: they must work on
  // webgpu); on cpu and wasm each op is one correctly rounded float32
  // operation, so they equal the Math.fround arithmetic they replaced bit for
  // bit (what keeps hu2020's reference digests). 300 steps: the debias
  // divisor reaches 1 at momentum 0.9; 37 channels of statistics from 1e-4 to 1e2.
  const RULES: [string, MovingStatisticsRule][] = [
    ['keras-2.2.4-tf1 (unbiased, zero-debiased)', frameworkProfile('keras-2.2.4-tf1').batchNorm],
    ['unbiased variance only', { unbiasedVariance: true, zeroDebias: false }],
    ['zero-debiased only', { unbiasedVariance: false, zeroDebias: true }],
  ];
  const batches = seededStats('keras-rules-f32', 37, 300);
  beforeAll(setupBackends);
  afterAll(() => tf.setBackend('cpu'));

  for (const backend of ['cpu', 'wasm'] as const) {
    for (const [label, rule] of RULES) {
      it(`${backend}: ${label}`, async () => {
        await tf.setBackend(backend);
        for (const momentum of [0.99, 0.9]) {
          const ref = ruleFloat32(rule, momentum, BN_EPSILON, batches);
          for (const given of ['tensors', 'arrays', 'mixed'] as const) {
            const got = await ruleOnBackend(rule, momentum, BN_EPSILON, batches, given);
            expect(Array.from(got.mean), `${given}, momentum ${momentum}: moving mean`).toEqual(Array.from(ref.mean));
            expect(Array.from(got.variance), `${given}, momentum ${momentum}: moving variance`).toEqual(Array.from(ref.variance));
            expect(got.state).toEqual(ref.state);
          }
        }
      });
    }
  }
});

// --------------------------------------------------------------- initialisers

describe('he_normal under each profile', () => {
  const SHAPE = [3, 3, 32, 64]; // fan_in 288, 18432 samples
  const nominal = Math.sqrt(2 / 288);

  function sample(framework: FrameworkName, viaFit: boolean): Float32Array {
    const rule = frameworkProfile(framework).initializers;
    if (!viaFit) return tf.tidy(() => new InitFactory(5, rule).heNormal().apply(SHAPE).dataSync() as Float32Array);
    // A builder that passes no rule gets fit's (the profile's) from buildSeeded.
    const model = buildSeeded(() => {
      const init = new InitFactory(5);
      const input = tf.input({ shape: [4, 4, 32] });
      const out = tf.layers.conv2d({ filters: 64, kernelSize: 3, useBias: false, kernelInitializer: init.heNormal() }).apply(input) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: out });
    }, 1, framework);
    const w = model.getWeights()[0].dataSync().slice() as Float32Array;
    model.dispose();
    return w;
  }

  for (const framework of FRAMEWORKS) {
    for (const viaFit of [false, true]) {
      it(`${framework}${viaFit ? " (the rule fit's build sets)" : ''}: sample std and truncation bound`, () => {
        const w = sample(framework, viaFit);
        const mean = w.reduce((a, b) => a + b, 0) / w.length;
        const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
        const corrected = frameworkProfile(framework).initializers.truncatedNormalStdCorrection;
        // Keras >= 2.2.0: samples have the nominal std; tfjs: 0.8796 of it.
        const expected = corrected ? nominal : nominal * TRUNCATED_NORMAL_STD;
        const bound = 2 * (corrected ? nominal / TRUNCATED_NORMAL_STD : nominal);
        console.log(`he_normal [${framework}${viaFit ? ', via fit' : ''}]: std ${std.toFixed(5)}, expected ${expected.toFixed(5)} (nominal ${nominal.toFixed(5)})`);
        // The std of a sample std of 18432 draws is about 0.5%: 2% tolerance, 12% between the profiles.
        expect(Math.abs(std / expected - 1)).toBeLessThan(0.02);
        expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound * (1 + 1e-6));
        expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(bound * 0.95);
      });
    }
  }

  it('glorot_uniform and orthogonal are the same draws under both profiles', () => {
    const draw = (framework: FrameworkName) =>
      tf.tidy(() => {
        const init = new InitFactory(9, frameworkProfile(framework).initializers);
        return [...init.glorotUniform().apply([8, 16]).dataSync(), ...init.orthogonal().apply([16, 16]).dataSync()];
      });
    expect(draw('keras-2.2.4-tf1')).toEqual(draw('tfjs'));
  });
});

// ------------------------------------------------------- checkpoint and resume

const fitBase = (framework: FrameworkName, epochs: number, checkpointDir?: string): FitOptions => ({
  build: () => tinyModel(2, false),
  train: stripes(30, 1), // 4 batches of 8 per epoch
  epochs,
  batchSize: 8,
  loss: 'categoricalCrossentropy',
  optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, decay: 0.01 },
  schedule: { kind: 'cosineRestarts', max: 0.1, min: 1e-5, restartEpochs: [1, 3] },
  seed: 3,
  progress: 'none',
  framework,
  checkpointDir,
});

function allWeights(m: tf.LayersModel): number[][] {
  return m.getWeights().map((w) => Array.from(w.dataSync()));
}

describe('checkpoint and resume under keras-2.2.4-tf1', () => {
  it('a run resumed after epoch 1 ends bit-identical to an uninterrupted one, debias state included', async () => {
    const whole = await fit(fitBase('keras-2.2.4-tf1', 3));
    const dir = mkdtempSync(join(tmpdir(), 'profile-ck-'));
    const first = await fit(fitBase('keras-2.2.4-tf1', 1, dir));
    first.model.dispose();
    const resumed = await fit(fitBase('keras-2.2.4-tf1', 3, dir));
    expect(resumed.resumedFromEpoch).toBe(0);
    expect(resumed.framework).toBe('keras-2.2.4-tf1');
    expect(allWeights(resumed.model)).toEqual(allWeights(whole.model));
    const [a] = exportZeroDebiasState(whole.model);
    const [b] = exportZeroDebiasState(resumed.model);
    expect(a?.step).toBe(12);
    expect(b).toEqual(a);
    whole.model.dispose();
    resumed.model.dispose();
  });

  it('a checkpoint is resumed only under the profile it was written with', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profile-ck-'));
    (await fit(fitBase('keras-2.2.4-tf1', 1, dir))).model.dispose();
    await expect(fit(fitBase('tfjs', 2, dir))).rejects.toThrow(/written under framework profile 'keras-2.2.4-tf1'/);
  });

  it('the tfjs profile trains as fit always did (stock tfjs optimizer, batch norm and initialisers)', async () => {
    const a = await fit({ ...fitBase('tfjs', 2), framework: undefined });
    const b = await fit(fitBase('tfjs', 2));
    const c = await fit(fitBase('keras-2.2.4-tf1', 2));
    expect(allWeights(b.model)).toEqual(allWeights(a.model));
    expect(allWeights(c.model)).not.toEqual(allWeights(a.model));
    expect(exportZeroDebiasState(a.model)).toEqual([null]);
    [a, b, c].forEach((r) => r.model.dispose());
  });
});

describe('data-parallel training under keras-2.2.4-tf1', () => {
  it('2 workers take the moving statistics over the whole batch, as 1 does', async () => {
    // One step of 8 rows (4 per worker): the debiased statistics are that batch's, unbiased.
    const opts = (workers: number): FitOptions => ({ ...fitBase('keras-2.2.4-tf1', 1), train: stripes(8, 1), workers });
    const one = await fit(opts(1));
    const two = await fit(opts(2));
    expect(two.workers).toBe(2);
    // tinyModel's weights: conv kernel, gamma, beta, moving mean, moving variance, dense kernel, bias.
    const [m1, v1] = allWeights(one.model).slice(3, 5);
    const [m2, v2] = allWeights(two.model).slice(3, 5);
    console.log(`1 vs 2 workers after one step: moving mean differs by ${worst(m1, m2).toExponential(2)}, variance by ${worst(v1, v2).toExponential(2)}`);
    expect(worst(m1, m2)).toBeLessThan(1e-5 * Math.max(...m1.map(Math.abs)));
    expect(worst(v1, v2)).toBeLessThan(1e-5 * Math.max(...v1));
    expect(exportZeroDebiasState(two.model)[0]?.step).toBe(1);
    [one, two].forEach((r) => r.model.dispose());
  });

  it('a resumed 2-worker run ends bit-identical to an uninterrupted one, debias state included', async () => {
    const opts = (epochs: number, checkpointDir?: string): FitOptions => ({ ...fitBase('keras-2.2.4-tf1', epochs, checkpointDir), workers: 2 });
    const whole = await fit(opts(2));
    const dir = mkdtempSync(join(tmpdir(), 'profile-dp-'));
    (await fit(opts(1, dir))).model.dispose();
    const resumed = await fit(opts(2, dir));
    expect(allWeights(resumed.model)).toEqual(allWeights(whole.model));
    expect(exportZeroDebiasState(resumed.model)).toEqual(exportZeroDebiasState(whole.model));
    expect(exportZeroDebiasState(whole.model)[0]?.step).toBe(8);
    [whole, resumed].forEach((r) => r.model.dispose());
  });
});

describe('data-parallel replicas under keras-2.2.4-tf1', () => {
  it('get the rule, the Keras optimizer and the debias state, and stay bit-identical step after step', async () => {
    const spec: OptimizerSpec = { kind: 'sgd', lr: 0.1, momentum: 0.9, decay: 0.01, framework: 'keras-2.2.4-tf1' };
    const model = buildSeeded(() => tinyModel(2, false), 2, 'keras-2.2.4-tf1');
    // A state from earlier steps (as after a resume): the replicas must start from it.
    const ds = stripes(8, 4);
    const x = new Float32Array(8 * 48);
    const y = new Float32Array(16);
    for (let i = 0; i < 8; i++) {
      x.set(ds.get(i).x, i * 48);
      y.set(ds.get(i).y, i * 2);
    }
    tf.tidy(() => {
      model.apply(tf.tensor(x, [8, 8, 6, 1]), { training: true });
    });
    expect(exportZeroDebiasState(model)[0]?.step).toBe(1);
    const optimizer = makeOptimizer(spec);
    const dp = await DataParallel.start({
      replicas: 2, model, optimizer, optimizerSpec: spec, loss: 'categoricalCrossentropy',
      xShape: [8, 6, 1], ySize: 2, maxBatch: 8,
    });
    try {
      const rng = new Rng(1);
      for (let s = 0; s < 3; s++) {
        dp.step({ x, y, n: 8, xSize: 48, ySize: 2, indices: new Int32Array(8) }, 0.1, rng);
        const d = dp.digests();
        expect(d[1]).toBe(d[0]);
      }
      expect(exportZeroDebiasState(model)[0]?.step).toBe(4);
    } finally {
      await dp.close();
      optimizer.dispose();
      model.dispose();
    }
  });
});

// ------------------------------------------------------------------- configs

describe('experiment configs pick their profile', () => {
  it('every hu2020 config sets keras-2.2.4-tf1, wei2018 and mushtaq2020 keep tfjs', () => {
    for (const e of loadExperiments('hu2020')) expect(e.framework, e.id).toBe('keras-2.2.4-tf1');
    for (const paper of ['wei2018', 'mushtaq2020']) for (const e of loadExperiments(paper)) expect(e.framework, e.id).toBe('tfjs');
  });

  it("hu2020's SGD decay follows the authors' scripts (1e-6 for Resnet and FCNN, 0 for fsFCNN, Mobnet and small-FCNN)", () => {
    const decay = new Map(loadExperiments('hu2020').filter((e) => e.kind === 'train').map((e) => [e.id, (e.training.optimizer as { decay?: number }).decay ?? 0]));
    for (const [id, d] of decay) {
      const expected = /resnet|fcnn/.test(id) && !/fsfcnn|small-fcnn|t1b-/.test(id) ? 1e-6 : 0;
      expect(d, id).toBe(expected);
    }
    expect(decay.size).toBeGreaterThan(10);
  });
});
