// fit's per-example transform (FitOptions.itemTransform): a shape-changing
// transform applied as the trainer reads example `index` in 0-based trainer
// epoch `epoch`. The reference is the way hu2020's pipeline cropped before
// fit had it: a Dataset that draws the crop when read, Rng(`crop|seed|pass|
// index`), with `pass` advanced by onEpochEnd and started, on a resumed run,
// at the epoch after the checkpoint's (src/reproduce/pipelines/hu2020.ts,
// TrainingSet). The two must train bit for bit alike.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fit, type FitOptions, type FitResult } from '../../src/train/fit.js';
import { arrayDataset, type Dataset, type ItemContext, type ItemTransform } from '../../src/train/batches.js';
import { onlineAugment } from '../../src/augment/online.js';
import { createTransform } from '../../src/augment/catalogue.js';
import type { Transform } from '../../src/augment/types.js';
import type { FeatureMap } from '../../src/features/types.js';
import { Rng } from '../../src/util/rng.js';
import { tinyModel, X_SHAPE } from './fixtures/tiny.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Stored examples: (channel, freq, time) feature maps of RAW_T frames; the
// model takes X_SHAPE = [CROP_T, F, C] = (time, freq, channel).
const [CROP_T, F, C] = X_SHAPE;
const RAW_T = CROP_T + 3;
const SEED = 5;

function toModelLayout(d: Float32Array, nC: number, nF: number, nT: number): Float32Array {
  const out = new Float32Array(d.length);
  for (let c = 0; c < nC; c++) for (let f = 0; f < nF; f++) for (let t = 0; t < nT; t++) out[(t * nF + f) * nC + c] = d[(c * nF + f) * nT + t];
  return out;
}
function fromModelLayout(d: Float32Array, nC: number, nF: number, nT: number): Float32Array {
  const out = new Float32Array(d.length);
  for (let c = 0; c < nC; c++) for (let f = 0; f < nF; f++) for (let t = 0; t < nT; t++) out[(c * nF + f) * nT + t] = d[(t * nF + f) * nC + c];
  return out;
}

/** n feature maps; class 1 has a bright frequency band. */
function store(n: number, seed: number): { maps: Float32Array[]; ys: Float32Array[] } {
  const rng = new Rng(seed);
  const maps: Float32Array[] = [];
  const ys: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3 === 0 ? 1 : 0; // unbalanced, so class-balanced sampling matters
    const m = new Float32Array(C * F * RAW_T).map(() => rng.normal() * 0.5);
    if (c === 1) for (let t = 0; t < RAW_T; t++) m[2 * RAW_T + t] += 2;
    maps.push(m);
    ys.push(Float32Array.of(1 - c, c));
  }
  return { maps, ys };
}

const crop = createTransform('random_crop', { cropLength: CROP_T }) as Transform<FeatureMap, unknown>;

/** hu2020's TrainingSet, as it was: the crop drawn when the trainer reads an example. */
class TrainingSetLike implements Dataset {
  readonly size: number;
  readonly xShape = [CROP_T, F, C];
  readonly yDim = 2;
  pass: number;
  constructor(
    private readonly maps: Float32Array[],
    private readonly ys: Float32Array[],
    startPass: number,
  ) {
    this.size = maps.length;
    this.pass = startPass;
  }
  get(i: number) {
    let fm: FeatureMap = { data: this.maps[i], nChannels: C, nFreq: F, nTime: RAW_T };
    const rng = new Rng(`crop|${SEED}|${this.pass}|${i}`);
    fm = crop.apply(fm, crop.draw(rng, fm)) as FeatureMap;
    return { x: toModelLayout(fm.data, fm.nChannels, fm.nFreq, fm.nTime), y: this.ys[i] };
  }
}

/** The same crop as fit's item transform over the uncropped examples in the model layout. */
const cropItem: ItemTransform = {
  outShape: [CROP_T, F, C],
  apply(x, { epoch, index }) {
    let fm: FeatureMap = { data: fromModelLayout(x, C, F, RAW_T), nChannels: C, nFreq: F, nTime: RAW_T };
    const rng = new Rng(`crop|${SEED}|${epoch}|${index}`);
    fm = crop.apply(fm, crop.draw(rng, fm)) as FeatureMap;
    return toModelLayout(fm.data, fm.nChannels, fm.nFreq, fm.nTime);
  },
};

/** hu2020's reading of the checkpoint directory: the last complete epoch (-1 if none). */
function checkpointEpoch(dir: string): number {
  const latest = join(dir, 'latest.json');
  return existsSync(latest) ? Number((JSON.parse(readFileSync(latest, 'utf8')) as { epoch: number }).epoch) : -1;
}

const data = store(26, 1);
const fullSet = () => arrayDataset(data.maps.map((m) => toModelLayout(m, C, F, RAW_T)), data.ys, [RAW_T, F, C]);

/** A fresh online augmentation per fit call, as a restarted job builds it:
 * SpecAugment on the crop (as a feature map), then mixup and SamplePairing. */
