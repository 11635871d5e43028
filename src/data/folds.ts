/**
 * Folds made from the data when a dataset gives none it may use: every
 * source recording in exactly one fold, stratified by class (the ESC-50 /
 * CHiME-Home / TAU way of keeping takes of one recording on one side of a
 * split). Pure functions of the clip list: the data sources
 * (src/data/sources/) and the harness's protocols (src/reproduce/protocols.ts,
 * which re-exports `sourceGroupedFolds`) share them.
 */
import { Rng } from '../util/rng.js';
import { InvalidParameterError } from '../util/errors.js';

export interface FoldItem {
  id: string;
  sourceId: string;
  /** Class used for stratification (first label). */
  label: string;
}

/** 1-based fold per item id. Sources are dealt to folds class by class in a
 * seeded order, so fold sizes per class differ by at most one source. */
export function sourceGroupedFolds(items: readonly FoldItem[], k: number, seed: number | string): Map<string, number> {
  if (!(Number.isInteger(k) && k >= 2)) throw new InvalidParameterError(`sourceGroupedFolds: k must be an integer >= 2, got ${k}`);
  const rng = new Rng(`folds|${seed}`);
  const sourcesByLabel = new Map<string, string[]>();
  const labelOfSource = new Map<string, string>();
  for (const it of items) {
    if (!labelOfSource.has(it.sourceId)) {
      labelOfSource.set(it.sourceId, it.label);
      if (!sourcesByLabel.has(it.label)) sourcesByLabel.set(it.label, []);
      sourcesByLabel.get(it.label)!.push(it.sourceId);
    }
  }
  const foldOfSource = new Map<string, number>();
  let offset = 0;
  for (const label of [...sourcesByLabel.keys()].sort()) {
    const sources = [...sourcesByLabel.get(label)!].sort();
    rng.shuffle(sources);
    sources.forEach((s, i) => foldOfSource.set(s, ((i + offset) % k) + 1));
    offset += sources.length; // rotate so small classes do not all start at fold 1
  }
  return new Map(items.map((it) => [it.id, foldOfSource.get(it.sourceId)!]));
}

/**
 * How many source-grouped folds a clip list supports: the fewest source
 * recordings of any class, at least 2 and at most `max` (default 5, ESC-50's
 * fold count). With fewer sources than folds a class would be missing from
 * some test folds.
 */
export function sourceFoldCount(items: readonly Pick<FoldItem, 'sourceId' | 'label'>[], max = 5): number {
  const sources = new Map<string, Set<string>>();
  for (const it of items) {
    if (!sources.has(it.label)) sources.set(it.label, new Set());
    sources.get(it.label)!.add(it.sourceId);
  }
  const minSources = Math.min(...[...sources.values()].map((s) => s.size));
  return Math.max(2, Math.min(max, minSources));
}
