import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.js';
import type { FeatureMap } from '../../src/features/types.js';
import { OnlineAugmenter, datasetPool, onlineAugment, type CatalogueRef, type ExampleSource, type RowConversion } from '../../src/augment/online.js';
import { Pipeline } from '../../src/augment/pipeline.js';
import { createTransform } from '../../src/augment/catalogue.js';
import { makeBatch, SamplePairing, type Batch } from '../../src/augment/mix/index.js';

// Rows of C x F x T values; the "model layout" is (time, freq, channel), the
// feature-map layout (channel, freq, time), as in the hu2020 pipeline.
const C = 2;
const F = 5;
const T = 7;
const SIZE = C * F * T;
const shape = { nChannels: C, nFreq: F, nTime: T };

function toModel(d: Float32Array): Float32Array {
  const out = new Float32Array(SIZE);
  for (let c = 0; c < C; c++) for (let f = 0; f < F; f++) for (let t = 0; t < T; t++) out[(t * F + f) * C + c] = d[(c * F + f) * T + t];
  return out;
}
function fromModel(d: Float32Array): Float32Array {
  const out = new Float32Array(SIZE);
  for (let c = 0; c < C; c++) for (let f = 0; f < F; f++) for (let t = 0; t < T; t++) out[(c * F + f) * T + t] = d[(t * F + f) * C + c];
  return out;
}
const layout: RowConversion = {
  toFeatureMap: (row) => ({ ...shape, data: fromModel(row) }),
  fromFeatureMap: (fm: FeatureMap) => toModel(fm.data),
};

