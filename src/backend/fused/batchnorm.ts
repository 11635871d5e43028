/**
 * Batch normalisation in training mode as ONE op with its own gradient.
 *
 * tfjs builds training-mode batch norm from moments() + batchNorm(), and its
 * gradient from dozens of broadcasts (Tile) and reductions (Sum): on wasm
 * that was ~2 s of a 4.75 s wei2018 CRNN step. Here the forward is two
 * passes over x (per-channel sum, then sum of squared deviations: the
 * two-pass variance, accumulated in float64) and one pass writing y; the
 * backward is one pass for the two per-channel sums and one writing dx:
 *
 *   xhat = (x - mean) / sqrt(var + eps),  y = gamma * xhat + beta
 *   dbeta = sum(dy),  dgamma = sum(dy * xhat)
 *   dx = gamma / sqrt(var + eps) * (dy - dbeta / N - xhat * dgamma / N)
 *
 * (the exact gradient through the batch mean and the biased batch variance,
 * N = rows over which the statistics are taken). The channel axis is the
 * last one; any rank. With the native addon the passes run in C.
 *
 * Synchronised statistics: inside a data-parallel step with syncBatchNorm
 * (./replica.ts), the per-channel sums are all-reduced over the replicas
 * before use, in the forward (sum, then squared deviations around the
 * global mean) and in the backward (sum(dy), sum(dy * (x - mean))), so N
 * replicas on slices of a batch compute what one process computes on all
 * of it. dgamma and dbeta stay each replica's share (its rows' sums, the
 * global statistics): the replicas' gradients are summed afterwards.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from '../native/index.js';
import { replicaContext } from './replica.js';
import { viewOf, withOutputs } from './tensor-data.js';

/** out[c] += sum_r x[r, c] (mean null) or sum_r (x[r, c] - mean[c])^2. */
export function channelSums(x: Float32Array, rows: number, C: number, mean: Float64Array | null, out: Float64Array): void {
  const native = nativeAddon();
  if (native) {
    native.batchNormStats(x, rows, C, mean, out);
    return;
  }
  const acc = new Float64Array(C);
  if (!mean) {
    for (let r = 0, o = 0; r < rows; r++, o += C) for (let c = 0; c < C; c++) acc[c] += x[o + c];
  } else {
    for (let r = 0, o = 0; r < rows; r++, o += C) {
      for (let c = 0; c < C; c++) {
        const d = x[o + c] - mean[c];
        acc[c] += d * d;
      }
    }
  }
  for (let c = 0; c < C; c++) out[c] += acc[c];
}

function applyScaleShift(x: Float32Array, y: Float32Array, rows: number, C: number, scale: Float32Array, shift: Float32Array): void {
  const native = nativeAddon();
  if (native) {
    native.batchNormApply(x, y, rows, C, scale, shift);
    return;
  }
  for (let r = 0, o = 0; r < rows; r++, o += C) for (let c = 0; c < C; c++) y[o + c] = x[o + c] * scale[c] + shift[c];
}

function gradSums(dy: Float32Array, x: Float32Array, rows: number, C: number, mean: Float64Array, sdy: Float64Array, sdyx: Float64Array): void {
  const native = nativeAddon();
  if (native) {
    native.batchNormGradSums(dy, x, rows, C, mean, sdy, sdyx);
    return;
  }
  const a = new Float64Array(C);
  const b = new Float64Array(C);
  for (let r = 0, o = 0; r < rows; r++, o += C) {
    for (let c = 0; c < C; c++) {
      const d = dy[o + c];
      a[c] += d;
      b[c] += d * (x[o + c] - mean[c]);
    }
  }
  for (let c = 0; c < C; c++) {
    sdy[c] += a[c];
    sdyx[c] += b[c];
  }
}

function gradInput(
  dy: Float32Array, x: Float32Array, dx: Float32Array, rows: number, C: number,
  mean: Float32Array, k: Float32Array, a: Float32Array, b: Float32Array,
): void {
  const native = nativeAddon();
  if (native) {
    native.batchNormGradInput(dy, x, dx, rows, C, mean, k, a, b);
    return;
  }
  for (let r = 0, o = 0; r < rows; r++, o += C) {
    for (let c = 0; c < C; c++) dx[o + c] = k[c] * dy[o + c] - a[c] - b[c] * (x[o + c] - mean[c]);
  }
}

