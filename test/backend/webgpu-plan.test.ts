/**
 * What a GPU run does besides training, on the webgpu backend (here Mesa
 * llvmpipe through OpenGL ES; skipped with the reason without an adapter):
 * - the batch limit the plan states is the real one: a model whose largest
 *   tensor is sized from the adapter's storage-binding limit trains one
 *   step with `fit` at the batch batchThatFits gives, and one more sample
 *   stops the step with a BackendMemoryError naming the limit;
 * - the plan's throughput probe runs on webgpu (asynchronous reads; the
 *   batch grows on a GPU only while launch-bound, within the binding limit)
 *   and planText states the GPU batch lines for the paper's models;
 * - hu2020's quantised evaluation (quantizeModel, dcase2020ModelSizeAsync,
 *   compressionReport with data, i.e. accuracyChangeAsync) and the notebook
 *   view's maxOutputDifference read asynchronously and give the cpu
 *   backend's numbers on webgpu; a synchronous variant fails there on values
 *   the GPU computed, with an error naming the asynchronous one (webgpu has
 *   no synchronous read in Node; tfjs keeps a CPU copy of values uploaded or
 *   read before, so fresh weights still read synchronously).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { webgpuLimits } from '../../src/backend/webgpu/index.js';
import { batchThatFits, tensorSizes } from '../../src/backend/webgpu/memory.js';
import { buildModel } from '../../src/models/registry.js';
import { accuracyChange, compressionReport, dcase2020ModelSizeAsync, quantizeModel, quantizeModelWeights } from '../../src/quantize/index.js';
import { pipelineFor } from '../../src/reproduce/paper-pipelines.js';
import { planText } from '../../src/reproduce/plan.js';
import { arrayDataset } from '../../src/train/batches.js';
import { fit } from '../../src/train/fit.js';
import { BackendMemoryError, InvalidParameterError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { maxOutputDifference } from '../../src/viz/paper-views.js';
import { describeNeeds } from '../helpers/requires.js';
import { webgpuNeed } from './webgpu-helpers.js';

const gpu = await webgpuNeed();

/**
 * 64x64x`channels` input (the largest tensor: cheap to pass through on a
 * software adapter, unlike a wide convolution's filter gradient) -> global
 * average -> 2 classes.
 */
