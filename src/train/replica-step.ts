/**
 * One synchronous data-parallel training step, run by every replica (the
 * coordinating thread is replica 0, worker threads are 1..N-1), and the
 * shared-memory layout it reads and writes.
 *
 * Per step the coordinator writes the whole batch, the learning rate and the
 * dropout stream's state into shared memory and bumps SEQ. Each replica
 * takes its contiguous rows (balanced split, replica 0 first), runs forward
 * and backward on them inside a replica context (../backend/fused/replica.ts:
 * synchronised batch-norm statistics, whole-batch dropout masks), with its
 * loss weighted by rows / batch (replica 0 also adds the weight penalties),
 * so the replicas' gradients SUM to the gradient of the whole batch (each
 * op's parameter gradient is the replica's share: the synchronised batch
 * norm takes gamma's and beta's from its own rows' sums). The
 * gradients are exchanged through shared memory (double-buffered by step
 * parity), every replica sums them in replica order (bit-identical sums)
 * and applies the same optimizer step: the replicas stay bit-identical.
 *
 * A batch with fewer rows than replicas runs "solo": replica 0 computes on
 * all of it; the others run the same forward pass on the same rows too,
 * only for what a forward pass leaves in the layers (batch-norm moving
 * statistics and any state their rule keeps), and all apply replica 0's
 * gradients, so the replicas stay identical.
 */
import * as tf from '@tensorflow/tfjs';
import { withReplicaContext } from '../backend/fused/replica.js';
import { CTRL_USER, type SharedGroup } from '../backend/workers/shared-sync.js';
import { Rng, type RngState } from '../util/rng.js';
import { withSeededMathRandom } from './determinism.js';
import { lossFunction, type LossName } from './losses.js';
import { setLearningRate, trainableVariables } from './optimizers.js';

// Control slots (after shared-sync's own).
export const SEQ = CTRL_USER;
export const CMD = CTRL_USER + 1;
export const ROWS = CTRL_USER + 2;
export const MODE = CTRL_USER + 3;
export const DIGEST = CTRL_USER + 8; // 2 ints per replica

export const CMD_STEP = 1;
export const CMD_DIGEST = 2;
export const CMD_SHUTDOWN = 3;
export const MODE_ALL = 1;
export const MODE_SOLO = 2;

/** Shared buffers of the step protocol (besides the group's own). */
export interface StepBuffers {
  /** [lr, rng s0..s3, spareNormal (NaN = none)] */
  params: SharedArrayBuffer;
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  /** 2 x replicas x parameters float32 */
  grads: SharedArrayBuffer;
  /** which trainable variables received a gradient (written by replica 0) */
  present: SharedArrayBuffer;
  losses: SharedArrayBuffer;
  preds: SharedArrayBuffer;
}

export interface StepLayout {
  xShape: number[];
  xSize: number;
  ySize: number;
  outDim: number;
  maxBatch: number;
  /** Trainable parameters in total. */
  params: number;
  nVars: number;
}

export function createStepBuffers(replicas: number, l: StepLayout): StepBuffers {
  return {
    params: new SharedArrayBuffer(8 * 8),
    x: new SharedArrayBuffer(4 * l.maxBatch * l.xSize),
    y: new SharedArrayBuffer(4 * l.maxBatch * l.ySize),
    grads: new SharedArrayBuffer(4 * 2 * replicas * l.params),
    present: new SharedArrayBuffer(4 * Math.max(1, l.nVars)),
    losses: new SharedArrayBuffer(8 * replicas),
    preds: new SharedArrayBuffer(4 * l.maxBatch * l.outDim),
  };
}

/** Rows [offset, offset + count) of a batch of n held by replica `rank` of `size`. */
export function shardOf(n: number, size: number, rank: number): { offset: number; count: number } {
  const base = Math.floor(n / size);
  const extra = n % size;
  const count = base + (rank < extra ? 1 : 0);
  const offset = rank * base + Math.min(rank, extra);
  return { offset, count };
}

/** Everything one replica needs to run steps. */
export class Replica {
  readonly params: Float64Array;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly grads: Float32Array;
  readonly present: Int32Array;
  readonly losses: Float64Array;
  readonly preds: Float32Array;
  private readonly trainable: tf.Variable[];
  private readonly offsets: number[];
  private readonly lossFn: (y: tf.Tensor, p: tf.Tensor) => tf.Scalar;
  private readonly total: Float32Array;

  constructor(
    readonly group: SharedGroup,
    bufs: StepBuffers,
    readonly layout: StepLayout,
    readonly model: tf.LayersModel,
    readonly optimizer: tf.Optimizer,
    loss: LossName,
    readonly syncBatchNorm: boolean,
  ) {
    this.params = new Float64Array(bufs.params);
    this.x = new Float32Array(bufs.x);
    this.y = new Float32Array(bufs.y);
    this.grads = new Float32Array(bufs.grads);
    this.present = new Int32Array(bufs.present);
    this.losses = new Float64Array(bufs.losses);
    this.preds = new Float32Array(bufs.preds);
    this.trainable = trainableVariables(model);
    this.offsets = [0];
    for (const v of this.trainable) this.offsets.push(this.offsets[this.offsets.length - 1] + v.size);
    if (this.offsets[this.offsets.length - 1] !== layout.params || this.trainable.length !== layout.nVars) {
      throw new Error(`data-parallel replica ${group.rank}: the model has ${this.offsets[this.offsets.length - 1]} trainable parameters in ${this.trainable.length} variables, expected ${layout.params} in ${layout.nVars}`);
    }
    this.lossFn = lossFunction(loss);
    this.total = new Float32Array(layout.params);
  }

