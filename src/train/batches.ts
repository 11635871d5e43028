/**
 * Training data as a stream of batches on flat typed arrays: a `Dataset` gives
 * examples by index; the trainer draws each epoch's order from a seeded Rng
 * (shuffled, or class-balanced with replacement) and assembles batches
 * (`Batch`, the library's one batch type, ../augment/mix/batch.ts).
 *
 * Per example, the trainer can apply an `ItemTransform` when it reads
 * example `index` in (0-based) epoch `epoch` (`transformedDataset`): it may
 * change the example's shape (a random crop), so the model's input shape is
 * the transform's `outShape`. Online augmentation of the assembled batch
 * comes after it (`BatchAugment`, ../augment/online.ts).
 */
import { InvalidParameterError } from '../util/errors.js';
import type { Rng } from '../util/rng.js';
import type { Batch } from '../augment/mix/batch.js';

export type { Batch } from '../augment/mix/batch.js';

export interface Example {
  x: Float32Array;
  y: Float32Array;
  /** Source recording; derived examples keep their source's id. */
  sourceId?: string;
}

export interface Dataset {
  readonly size: number;
  /** Shape of one example's x, e.g. [frames, mels, 1]. */
  readonly xShape: number[];
  readonly yDim: number;
  get(index: number): Example;
}

/** When and which example the trainer reads: 0-based trainer epoch and
 * 0-based index in the training set. */
export interface ItemContext {
  epoch: number;
  index: number;
}

/**
 * A per-example transform of the training inputs, applied as the trainer
 * reads an example (before the batch augmentation). `apply` must not modify
 * x and should depend on (x, epoch, index) only: the trainer may read an
 * example more than once in an epoch (SamplePairing's partners).
 */
export interface ItemTransform {
  /** Shape of a transformed x: the model's input shape. */
  outShape: number[];
  apply(x: Float32Array, ctx: ItemContext): Float32Array;
}

/** `ds` as read through `t` in the epoch that `epoch()` returns at each read;
 * labels and source ids unchanged. */
export function transformedDataset(ds: Dataset, t: ItemTransform, epoch: () => number): Dataset {
  const outShape = [...t.outShape];
  if (outShape.length === 0 || !outShape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new InvalidParameterError(`itemTransform: outShape must be a list of positive integers, got ${JSON.stringify(t.outShape)}`);
  }
  const outSize = outShape.reduce((a, b) => a * b, 1);
  return {
    size: ds.size,
    xShape: outShape,
    yDim: ds.yDim,
    get(index) {
      const ex = ds.get(index);
      const e = epoch();
      const x = t.apply(ex.x, { epoch: e, index });
      if (!(x instanceof Float32Array) || x.length !== outSize) {
        const got = x instanceof Float32Array ? `${x.length} values` : String(x);
        throw new InvalidParameterError(`itemTransform: example ${index} (epoch ${e}) came out as ${got}, outShape ${JSON.stringify(outShape)} needs ${outSize}`);
      }
      return { x, y: ex.y, sourceId: ex.sourceId };
    },
  };
}

export function arrayDataset(xs: Float32Array[], ys: Float32Array[], xShape: number[], sourceIds?: string[]): Dataset {
  if (xs.length !== ys.length) throw new InvalidParameterError(`arrayDataset: ${xs.length} inputs but ${ys.length} labels`);
  if (xs.length === 0) throw new InvalidParameterError('arrayDataset: no examples');
  const xSize = xShape.reduce((a, b) => a * b, 1);
  xs.forEach((x, i) => {
    if (x.length !== xSize) throw new InvalidParameterError(`arrayDataset: example ${i} has ${x.length} values, shape ${JSON.stringify(xShape)} needs ${xSize}`);
  });
  const yDim = ys[0].length;
  return {
    size: xs.length,
    xShape,
    yDim,
    get: (i) => ({ x: xs[i], y: ys[i], sourceId: sourceIds?.[i] }),
  };
}

/** The examples' class (argmax of y), for class-balanced sampling. */
export function classOf(y: Float32Array): number {
  let best = 0;
  for (let k = 1; k < y.length; k++) if (y[k] > y[best]) best = k;
  return best;
}

/** One epoch's order: a permutation, or, class-balanced, `size` draws that
 * pick a class uniformly and then one of its examples uniformly (with
 * replacement). For multi-label data the class is the first positive label. */
export function epochOrder(ds: Dataset, rng: Rng, classBalanced = false): Int32Array {
  if (!classBalanced) return rng.permutation(ds.size);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < ds.size; i++) {
    const c = classOf(ds.get(i).y);
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const order = new Int32Array(ds.size);
  for (let i = 0; i < ds.size; i++) order[i] = rng.choice(byClass.get(rng.choice(classes))!);
  return order;
}

export function assembleBatch(ds: Dataset, indices: Int32Array): Batch {
  const xSize = ds.xShape.reduce((a, b) => a * b, 1);
  const ySize = ds.yDim;
  const n = indices.length;
  const x = new Float32Array(n * xSize);
  const y = new Float32Array(n * ySize);
  for (let b = 0; b < n; b++) {
    const ex = ds.get(indices[b]);
    x.set(ex.x, b * xSize);
    y.set(ex.y, b * ySize);
  }
  return { x, y, n, xSize, ySize, indices };
}

/** Split an order into batches of `batchSize` (the last one smaller unless
 * dropRemainder). */
export function batchIndices(order: Int32Array, batchSize: number, dropRemainder = false): Int32Array[] {
  if (!(batchSize >= 1)) throw new InvalidParameterError(`batchSize must be >= 1, got ${batchSize}`);
  const out: Int32Array[] = [];
  for (let s = 0; s < order.length; s += batchSize) {
    const e = Math.min(order.length, s + batchSize);
    if (dropRemainder && e - s < batchSize) break;
    out.push(order.subarray(s, e));
  }
  return out;
}
