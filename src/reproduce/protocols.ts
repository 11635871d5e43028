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

/** Seed of the random by-clip folds (the leakage audit's arm (b)). */
export const RANDOM_FOLDS_SEED = 'esc';
/** Seed of the random folds of an augmented set (arm (c): augment first, then split). */
export const AUGMENTED_FOLDS_SEED = 'esc-augmented';

/** The fold-based protocols a study may name. */
export const FOLD_PROTOCOLS = ['source-folds', 'random-clip-folds', 'augment-then-random-folds'] as const;

/**
 * 1-based test fold per clip id under a protocol, for data in folds 1..k:
 * `source-folds` keeps the data's folds (official, listed or made by source
 * recording), `random-clip-folds` deals clips out at random; null for
 * `augment-then-random-folds`, whose split is made after the offline copies
 * (`randomClipFolds` on the expanded set with AUGMENTED_FOLDS_SEED).
 */
export function protocolFolds(
  protocol: string,
  clips: readonly { id: string; sourceId: string; labels: readonly string[]; fold: number | string }[],
  k: number,
): Map<string, number> | null {
  if (protocol === 'source-folds') return new Map(clips.map((c) => [c.id, Number(c.fold)]));
  if (protocol === 'random-clip-folds') return randomClipFolds(clips.map((c) => ({ id: c.id, sourceId: c.sourceId, label: c.labels[0] })), k, RANDOM_FOLDS_SEED);
  if (protocol === 'augment-then-random-folds') return null;
  throw new InvalidParameterError(`unknown protocol '${protocol}' (fold-based data: ${FOLD_PROTOCOLS.join(', ')})`);
}

/** Hold out `fraction` of the training side's source recordings (at least
 * one, and at least one left for training), seeded by (stream, seed, fold). */
export function holdOutBySource<R extends { sourceId: string }>(
  trainSide: readonly R[],
  fraction: number,
  seed: number,
  fold: number,
  stream = 'validation',
): { train: R[]; validation: R[] } {
  if (!(fraction > 0)) return { train: [...trainSide], validation: [] };
  const sources = [...new Set(trainSide.map((r) => r.sourceId))].sort();
  if (sources.length < 2) {
    throw new InvalidParameterError(`validation: the training folds have ${sources.length} source recording(s); at least 2 are needed to hold one out`);
  }
  const rng = new Rng(`${stream}|${seed}|${fold}`);
  rng.shuffle(sources);
  const nVal = Math.min(sources.length - 1, Math.max(1, Math.round(fraction * sources.length)));
  const held = new Set(sources.slice(0, nVal));
  return { train: trainSide.filter((r) => !held.has(r.sourceId)), validation: trainSide.filter((r) => held.has(r.sourceId)) };
}
