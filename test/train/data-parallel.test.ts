/**
 * fit's data-parallel option (`workers`, src/train/data-parallel.ts):
 * N workers follow one worker's loss curve on the same seed (synchronised
 * batch-norm statistics, whole-batch dropout masks), including uneven splits
 * and a last batch smaller than the number of workers; under SGD with
 * momentum (which, unlike Adam, shows a wrongly scaled gradient) they end
 * with one worker's weights; the replicas stay
 * bit-identical; per-worker statistics are a working option that trains
 * differently; the threads come from the global budget and go back; a
 * failing worker fails the fit with its message; resume works; and no
 * worker outlives its process (killed, crashed or finished). The last test
 * runs the wei2018 CRNN (reduced time axis) at batch 44 on wasm.
 * ./data-parallel-gradients.test.ts compares every gradient tensor.
 *
 * The thread budget is set to 2 here when unset (it is read once, lazily),
 * so the workers are exercised even on a 1-core machine.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeLabel, initBackend } from '../../src/backend/index.js';
import { availableThreads, threadBudget, THREADS_ENV, tryAcquireThreads } from '../../src/backend/threads.js';
import { arrayDataset } from '../../src/train/batches.js';
import { buildWei2018Crnn } from '../../src/models/wei2018-crnn.js';
import { liveWorkerCount } from '../../src/backend/workers/spawn.js';
import { DataParallel } from '../../src/train/data-parallel.js';
import { buildSeeded, fit, type FitOptions } from '../../src/train/fit.js';
import { makeOptimizer } from '../../src/train/optimizers.js';
import { Rng } from '../../src/util/rng.js';
import { stripes, tinyModel } from './fixtures/tiny.js';

process.env[THREADS_ENV] ??= '2';
const ROOT = join(import.meta.dirname, '../..');
const TOL = 1e-3;

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
});

const base = (): FitOptions => ({
  build: () => tinyModel(2, false),
  train: stripes(42, 1), // 6 batches of 7: split 4 + 3 over 2 workers
  validation: stripes(12, 2),
  epochs: 3,
  batchSize: 7,
  loss: 'categoricalCrossentropy',
  optimizer: { kind: 'adam', lr: 0.01 },
  seed: 11,
  progress: 'none',
});

/** Worst difference of the training losses and of the validation losses of two histories. */
function curveDiffs(a: { loss: number; valLoss: number | null }[], b: { loss: number; valLoss: number | null }[]): { train: number; val: number } {
  expect(a.length).toBe(b.length);
  let train = 0;
  let val = 0;
  a.forEach((r, i) => {
    train = Math.max(train, Math.abs(r.loss - b[i].loss));
    val = Math.max(val, Math.abs((r.valLoss ?? 0) - (b[i].valLoss ?? 0)));
  });
  return { train, val };
}

