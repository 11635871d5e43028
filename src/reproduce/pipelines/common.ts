/**
 * Pieces the three paper pipelines share: finding a dataset (a verified
 * download, a user-given directory, or a fallback) with its honest status,
 * offline waveform augmentation through the catalogue, and argmax accuracy.
 * (Online augmentation is the library's: ../../augment/online.ts.)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createTransform } from '../../augment/catalogue.js';
import type { Waveform } from '../../audio/types.js';
import type { AugmentRefT } from '../experiment-schema.js';
import { batchAccuracy } from '../../train/losses.js';
import { getManifest } from '../../data/manifests.js';
import { datasetPaths, resolveDataRoot } from '../../data/data-root.js';
import { readMarker } from '../../data/marker.js';
import type { DataStatus } from '../results.js';
import { Rng } from '../../util/rng.js';

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
