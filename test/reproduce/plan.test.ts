/**
 * The plan's GPU parts on the CPU backends (no adapter needed):
 * - the default job count: one job per GPU on webgpu / tfjs-node-gpu, the
 *   thread budget over the threads per job elsewhere;
 * - the per-sample tensor sizes of a model, checked against shapes worked
 *   out by hand, and the batch that fits a storage-binding limit;
 * - the plan's GPU batch lines for a registered model (wei2018-crnn, whose
 *   largest tensor is conv1's output, 124 x 128 x 8 floats per sample);
 * - the models and batches a paper's experiments train with;
 * - the throughput probe reads asynchronously and runs on the active backend
 *   (wasm here; test/backend/webgpu-plan.test.ts runs it on webgpu);
 * - the table's wording for a GPU (no "one thread", no parallel lanes).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchThatFits, tensorSizes } from '../../src/backend/webgpu/memory.js';
import { gpuBatchLines, planModels, planTable } from '../../src/reproduce/plan.js';
import { defaultJobCount } from '../../src/reproduce/runner.js';
import { measureThroughput, probeFlops } from '../../src/reproduce/throughput.js';
import { setupBackends } from '../backend/helpers.js';

beforeAll(async () => {
  await setupBackends();
  await tf.setBackend('wasm');
});

describe('default job count', () => {
  it('is one job per GPU on a GPU backend, the thread budget over threads per job otherwise', () => {
    expect(defaultJobCount({ name: 'webgpu' }, 16, 1).parallel).toBe(1);
    expect(defaultJobCount({ name: 'tensorflow-gpu' }, 16, 2).parallel).toBe(1);
    expect(defaultJobCount({ name: 'webgpu' }, 16, 1).why).toMatch(/one job per GPU/);
    expect(defaultJobCount({ name: 'wasm' }, 16, 1).parallel).toBe(16);
    expect(defaultJobCount({ name: 'wasm' }, 16, 3).parallel).toBe(5);
    expect(defaultJobCount({ name: 'cpu' }, 2, 4).parallel).toBe(1);
  });
});

describe('tensor sizes and the batch that fits', () => {
  it('per-sample sizes of a small model, worked out by hand', () => {
    const input = tf.input({ shape: [10, 8, 2] });
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'c' }).apply(input) as tf.SymbolicTensor; // 10x8x4 = 320
    const pool = tf.layers.maxPooling2d({ poolSize: 2, name: 'p' }).apply(conv) as tf.SymbolicTensor; // 5x4x4 = 80
    const flat = tf.layers.flatten({ name: 'f' }).apply(pool) as tf.SymbolicTensor; // 80
    const out = tf.layers.dense({ units: 3, name: 'd' }).apply(flat) as tf.SymbolicTensor; // 3
    const model = tf.model({ inputs: input, outputs: out });
    try {
      const s = tensorSizes(model);
      expect(s.largestBytes).toBe(4 * 320);
      expect(s.largestWhere).toBe('c [10,8,4]');
      // the input layer's 160 floats, then 320 + 80 + 80 + 3
      expect(s.activationBytes).toBe(4 * (160 + 320 + 80 + 80 + 3));
      expect(batchThatFits(s, { maxStorageBufferBindingSize: 1280 * 10 + 1279, maxBufferSize: 2 ** 31 }).maxBatch).toBe(10);
      // maxBufferSize binds too when it is the smaller limit
      expect(batchThatFits(s, { maxStorageBufferBindingSize: 2 ** 27, maxBufferSize: 1280 * 3 }).maxBatch).toBe(3);
    } finally {
      model.dispose();
    }
  });

  it('a nested model counts its inner layers', () => {
    const inner = tf.sequential({ name: 'inner', layers: [tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 16, kernelSize: 1, name: 'wide' })] }); // 6x6x16 = 576
    const input = tf.input({ shape: [6, 6, 1] });
    const y = tf.layers.globalAveragePooling2d({}).apply(inner.apply(input) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: y });
    try {
      const s = tensorSizes(model);
      expect(s.largestBytes).toBe(4 * 576);
      expect(s.largestWhere).toMatch(/^(wide|inner) \[6,6,16\]$/);
    } finally {
      model.dispose();
    }
  });

  it('the plan says the batch that fits for each model and whether the experiments batch does', () => {
    const models = planModels('wei2018', 'full');
    const crnn = models.find((m) => m.model === 'wei2018-crnn');
    expect(crnn?.batch).toBe(44);
    expect(crnn?.experiments.length).toBeGreaterThan(5);
    const perSample = 124 * 128 * 8 * 4; // conv1's output, 496 KiB
    const fits = gpuBatchLines([{ model: 'wei2018-crnn', batch: 44, experiments: ['a'] }], { maxStorageBufferBindingSize: perSample * 50, maxBufferSize: 2 ** 31 });
    console.log(fits.join('\n'));
    expect(fits[0]).toMatch(/every tensor must fit one storage binding of 24\.2 MiB/);
    expect(fits[1]).toMatch(/^- wei2018-crnn \(124x128x1, 1 experiment\(s\)\): largest tensor conv1 \[124,128,8\] = 0\.5 MiB per sample, so batches up to 50 fit; batch 44 fits\./);
    const tight = gpuBatchLines([{ model: 'wei2018-crnn', batch: 44, experiments: ['a'] }], { maxStorageBufferBindingSize: perSample * 43 + 1, maxBufferSize: 2 ** 31 });
    expect(tight[1]).toMatch(/batches up to 43 fit; batch 44 DOES NOT FIT/);
    expect(gpuBatchLines([{ model: 'no-such-model', batch: 1, experiments: [] }], { maxStorageBufferBindingSize: 1, maxBufferSize: 1 })[1]).toMatch(/not a registered model/);
  });
});

describe('throughput probe', () => {
  it('runs on the active backend, reading with data()', async () => {
    const p = await measureThroughput(0.2);
    console.log(`wasm probe: ${p.gflops.toFixed(2)} GFLOP/s, batch ${p.batch}, ${p.steps} steps in ${p.seconds.toFixed(2)} s`);
    expect(p.backend).toBe('wasm');
    expect(p.batch).toBe(8);
    expect(p.steps).toBeGreaterThanOrEqual(2);
    expect(p.gflops).toBeCloseTo((probeFlops(8) * p.steps) / p.seconds / 1e9, 6);
    expect(p.gflops).toBeGreaterThan(0);
  });
});

describe('plan table on a GPU', () => {
  it('names where the rate was measured and prints the notes', () => {
    const row = { experiment: 'a', title: 'a', cells: '(measured only)', status: 'runs here' as const, detail: '', jobs: 2, samplePasses: 1000, trainFlops: 1e12, hours: 2 };
    const text = planTable([row], 'full', 'webgpu (...)', 500, 1, { where: 'the GPU (probe batch 64)', notes: ['GPU batch size (...):', '- m: fits'] });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/measured 500\.0 GFLOP\/s on the GPU \(probe batch 64\), .* for the GPU \(probe batch 64\)\)$/);
    expect(text).not.toMatch(/one thread|in parallel/);
    expect(lines.slice(-2)).toEqual(['GPU batch size (...):', '- m: fits']);
    expect(lines).toContain('total for the 1 rows that run here: 2 jobs, 1.0T FLOPs, about 2.0 h on the GPU (probe batch 64) (an estimate from one probe layer, not the models themselves).');
  });
});
