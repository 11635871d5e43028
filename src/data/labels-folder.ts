/**
 * Turn an ESC-50 copy (or the embedded ESC-10 sample) into the folder a
 * user-defined study reads (`reproduce --study FILE --data-dir DIR`, dataset
 * `folder`): the WAV files side by side and a `labels.csv` with header
 * `file,label,source` (label = ESC-50 `category`, source = `src_file`, the
 * recording a clip was cut from, so folds keep its clips together), plus
 * `fold` when the copy's clips span two folds or more (a full ESC-50 keeps
 * its official folds; the fold-4 clips and the sample, all in one fold,
 * leave folds to be made from `source`). `scripts/make-study-folder.ts` is
 * its command line. It writes only into an empty or new folder.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InvalidParameterError } from '../util/errors.js';
import { esc50At } from './sources/esc50.js';
import { EMBEDDED_SAMPLE_DIR } from './stand-ins/index.js';
import { LABELS_FILE } from './sources/folder.js';

export interface LabelsFolderOptions {
  /**
   * An ESC-50 copy (meta/esc50.csv or meta/esc50-fold4-dev.csv, and audio/),
   * a data root holding one as esc50/, or the embedded sample's layout
   * (meta.csv, audio/). Default: the embedded ESC-10 sample.
   */
  from?: string;
  /** The folder to write (created; must be empty when it exists). */
  out: string;
  /** 'esc10': only the clips of the ESC-10 subset. */
  subset?: 'esc10';
  /** Link the WAV files (symbolic links) instead of copying them. */
  link?: boolean;
}

export interface LabelsFolder {
  out: string;
  /** The labels.csv written. */
  labels: string;
  /** The copy read (an ESC-50 root). */
  from: string;
  clips: number;
  classes: string[];
  /** Folds written to the fold column (null: none, folds are made from `source`). */
  folds: number | null;
}

function escRoot(from: string): string {
  const status = 'unverified' as const;
  for (const root of [from, join(from, 'esc50')]) {
    if (esc50At(root, status, '', 'given')) return root;
  }
  throw new InvalidParameterError(
    `${from}: no ESC-50 copy here (expected meta/esc50.csv or meta/esc50-fold4-dev.csv with audio/, the sample's meta.csv with audio/, or a data root holding esc50/)`,
  );
}

export function makeLabelsFolder(o: LabelsFolderOptions): LabelsFolder {
  const from = escRoot(resolve(o.from ?? EMBEDDED_SAMPLE_DIR));
  const data = esc50At(from, 'unverified', '', 'given')!;
  const out = resolve(o.out);
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new InvalidParameterError(`${out}: exists and is not a folder`);
    if (readdirSync(out).length > 0) throw new InvalidParameterError(`${out}: the folder is not empty (give a new or empty folder; nothing is overwritten)`);
  }
  const records = data.records.filter((r) => (o.subset !== 'esc10' || r.esc10) && existsSync(r.audioPath));
  if (records.length === 0) throw new InvalidParameterError(`${from}: no${o.subset ? ` ${o.subset}` : ''} clips with their audio present`);
  const folds = [...new Set(records.map((r) => r.fold))].sort((a, b) => a - b);
  // Listed folds must be 1..k (src/data/sources/folder.ts); a copy with one fold leaves them to the folder source.
  const keepFolds = folds.length >= 2 && folds.every((f, i) => f === i + 1);
  const rows = records
    .map((r) => ({ file: basename(r.audioPath), label: r.labels[0], source: r.sourceId, fold: r.fold, path: r.audioPath }))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const r of rows) {
    for (const v of [r.file, r.label, r.source]) {
      if (/[",\r\n]/.test(v)) throw new InvalidParameterError(`${from}: '${v}' holds a comma, quote or line break; labels.csv takes plain cells`);
    }
  }
  mkdirSync(out, { recursive: true });
  for (const r of rows) {
    const to = join(out, r.file);
    if (o.link) symlinkSync(resolve(r.path), to);
    else copyFileSync(r.path, to);
  }
  const header = keepFolds ? 'file,label,fold,source' : 'file,label,source';
  const lines = rows.map((r) => (keepFolds ? `${r.file},${r.label},${r.fold},${r.source}` : `${r.file},${r.label},${r.source}`));
  const labels = join(out, LABELS_FILE);
  writeFileSync(labels, `${[header, ...lines].join('\n')}\n`);
  return { out, labels, from, clips: rows.length, classes: [...new Set(rows.map((r) => r.label))].sort(), folds: keepFolds ? folds.length : null };
}
