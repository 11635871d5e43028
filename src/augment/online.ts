/**
 * Online augmentation: the one path from a list of catalogue references to
 * what the trainer applies to every training batch (../train/fit.ts,
 * `FitOptions.augment`), used alike by the reproduction harness and the
 * notebooks' demo runs.
 *
 * A batch (`Batch`, ./mix/batch.ts: n rows of xSize inputs and ySize labels)
 * goes through two stages, both drawn from one generator seeded from
 * (seed, epoch, batch index), so a resumed run reproduces its batches:
 * - item transforms (catalogue targets 'spectrogram' and 'image':
 *   SpecAugment, channel confusion, TAA, ...) on each row viewed as a
 *   (channel, freq, time) feature map, row after row;
 * - batch transforms (target 'batch': mixup, SamplePairing, ...), in the
 *   order the references list them.
 * Each step is applied with its probability (one uniform draw per step, see
 * ./pipeline.ts). Waveform transforms act before features are computed and
 * are refused here (they are offline augmentations).
 *
 * The trainer's rows are in the model's layout; `onlineAugment` converts a
 * row to the feature-map layout and back by the features' `RowLayout`
 * (../features/layout.ts: 'image' or 'time-freq-channels'), by a
 * `RowConversion` of the caller's, or not at all (null). Item transforms here keep a row's shape: a
 * shape-changing per-item transform (hu2020's random crop) is fit's
 * `itemTransform`, applied when the trainer reads an example, before this.
 *
 * SamplePairing draws its partners from the whole training set: the dataset
 * the trainer hands over in the context (as it reads it, i.e. after fit's
 * `itemTransform`), converted to the feature-map layout like the batch.
 */
import { Rng } from '../util/rng.js';
import { InvalidParameterError, require_ } from '../util/errors.js';
import { createTransform, getEntry } from './catalogue.js';
import { SamplePairing, type PartnerPool } from './mix/sample-pairing.js';
import { checkBatch, type Batch } from './mix/batch.js';
import { Pipeline, type StepRecord } from './pipeline.js';
import type { ParamValue } from './types.js';
import type { FeatureMap } from '../features/types.js';
import { featureMapToRow, rowToFeatureMap, type RowLayout } from '../features/layout.js';

/** The training examples as the trainer reads them (structurally, the
 * trainer's `Dataset`): what SamplePairing's partners are drawn from. */
export interface ExampleSource {
  readonly size: number;
  get(index: number): { x: Float32Array };
}

export interface BatchAugmentContext {
  /** 0-based trainer epoch. */
  epoch: number;
  /** 0-based index of the batch within its epoch. */
  batchIndex: number;
  /** The training set as the trainer reads it (after fit's itemTransform). */
  dataset: ExampleSource;
}

/** An online augmentation over a batch, as the trainer calls it (`rng` is
 * the trainer's augment stream of the epoch). Must not modify its input. */
export type BatchAugment = (batch: Batch, rng: Rng, ctx: BatchAugmentContext) => Batch;

/** Compose batch augmentations left to right. */
export function composeBatchAugments(...augments: BatchAugment[]): BatchAugment {
  return (batch, rng, ctx) => augments.reduce((b, a) => a(b, rng, ctx), batch);
}

/** A catalogue augmentation by name with its parameters and, optionally, the
 * probability of applying it (overrides the transform's own `p`). */
export interface CatalogueRef {
  name: string;
  params?: Record<string, unknown>;
  p?: number;
}

/** Converts one batch row between the model's layout and the feature-map layout. */
export interface RowConversion {
  toFeatureMap(row: Float32Array): FeatureMap;
  fromFeatureMap(fm: FeatureMap): Float32Array;
}

export interface ItemShape {
  nChannels: number;
  nFreq: number;
  nTime: number;
}

/** The training set as SamplePairing's partner pool. */
export function datasetPool(ds: ExampleSource): PartnerPool {
  return { size: ds.size, row: (i) => ds.get(i).x };
}

/**
 * The trainer's online augmentation for catalogue references (see the
 * header), or undefined when there are none. `shape` is one row as a
 * feature map; `layout` says how a row relates to it (null or 'image': the
 * values are already in that order). The returned function keeps its state (the built
 * transforms) across calls and fit runs; SamplePairing reads the partner
 * rows from the dataset of the current call.
 */