describe('fit with workers', () => {
  it('2 (and 3) workers follow the loss curve of 1 worker on the same seed (uneven 4 + 3 splits)', async () => {
    expect(threadBudget()).toBeGreaterThanOrEqual(2);
    const one = await fit(base());
    const two = await fit({ ...base(), workers: 2 });
    expect(two.workers).toBe(2);
    const d2 = curveDiffs(two.history, one.history);
    let d3 = { train: 0, val: 0 };
    if (threadBudget() >= 3) {
      const three = await fit({ ...base(), workers: 3 });
      expect(three.workers).toBe(3);
      d3 = curveDiffs(three.history, one.history);
      three.model.dispose();
    }
    // (No conv bias before the batch norm here: its gradient is zero up to
    // rounding, and Adam turns that noise into steps that depend on the
    // summation order and shift the moving means used by validation.)
    console.log(
      `3 epochs, 2 workers vs 1: training loss worst ${d2.train.toExponential(2)}, validation loss worst ${d2.val.toExponential(2)}; ` +
        (threadBudget() >= 3 ? `3 workers: ${d3.train.toExponential(2)} / ${d3.val.toExponential(2)}` : '3 workers skipped (budget 2)'),
    );
    expect(d2.train).toBeLessThanOrEqual(TOL);
    expect(d2.val).toBeLessThanOrEqual(TOL);
    expect(d3.train).toBeLessThanOrEqual(TOL);
    expect(liveWorkerCount()).toBe(0);
    [one, two].forEach((r) => r.model.dispose());
  });

  it('with SGD momentum, 3 steps (batches of 7, 7, 2) leave N workers with the weights of 1 worker', async () => {
    const opts = (): FitOptions => ({
      ...base(),
      train: stripes(16, 3),
      validation: undefined,
      epochs: 1,
      optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 },
    });
    const start = buildSeeded(opts().build, opts().seed);
    const initial = start.getWeights().map((w) => w.dataSync().slice() as Float32Array);
    const names = start.weights.map((w) => w.originalName);
    start.dispose();
    /** Worst over weight tensors (moving statistics included) of max|change_N - change_1| / max|change_1|. */
    const worstChange = (a: tf.LayersModel, b: tf.LayersModel): { ratio: number; name: string } => {
      let worst = { ratio: 0, name: '-' };
      const wb = b.getWeights();
      a.getWeights().forEach((w, i) => {
        const da = w.dataSync() as Float32Array;
        const db = wb[i].dataSync() as Float32Array;
        let diff = 0;
        let scale = 0;
        for (let j = 0; j < da.length; j++) {
          diff = Math.max(diff, Math.abs(da[j] - db[j]));
          scale = Math.max(scale, Math.abs(db[j] - initial[i][j]));
        }
        expect(scale).toBeGreaterThan(0);
        if (!(diff / scale <= worst.ratio)) worst = { ratio: diff / scale, name: names[i] };
      });
      return worst;
    };
    const one = await fit(opts());
    const results: string[] = [];
    for (const workers of threadBudget() >= 3 ? [2, 3] : [2]) {
      const many = await fit({ ...opts(), workers });
      expect(many.workers).toBe(workers);
      const w = worstChange(many.model, one.model);
      results.push(`${workers} workers ${w.ratio.toExponential(2)} (${w.name})`);
      expect(w.ratio).toBeLessThan(1e-4);
      many.model.dispose();
    }
    console.log(`SGD momentum 0.9, lr 0.1, batches 7 7 2: weight changes vs 1 worker, worst ${results.join('; ')}${threadBudget() >= 3 ? '' : ' (3 workers skipped: budget 2)'}`);
    one.model.dispose();
  });

  it('a last batch with fewer rows than workers runs on one replica, the others apply its update', async () => {
    // 41 examples in batches of 8: the last batch has one row (batch norm on
    // one row gives gradients that are pure rounding noise, so later epochs
    // are not comparable; the first epoch, which ends with that batch, is).
    const one = await fit({ ...base(), train: stripes(41, 1), batchSize: 8, epochs: 2 });
    const two = await fit({ ...base(), train: stripes(41, 1), batchSize: 8, epochs: 2, workers: 2 });
    const d = Math.abs(two.history[0].loss - one.history[0].loss);
    console.log(`epoch 1 with a 1-row last batch: training loss 2 workers vs 1 differs by ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-6);
    for (const h of two.history) expect(Number.isFinite(h.loss) && Number.isFinite(h.valLoss!)).toBe(true);
    [one, two].forEach((r) => r.model.dispose());
  });

  it('per-worker batch-norm statistics (syncBatchNorm: false) train, but not like one worker', async () => {
    const one = await fit(base());
    const per = await fit({ ...base(), workers: 2, syncBatchNorm: false });
    const d = curveDiffs(per.history, one.history).train;
    console.log(`per-worker statistics vs one worker: loss curves differ by up to ${d.toExponential(2)}`);
    for (const h of per.history) expect(Number.isFinite(h.loss)).toBe(true);
    expect(per.history[2].loss).toBeLessThan(per.history[0].loss);
    expect(d).toBeGreaterThan(1e-4);
    [one, per].forEach((r) => r.model.dispose());
  });

  it('draws its threads from the global budget and gives them back', async () => {
    const budget = threadBudget();
    const seen: number[] = [];
    let blocked = false;
    const r = await fit({
      ...base(),
      epochs: 1,
      workers: 2,
      onEpochEnd: () => {
        seen.push(availableThreads());
        const all = tryAcquireThreads(budget);
        blocked = all === null;
        all?.release();
      },
    });
    expect(seen).toEqual([budget - 2]);
    expect(blocked).toBe(true);
    expect(availableThreads()).toBe(budget);
    r.model.dispose();
  });

  it('a resumed run with workers ends exactly as an uninterrupted one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dp-ck-'));
    const first = await fit({ ...base(), epochs: 2, workers: 2, checkpointDir: dir });
    first.model.dispose();
    const resumed = await fit({ ...base(), epochs: 4, workers: 2, checkpointDir: dir });
    const straight = await fit({ ...base(), epochs: 4, workers: 2 });
    expect(resumed.resumedFromEpoch).toBe(1);
    const w = (m: tf.LayersModel) => m.getWeights().map((t) => Array.from(t.dataSync()));
    expect(w(resumed.model)).toEqual(w(straight.model));
    expect(resumed.history.map((h) => h.loss)).toEqual(straight.history.map((h) => h.loss));
    [resumed, straight].forEach((r) => r.model.dispose());
  });

  it("a worker that fails to start fails the fit with its message and leaves no threads", async () => {
    await expect(
      fit({ ...base(), epochs: 1, workers: 2, workerImports: [join(import.meta.dirname, 'fixtures/throwing-module.ts')] }),
    ).rejects.toThrow(/throwing-module: this module refuses to load/);
    expect(liveWorkerCount()).toBe(0);
    expect(availableThreads()).toBe(threadBudget());
  });
});

describe('replicas', () => {
  it('stay bit-identical (weights and batch-norm statistics) step after step', async () => {
    const model = tinyModel();
    const optimizer = makeOptimizer({ kind: 'adam', lr: 0.01 });
    const dp = await DataParallel.start({
      replicas: 2, model, optimizer, optimizerSpec: { kind: 'adam', lr: 0.01 }, loss: 'categoricalCrossentropy',
      xShape: [8, 6, 1], ySize: 2, maxBatch: 8,
    });
    try {
      const ds = stripes(8, 4);
      const x = new Float32Array(8 * 48);
      const y = new Float32Array(16);
      for (let i = 0; i < 8; i++) {
        x.set(ds.get(i).x, i * 48);
        y.set(ds.get(i).y, i * 2);
      }
      const rng = new Rng(1);
      const digests: string[][] = [];
      for (let s = 0; s < 4; s++) {
        dp.step({ x, y, n: 8, xSize: 48, ySize: 2, indices: new Int32Array(8) }, 0.01, rng);
        digests.push(dp.digests());
      }
      console.log(`replica weight digests after each of 4 steps: ${digests.map((d) => d.join('=')).join(', ')}`);
      for (const d of digests) expect(d[1]).toBe(d[0]);
      expect(new Set(digests.map((d) => d[0])).size).toBe(4); // and the weights did change
    } finally {
      await dp.close();
      optimizer.dispose();
      model.dispose();
    }
    expect(liveWorkerCount()).toBe(0);
  });
});

describe('no orphan workers', () => {
  const script = join(import.meta.dirname, 'fixtures/dp-run.ts');

  function alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  async function killDuringTraining(signal: NodeJS.Signals): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', script, '1000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid!;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no epoch after 60 s: ${out}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('epoch 1')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // While training: the workers are threads of this one process; its only
    // child process is tsx's esbuild transform service (not a worker).
    const threads = Number(/Threads:\s+(\d+)/.exec(spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout)?.[1]);
    const kids = spawnSync('ps', ['--ppid', String(pid), '-o', 'pid=,comm='], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean)
      .map((l) => ({ pid: Number(l.trim().split(/\s+/)[0]), comm: l.trim().split(/\s+/)[1] }));
    const exit = new Promise<string | null>((resolve) => child.once('exit', (_c, s) => resolve(s)));
    process.kill(pid, signal);
    const got = await exit;
    // Whatever children there were are gone shortly after (esbuild exits when its pipe closes).
    const t0 = Date.now();
    while (kids.some((k) => alive(k.pid)) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 100));
    console.log(`${signal} during data-parallel training: process had ${threads} threads and child processes [${kids.map((k) => k.comm).join(', ')}]; exited by ${got}; children left: ${kids.filter((k) => alive(k.pid)).length}`);
    expect(kids.filter((k) => k.comm !== 'esbuild')).toEqual([]);
    expect(threads).toBeGreaterThan(1);
    expect(got).toBe(signal);
    expect(alive(pid)).toBe(false);
    expect(kids.filter((k) => alive(k.pid))).toEqual([]);
  }

  it('SIGKILL and SIGTERM during training end the process and its worker threads', async () => {
    await killDuringTraining('SIGKILL');
    await killDuringTraining('SIGTERM');
  });

  it('a run that finishes, and one whose training fails, end by themselves (no thread keeps them alive)', () => {
    const ok = spawnSync(process.execPath, ['--import', 'tsx', script, '2'], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
    expect(ok.stdout).toContain('done 2');
    expect(ok.status).toBe(0);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', script, '3', 'crash'], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
    expect(bad.stdout).toMatch(/failed: NonFiniteError: training loss became NaN at epoch 2/);
    expect(bad.status).toBe(3);
  });
});

describe('wei2018 CRNN at batch 44 on wasm', () => {
  it('2 workers give the loss curve of 1 worker (within 1e-3) on the same seed', async () => {
    const info = await initBackend({ prefer: 'wasm', quiet: true });
    await tf.setBackend('wasm');
    try {
      const frames = 32; // the paper's clips have 124; the model takes any length
      const rng = new Rng('crnn-dp');
      const xs: Float32Array[] = [];
      const ys: Float32Array[] = [];
      for (let i = 0; i < 88; i++) {
        xs.push(Float32Array.from({ length: frames * 128 }, () => rng.normal()));
        ys.push(Float32Array.from({ length: 7 }, () => (rng.random() < 0.3 ? 1 : 0)));
      }
      const opts: FitOptions = {
        build: () => buildWei2018Crnn({ seed: 1, frames }),
        train: arrayDataset(xs, ys, [frames, 128, 1]),
        epochs: 2,
        batchSize: 44,
        loss: 'binaryCrossentropy',
        optimizer: { kind: 'adam', lr: 1e-3 },
        seed: 5,
        progress: 'none',
      };
      const one = await fit(opts);
      const two = await fit({ ...opts, workers: 2 });
      const d = curveDiffs(two.history, one.history).train;
      console.log(
        `wei2018 CRNN (${frames} frames), 4 steps of 44 on ${computeLabel(info, 2)} vs ${computeLabel(info)}: ` +
          `losses ${two.history.map((h) => h.loss.toFixed(6)).join(' ')} vs ${one.history.map((h) => h.loss.toFixed(6)).join(' ')}; worst ${d.toExponential(2)}`,
      );
      expect(two.workers).toBe(2);
      expect(d).toBeLessThanOrEqual(TOL);
      [one, two].forEach((r) => r.model.dispose());
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
