/**
 * ESC-50 (and its ESC-10 view, subset 'esc10'). Data, in order of
 * preference: --data-dir (an ESC-50 root, or a data root holding a fetched
 * `esc50`), a verified download in the data root, else the embedded ESC-10
 * sample (data-manifests/samples/esc10). Only a verified full ESC-50 (all
 * 2000 clips) keeps the official folds; anything else is split into folds
 * by source recording (`src_file`, `sourceGroupedFolds` with seed
 * MADE_FOLDS_SEED, as many folds as the clips support: `sourceFoldCount`)
 * and reported as different data.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { esc10View, loadEsc50, type Esc50Record } from '../loaders/esc50.js';
import { sourceFoldCount, sourceGroupedFolds } from '../folds.js';
import { EMBEDDED_SAMPLE_DIR } from '../stand-ins/index.js';
import { InvalidParameterError } from '../../util/errors.js';
import { capPerClass } from './cap.js';
import { fetchedDataset } from './fetched.js';
import { MADE_FOLDS_SEED, type DataOrigin, type DataStatus, type DatasetLocation, type DatasetRequest, type DatasetSource, type LoadedDataset, type SourceContext } from './types.js';

export interface EscData {
  root: string;
  records: Esc50Record[];
  status: DataStatus;
  /** The official five folds apply (a complete, verified ESC-50). */
  official: boolean;
  origin: Exclude<DataOrigin, 'stand-in' | 'none'>;
}

/** The ESC-50 copy at `root` (full, the fold-4 subset, or the embedded sample's layout), or null. */
export function esc50At(root: string, status: DataStatus['status'], detail: string, origin: EscData['origin']): EscData | null {
  const full = join(root, 'meta', 'esc50.csv');
  const fold4 = join(root, 'meta', 'esc50-fold4-dev.csv');
  const sample = join(root, 'meta.csv');
  if (existsSync(fold4) && existsSync(join(root, 'audio'))) {
    return {
      root,
      records: loadEsc50({ root, metadataFile: 'meta/esc50-fold4-dev.csv' }),
      status: { dataset: 'esc50', status: 'partial', root, detail: 'ESC-50 fold-4 clips of 38 classes (a subset), split into folds by src_file' },
      official: false,
      origin,
    };
  }
  if (existsSync(full) && existsSync(join(root, 'audio'))) {
    const records = loadEsc50({ root }).filter((r) => existsSync(r.audioPath));
    const complete = records.length === 2000;
    return {
      root,
      records,
      status: { dataset: 'esc50', status: complete ? status : 'partial', root, detail: complete ? detail : `${records.length} of 2000 ESC-50 clips present` },
      official: complete,
      origin,
    };
  }
  if (existsSync(sample)) {
    return {
      root,
      records: loadEsc50({ root, metadataFile: 'meta.csv' }),
      status: { dataset: 'esc50', status: 'sample', root, detail: 'the embedded ESC-10 sample (2 clips per class, 22.05 kHz), split into folds by src_file' },
      official: false,
      origin,
    };
  }
  return null;
}

/** Where ESC-50 comes from (throws InvalidParameterError when --data-dir holds none). */
export function findEsc50(ctx: Pick<SourceContext, 'dataDir'>): EscData {
  if (ctx.dataDir) {
    const fetched = fetchedDataset('esc50', ctx.dataDir);
    if (fetched) {
      const d = esc50At(fetched.root, fetched.status.status, fetched.status.detail, 'fetched');
      if (d) return d;
    }
    const d = esc50At(ctx.dataDir, 'unverified', 'an ESC-50 directory given with --data-dir, not checked against the manifest', 'given');
    if (d) return d;
    throw new InvalidParameterError(`--data-dir ${ctx.dataDir}: no ESC-50 found (expected meta/esc50.csv and audio/, or a data root with esc50/)`);
  }
  const fetched = fetchedDataset('esc50');
  if (fetched) {
    const d = esc50At(fetched.root, fetched.status.status, fetched.status.detail, 'fetched');
    if (d) return d;
  }
  const d = esc50At(EMBEDDED_SAMPLE_DIR, 'sample', '', 'sample');
  if (!d) throw new InvalidParameterError(`the embedded sample is missing at ${EMBEDDED_SAMPLE_DIR}`);
  return d;
}

const SUBSETS = ['esc10', 'esc50', 'all'] as const;

function checkSubset(req: DatasetRequest): void {
  if (req.subset !== undefined && !(SUBSETS as readonly string[]).includes(req.subset)) {
    throw new InvalidParameterError(`dataset esc50: unknown subset '${req.subset}' (known: ${SUBSETS.join(', ')})`);
  }
}

/** The requested view of the records: ESC-10 rows for subset 'esc10', else all. */
export function esc50View(req: DatasetRequest, data: EscData): Esc50Record[] {
  const recs = req.subset === 'esc10' ? esc10View(data.records) : data.records;
  if (recs.length === 0) throw new InvalidParameterError(`no ${req.subset ?? ''} clips in ${data.status.root}`);
  return recs;
}

function locate(req: DatasetRequest, ctx: SourceContext): DatasetLocation {
  checkSubset(req);
  try {
    const d = findEsc50(ctx);
    return { id: 'esc50', status: d.status, origin: d.origin, blocker: null };
  } catch (e) {
    const message = (e as Error).message;
    return { id: 'esc50', status: { dataset: 'esc50', status: 'unverified', root: ctx.dataDir ?? '', detail: message }, origin: 'none', blocker: message };
  }
}

function load(req: DatasetRequest, ctx: SourceContext): LoadedDataset {
  checkSubset(req);
  const data = findEsc50(ctx);
  let recs = esc50View(req, data);
  // A capped list is no longer the official benchmark.
  const official = data.official && req.maxClipsPerClass === undefined;
  if (req.maxClipsPerClass !== undefined) recs = capPerClass(recs, req.maxClipsPerClass, 'esc50');
  const items = recs.map((r) => ({ id: r.id, sourceId: r.sourceId, label: r.labels[0] }));
  const folds = official ? 5 : (req.makeFolds ?? sourceFoldCount(items));
  const made = official ? null : sourceGroupedFolds(items, folds, MADE_FOLDS_SEED);
  return {
    id: 'esc50',
    status: data.status,
    origin: data.origin,
    root: data.root,
    clips: made ? recs.map((r) => ({ ...r, fold: made.get(r.id)! })) : recs,
    lists: {},
    classes: [...new Set(recs.map((r) => r.labels[0]))].sort(),
    multiLabel: false,
    officialFolds: official,
    folds,
  };
}

export const esc50Source: DatasetSource = {
  id: 'esc50',
  title: 'ESC-50 environmental sounds (subset esc10: the ESC-10 view)',
  subsets: SUBSETS,
  locate,
  load,
};
