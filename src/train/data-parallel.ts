/**
 * Synchronous data-parallel training across worker threads, for `fit`'s
 * `workers` option.
 *
 * The calling thread is replica 0 and holds the model `fit` returns; N-1
 * worker threads (./replica-worker.ts) each hold a replica rebuilt from the
 * model's JSON topology and weights, with their own tfjs backend of the
 * same kind and the same optimizer state. Every step splits the batch
 * across the replicas and leaves all of them with identical weights and
 * optimizer state (./replica-step.ts explains how). Communication is shared
 * memory only, so the calling thread may block inside a forward pass.
 *
 * Batch-norm statistics are synchronised over the replicas by default, so a
 * run with N workers computes what one process computes on the whole batch
 * (same loss curve up to float rounding). `syncBatchNorm: false` normalises
 * each replica's rows by their own statistics (the per-GPU behaviour of
 * PyTorch DataParallel without SyncBatchNorm; the moving averages are then
 * replica 0's). Dropout masks are always those of the whole batch.
 *
 * The threads come from the global thread budget (../backend/threads.ts):
 * the caller leases N threads before starting N replicas. Worker threads
 * live inside this process; `close()` shuts them down (and terminates any
 * that do not stop), and a killed process takes them with it.
 */
import * as tf from '@tensorflow/tfjs';
import type { Worker } from 'node:worker_threads';
import { installFusedLayers } from '../backend/fused/layers.js';
import { registerTrainingKernels } from '../backend/kernels/register.js';
import { createGroupBuffers, SharedGroup } from '../backend/workers/shared-sync.js';
import { spawnModuleWorker } from '../backend/workers/spawn.js';
import type { Rng } from '../util/rng.js';
import type { Batch } from './batches.js';
import type { LossName } from './losses.js';
import { trainableVariables, type OptimizerSpec } from './optimizers.js';
import { exportMovingStatistics } from '../models/batchnorm-statistics.js';
import {
  CMD, CMD_DIGEST, CMD_SHUTDOWN, CMD_STEP, DIGEST, MODE, MODE_ALL, MODE_SOLO, ROWS, SEQ,
  createStepBuffers, Replica, type StepLayout,
} from './replica-step.js';
import type { ReplicaWorkerData } from './replica-worker.js';

export interface DataParallelOptions {
  /** Replicas in total, this thread included (>= 2). */
  replicas: number;
  /** This thread's model (replica 0); its weights are copied to the workers. */
  model: tf.LayersModel;
  /** This thread's optimizer; its state is copied to the workers. */
  optimizer: tf.Optimizer;
  optimizerSpec: OptimizerSpec;
  loss: LossName;
  xShape: number[];
  ySize: number;
  maxBatch: number;
  /** Synchronised batch-norm statistics (default true). */
  syncBatchNorm?: boolean;
  /** Extra modules (URLs or paths) each worker imports before rebuilding the model (custom layers). */
  workerImports?: string[];
}

/** Largest channel count the batch-norm all-reduce supports (2 x channels + 1 values). */
const MAX_REDUCE = 2 * 8192 + 1;

function toUrl(m: string): string {
  return /^[a-z]+:/i.test(m) ? m : new URL(m, `file://${process.cwd()}/`).href;
}

export class DataParallel {
  private seq = 0;
  private closed = false;
  private constructor(
    private readonly group: SharedGroup,
    private readonly replica: Replica,
    private readonly workers: Worker[],
    private readonly layout: StepLayout,
  ) {}

  get replicas(): number {
    return this.group.size;
  }