/** n rows in the feature-map layout and the same rows in the model layout. */
function rows(n: number, seed: number): { fm: Float32Array[]; model: Float32Array[] } {
  const r = new Rng(seed);
  const fm = Array.from({ length: n }, () => new Float32Array(SIZE).map(() => r.normal()));
  return { fm, model: fm.map(toModel) };
}
function source(xs: Float32Array[]): ExampleSource {
  return { size: xs.length, get: (i) => ({ x: xs[i] }) };
}
function batchOf(xs: Float32Array[], indices: number[], nClasses = 3): Batch {
  const x = new Float32Array(indices.length * SIZE);
  const y = new Float32Array(indices.length * nClasses);
  indices.forEach((j, k) => {
    x.set(xs[j], k * SIZE);
    y[k * nClasses + (j % nClasses)] = 1;
  });
  return { ...makeBatch(x, y, indices.length, SIZE, nClasses), indices: Int32Array.from(indices) };
}
function modelRows(b: Batch): Float32Array {
  const out = new Float32Array(b.x.length);
  for (let i = 0; i < b.n; i++) out.set(toModel(b.x.subarray(i * SIZE, (i + 1) * SIZE)), i * SIZE);
  return out;
}
const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('onlineAugment', () => {
  const specParams = { freqMaskParam: 2, timeMaskParam: 3 };
  const mixParams = { alpha: 0.4 };
  const refs: CatalogueRef[] = [
    { name: 'spec_augment', params: specParams },
    { name: 'mixup', params: mixParams },
    { name: 'sample_pairing', p: 0.5 },
  ];

  it('draws what the OnlineAugmenter draws, per (seed, epoch, batch), items first and batch transforms after', () => {
    const data = rows(12, 1);
    const aug = onlineAugment(refs, 9, shape, null)!;
    const pool = datasetPool(source(data.fm));
    const direct = new OnlineAugmenter({
      seed: 9,
      item: new Pipeline<FeatureMap>([createTransform('spec_augment', specParams) as never]),
      itemShape: shape,
      batch: new Pipeline<Batch>([createTransform('mixup', mixParams) as never, { transform: (createTransform('sample_pairing') as SamplePairing).withPool(pool), p: 0.5 }]),
    });
    const batch = batchOf(data.fm, [3, 1, 4, 1, 5, 9]);
    const before = batch.x.slice();
    for (const [epoch, batchIndex] of [
      [0, 0],
      [2, 1],
    ]) {
      const got = aug(batch, new Rng('unused'), { epoch, batchIndex, dataset: source(data.fm) });
      const want = direct.apply(batch, { epoch, batchIndex }).batch;
      expect(same(got.x, want.x)).toBe(true);
      expect(same(got.y, want.y)).toBe(true);
      expect(got.epoch).toBe(epoch);
    }
    expect(same(batch.x, before)).toBe(true);
    const other = aug(batch, new Rng('unused'), { epoch: 2, batchIndex: 2, dataset: source(data.fm) });
    const first = aug(batch, new Rng('unused'), { epoch: 2, batchIndex: 1, dataset: source(data.fm) });
    expect(same(other.x, first.x)).toBe(false);
  });

  it('with a row layout: converts rows (and SamplePairing partners) to feature maps and back, bit for bit', () => {
    const data = rows(10, 2);
    const inModel = onlineAugment(refs, 4, shape, layout)!;
    const inFeatureMaps = onlineAugment(refs, 4, shape, null)!;
    for (const epoch of [0, 1, 2, 3]) {
      const idx = [epoch, 2, 7, 7, 0, 9];
      const a = inModel(batchOf(data.model, idx), new Rng(0), { epoch, batchIndex: 0, dataset: source(data.model) });
      const b = inFeatureMaps(batchOf(data.fm, idx), new Rng(0), { epoch, batchIndex: 0, dataset: source(data.fm) });
      expect(same(a.x, modelRows(b))).toBe(true);
      expect(same(a.y, b.y)).toBe(true);
    }
  });

  it("reads SamplePairing's partners from the dataset of each call", () => {
    const a = rows(6, 3);
    const b = rows(6, 4);
    const aug = onlineAugment([{ name: 'sample_pairing' }], 1, shape, null)!;
    const fresh = onlineAugment([{ name: 'sample_pairing' }], 1, shape, null)!;
    const batch = batchOf(a.fm, [0, 1, 2]);
    aug(batch, new Rng(0), { epoch: 0, batchIndex: 0, dataset: source(a.fm) });
    const second = aug(batch, new Rng(0), { epoch: 0, batchIndex: 1, dataset: source(b.fm) });
    const want = fresh(batch, new Rng(0), { epoch: 0, batchIndex: 1, dataset: source(b.fm) });
    expect(same(second.x, want.x)).toBe(true);
    const fromA = fresh(batch, new Rng(0), { epoch: 0, batchIndex: 1, dataset: source(a.fm) });
    expect(same(second.x, fromA.x)).toBe(false);
  });

  it('keeps the dataset indices through item transforms and drops them after mixing', () => {
    const data = rows(4, 5);
    const items = onlineAugment([{ name: 'spec_augment', params: { freqMaskParam: 2, timeMaskParam: 3 } }], 1, shape, layout)!;
    const mixed = onlineAugment([{ name: 'mixup' }], 1, shape, null)!;
    const batch = batchOf(data.model, [2, 0]);
    expect(Array.from(items(batch, new Rng(0), { epoch: 0, batchIndex: 0, dataset: source(data.model) }).indices!)).toEqual([2, 0]);
    expect(mixed(batch, new Rng(0), { epoch: 0, batchIndex: 0, dataset: source(data.model) }).indices).toBeUndefined();
  });

  it('refuses waveform transforms, unknown names, and a shape-changing item transform under a layout', () => {
    expect(onlineAugment([], 1, shape, null)).toBeUndefined();
    expect(() => onlineAugment([{ name: 'time_shift' }, { name: 'mixup' }], 1, shape, null)).toThrow(/time_shift act on waveforms \(use augment.offline\)/);
    expect(() => onlineAugment([{ name: 'no_such_thing' }], 1, shape, null)).toThrow(/no_such_thing/);
    const data = rows(3, 6);
    const crop = onlineAugment([{ name: 'random_crop', params: { cropLength: 5 } }], 1, shape, layout)!;
    expect(() => crop(batchOf(data.model, [0, 1]), new Rng(0), { epoch: 0, batchIndex: 0, dataset: source(data.model) })).toThrow(
      /rows came out with 50 values, the 2x5x7 layout has 70; a shape-changing item transform \(a crop\) belongs in fit's itemTransform/,
    );
  });
});

describe("onlineAugment with the features' row layouts", () => {
  it("'time-freq-channels' converts like the equivalent RowConversion, and 'image' like null", () => {
    const data = rows(8, 7);
    const refs: CatalogueRef[] = [{ name: 'spec_augment', params: { freqMaskParam: 2, timeMaskParam: 3 } }, { name: 'sample_pairing', p: 0.5 }];
    const named = onlineAugment(refs, 3, shape, 'time-freq-channels')!;
    const own = onlineAugment(refs, 3, shape, layout)!;
    const image = onlineAugment(refs, 3, shape, 'image')!;
    const none = onlineAugment(refs, 3, shape, null)!;
    for (const epoch of [0, 1, 2]) {
      const ctx = { epoch, batchIndex: 1, dataset: source(data.model) };
      const batch = batchOf(data.model, [epoch, 4, 6, 1]);
      expect(same(named(batch, new Rng(0), ctx).x, own(batch, new Rng(0), ctx).x)).toBe(true);
      expect(same(image(batch, new Rng(0), ctx).x, none(batch, new Rng(0), ctx).x)).toBe(true);
    }
  });
});
