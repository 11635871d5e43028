/**
 * ESC-50 loader, from `meta/esc50.csv` (columns filename, fold, target,
 * category, esc10, src_file, take). Labels: [category]; fold: 1-5 (the
 * official folds); source id: `src_file` (the Freesound recording the clip
 * was cut from). ESC-10 is a view: the rows whose esc10 column is True.
 * Audio: `audio/<filename>`. Any other metadata file with the same columns
 * (e.g. the fold-4 subset list `meta/esc50-fold4-dev.csv` of a partial copy) can be given.
 */
import { join } from 'node:path';
import { MetadataError } from '../errors.js';
import { columnIndex, readTable } from './table.js';
import type { ClipRecord } from './types.js';

export interface Esc50Record extends ClipRecord<number> {
  target: number;
  esc10: boolean;
  take: string;
}

export interface Esc50Options {
  /** Dataset root (the `ESC-50-master/` directory of the archive). */
  root: string;
  /** Metadata CSV relative to root (default `meta/esc50.csv`), or an absolute path. */
  metadataFile?: string;
}

const COLUMNS = ['filename', 'fold', 'target', 'category', 'esc10', 'src_file', 'take'] as const;

export function loadEsc50(opts: Esc50Options): Esc50Record[] {
  const meta = opts.metadataFile ?? 'meta/esc50.csv';
  const file = meta.startsWith('/') ? meta : join(opts.root, meta);
  const t = readTable(file, { header: true });
  const c = columnIndex(t, COLUMNS);
  const categoryOfTarget = new Map<number, string>();
  return t.rows.map((r, i) => {
    const where = `line ${t.lines[i]}`;
    const fold = Number(r[c.fold]);
    const target = Number(r[c.target]);
    const esc10 = r[c.esc10];
    const category = r[c.category];
    if (!Number.isInteger(fold) || fold < 1 || fold > 5) throw new MetadataError(`${where}: fold '${r[c.fold]}' is not 1-5`, file);
    if (!Number.isInteger(target) || target < 0 || target > 49) throw new MetadataError(`${where}: target '${r[c.target]}' is not 0-49`, file);
    if (esc10 !== 'True' && esc10 !== 'False') throw new MetadataError(`${where}: esc10 '${esc10}' is not True/False`, file);
    const known = categoryOfTarget.get(target);
    if (known !== undefined && known !== category) {
      throw new MetadataError(`${where}: target ${target} is '${category}' here but '${known}' earlier`, file);
    }
    categoryOfTarget.set(target, category);
    const filename = r[c.filename];
    return {
      id: filename.replace(/\.wav$/, ''),
      audioPath: join(opts.root, 'audio', filename),
      labels: [category],
      fold,
      sourceId: r[c.src_file],
      target,
      esc10: esc10 === 'True',
      take: r[c.take],
    };
  });
}

/** The ten ESC-10 categories (ESC-50's esc10 column; Piczak 2015), for lists that carry only class names. */
export const ESC10_CATEGORIES: readonly string[] = [
  'chainsaw',
  'clock_tick',
  'crackling_fire',
  'crying_baby',
  'dog',
  'helicopter',
  'rain',
  'rooster',
  'sea_waves',
  'sneezing',
];

/** The ESC-10 view: the rows flagged esc10. */
export function esc10View(records: readonly Esc50Record[]): Esc50Record[] {
  return records.filter((r) => r.esc10);
}