function augment() {
  const shape = { nChannels: C, nFreq: F, nTime: CROP_T };
  return onlineAugment(
    [
      { name: 'spec_augment', params: { freqMaskParam: 2, timeMaskParam: 3 } },
      { name: 'mixup', params: { alpha: 0.4 } },
      { name: 'sample_pairing', p: 0.5 },
    ],
    SEED,
    shape,
    {
      toFeatureMap: (row) => ({ ...shape, data: fromModelLayout(row, C, F, CROP_T) }),
      fromFeatureMap: (fm) => toModelLayout(fm.data, fm.nChannels, fm.nFreq, fm.nTime),
    },
  );
}

const base = {
  build: () => tinyModel(),
  batchSize: 8,
  loss: 'categoricalCrossentropy' as const,
  optimizer: { kind: 'adam' as const, lr: 0.01 },
  progress: 'none' as const,
  seed: SEED,
  classBalanced: true,
};

type Run = { weights: number[][]; history: number[][] };
function summary(r: FitResult): Run {
  const out = { weights: r.model.getWeights().map((w) => Array.from(w.dataSync())), history: r.history.map((h) => [h.loss, h.acc, h.lr]) };
  r.model.dispose();
  return out;
}

/** Trains to `epochs` through the crop dataset, one fit call per stop (resuming from the checkpoint). */
async function viaTrainingSet(stops: number[], dir: string | undefined, restorePass = true): Promise<Run> {
  let last: FitResult | null = null;
  for (const epochs of stops) {
    last?.model.dispose();
    const ts = new TrainingSetLike(data.maps, data.ys, restorePass && dir ? checkpointEpoch(dir) + 1 : 0);
    last = await fit({ ...base, train: ts, epochs, augment: augment(), checkpointDir: dir, onEpochEnd: (r) => (ts.pass = r.epoch) });
  }
  return summary(last!);
}

async function viaItemTransform(stops: number[], dir: string | undefined): Promise<Run> {
  let last: FitResult | null = null;
  for (const epochs of stops) {
    last?.model.dispose();
    last = await fit({ ...base, train: fullSet(), itemTransform: cropItem, epochs, augment: augment(), checkpointDir: dir });
  }
  return summary(last!);
}

describe('fit itemTransform', () => {
  it("trains bit for bit like hu2020's crop-at-read dataset, uninterrupted and across a checkpoint resume", async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'item-transform-'));
    const reference = await viaTrainingSet([4], undefined);
    const item = await viaItemTransform([4], undefined);
    expect(item.history).toEqual(reference.history);
    expect(item.weights).toEqual(reference.weights);

    const resumedReference = await viaTrainingSet([2, 4], join(tmp, 'a'));
    const resumedItem = await viaItemTransform([2, 4], join(tmp, 'b'));
    expect(resumedReference).toEqual(reference);
    expect(resumedItem).toEqual(reference);

    // The comparison sees the crops: a resumed TrainingSet whose pass is not
    // restored (it draws epoch 0's crops again) trains differently.
    const wrongPass = await viaTrainingSet([2, 4], join(tmp, 'c'), false);
    expect(wrongPass.history.slice(0, 2)).toEqual(reference.history.slice(0, 2));
    expect(wrongPass.history[2]).not.toEqual(reference.history[2]);
  });

  it('reads each training example once per epoch with the 0-based trainer epoch (continued on resume); validation is not transformed', async () => {
    const calls: ItemContext[] = [];
    const recording: ItemTransform = {
      outShape: cropItem.outShape,
      apply: (x, ctx) => {
        calls.push(ctx);
        return cropItem.apply(x, ctx);
      },
    };
    const validation = arrayDataset(
      data.maps.slice(0, 6).map((m) => toModelLayout(m.subarray(0, C * F * CROP_T), C, F, CROP_T)),
      data.ys.slice(0, 6),
      [CROP_T, F, C],
    );
    const dir = mkdtempSync(join(tmpdir(), 'item-calls-'));
    const opts: FitOptions = { ...base, classBalanced: false, train: fullSet(), validation, itemTransform: recording, epochs: 1, checkpointDir: dir };
    (await fit(opts)).model.dispose();
    (await fit({ ...opts, epochs: 3 })).model.dispose();
    const all = Array.from({ length: data.maps.length }, (_, i) => i);
    for (const epoch of [0, 1, 2]) {
      expect(calls.filter((c) => c.epoch === epoch).map((c) => c.index).sort((a, b) => a - b)).toEqual(all);
    }
    expect(calls).toHaveLength(3 * all.length);
  });

  it('checks the transformed shape against the model and the values each call returns', async () => {
    await expect(fit({ ...base, train: fullSet(), itemTransform: { ...cropItem, outShape: [CROP_T + 1, F, C] }, epochs: 1 })).rejects.toThrow(
      /itemTransform.outShape \[9,6,1\] does not fit the model's input shape \[8,6,1\]/,
    );
    const short: ItemTransform = { outShape: cropItem.outShape, apply: (x, ctx) => cropItem.apply(x, ctx).subarray(1) };
    await expect(fit({ ...base, train: fullSet(), itemTransform: short, epochs: 1 })).rejects.toThrow(
      /itemTransform: example \d+ \(epoch 0\) came out as 47 values, outShape \[8,6,1\] needs 48/,
    );
    await expect(fit({ ...base, train: fullSet(), itemTransform: { ...cropItem, outShape: [8, 0, 1] }, epochs: 1 })).rejects.toThrow(
      /outShape must be a list of positive integers, got \[8,0,1\]/,
    );
  });
});
