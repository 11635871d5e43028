/**
 * Where one training step's time goes: tf.profile's per-kernel wall time for
 * one step of a registry model (after a warm-up step), summed by kernel
 * name, largest first. The batch is the paper's (the batch of the model's
 * default experiment row, modelTrainingRow; give --batch for a model that
 * no experiment trains). For finding what to fuse or replace next; not a
 * benchmark (profiling adds overhead to every kernel).
 *
 *   npx tsx bench/profile-train.ts [--model wei2018-crnn] [--batch N] [--top 25] [--repeat 5]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.js';
import { getModelEntry } from '../src/models/registry.js';
import { modelTrainingRow } from '../src/reproduce/index.js';
import { makeOptimizer } from '../src/train/optimizers.js';
import { benchTrainStep } from './train-step.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'wei2018-crnn' },
    batch: { type: 'string' },
    top: { type: 'string', default: '25' },
    repeat: { type: 'string', default: '5' },
  },
});
const info = await initBackend();
const e = getModelEntry(values.model!);
const batch = values.batch !== undefined ? Number(values.batch) : modelTrainingRow(e.name).training.batchSize;
const model = e.build({ seed: 1 });
const x = tf.randomNormal([batch, ...e.inputShape], 0, 1, 'float32', 1);
const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, e.nClasses, 'int32', 2), e.nClasses).toFloat());
const opt = makeOptimizer({ kind: 'adam', lr: 1e-3 });
const step = benchTrainStep(model, e.loss, opt, x, labels);
step();
const times: number[] = [];
for (let i = 0; i < Number(values.repeat); i++) {
  const t = performance.now();
  step();
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const plain = times[0];
const t0 = performance.now();
const prof = await tf.profile(step);
const profiled = performance.now() - t0;
const byName = new Map<string, { ms: number; n: number }>();
for (const k of prof.kernels) {
  const r = byName.get(k.name) ?? { ms: 0, n: 0 };
  r.ms += k.kernelTimeMs as number;
  r.n += 1;
  byName.set(k.name, r);
}
const rows = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, r]) => s + r.ms, 0);
console.log(`${values.model} batch ${batch} on ${info.description}: step ${plain.toFixed(0)} ms best of ${times.length}, median ${times[times.length >> 1].toFixed(0)} ms (profiled ${profiled.toFixed(0)} ms, kernels ${total.toFixed(0)} ms, ${prof.kernels.length} kernel calls)`);
for (const [name, r] of rows.slice(0, Number(values.top))) {
  console.log(`  ${name.padEnd(34)} ${r.ms.toFixed(1).padStart(9)} ms  ${String(r.n).padStart(6)} calls`);
}