  /** Writes the step parameters (coordinator only). */
  static writeParams(params: Float64Array, lr: number, rng: RngState): void {
    params[0] = lr;
    for (let i = 0; i < 4; i++) params[1 + i] = rng.s[i];
    params[5] = rng.spareNormal ?? NaN;
  }

  private rngState(): RngState {
    const p = this.params;
    return { s: [p[1], p[2], p[3], p[4]], spareNormal: Number.isNaN(p[5]) ? null : p[5] };
  }

  /**
   * Runs step `seq` on this replica. `rng` is the dropout stream to draw
   * from (the coordinator passes its own, so it advances; workers pass
   * null and use the state in shared memory).
   */
  step(seq: number, rng: Rng | null): void {
    const { group, layout } = this;
    const rank = group.rank;
    const size = group.size;
    const n = Atomics.load(group.ctrl, ROWS);
    const mode = Atomics.load(group.ctrl, MODE);
    setLearningRate(this.optimizer, this.params[0]);
    const P = layout.params;
    const slot = (k: number) => ((seq & 1) * size + k) * P;
    const solo = mode === MODE_SOLO;
    const mine = this.grads.subarray(slot(rank), slot(rank) + P);
    // A solo step runs the whole batch on every replica as a group of one.
    const groupSize = solo ? 1 : size;
    const { offset, count } = shardOf(n, groupSize, solo ? 0 : rank);
    const weight = count / n;
    const ctx = {
      rank: solo ? 0 : rank,
      size: groupSize,
      batchOffset: offset,
      batchTotal: n,
      syncBatchNorm: this.syncBatchNorm,
      allReduceSum: (v: Float64Array) => group.allReduceSum(v),
    };
    const stream = rng ?? Rng.fromState(this.rngState());
    const { xSize, ySize, outDim } = layout;
    const rows = () => tf.tensor(this.x.slice(offset * xSize, (offset + count) * xSize), [count, ...layout.xShape]);
    if (!solo || rank === 0) {
      const lossValue = withReplicaContext(ctx, () =>
        withSeededMathRandom(stream, () =>
          tf.tidy(() => {
            const x = rows();
            const y = tf.tensor2d(this.y.slice(offset * ySize, (offset + count) * ySize), [count, ySize]);
            const { value, grads } = tf.variableGrads(() => {
              const pred = this.model.apply(x, { training: true }) as tf.Tensor;
              this.preds.set(pred.dataSync() as Float32Array, offset * outDim);
              const data = tf.mul(this.lossFn(y, pred), weight) as tf.Scalar;
              // The weight penalties once (replica 0), as one process adds them once.
              const penalties = rank === 0 ? this.model.calculateLosses() : [];
              return penalties.length ? (tf.addN([data, ...penalties]) as tf.Scalar) : data;
            }, this.trainable);
            this.trainable.forEach((v, i) => {
              const g = grads[v.name];
              if (g) mine.set(g.dataSync() as Float32Array, this.offsets[i]);
              else mine.fill(0, this.offsets[i], this.offsets[i + 1]);
              if (rank === 0) this.present[i] = g ? 1 : 0;
            });
            return value.dataSync()[0];
          }),
        ),
      );
      this.losses[rank] = lossValue;
    } else {
      // Solo step, another replica: replica 0's forward pass on the same
      // rows, for the state it leaves in the layers (batch-norm moving
      // statistics); no loss, no gradient (replica 0's is applied).
      withReplicaContext(ctx, () =>
        withSeededMathRandom(stream, () =>
          tf.tidy(() => {
            this.model.apply(rows(), { training: true });
          }),
        ),
      );
      this.losses[rank] = 0;
    }
    group.barrier('gradient exchange');
    // Sum in replica order: identical on every replica.
    const total = this.total;
    total.set(this.grads.subarray(slot(0), slot(0) + P));
    if (mode === MODE_ALL) {
      for (let k = 1; k < size; k++) {
        const g = this.grads.subarray(slot(k), slot(k) + P);
        for (let i = 0; i < P; i++) total[i] += g[i];
      }
    }
    tf.tidy(() => {
      const map: tf.NamedTensorMap = {};
      this.trainable.forEach((v, i) => {
        if (this.present[i]) map[v.name] = tf.tensor(total.slice(this.offsets[i], this.offsets[i + 1]), v.shape);
      });
      this.optimizer.applyGradients(map);
    });
  }

  /**
   * Copies of the summed gradients the last step applied, one per trainable
   * variable in model order (null where the variable got no gradient).
   */
  appliedGradients(): (Float32Array | null)[] {
    return this.trainable.map((_, i) => (this.present[i] ? this.total.slice(this.offsets[i], this.offsets[i + 1]) : null));
  }

  /** FNV-1a digest of every weight's float32 bits (trainable and not), written to shared memory. */
  digest(): void {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (const w of this.model.weights) {
      const bits = new Uint32Array(Float32Array.from(w.read().dataSync() as Float32Array).buffer);
      for (let i = 0; i < bits.length; i++) {
        h1 = Math.imul(h1 ^ bits[i], 0x01000193) >>> 0;
        h2 = Math.imul(h2 ^ (bits[i] + i), 0x85ebca6b) >>> 0;
      }
    }
    Atomics.store(this.group.ctrl, DIGEST + 2 * this.group.rank, h1 | 0);
    Atomics.store(this.group.ctrl, DIGEST + 2 * this.group.rank + 1, h2 | 0);
    this.group.barrier('digest');
  }
}