function wideModel(channels: number): tf.LayersModel {
  const input = tf.input({ shape: [64, 64, channels], name: 'wide' });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

describeNeeds(gpu, 'a GPU run besides training, on webgpu', () => {
  it("the batch the plan states is the adapter's limit: one more sample fails the step", async () => {
    await tf.setBackend('webgpu');
    const limits = webgpuLimits()!;
    const bind = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    // a largest tensor of about 1/6 of the limit per sample
    const channels = Math.max(1, Math.floor(bind / 6 / (64 * 64 * 4)));
    const probe = wideModel(channels);
    const fitInfo = batchThatFits(tensorSizes(probe), limits);
    probe.dispose();
    expect(fitInfo.largestWhere).toBe(`wide [64,64,${channels}]`);
    expect(fitInfo.maxBatch).toBeGreaterThanOrEqual(6);
    const step = async (batch: number) => {
      // class i % 2; the features' means differ by class (a seeded offset per sample, a fixed ramp per channel)
      const rng = new Rng(`webgpu-plan-${batch}`);
      const xs = Array.from({ length: batch }, (_, i) => {
        const v = new Float32Array(64 * 64 * channels);
        const offset = (i % 2 ? 1 : -1) + rng.uniform(-0.1, 0.1);
        for (let k = 0; k < v.length; k++) v[k] = offset + (k % channels) / channels;
        return v;
      });
      const ys = xs.map((_, i) => Float32Array.from([i % 2, 1 - (i % 2)]));
      const r = await fit({
        build: () => wideModel(channels),
        train: arrayDataset(xs, ys, [64, 64, channels]),
        epochs: 1,
        batchSize: batch,
        loss: 'categoricalCrossentropy',
        optimizer: { kind: 'sgd', lr: 0.1 },
        seed: 1,
        progress: 'none',
      });
      r.model.dispose();
      return r.history[0].loss;
    };
    const t0 = performance.now();
    const loss = await step(fitInfo.maxBatch);
    const t1 = performance.now();
    const err = await step(fitInfo.maxBatch + 1).then(
      () => null,
      (e: unknown) => e,
    );
    console.log(
      `binding limit ${(bind / 2 ** 20).toFixed(0)} MiB, largest tensor ${(fitInfo.largestBytes / 2 ** 20).toFixed(2)} MiB per sample: ` +
        `batch ${fitInfo.maxBatch} trains (loss ${loss.toFixed(4)}, ${((t1 - t0) / 1000).toFixed(1)} s); batch ${fitInfo.maxBatch + 1}: ${(err as Error | null)?.message.slice(0, 200)}`,
    );
    expect(Number.isFinite(loss) && loss > 0).toBe(true);
    expect(err).toBeInstanceOf(BackendMemoryError);
    expect((err as Error).message).toMatch(/needs more than a limit of the GPU allows .*binding size/i);
  }, 120_000);

  it('the plan probes the throughput on webgpu and states the GPU batch', async () => {
    await tf.setBackend('webgpu');
    const pipeline = await pipelineFor('wei2018');
    const t0 = performance.now();
    const text = await planText(
      'wei2018',
      'smoke',
      pipeline,
      { workDir: mkdtempSync(join(tmpdir(), 'aal-webgpu-plan-')), log: () => {} },
      { only: ['crnn-mixup-alpha-0.0'] },
      { name: 'webgpu', description: 'webgpu (test)', software: true },
      1,
    );
    console.log(`${text}\n(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    expect(tf.getBackend()).toBe('webgpu');
    // the probe starts at batch 2 on a GPU and doubles only while a step is launch-bound (< 50 ms)
    const m = /measured ([\d.]+) GFLOP\/s on the software GPU adapter \(probe batch (\d+)\)/.exec(text.split('\n')[0]);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![2]) * 64 * 64 * 32 * 4).toBeLessThanOrEqual(webgpuLimits()!.maxStorageBufferBindingSize / 4);
    expect(text).toMatch(/GPU batch size \(webgpu: every tensor must fit one storage binding of \d+\.\d MiB/);
    expect(text).toMatch(/- wei2018-crnn \(124x128x1, 1 experiment\(s\)\): largest tensor conv1 \[124,128,8\] = 0\.5 MiB per sample, so batches up to \d+ fit; batch \d+ fits/);
    expect(text).not.toMatch(/in parallel/);
  }, 120_000);

  it("hu2020's quantised evaluation reads asynchronously and matches the cpu backend", async () => {
    const opts = { seed: 11, width: 0.25, frames: 36, nMels: 32, channels: 6, nClasses: 4 };
    const rng = new Rng('webgpu-quantize');
    const xv = Float32Array.from({ length: 6 * 36 * 32 * 6 }, () => rng.normal());
    const labels = [0, 1, 2, 3, 0, 1];
    const run = async (backend: 'webgpu' | 'cpu') => {
      await tf.setBackend(backend);
      const model = buildModel('hu2020-small-fcnn', opts);
      const x = tf.tensor4d(xv, [6, 36, 32, 6]);
      let syncError: unknown = null;
      if (backend === 'webgpu') {
        // outputs computed on the GPU have no CPU copy (fresh weights do: tfjs keeps the values they were made from)
        try {
          accuracyChange(model, model, x, labels);
        } catch (e) {
          syncError = e;
        }
      }
      try {
        const { report, quantized, weights } = await compressionReport(model, { scheme: 'per-channel', data: { x, labels } });
        const size = await dcase2020ModelSizeAsync(model, weights);
        const diff = await maxOutputDifference(model, quantized, x);
        const q2 = await quantizeModel(model, { scheme: 'per-tensor' });
        q2.model.dispose();
        quantized.dispose();
        return { report, size, diff, perTensor: q2.weights.entries.map((e) => e.quantized?.scales[0] ?? null), syncError };
      } finally {
        x.dispose();
        model.dispose();
      }
    };
    const g = await run('webgpu');
    const c = await run('cpu');
    console.log(
      `webgpu: dcase2020 ${g.report.float32.dcase2020.kilobytes.toFixed(3)} KB -> ${g.report.int8.dcase2020.kilobytes.toFixed(3)} KB, ` +
        `accuracy ${g.report.accuracy?.accuracyOriginal} -> ${g.report.accuracy?.accuracyQuantized}, max |output diff| ${g.diff.toExponential(2)} ` +
        `(cpu ${c.diff.toExponential(2)}); sync read on webgpu: ${(g.syncError as Error | null)?.message}`,
    );
    expect(g.syncError).toBeInstanceOf(InvalidParameterError);
    expect((g.syncError as Error).message).toMatch(/accuracyChange reads tensor values synchronously, which the webgpu backend cannot do here .*use accuracyChangeAsync/);
    // sizes and quantised weights come from the same seeded weights: identical
    expect(g.report.float32.dcase2020).toEqual(c.report.float32.dcase2020);
    expect(g.report.int8.dcase2020).toEqual(c.report.int8.dcase2020);
    expect(g.size).toEqual(c.size);
    expect(g.report.int8.file.bytes).toBe(c.report.int8.file.bytes);
    expect(g.report.weightErrors).toEqual(c.report.weightErrors);
    expect(g.perTensor).toEqual(c.perTensor);
    // outputs: float32 rounding of another summation order
    const ga = g.report.accuracy!;
    const ca = c.report.accuracy!;
    expect(ga.n).toBe(6);
    expect(Math.abs(ga.maxAbsOutputDiff - ca.maxAbsOutputDiff)).toBeLessThan(1e-4);
    expect(Math.abs(g.diff - c.diff)).toBeLessThan(1e-4);
    expect(ga.agreement).toBe(ca.agreement);
    expect(ga.accuracyOriginal).toBe(ca.accuracyOriginal);
    expect(ga.accuracyQuantized).toBe(ca.accuracyQuantized);
    // the synchronous quantizer still works on weights read before (tfjs-webgpu keeps the CPU copy)
    await tf.setBackend('webgpu');
    const m = buildModel('hu2020-small-fcnn', opts);
    await Promise.all(m.weights.map((w) => w.read().data()));
    const viaAsync = await quantizeModel(m, { scheme: 'per-channel' });
    expect(quantizeModelWeights(m).entries.map((e) => e.quantized?.scales[0] ?? null)).toEqual(viaAsync.weights.entries.map((e) => e.quantized?.scales[0] ?? null));
    viaAsync.model.dispose();
    m.dispose();
  }, 120_000);
});
