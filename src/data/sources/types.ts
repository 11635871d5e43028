/**
 * Data sources: where an experiment's dataset comes from (a verified
 * download, a directory given with --data-dir, the embedded sample, a
 * stand-in built from it, or a user's own folder), how honest that data is
 * (`DataStatus`), and its clips in a fixed order. One source per dataset id
 * (src/data/sources/index.ts is the registry); the harness asks
 * `locateDataset` (no side effects) and `loadDataset` (may build a stand-in)
 * instead of each paper finding its data itself.
 */
import type { ClipRecord } from '../loaders/types.js';

/** Where a run's data came from and how far it can be trusted; recorded in
 * every result file and shown in every report. */
export interface DataStatus {
  dataset: string;
  /** verified: on disk and passing its manifest checksums; fixture: a format
   * fixture built from ESC-50; partial: a subset of the real data (e.g. the
   * ESC-50 fold-4 clips, e.g. from $AUDIO_AUG_LAB_DATA/esc50); sample: the embedded sample. */
  status: 'verified' | 'fixture' | 'partial' | 'sample' | 'unverified';
  root: string;
  detail: string;
}

export type DataStatusKind = DataStatus['status'];

/** The run budgets (the harness's BudgetName): only smoke runs may use a stand-in. */
export type SourceBudget = 'smoke' | 'quick' | 'full';

export interface SourceContext {
  /** The directory given with --data-dir (a dataset root, a data root, or the user's folder). */
  dataDir?: string;
  /** Where stand-ins are built (`<workDir>/fixtures/<name>`). */
  workDir: string;
  budget: SourceBudget;
  log(line: string): void;
}

/** What an experiment asks for: its `dataset` block and its budget's clip cap. */
export interface DatasetRequest {
  /** Registry id: esc50, chime-home, tau2020-mobile-dev, tau2020-3class-dev, folder. */
  id: string;
  /** A view of the dataset (esc50: 'esc10'; tau2020-mobile-dev: '3class'). */
  subset?: string;
  /** Keep at most this many clips per class (per scene for TAU), chosen with a fixed seed. */
  maxClipsPerClass?: number;
  /**
   * How many folds to make from the source recordings when the data's own
   * folds are not used (a partial ESC-50 copy, a labels.csv without a fold
   * column); default `sourceFoldCount` (the fewest recordings of any class,
   * 2..5). Official or listed folds are never changed.
   */
  makeFolds?: number;
}

/**
 * One clip. The loaders' records as they are (Esc50Record, TauRecord, ...
 * keep their extra fields), with `fold` the fold the clip is tested in
 * (see LoadedDataset.officialFolds) or its list's name.
 */
export interface Clip extends ClipRecord<number | string> {
  /** TAU: the 10-class scene of the file name (also when `labels` holds its 3-class parent). */
  scene?: string;
}

/**
 * Where the clips come from:
 * - fetched: a download fetched into the data root (or into a data root given
 *   with --data-dir), found by its marker;
 * - given: a dataset directory given with --data-dir (also a built stand-in,
 *   or the user's folder);
 * - sample: the embedded ESC-10 sample (esc50 without other data);
 * - stand-in: built into the work directory by `loadDataset` (or reused);
 * - none: nothing usable (the blocker says why).
 */
export type DataOrigin = 'fetched' | 'given' | 'sample' | 'stand-in' | 'none';

/** Where a dataset would come from. Computed without writing anything. */
export interface DatasetLocation {
  /** Registry id. */
  id: string;
  /** What a result made from it records (also when it cannot be used: then `detail` says why). */
  status: DataStatus;
  origin: DataOrigin;
  /** Why the budget cannot run on it; null when it can. */
  blocker: string | null;
}

export interface LoadedDataset {
  id: string;
  status: DataStatus;
  /** fetched, given, sample or stand-in. */
  origin: Exclude<DataOrigin, 'none'>;
  /** The directory the clips were read from. */
  root: string;
  /**
   * The clips, in the dataset's own list order. Cross-validated datasets:
   * the whole pool with `fold` 1..folds. Datasets with a fixed split
   * (TAU 2020): every list's clips, list after list (see `lists`).
   */
  clips: Clip[];
  /** Named lists of a fixed split (tau: train, evaluate; chime-home:
   * development, evaluation when its list exists); empty for fold-only data. */
  lists: Readonly<Record<string, Clip[]>>;
  /** Class names in model-output order. */
  classes: string[];
  /** Clips may carry zero or several labels (CHiME-Home tagging). */
  multiLabel: boolean;
  /** true: `fold` is the dataset's own (official, or listed by the user);
   * false: made by `sourceGroupedFolds` (seed MADE_FOLDS_SEED) from the clips at hand. */
  officialFolds: boolean;
  /** Folds 1..folds that `fold` takes; null when the split is given by `lists` only. */
  folds: number | null;
}

/** One dataset id of the registry. */
export interface DatasetSource {
  id: string;
  /** What the data is, in a few words. */
  title: string;
  /** Accepted `subset` values (undefined = the whole dataset is always accepted). */
  subsets: readonly string[];
  locate(req: DatasetRequest, ctx: SourceContext): DatasetLocation;
  load(req: DatasetRequest, ctx: SourceContext): LoadedDataset;
}

/**
 * Seed of the folds made from source recordings when a dataset's own folds
 * are not used: the one the ESC-50 pipeline always used ('esc'), for every
 * source, so a user's folder holding ESC-50 clips gets the esc50 source's folds.
 */
export const MADE_FOLDS_SEED = 'esc';
