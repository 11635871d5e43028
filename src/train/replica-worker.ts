/**
 * Entry module of a data-parallel worker thread (started by
 * ./data-parallel.ts through ../backend/workers/spawn.ts).
 *
 * Sets up the coordinator's backend (with the training kernels and fused
 * layers), imports the model modules (so custom layers deserialise) and any
 * extra modules the caller named, rebuilds the model from its JSON topology
 * with the coordinator's weights and the optimizer with its state, says
 * 'ready', then serves commands from shared memory synchronously until told
 * to shut down. Any failure aborts the whole group with the message, so the
 * coordinator throws it instead of waiting.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/index.js';
import { installFusedLayers } from '../backend/fused/layers.js';
import { registerTrainingKernels } from '../backend/kernels/register.js';
import { SharedGroup, type GroupBuffers } from '../backend/workers/shared-sync.js';
import type { LossName } from './losses.js';
import { makeOptimizer, type OptimizerSpec } from './optimizers.js';
import { importMovingStatistics, type BatchNormMovingState } from '../models/batchnorm-statistics.js';
import { CMD, CMD_DIGEST, CMD_SHUTDOWN, CMD_STEP, Replica, SEQ, type StepBuffers, type StepLayout } from './replica-step.js';

export interface ReplicaWorkerData {
  rank: number;
  group: GroupBuffers;
  bufs: StepBuffers;
  layout: StepLayout;
  backend: string;
  topology: string;
  weights: { shape: number[]; data: Float32Array }[];
  batchNorm: BatchNormMovingState[];
  optimizerSpec: OptimizerSpec;
  optimizerState: { name: string; shape: number[]; data: Float32Array }[];
  loss: LossName;
  syncBatchNorm: boolean;
  imports: string[];
}

const data = workerData as ReplicaWorkerData;
const group = new SharedGroup(data.group, data.rank);

async function setup(): Promise<Replica> {
  const name = data.backend as 'wasm' | 'cpu';
  await initBackend({ prefer: name, quiet: true });
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise in the worker`);
  registerTrainingKernels(name);
  installFusedLayers();
  await import('../models/index.js');
  for (const m of data.imports) await import(m);
  const model = await tf.models.modelFromJSON(JSON.parse(data.topology) as tf.io.ModelJSON['modelTopology'] as never);
  model.setWeights(data.weights.map((w) => tf.tensor(w.data, w.shape)));
  importMovingStatistics(model, data.batchNorm);
  const optimizer = makeOptimizer(data.optimizerSpec);
  if (data.optimizerState.length) {
    await optimizer.setWeights(data.optimizerState.map((w) => ({ name: w.name, tensor: tf.tensor(w.data, w.shape) })));
  }
  return new Replica(group, data.bufs, data.layout, model, optimizer, data.loss, data.syncBatchNorm);
}

function serve(replica: Replica): void {
  // The coordinator posts its first command only after every worker is
  // ready, so the sequence number is still 0 here (it may already be 1).
  let seq = 0;
  group.timeoutMs = Infinity; // idle between steps for as long as the coordinator validates / checkpoints
  for (;;) {
    group.waitWhile(SEQ, seq, 'waiting for the next step');
    seq = Atomics.load(group.ctrl, SEQ);
    const cmd = Atomics.load(group.ctrl, CMD);
    if (cmd === CMD_SHUTDOWN) return;
    group.timeoutMs = 10 * 60_000;
    if (cmd === CMD_STEP) replica.step(seq, null);
    else if (cmd === CMD_DIGEST) replica.digest();
    group.timeoutMs = Infinity;
  }
}

try {
  const replica = await setup();
  parentPort!.postMessage({ type: 'ready' });
  serve(replica);
  parentPort!.postMessage({ type: 'done' });
} catch (e) {
  const msg = `data-parallel worker ${data.rank}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`;
  group.abort(msg);
  parentPort!.postMessage({ type: 'error', message: msg });
}
