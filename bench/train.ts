/**
 * Training speed: samples/s for each model at its paper's batch size (the
 * batch of the model's default experiment row, modelTrainingRow in
 * src/reproduce/index.ts; a model that no experiment trains, hu2020-fsfcnn-s,
 * is timed only when --batch is given) on the active backend, with 1 and more data-parallel workers (fit's `workers`
 * option, src/train/data-parallel.ts), and — when Debian's python3-torch is
 * installed — the same wei2018 CRNN in PyTorch with as many threads as the
 * thread budget, in the same run, with the ratio for each worker count.
 * Also checks that the number of live tensors stays flat; `--steps N` runs
 * a fixed number of steps per measurement instead of a time and prints the
 * resident memory every N/10 steps (the "memory flat over 1000 steps" check:
 * `--models wei2018-crnn --workers 2 --steps 1000`).
 *
 *   npx tsx bench/train.ts [--models a,b] [--workers 1,2] [--seconds S] [--steps N] [--batch N] [--threads N] [--reduced] [--no-torch] [--torch-first] [--baseline]
 *
 * `--baseline` also measures each model on one thread with the speed-ups off
 * (AUDIO_AUG_LAB_FUSED=0 AUDIO_AUG_LAB_NATIVE=0: stock tfjs layers on the
 * active backend, with only the correctness kernels of src/backend/kernels)
 * and prints every other row's speed-up over it.
 *
 * Each (model, workers) measurement runs in its own child process: the
 * wasm heap (at most 4 GB) never shrinks, and after several large models
 * one process runs out of it; a measurement that fails says so in its line.
 *
 * Each line names what computes, e.g. "wasm+openblas x2 workers" (see
 * initBackend). The load average is printed before and after: this machine
 * is shared, so compare numbers from the same run. `--reduced` runs the large
 * hu2020 models at width 0.25 (their full-size step takes minutes on CPU
 * backends); the line then says so. Data-parallel start-up (spawning workers,
 * copying the model) is reported separately and not included in samples/s.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { computeLabel, initBackend } from '../src/backend/index.js';
import { acquireThreads, threadBudget } from '../src/backend/threads.js';
import { getModelEntry, modelNames } from '../src/models/registry.js';
import { modelTrainingRow, modelTrainingRows, type BudgetedExperiment } from '../src/reproduce/index.js';
import type { Batch } from '../src/train/batches.js';
import { DataParallel } from '../src/train/data-parallel.js';
import { benchTrainStep } from './train-step.js';
import { makeOptimizer, type OptimizerSpec } from '../src/train/optimizers.js';
import { Rng } from '../src/util/rng.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    workers: { type: 'string' },
    seconds: { type: 'string', default: '15' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    threads: { type: 'string' },
    reduced: { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
    'torch-first': { type: 'boolean', default: false },
    baseline: { type: 'boolean', default: false },
    /** internal: measure one model with one worker count and print a JSON row */
    child: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const fixedSteps = values.steps ? Number(values.steps) : null;
const info = await initBackend({ quiet: values.child !== undefined });
const threads = Number(values.threads ?? threadBudget());
const workerCounts = (values.workers ?? (threads > 1 ? `1,${threads}` : '1')).split(',').map(Number);

interface Row {
  model: string;
  workers: number;
  batch: number;
  input: string;
  samplesPerSecond: number;
  steps: number;
  note: string;
}

/** How `name` trains in its paper (its default experiment row), or null when no experiment trains it. */
function paperTraining(name: string): BudgetedExperiment['training'] | null {
  return modelTrainingRows(name).length > 0 ? modelTrainingRow(name).training : null;
}

