/**
 * Evaluation protocols: how clips are assigned to folds. Used by the
 * pipelines and by the leakage audit, which compares them:
 *  - `sourceGroupedFolds`: k folds, every source recording in exactly one
 *    fold, stratified by class (the ESC-50 / CHiME-Home / TAU way);
 *  - `randomClipFolds`: k folds at random by clip, ignoring the source (so
 *    takes A/B/C of one recording land on both sides of a split);
 * The third audit arm (augment first, then split at random) is the pipeline
 * building augmented copies before calling `randomClipFolds` on the copies.
 */
import { Rng } from '../util/rng.js';
import { InvalidParameterError } from '../util/errors.js';
import type { FoldItem } from '../data/folds.js';

// Source-grouped folds are a property of the data (src/data/folds.ts); kept
// here under their old name for the harness and the leakage audit.
export { sourceGroupedFolds, type FoldItem } from '../data/folds.js';

/** 1-based fold per item id, at random by clip (sources ignored). */
export function randomClipFolds(items: readonly FoldItem[], k: number, seed: number | string): Map<string, number> {
  if (!(Number.isInteger(k) && k >= 2)) throw new InvalidParameterError(`randomClipFolds: k must be an integer >= 2, got ${k}`);
  const rng = new Rng(`random-folds|${seed}`);
  const ids = items.map((it) => it.id).sort();
  rng.shuffle(ids);
  return new Map(ids.map((id, i) => [id, (i % k) + 1]));
}

/** Source ids found on both sides of a split (the leakage a split allows). */
export function leakedSources(train: readonly { sourceId: string }[], test: readonly { sourceId: string }[]): string[] {
  const inTrain = new Set(train.map((t) => t.sourceId));
  return [...new Set(test.map((t) => t.sourceId))].filter((s) => inTrain.has(s)).sort();
}
