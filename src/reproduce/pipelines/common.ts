/**
 * Pieces the three paper pipelines share: finding a dataset (a verified
 * download, a user-given directory, or a fallback) with its honest status,
 * offline waveform augmentation through the catalogue, the online-augment
 * adapter for the trainer, and argmax accuracy.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createTransform, getEntry } from '../../augment/catalogue.js';
import { SamplePairing, type PartnerPool } from '../../augment/mix/sample-pairing.js';
import { InvalidParameterError } from '../../util/errors.js';
import { OnlineAugmenter, Pipeline } from '../../augment/pipeline.js';
import type { Waveform } from '../../audio/types.js';
import type { FeatureMap } from '../../features/types.js';
import type { AugmentRefT } from '../experiment-schema.js';
import type { BatchAugment, Dataset } from '../../train/batches.js';
import { batchAccuracy } from '../../train/losses.js';
import { getManifest } from '../../data/manifests.js';
import { datasetPaths, resolveDataRoot } from '../../data/data-root.js';
import { readMarker } from '../../data/marker.js';
import type { DataStatus } from '../results.js';
import { Rng } from '../../util/rng.js';
import type { Batch as MixBatch } from '../../augment/mix/batch.js';

export interface LocatedDataset {
  root: string;
  status: DataStatus;
}

/** A dataset fetched by `audio-aug-lab data fetch` into the data root (or a
 * data root given as --data-dir), with its marker's verification status. */
export function fetchedDataset(manifestId: string, dataRootFlag?: string): LocatedDataset | null {
  let manifest;
  try {
    manifest = getManifest(manifestId);
  } catch {
    return null;
  }
  const paths = datasetPaths(resolveDataRoot(dataRootFlag), manifest);
  const marker = readMarker(paths.marker);
  if (!marker || !marker.extracted || !existsSync(paths.datasetRoot)) return null;
  const downloads = Object.values(marker.downloads);
  const verified = downloads.length > 0 && downloads.every((d) => d.checkedAgainst.length > 0 && d.manifestValuesVerified);
  return {
    root: paths.datasetRoot,
    status: {
      dataset: manifestId,
      status: verified ? 'verified' : 'unverified',
      root: paths.datasetRoot,
      detail: verified
        ? `fetched and verified against the manifest's published checksums (${downloads.map((d) => d.fileName).join(', ')})`
        : "fetched, but the manifest's checksums are not confirmed published values",
    },
  };
}

/** Waveform transforms from catalogue references. */
export function waveformTransforms(refs: readonly AugmentRefT[]) {
  return refs.map((r) => ({ ref: r, transform: createTransform(r.name, r.params as never) }));
}

/** Each offline augmentation applied once to a waveform (one derived clip per
 * reference), seeded by (seed, clip id, reference index). */
export function offlineCopies(w: Waveform, clipId: string, refs: readonly AugmentRefT[], seed: number): { name: string; w: Waveform }[] {
  return waveformTransforms(refs).map(({ ref, transform }, i) => {
    const rng = new Rng(`offline|${seed}|${clipId}|${i}`);
    const drawn = transform.draw(rng, w);
    return { name: `${ref.name}(${JSON.stringify(ref.params)})`, w: transform.apply(w, drawn) as Waveform };
  });
}

/** The training set as SamplePairing's partner pool. */
export function datasetPool(ds: Dataset): PartnerPool {
  return { size: ds.size, row: (i) => ds.get(i).x };
}

/** Online augmentation for the trainer: item transforms (catalogue targets
 * 'spectrogram' and 'image': SpecAugment, crop, TAA, channel confusion) on
 * each row as a (channel, freq, time) map, then batch transforms (target
 * 'batch': mixup, SamplePairing, ...), drawn per (seed, epoch, batch) by the
 * catalogue's OnlineAugmenter. SamplePairing draws its partners from the
 * whole training set (the trainer's dataset, bound on the first batch).
 * `layout` converts a row between the model's layout and the feature-map
 * layout (null when they coincide). */
export function onlineAugment(
  refs: readonly AugmentRefT[],
  seed: number,
  shape: { nChannels: number; nFreq: number; nTime: number },
  layout: { toFeatureMap(row: Float32Array): FeatureMap; fromFeatureMap(fm: FeatureMap): Float32Array } | null,
): BatchAugment | undefined {
  if (refs.length === 0) return undefined;
  const kinds = refs.map((r) => getEntry(r.name).target);
  const waveform = refs.filter((_, i) => kinds[i] === 'waveform').map((r) => r.name);
  if (waveform.length) throw new InvalidParameterError(`online augmentation acts on features; ${waveform.join(', ')} act on waveforms (use augment.offline)`);
  let augmenter: OnlineAugmenter | null = null;
  const build = (train: Dataset) => {
    const made = refs.map((r) => {
      let t = createTransform(r.name, r.params as never);
      if (t instanceof SamplePairing) t = t.withPool(datasetPool(train));
      return { transform: t as never, p: r.p };
    });
    const itemSteps = made.filter((_, i) => kinds[i] !== 'batch');
    const batchSteps = made.filter((_, i) => kinds[i] === 'batch');
    return {
      hasItems: itemSteps.length > 0,
      augmenter: new OnlineAugmenter({
        seed,
        item: itemSteps.length ? new Pipeline<FeatureMap>(itemSteps) : undefined,
        itemShape: itemSteps.length ? shape : undefined,
        batch: batchSteps.length ? new Pipeline<MixBatch>(batchSteps) : undefined,
      }),
    };
  };
  let hasItems = false;
  return (batch, _rng, ctx) => {
    if (!augmenter) ({ augmenter, hasItems } = build(ctx.dataset));
    const convert = layout && hasItems;
    let x = batch.x;
    if (convert) {
      const size = batch.xSize;
      x = new Float32Array(batch.x.length);
      for (let i = 0; i < batch.n; i++) x.set(layout.toFeatureMap(batch.x.subarray(i * size, (i + 1) * size)).data, i * size);
    }
    const out = augmenter.apply({ x, y: batch.y, n: batch.n, xSize: batch.xSize, ySize: batch.ySize }, { epoch: ctx.epoch, batchIndex: ctx.batchIndex }).batch;
    let ox = out.x;
    if (convert) {
      ox = new Float32Array(out.x.length);
      const size = out.xSize;
      for (let i = 0; i < out.n; i++) {
        ox.set(layout.fromFeatureMap({ ...shape, data: out.x.subarray(i * size, (i + 1) * size) as Float32Array }), i * size);
      }
    }
    return { x: ox, y: out.y, n: out.n, xSize: out.xSize, ySize: out.ySize, indices: batch.indices };
  };
}

/** Fraction of rows whose argmax matches the truth's argmax (the trainer's categorical accuracy). */
export function argmaxAccuracy(probs: Float32Array, truth: Float32Array, nClasses: number): number {
  return batchAccuracy('categoricalCrossentropy', truth, probs, nClasses);
}

export function oneHot(index: number, n: number): Float32Array {
  const y = new Float32Array(n);
  y[index] = 1;
  return y;
}

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