/** The batch a measurement of `name` uses: --batch, else the paper's. */
function batchOf(name: string, paper = values.batch ? null : paperTraining(name)): number {
  if (values.batch) return Number(values.batch);
  if (paper === null) throw new Error(`bench/train: no experiment config trains ${name}, so it has no paper batch size; give --batch N to time it`);
  return paper.batchSize;
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** Runs `step` for the time (or step count) budget; returns steps, seconds and a memory trace. */
function timeSteps(step: () => void): { steps: number; elapsed: number; trace: string[] } {
  const trace: string[] = [];
  let steps = 0;
  const t0 = performance.now();
  if (fixedSteps) {
    const every = Math.max(1, Math.round(fixedSteps / 10));
    for (; steps < fixedSteps; ) {
      step();
      steps++;
      if (steps % every === 0 || steps === 1) trace.push(`${steps}:${mb(process.memoryUsage().rss)}/${tf.memory().numTensors}t`);
    }
  } else {
    while (performance.now() - t0 < seconds * 1000 || steps < 1) {
      step();
      steps++;
    }
  }
  return { steps, elapsed: (performance.now() - t0) / 1000, trace };
}

async function benchModel(name: string, workers: number): Promise<Row> {
  const e = getModelEntry(name);
  const big = name.startsWith('hu2020') && !name.includes('small') && !name.includes('mobnet');
  const width = values.reduced && big ? 0.25 : 1;
  const model = e.build({ seed: 1, width });
  const paper = paperTraining(name);
  const batch = batchOf(name, paper);
  const xSize = e.inputShape.reduce((a, b) => a * b, 1);
  const rng = new Rng(1);
  const xs = Float32Array.from({ length: batch * xSize }, () => rng.normal());
  const ys = new Float32Array(batch * e.nClasses);
  for (let i = 0; i < batch; i++) ys[i * e.nClasses + rng.int(0, e.nClasses)] = 1;
  // The paper's Adam; for SGD models (and a model no experiment trains) the bench's own SGD step.
  const spec: OptimizerSpec = paper?.optimizer.kind === 'adam' ? { kind: 'adam', lr: paper.optimizer.lr } : { kind: 'sgd', lr: 0.01, momentum: 0.9 };
  const opt = makeOptimizer(spec);
  let note = width !== 1 ? `width ${width} (reduced)` : 'full size';
  let timing: { steps: number; elapsed: number; trace: string[] };
  const before = tf.memory().numTensors;
  let after: number;
  if (workers === 1) {
    const x = tf.tensor(xs, [batch, ...e.inputShape]);
    const labels = tf.tensor2d(ys, [batch, e.nClasses]);
    const step = benchTrainStep(model, e.loss, opt, x, labels);
    step(); // warm-up: kernel set-up and allocation
    const warm = tf.memory().numTensors;
    timing = timeSteps(step);
    after = tf.memory().numTensors - (warm - before);
    x.dispose();
    labels.dispose();
  } else {
    const lease = await acquireThreads(workers);
    const t0 = performance.now();
    const dp = await DataParallel.start({
      replicas: workers, model, optimizer: opt, optimizerSpec: spec, loss: e.loss,
      xShape: [...e.inputShape], ySize: e.nClasses, maxBatch: batch,
    });
    const startup = (performance.now() - t0) / 1000;
    const b: Batch = { x: xs, y: ys, n: batch, xSize, ySize: e.nClasses, indices: new Int32Array(batch) };
    const dropout = new Rng(2);
    const step = () => void dp.step(b, 1e-3, dropout);
    step();
    const warm = tf.memory().numTensors;
    timing = timeSteps(step);
    after = tf.memory().numTensors - (warm - before);
    const digests = dp.digests();
    await dp.close();
    lease.release();
    note += `; start-up ${startup.toFixed(1)} s; replicas ${new Set(digests).size === 1 ? 'identical' : `DIFFER (${digests.join(' ')})`}`;
  }
  opt.dispose();
  model.dispose();
  if (after !== before) note += `; LEAK: ${after - before} tensors over ${timing.steps} steps`;
  if (timing.trace.length) note += `; rss/tensors ${timing.trace.join(' ')}`;
  return {
    model: name,
    workers,
    batch,
    input: e.inputShape.join('x'),
    samplesPerSecond: (timing.steps * batch) / timing.elapsed,
    steps: timing.steps,
    note,
  };
}

function torchReference(batch: number, frames: number): { samplesPerSecond: number; torch: string; threads: number } | null {
  if (values['no-torch'] || !existsSync('/usr/bin/python3')) return null;
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  // Debian's torch calls the system BLAS (libblas.so.3). When that is
  // OpenBLAS (libopenblas-dev, for our native kernels), OpenBLAS would start
  // its own threads inside each of torch's: measured 27 samples/s with 2
  // torch threads instead of 58. One BLAS thread per torch thread is torch's
  // best configuration here, so that is what it gets.
  const r = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'train-reference.py'), String(batch), String(threads), String(seconds), String(frames)], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) {
    console.error(`PyTorch reference failed: ${r.stderr}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

if (values.child) {
  const [model, w] = values.child.split(':');
  const row = await benchModel(model, Number(w));
  process.stdout.write(`\n${JSON.stringify(row)}\n`);
  process.exit(0);
}

/** Runs one measurement in a child process (see the header). */
function measure(model: string, workers: number, env: Record<string, string> = {}): Row {
  const args = ['--import', 'tsx', import.meta.filename, '--child', `${model}:${workers}`, '--seconds', String(seconds), '--threads', String(threads)];
  if (fixedSteps) args.push('--steps', String(fixedSteps));
  if (values.reduced) args.push('--reduced');
  if (values.batch) args.push('--batch', values.batch);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, env: { ...process.env, AUDIO_AUG_LAB_THREADS: String(threads), ...env } });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status === 0 && last.startsWith('{')) return JSON.parse(last) as Row;
  const why = `${r.stderr}`.split('\n').map((l) => l.slice(0, 200)).filter((l) => /Error|Abort|error/.test(l))[0] ?? `exit ${r.status}`;
  return { model, workers, batch: batchOf(model), input: getModelEntry(model).inputShape.join('x'), samplesPerSecond: NaN, steps: 0, note: `FAILED: ${why}` };
}

const asked = values.models ? values.models.split(',') : modelNames();
// Without --batch, a model that no experiment trains has no batch to time it with.
const names = values.batch ? asked : asked.filter((n) => paperTraining(n) !== null);
console.log(`bench/train: backend ${info.description}; thread budget ${threads}; ${fixedSteps ? `${fixedSteps} steps` : `${seconds} s`} per measurement after one warm-up step; load average ${load()}`);
for (const n of asked.filter((m) => !names.includes(m))) console.log(`  ${n.padEnd(22)} skipped: no experiment config trains it, so it has no paper batch size (give --batch N to time it)`);
const crnnEntry = getModelEntry('wei2018-crnn');
let ref: ReturnType<typeof torchReference> = null;
if (names.includes('wei2018-crnn') && values['torch-first']) ref = torchReference(batchOf('wei2018-crnn'), crnnEntry.inputShape[0]);
const rows: Row[] = [];
const print = (row: Row, label: string, speedup: string) =>
  console.log(
    `  ${row.model.padEnd(22)} ${label.padEnd(26)} batch ${String(row.batch).padStart(3)}  input ${row.input.padEnd(11)} ` +
      `${row.samplesPerSecond.toFixed(2).padStart(8)} samples/s${speedup}  (${row.steps} steps, ${row.note})`,
  );
for (const n of names) {
  let base: Row | null = null;
  if (values.baseline) {
    base = measure(n, 1, { AUDIO_AUG_LAB_FUSED: '0', AUDIO_AUG_LAB_NATIVE: '0' });
    print(base, `${info.name} stock layers`, '');
  }
  for (const w of workerCounts) {
    const row = measure(n, w);
    rows.push(row);
    const up = base && Number.isFinite(base.samplesPerSecond) ? `  x${(row.samplesPerSecond / base.samplesPerSecond).toFixed(2)} vs stock` : '';
    print(row, computeLabel(info, w), up);
  }
}
if (names.includes('wei2018-crnn')) {
  if (!values['torch-first']) ref = torchReference(batchOf('wei2018-crnn'), crnnEntry.inputShape[0]);
  if (ref) {
    const ratios = rows
      .filter((r) => r.model === 'wei2018-crnn')
      .map((r) => `${computeLabel(info, r.workers)} ${(r.samplesPerSecond / ref!.samplesPerSecond).toFixed(3)}`)
      .join(', ');
    console.log(
      `  reference: PyTorch ${ref.torch} (${ref.threads} threads) wei2018 CRNN batch ${batchOf('wei2018-crnn')}: ${ref.samplesPerSecond.toFixed(2)} samples/s; ` +
        `ratio audio-aug-lab / PyTorch: ${ratios}`,
    );
  } else if (values['no-torch']) {
    console.log('  reference: PyTorch skipped (--no-torch)');
  } else {
    console.log('  reference: PyTorch not available (apt-get install python3-torch to compare)');
  }
}
console.log(`  load average after: ${load()}`);
