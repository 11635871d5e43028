import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng.js';
import type { Transform } from '../../src/augment/types.js';
import type { FeatureMap } from '../../src/features/types.js';
import { Pipeline, expandOffline, groupBySource, type DatasetItem } from '../../src/augment/pipeline.js';
import { OnlineAugmenter } from '../../src/augment/online.js';
import { ChannelConfusion, RandomTimeCrop, SpecAugment } from '../../src/augment/spectrogram/index.js';
import { createMixup, makeBatch, SamplePairing, poolFromArray, INOUE_CIFAR_SCHEDULE } from '../../src/augment/mix/index.js';

/** A transform that adds a drawn constant: easy to see whether it ran. */
function addConst(p: number): Transform<Float32Array, { c: number }> {
  return {
    name: 'add_const',
    p,
    draw: (rng) => ({ c: rng.uniform(1, 2) }),
    apply: (x, d) => x.map((v) => v + d.c),
  };
}

const fmap = (seed: number, c: number, f: number, t: number): FeatureMap => {
  const r = new Rng(seed);
  return { data: new Float32Array(c * f * t).map(() => 1 + r.random()), nChannels: c, nFreq: f, nTime: t };
};

describe('Pipeline', () => {
  it('applies each step with its probability p (0 never, 1 always, 0.3 about 30%)', () => {
    const x = new Float32Array([0, 0, 0]);
    const never = new Pipeline([addConst(0)]);
    const always = new Pipeline([addConst(1)]);
    const some = new Pipeline([{ transform: addConst(1), p: 0.3 }]);
    const rng = new Rng(1);
    let hits = 0;
    const n = 2000;
    for (let i = 0; i < n; i++) {
      const a = never.run(x, rng);
      expect(a.record[0].applied).toBe(false);
      expect(a.x).toBe(x);
      const b = always.run(x, rng);
      expect(b.record[0].applied).toBe(true);
      expect(b.x[0]).toBeGreaterThanOrEqual(1);
      const c = some.run(x, rng);
      if (c.record[0].applied) hits++;
    }
    // binomial(2000, 0.3): sd ~ 20.5, 5 sd = 0.051
    expect(Math.abs(hits / n - 0.3)).toBeLessThan(0.051);
    expect(x).toEqual(new Float32Array([0, 0, 0])); // input never modified
  });

  it('is seeded (same seed, bit-identical) and replays its record on another input', () => {
    const pipe = new Pipeline<FeatureMap>([new SpecAugment({ freqMaskParam: 5, timeMaskParam: 8 }), new ChannelConfusion({ p: 0.5 })]);
    const x = fmap(2, 2, 20, 30);
    const a = pipe.run(x, new Rng(7));
    const b = pipe.run(x, new Rng(7));
    expect(Buffer.from(a.x.data.buffer).equals(Buffer.from(b.x.data.buffer))).toBe(true);
    expect(a.record).toEqual(b.record);
    expect(pipe.replay(x, a.record).data).toEqual(a.x.data);
  });

  it('rejects a step probability outside [0, 1]', () => {
    expect(() => new Pipeline([{ transform: addConst(1), p: 1.5 }])).toThrow(/p must be in \[0, 1\], got 1.5/);
    expect(() => new Pipeline([addConst(-0.1)])).toThrow(/p must be in \[0, 1\]/);
  });
});

