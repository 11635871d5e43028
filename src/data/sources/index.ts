/**
 * The dataset registry: one source per `dataset.id` an experiment or a
 * user's study may name. `locateDataset` says where the data would come
 * from, its status and what blocks a budget, without writing anything;
 * `loadDataset` returns the clips (building a stand-in for a smoke run when
 * the real data is absent and the source has one).
 *
 *   id                  data                                       stand-in (smoke only)
 *   esc50               ESC-50; subset esc10 = the ESC-10 view     (the embedded ESC-10 sample, status 'sample', any budget)
 *   chime-home          CHiME-Home, DCASE 2016 task 4              CHiME-Home-like
 *   tau2020-mobile-dev  TAU 2020 Mobile, task 1a; subset 3class    TAU-2020-like
 *   tau2020-3class-dev  TAU 2020 3Class, task 1b                   TAU-2020-3Class-like
 *   folder              the user's folder (--data-dir)             none
 */
import { InvalidParameterError } from '../../util/errors.js';
import { chimeHomeSource } from './chime-home.js';
import { esc50Source } from './esc50.js';
import { folderSource } from './folder.js';
import { tau2020MobileSource, tau2020ThreeClassSource } from './tau2020.js';
import type { Clip, DatasetLocation, DatasetRequest, DatasetSource, LoadedDataset, SourceContext } from './types.js';

export * from './types.js';
export { fetchedDataset, type FetchedDataset } from './fetched.js';
export { capPerClass } from './cap.js';
export { capPerScene, TAU_3CLASS_CLASSES, TAU_TASKS, type TauTask, type TauTaskInfo } from './tau2020.js';
export { LABELS_FILE, LABELS_COLUMNS } from './folder.js';

const SOURCES: readonly DatasetSource[] = [esc50Source, chimeHomeSource, tau2020MobileSource, tau2020ThreeClassSource, folderSource];

export const DATASET_IDS: readonly string[] = SOURCES.map((s) => s.id);

export function isDatasetId(id: string): boolean {
  return DATASET_IDS.includes(id);
}

/** The source of a dataset id, or an InvalidParameterError listing the known ids. */
export function datasetSource(id: string): DatasetSource {
  const s = SOURCES.find((x) => x.id === id);
  if (!s) throw new InvalidParameterError(`unknown dataset '${id}' (known: ${DATASET_IDS.join(', ')})`);
  return s;
}

const asRequest = (req: DatasetRequest | string): DatasetRequest => (typeof req === 'string' ? { id: req } : req);

/** Where a dataset would come from, its status, and what blocks `ctx.budget` (null: nothing). Writes nothing.
 * Throws only for a request no data could satisfy (unknown id or subset). */
export function locateDataset(req: DatasetRequest | string, ctx: SourceContext): DatasetLocation {
  const r = asRequest(req);
  return datasetSource(r.id).locate(r, ctx);
}

/** The dataset's clips for `ctx.budget` (a stand-in is built into ctx.workDir when needed and allowed). */
export function loadDataset(req: DatasetRequest | string, ctx: SourceContext): LoadedDataset {
  const r = asRequest(req);
  return datasetSource(r.id).load(r, ctx);
}

/** A named list of a loaded dataset (tau: train, evaluate; chime-home: development, evaluation). */
export function datasetList(ds: LoadedDataset, name: string): Clip[] {
  const list = ds.lists[name];
  if (!list) {
    const known = Object.keys(ds.lists);
    throw new InvalidParameterError(`${ds.root}: dataset ${ds.id} has no '${name}' list here (${known.length ? `lists: ${known.join(', ')}` : 'it has folds, no lists'})`);
  }
  return list;
}