  /** Starts the worker replicas and waits until each has rebuilt the model. */
  static async start(o: DataParallelOptions): Promise<DataParallel> {
    const R = o.replicas;
    if (!(Number.isInteger(R) && R >= 2)) throw new Error(`DataParallel needs at least 2 replicas, got ${R}`);
    const backend = tf.getBackend();
    if (backend !== 'wasm' && backend !== 'cpu') {
      throw new Error(`data-parallel training runs on the wasm or cpu backend, not '${backend}'`);
    }
    registerTrainingKernels(backend);
    installFusedLayers(); // synchronised batch norm and whole-batch dropout live there
    const trainable = trainableVariables(o.model);
    const outShape = o.model.outputs[0].shape;
    const layout: StepLayout = {
      xShape: o.xShape,
      xSize: o.xShape.reduce((a, b) => a * b, 1),
      ySize: o.ySize,
      outDim: outShape[outShape.length - 1] as number,
      maxBatch: o.maxBatch,
      params: trainable.reduce((a, v) => a + v.size, 0),
      nVars: trainable.length,
    };
    const groupBufs = createGroupBuffers(R, MAX_REDUCE);
    const bufs = createStepBuffers(R, layout);
    const group = new SharedGroup(groupBufs, 0);
    const replica = new Replica(group, bufs, layout, o.model, o.optimizer, o.loss, o.syncBatchNorm ?? true);
    const weights = o.model.getWeights().map((w) => ({ shape: w.shape, data: w.dataSync().slice() as Float32Array }));
    const optWeights = await o.optimizer.getWeights();
    const optimizerState = optWeights.map((w) => ({ name: w.name, shape: w.tensor.shape, data: w.tensor.dataSync().slice() as Float32Array }));
    optWeights.filter((w) => w.name === 'iter').forEach((w) => w.tensor.dispose());
    const topology = JSON.stringify(o.model.toJSON(null, false));
    const entry = new URL('./replica-worker.ts', import.meta.url);
    const workers: Worker[] = [];
    const dp = new DataParallel(group, replica, workers, layout);
    try {
      const ready: Promise<void>[] = [];
      for (let rank = 1; rank < R; rank++) {
        const wd: ReplicaWorkerData = {
          rank,
          group: groupBufs,
          bufs,
          layout,
          backend,
          topology,
          weights,
          // The batch-norm layers' moving-statistics rules and debias state (framework profile).
          batchNorm: exportMovingStatistics(o.model),
          optimizerSpec: o.optimizerSpec,
          optimizerState,
          loss: o.loss,
          syncBatchNorm: o.syncBatchNorm ?? true,
          imports: (o.workerImports ?? []).map(toUrl),
        };
        const w = spawnModuleWorker(entry, wd as unknown as Record<string, unknown>, `audio-aug-lab replica ${rank}`);
        workers.push(w);
        ready.push(
          new Promise<void>((resolve, reject) => {
            w.on('message', (m: { type: string; message?: string }) => {
              if (m.type === 'ready') resolve();
              else if (m.type === 'error') reject(new Error(m.message));
            });
            w.once('error', reject);
            w.once('exit', (code) => reject(new Error(`data-parallel worker ${rank} exited (code ${code}) before it was ready`)));
          }),
        );
      }
      await Promise.all(ready);
    } catch (e) {
      await dp.close();
      throw e;
    }
    return dp;
  }

  private post(cmd: number): number {
    if (this.closed) throw new Error('DataParallel is closed');
    Atomics.store(this.group.ctrl, CMD, cmd);
    this.seq = Atomics.add(this.group.ctrl, SEQ, 1) + 1;
    Atomics.notify(this.group.ctrl, SEQ);
    return this.seq;
  }

  /**
   * One training step on `batch` at learning rate `lr`, dropout drawn from
   * `dropoutRng` (advanced as one process would advance it). Returns the
   * batch loss (as one process reports it) and the predictions of all rows.
   */
  step(batch: Batch, lr: number, dropoutRng: Rng): { loss: number; pred: Float32Array } {
    const { replica, layout } = this;
    if (batch.n > layout.maxBatch) throw new Error(`batch of ${batch.n} exceeds the data-parallel buffers (${layout.maxBatch})`);
    replica.x.set(batch.x);
    replica.y.set(batch.y);
    Replica.writeParams(replica.params, lr, dropoutRng.getState());
    Atomics.store(this.group.ctrl, ROWS, batch.n);
    Atomics.store(this.group.ctrl, MODE, batch.n >= this.group.size ? MODE_ALL : MODE_SOLO);
    const seq = this.post(CMD_STEP);
    try {
      replica.step(seq, dropoutRng);
    } catch (e) {
      this.group.abort(`data-parallel replica 0: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
    let loss = 0;
    for (let k = 0; k < this.group.size; k++) loss += replica.losses[k];
    return { loss, pred: replica.preds.slice(0, batch.n * layout.outDim) };
  }

  /**
   * The gradients the last `step` applied (summed over the replicas), one
   * per trainable variable of the model in order, null where a variable got
   * none: what one process computes on the whole batch (tests compare them).
   */
  lastGradients(): (Float32Array | null)[] {
    return this.replica.appliedGradients();
  }

  /** Digests of every replica's weights (equal when the replicas are identical). */
  digests(): string[] {
    this.post(CMD_DIGEST);
    this.replica.digest();
    const out: string[] = [];
    for (let k = 0; k < this.group.size; k++) {
      const a = Atomics.load(this.group.ctrl, DIGEST + 2 * k) >>> 0;
      const b = Atomics.load(this.group.ctrl, DIGEST + 2 * k + 1) >>> 0;
      out.push(a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0'));
    }
    return out;
  }

  /** Stops the workers (asks them to shut down; terminates those that do not within 5 s). */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.group.aborted) this.post(CMD_SHUTDOWN);
    this.closed = true;
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.threadId < 0) return resolve();
            const timer = setTimeout(() => void w.terminate().then(() => resolve()), this.group.aborted ? 0 : 5000);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }
}