describe('offline expansion', () => {
  const items: DatasetItem<Float32Array>[] = Array.from({ length: 12 }, (_, i) => ({
    id: `clip${i}`,
    // clips 0..5 are two segments each of three recordings' worth of sources
    sourceId: i < 6 ? `rec${Math.floor(i / 2)}` : undefined,
    x: new Float32Array([i, i, i]),
    y: i % 3,
  }));
  const pipe = new Pipeline([addConst(1)]);

  it('keeps the source id on every derived item, so a split by source never separates copies', () => {
    const out = expandOffline(items, pipe, { copies: 2, seed: 5 });
    expect(out.length).toBe(36);
    expect(new Set(out.map((o) => o.id)).size).toBe(36);
    for (const o of out) {
      const src = items.find((it) => o.id === it.id || o.id.startsWith(`${it.id}#`))!;
      expect(o.sourceId).toBe(src.sourceId ?? src.id);
      expect(o.y).toBe(src.y);
      if (o.copy > 0) expect(o.x[0]).toBeGreaterThan(src.x[0]);
    }
    const groups = groupBySource(out);
    expect(groups.size).toBe(3 + 6);
    expect(groups.get('rec0')!.map((o) => o.id).sort()).toEqual(
      ['clip0', 'clip0#aug1', 'clip0#aug2', 'clip1', 'clip1#aug1', 'clip1#aug2'].sort(),
    );
    // a split on the groups: every source lands on exactly one side
    const keys = [...groups.keys()];
    const train = new Set(keys.filter((_, i) => i % 3 !== 0));
    const side = new Map<string, string>();
    for (const o of out) {
      const s = train.has(o.sourceId) ? 'train' : 'test';
      if (side.has(o.sourceId)) expect(side.get(o.sourceId)).toBe(s);
      side.set(o.sourceId, s);
    }
  });

  it('does not depend on the order of the items, and is reproducible', () => {
    const a = expandOffline(items, pipe, { copies: 1, seed: 'exp1', keepOriginal: false });
    const b = expandOffline([...items].reverse(), pipe, { copies: 1, seed: 'exp1', keepOriginal: false });
    const byId = new Map(b.map((o) => [o.id, o.x]));
    for (const o of a) expect(byId.get(o.id)).toEqual(o.x);
    const c = expandOffline(items, pipe, { copies: 1, seed: 'exp2', keepOriginal: false });
    expect(c[0].x).not.toEqual(a[0].x);
    expect(() => expandOffline([items[0], items[0]], pipe, { copies: 1, seed: 1 })).toThrow(/duplicate item id/);
    expect(() => expandOffline(items, pipe, { copies: 0, seed: 1 })).toThrow(/copies must be/);
  });
});

describe('online augmentation (per batch)', () => {
  const C = 2;
  const F = 16;
  const T = 30;
  const n = 8;
  const r = new Rng(3);
  const x = new Float32Array(n * C * F * T).map(() => 1 + r.random());
  const y = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) y[i * 4 + (i % 4)] = 1;
  const batch = makeBatch(x, y, n, C * F * T, 4);

  it('hu2020 order: SpecAugment + crop per item, then per-sample mixup of the two halves; seeded per (epoch, batch)', () => {
    const aug = new OnlineAugmenter({
      seed: 11,
      item: new Pipeline<FeatureMap>([new SpecAugment({ freqMaskParam: 4, timeMaskParam: 6 }), new RandomTimeCrop({ cropLength: 24 })]),
      itemShape: { nChannels: C, nFreq: F, nTime: T },
      batch: new Pipeline([createMixup({ alpha: 0.4, lambdaPer: 'sample', pairing: 'halves' })]),
    });
    const a = aug.apply(batch, { epoch: 3, batchIndex: 5 });
    expect(a.batch.n).toBe(4);
    expect(a.batch.xSize).toBe(C * F * 24);
    expect(a.record.items.length).toBe(8);
    expect(a.record.items.every((rec) => rec.map((s) => s.name).join() === 'spec_augment,random_crop')).toBe(true);
    expect(a.record.batch[0].name).toBe('mixup');
    const again = aug.apply(batch, { epoch: 3, batchIndex: 5 });
    expect(Buffer.from(again.batch.x.buffer).equals(Buffer.from(a.batch.x.buffer))).toBe(true);
    const other = aug.apply(batch, { epoch: 3, batchIndex: 6 });
    expect(Buffer.from(other.batch.x.buffer).equals(Buffer.from(a.batch.x.buffer))).toBe(false);
    expect(batch.x).toEqual(x); // input batch untouched
  });

  it('passes the epoch to batch transforms (SamplePairing schedule)', () => {
    const pool = poolFromArray(x, n, C * F * T);
    const aug = new OnlineAugmenter({
      seed: 1,
      batch: new Pipeline([new SamplePairing({ schedule: INOUE_CIFAR_SCHEDULE, pool })]),
    });
    const off = aug.apply(batch, { epoch: 10, batchIndex: 0 });
    expect((off.record.batch[0].drawn as { active: boolean }).active).toBe(false);
    expect(off.batch.x).toEqual(batch.x);
    const on = aug.apply(batch, { epoch: 100, batchIndex: 0 });
    expect((on.record.batch[0].drawn as { active: boolean }).active).toBe(true);
  });

  it('checks the item shape against the batch rows', () => {
    expect(
      () =>
        new OnlineAugmenter({
          seed: 1,
          item: new Pipeline<FeatureMap>([new SpecAugment()]),
          itemShape: { nChannels: 1, nFreq: F, nTime: T },
        }).apply(batch, { epoch: 0, batchIndex: 0 }),
    ).toThrow(/itemShape 1x16x30 = 480 values, batch rows have 960/);
    expect(() => new OnlineAugmenter({ seed: 1, item: new Pipeline<FeatureMap>([]) })).toThrow(/needs itemShape/);
  });
});
