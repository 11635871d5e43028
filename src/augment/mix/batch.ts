/**
 * The minibatch: `n` items stored row after row in flat typed arrays (inputs
 * `x`, n * xSize values; label vectors `y`, n * ySize values). It is the one
 * batch type of the library: the trainer assembles it (../../train/), the
 * online augmentations (../online.ts) and the sample-mixing transforms here
 * take and return it. `epoch` is only read by schedules (SamplePairing's
 * on/off); `indices` is the trainer's bookkeeping.
 *
 * `combinePairs` is the one kernel behind mixup, mixup_lp, SamplePairing and
 * extrapolation: output row k = a_k * x[first_k] + b_k * x[second_k], with
 * the label either mixed with the same weights or taken from the first item.
 * Arithmetic is in float64, stored to float32.
 */
import { InvalidParameterError, require_ } from '../../util/errors.js';

export interface Batch {
  x: Float32Array;
  y: Float32Array;
  n: number;
  xSize: number;
  ySize: number;
  /** 0-based training epoch, for schedules; not needed otherwise. */
  epoch?: number;
  /** Dataset index of each row, as the trainer assembled the batch; kept by
   * per-row transforms, dropped by `combinePairs` (its rows are new). */
  indices?: Int32Array;
}

/** Build a batch, checking that the array lengths match n * size. */
export function makeBatch(x: Float32Array, y: Float32Array, n: number, xSize: number, ySize: number, epoch?: number): Batch {
  const b: Batch = { x, y, n, xSize, ySize };
  if (epoch !== undefined) b.epoch = epoch;
  checkBatch(b, 'makeBatch');
  return b;
}

export function checkBatch(b: Batch, who: string): void {
  require_(Number.isInteger(b.n) && b.n >= 1, `${who}: batch size n must be a positive integer, got ${b.n}`);
  require_(Number.isInteger(b.xSize) && b.xSize >= 1, `${who}: xSize must be a positive integer, got ${b.xSize}`);
  require_(Number.isInteger(b.ySize) && b.ySize >= 0, `${who}: ySize must be a non-negative integer, got ${b.ySize}`);
  if (b.x.length !== b.n * b.xSize) {
    throw new InvalidParameterError(`${who}: x has ${b.x.length} values, expected n * xSize = ${b.n} * ${b.xSize}`);
  }
  if (b.y.length !== b.n * b.ySize) {
    throw new InvalidParameterError(`${who}: y has ${b.y.length} values, expected n * ySize = ${b.n} * ${b.ySize}`);
  }
}

export interface PairCombination {
  /** Index (into the batch) of the first item of output row k. */
  first: Int32Array;
  /** Second item: an index into the batch, or rows given by `secondRows`. */
  second?: Int32Array;
  secondRows?: (k: number) => Float32Array;
  /** Weights of the first and second inputs for output row k. */
  a: (k: number) => number;
  b: (k: number) => number;
  /** 'mix': y = a*y1 + b*y2 (needs a batch index as second); 'first': y = y1. */
  label: 'mix' | 'first';
}

/** Output row k = a_k * x[first_k] + b_k * x[second_k]; labels as `label` says.
 * A row with a_k = 1 and b_k = 0 is copied exactly. */
export function combinePairs(batch: Batch, c: PairCombination): Batch {
  const nOut = c.first.length;
  const { xSize, ySize } = batch;
  const x = new Float32Array(nOut * xSize);
  const y = new Float32Array(nOut * ySize);
  for (let k = 0; k < nOut; k++) {
    const i = c.first[k];
    const a = c.a(k);
    const b = c.b(k);
    const xi = batch.x.subarray(i * xSize, (i + 1) * xSize);
    const out = x.subarray(k * xSize, (k + 1) * xSize);
    let xj: Float32Array;
    if (c.second) {
      const j = c.second[k];
      xj = batch.x.subarray(j * xSize, (j + 1) * xSize);
    } else if (c.secondRows) {
      xj = c.secondRows(k);
      if (xj.length !== xSize) {
        throw new InvalidParameterError(`partner row for item ${k} has ${xj.length} values, expected xSize = ${xSize}`);
      }
    } else {
      throw new InvalidParameterError('combinePairs: needs `second` indices or `secondRows`');
    }
    if (a === 1 && b === 0) out.set(xi);
    else for (let t = 0; t < xSize; t++) out[t] = a * xi[t] + b * xj[t];

    const yi = batch.y.subarray(i * ySize, (i + 1) * ySize);
    const yOut = y.subarray(k * ySize, (k + 1) * ySize);
    if (c.label === 'first' || (a === 1 && b === 0)) yOut.set(yi);
    else {
      if (!c.second) throw new InvalidParameterError("combinePairs: label 'mix' needs the second item's label");
      const j = c.second[k];
      const yj = batch.y.subarray(j * ySize, (j + 1) * ySize);
      for (let t = 0; t < ySize; t++) yOut[t] = a * yi[t] + b * yj[t];
    }
  }
  const result: Batch = { x, y, n: nOut, xSize, ySize };
  if (batch.epoch !== undefined) result.epoch = batch.epoch;
  return result;
}