export function onlineAugment(
  refs: readonly CatalogueRef[],
  seed: number | string,
  shape: ItemShape,
  layout: RowLayout | RowConversion | null,
): BatchAugment | undefined {
  if (refs.length === 0) return undefined;
  const kinds = refs.map((r) => getEntry(r.name).target);
  const waveform = refs.filter((_, i) => kinds[i] === 'waveform').map((r) => r.name);
  if (waveform.length) throw new InvalidParameterError(`online augmentation acts on features; ${waveform.join(', ')} act on waveforms (use augment.offline)`);
  // Rows are converted only when an item transform reads them as feature maps.
  const convert = kinds.some((k) => k !== 'batch') ? rowConversion(layout, shape) : null;
  const rowSize = shape.nChannels * shape.nFreq * shape.nTime;
  // The dataset of the current call: SamplePairing's pool reads it.
  let current: ExampleSource | null = null;
  const source = (): ExampleSource => current!;
  const pool: PartnerPool = {
    get size() {
      return source().size;
    },
    row: (i) => {
      const x = source().get(i).x;
      return convert ? convert.toFeatureMap(x).data : x;
    },
  };
  let augmenter: OnlineAugmenter | null = null;
  const build = (): OnlineAugmenter => {
    const made = refs.map((r) => {
      let t = createTransform(r.name, (r.params ?? {}) as Record<string, ParamValue>);
      if (t instanceof SamplePairing) t = t.withPool(pool);
      return { transform: t as never, p: r.p };
    });
    const itemSteps = made.filter((_, i) => kinds[i] !== 'batch');
    const batchSteps = made.filter((_, i) => kinds[i] === 'batch');
    return new OnlineAugmenter({
      seed,
      item: itemSteps.length ? new Pipeline<FeatureMap>(itemSteps) : undefined,
      itemShape: itemSteps.length ? shape : undefined,
      batch: batchSteps.length ? new Pipeline<Batch>(batchSteps) : undefined,
    });
  };
  return (batch, _rng, ctx) => {
    current = ctx.dataset;
    augmenter ??= build();
    let x = batch.x;
    if (convert) {
      const size = batch.xSize;
      x = new Float32Array(batch.x.length);
      for (let i = 0; i < batch.n; i++) x.set(convert.toFeatureMap(batch.x.subarray(i * size, (i + 1) * size)).data, i * size);
    }
    const out = augmenter.apply({ ...batch, x }, { epoch: ctx.epoch, batchIndex: ctx.batchIndex }).batch;
    if (!convert) return out;
    if (out.xSize !== rowSize) {
      throw new InvalidParameterError(
        `online augmentation: rows came out with ${out.xSize} values, the ${shape.nChannels}x${shape.nFreq}x${shape.nTime} layout has ${rowSize}; ` +
          "a shape-changing item transform (a crop) belongs in fit's itemTransform",
      );
    }
    const ox = new Float32Array(out.x.length);
    for (let i = 0; i < out.n; i++) {
      ox.set(convert.fromFeatureMap({ ...shape, data: out.x.subarray(i * rowSize, (i + 1) * rowSize) }), i * rowSize);
    }
    return { ...out, x: ox };
  };
}

/** The conversion for a layout; null when a row already is a feature map's values in order. */
function rowConversion(layout: RowLayout | RowConversion | null, shape: ItemShape): RowConversion | null {
  if (layout === null || layout === 'image') return null;
  if (typeof layout !== 'string') return layout;
  return { toFeatureMap: (row) => rowToFeatureMap(row, layout, shape), fromFeatureMap: (fm) => featureMapToRow(fm, layout) };
}

// ------------------------------------------------------- the augmenter

export interface OnlineAugmenterOptions {
  seed: number | string;
  /** Per-item pipeline on each batch row viewed as a feature map. */
  item?: Pipeline<FeatureMap>;
  /** Shape of one row of batch.x for the item pipeline. */
  itemShape?: ItemShape;
  /** Batch pipeline (mixing), after the item pipeline. */
  batch?: Pipeline<Batch>;
}

export interface OnlineRecord {
  items: StepRecord[][];
  batch: StepRecord[];
}

/** The two stages of the header over one batch, with the record of what was
 * applied and drawn (for logging or replay). */
export class OnlineAugmenter {
  constructor(private readonly opts: OnlineAugmenterOptions) {
    if (opts.item && !opts.itemShape) throw new InvalidParameterError('OnlineAugmenter: an item pipeline needs itemShape');
    if (opts.itemShape) {
      const { nChannels, nFreq, nTime } = opts.itemShape;
      for (const [k, v] of Object.entries({ nChannels, nFreq, nTime })) {
        require_(Number.isInteger(v) && v >= 1, `OnlineAugmenter: itemShape.${k} must be a positive integer, got ${v}`);
      }
    }
  }

  /** The generator of one batch: depends on (seed, epoch, batchIndex) only. */
  rngFor(epoch: number, batchIndex: number): Rng {
    return new Rng(`online|${String(this.opts.seed)}|${epoch}|${batchIndex}`);
  }

  apply(batch: Batch, at: { epoch: number; batchIndex: number }): { batch: Batch; record: OnlineRecord } {
    checkBatch(batch, 'OnlineAugmenter');
    const rng = this.rngFor(at.epoch, at.batchIndex);
    const items: StepRecord[][] = [];
    let cur: Batch = { ...batch, epoch: at.epoch };
    const { item, itemShape } = this.opts;
    if (item && itemShape) {
      const { nChannels, nFreq, nTime } = itemShape;
      const size = nChannels * nFreq * nTime;
      if (size !== batch.xSize) {
        throw new InvalidParameterError(`OnlineAugmenter: itemShape ${nChannels}x${nFreq}x${nTime} = ${size} values, batch rows have ${batch.xSize}`);
      }
      const outs: FeatureMap[] = [];
      for (let i = 0; i < batch.n; i++) {
        const fm: FeatureMap = { data: batch.x.slice(i * size, (i + 1) * size), nChannels, nFreq, nTime };
        const r = item.run(fm, rng);
        outs.push(r.x);
        items.push(r.record);
      }
      const outSize = outs[0].data.length;
      const x = new Float32Array(batch.n * outSize);
      outs.forEach((o, i) => {
        if (o.data.length !== outSize) {
          throw new InvalidParameterError(`OnlineAugmenter: item ${i} came out with ${o.data.length} values, item 0 with ${outSize}`);
        }
        x.set(o.data, i * outSize);
      });
      cur = { ...cur, x, xSize: outSize };
    }
    let batchRecord: StepRecord[] = [];
    if (this.opts.batch) {
      const r = this.opts.batch.run(cur, rng);
      cur = r.x;
      batchRecord = r.record;
    }
    return { batch: cur, record: { items, batch: batchRecord } };
  }
}