export interface BatchNormTrainResult {
  /** Normalised output, same shape as x. */
  y: tf.Tensor;
  /** Batch mean per channel (over all replicas when synchronised). */
  mean: Float32Array;
  /** Biased batch variance per channel (as tfjs-layers uses for its moving average). */
  variance: Float32Array;
  /** Rows the statistics were taken over (all replicas' when synchronised): Keras' sample size. */
  count: number;
}

/**
 * Training-mode batch norm over all axes but the last. `gamma` / `beta`
 * null mean scale 1 / offset 0 (Keras scale=False / center=False); their
 * gradients are then not computed.
 */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor | null, beta: tf.Tensor | null, epsilon: number): BatchNormTrainResult {
  const C = x.shape[x.rank - 1];
  const rows = x.size / C;
  if (gamma && gamma.size !== C) throw new Error(`batchNormTrain: gamma has ${gamma.size} values, x has ${C} channels`);
  if (beta && beta.size !== C) throw new Error(`batchNormTrain: beta has ${beta.size} values, x has ${C} channels`);
  const ctx = replicaContext();
  const sync = ctx !== null && ctx.size > 1 && ctx.syncBatchNorm;
  const stats = { mean: new Float32Array(C), variance: new Float32Array(C), count: rows };

  const op = tf.customGrad((...args: unknown[]) => {
    const [xt, gt, bt] = args as tf.Tensor[];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const g = gamma ? Float32Array.from(viewOf(gt, 'gamma')) : new Float32Array(C).fill(1);
    const b = beta ? Float32Array.from(viewOf(bt, 'beta')) : new Float32Array(C);
    const sum = new Float64Array(C + 1);
    channelSums(viewOf(xt, 'x'), rows, C, null, sum);
    sum[C] = rows;
    if (sync) ctx.allReduceSum(sum);
    const n = sum[C];
    stats.count = n;
    const mean = new Float64Array(C);
    for (let c = 0; c < C; c++) mean[c] = sum[c] / n;
    const sq = new Float64Array(C);
    channelSums(viewOf(xt, 'x'), rows, C, mean, sq);
    if (sync) ctx.allReduceSum(sq);
    const invStd = new Float64Array(C);
    const scale = new Float32Array(C);
    const shift = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      const v = sq[c] / n;
      stats.mean[c] = mean[c];
      stats.variance[c] = v;
      invStd[c] = 1 / Math.sqrt(v + epsilon);
      scale[c] = g[c] * invStd[c];
      shift[c] = b[c] - mean[c] * g[c] * invStd[c];
    }
    const [y] = withOutputs([xt.shape], ([yv]) => applyScaleShift(viewOf(xt, 'x'), yv, rows, C, scale, shift));
    save([xt]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const xs = saved[0];
      const sdy = new Float64Array(2 * C);
      const sdyx = sdy.subarray(C);
      gradSums(viewOf(dy, 'dy'), viewOf(xs, 'x'), rows, C, mean, sdy.subarray(0, C), sdyx);
      // dGamma and dBeta from this replica's own rows (the global mean and
      // inverse std): the replicas' parameter gradients are added after the
      // step (../../train/replica-step.ts), so from the all-reduced sums they
      // would count N times. dx needs the sums over the whole batch.
      const dGamma = new Float32Array(C);
      const dBeta = new Float32Array(C);
      for (let c = 0; c < C; c++) {
        dGamma[c] = sdyx[c] * invStd[c];
        dBeta[c] = sdy[c];
      }
      if (sync) ctx.allReduceSum(sdy);
      const k = new Float32Array(C);
      const a = new Float32Array(C);
      const bb = new Float32Array(C);
      const mean32 = new Float32Array(C);
      for (let c = 0; c < C; c++) {
        const kc = g[c] * invStd[c];
        k[c] = kc;
        a[c] = (kc * sdy[c]) / n;
        bb[c] = (kc * invStd[c] * invStd[c] * sdyx[c]) / n;
        mean32[c] = mean[c];
      }
      const [dx] = withOutputs([xs.shape], ([dxv]) => gradInput(viewOf(dy, 'dy'), viewOf(xs, 'x'), dxv, rows, C, mean32, k, a, bb));
      return [dx, tf.tensor1d(dGamma), tf.tensor1d(dBeta)];
    };
    return { value: y, gradFunc };
  });

  const y = tf.tidy(() => {
    const gt = gamma ?? tf.ones([C]);
    const bt = beta ?? tf.zeros([C]);
    return op(x, gt, bt) as tf.Tensor;
  });
  return { y, ...stats };
}
