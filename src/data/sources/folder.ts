/**
 * A user's own folder of WAV files, given with --data-dir: the data of a
 * user-defined study (`reproduce --study`). Two layouts:
 *
 * 1. `labels.csv` at the top, header `file,label[,fold][,source]` (any
 *    order, no other columns):
 *    - file: the WAV's path relative to the folder (subfolders allowed,
 *      `/` or `\`), ending in .wav;
 *    - label: the clip's class name (not empty);
 *    - fold: optional, a positive integer; the folds listed must be 1..k
 *      with k >= 2 and every row must give one. They are used as they are;
 *    - source: optional, the recording the clip was cut from (clips of one
 *      recording must stay on one side of a split); an empty cell, or no
 *      column, makes the file its own recording.
 *    Without a fold column, folds are made from the recordings:
 *    `sourceGroupedFolds` (stratified by class, seed MADE_FOLDS_SEED) with
 *    k = `sourceFoldCount` (the fewest recordings of any class, 2..5).
 * 2. ESC-50 layout: `meta/esc50.csv` (ESC-50's columns) and `audio/`. Its
 *    fold column is used when it names two folds or more (1..k); a copy
 *    whose clips all sit in one fold (e.g. the fold-4 clips) gets folds made
 *    from `src_file` as above, and the status says so.
 *
 * Errors name the file and line: no labels.csv (and no ESC-50 layout), a
 * missing or unknown column, a listed file that does not exist (or is not a
 * .wav, or lies outside the folder), a file listed twice, an empty label, a
 * fold that is not a positive integer, folds that are not 1..k, fewer than 2
 * classes or recordings. WAV files in the folder that the list does not name
 * are NOT an error: they are left out, `loadDataset` logs a warning naming
 * them, and the status detail counts them (a folder may hold clips a user
 * excluded on purpose; the count in every report keeps a typo visible).
 * The status is always 'unverified': nothing checks a user's folder against
 * a manifest.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ESC10_CATEGORIES, loadEsc50 } from '../loaders/esc50.js';
import { columnIndex, readTable } from '../loaders/table.js';
import { MetadataError } from '../errors.js';
import { sourceFoldCount, sourceGroupedFolds } from '../folds.js';
import { InvalidParameterError, MissingFileError } from '../../util/errors.js';
import { capPerClass } from './cap.js';
import { MADE_FOLDS_SEED, type Clip, type DataStatus, type DatasetLocation, type DatasetRequest, type DatasetSource, type LoadedDataset, type SourceContext } from './types.js';

export const LABELS_FILE = 'labels.csv';
export const LABELS_COLUMNS = ['file', 'label', 'fold', 'source'] as const;
const REQUIRED = ['file', 'label'] as const;
const WAV = /\.wav$/i;

interface FolderData {
  root: string;
  clips: Clip[];
  classes: string[];
  folds: number;
  officialFolds: boolean;
  /** WAV files in the folder the list does not name (relative paths, sorted). */
  unlisted: string[];
  /** Recordings whose clips the listed folds put in more than one fold. */
  splitSources: string[];
  /** The list file, relative to the folder (labels.csv or meta/esc50.csv). */
  listName: string;
  status: DataStatus;
}

/** Every .wav under `dir`/`prefix` (paths relative to `dir`, with '/', sorted); dot files and folders are skipped. */
export function wavFilesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    const isDir = e.isDirectory() || (e.isSymbolicLink() && statSync(join(dir, rel), { throwIfNoEntry: false })?.isDirectory() === true);
    if (isDir) out.push(...wavFilesUnder(dir, rel));
    else if (WAV.test(e.name)) out.push(rel);
  }
  return out.sort();
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
}

/** Folds 1..k (k >= 2) as listed, or an error naming the list. */
function checkListedFolds(folds: readonly number[], file: string): number {
  const distinct = [...new Set(folds)].sort((a, b) => a - b);
  const k = distinct.length;
  if (k < 2) throw new MetadataError(`the fold column names one fold (${distinct[0]}); a study needs at least 2 (leave the column out to make folds from the recordings)`, file);
  if (distinct[k - 1] !== k) throw new MetadataError(`folds must be numbered 1..${k} (found ${distinct.join(', ')})`, file);
  return k;
}

/** Recordings found in more than one listed fold. */
function sourcesInSeveralFolds(clips: readonly Clip[]): string[] {
  const folds = new Map<string, Set<unknown>>();
  for (const c of clips) {
    let s = folds.get(c.sourceId);
    if (!s) folds.set(c.sourceId, (s = new Set()));
    s.add(c.fold);
  }
  return [...folds].filter(([, s]) => s.size > 1).map(([src]) => src).sort();
}

function normalisePath(raw: string): string {
  let p = raw.trim().replace(/\\/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  return p;
}

interface Parsed {
  clips: Clip[];
  hasFold: boolean;
  hasSource: boolean;
  listFile: string;
}

function readLabelsCsv(dir: string): Parsed {
  const file = join(dir, LABELS_FILE);
  const t = readTable(file, { header: true });
  if (!t.header) throw new MetadataError('empty file: expected the header file,label[,fold][,source]', file);
  const header = t.header.map((h) => h.trim());
  const unknown = header.filter((h) => !(LABELS_COLUMNS as readonly string[]).includes(h));
  if (unknown.length) throw new MetadataError(`unknown column(s) ${unknown.map((u) => `'${u}'`).join(', ')} (expected file,label[,fold][,source])`, file);
  const repeated = header.filter((h, i) => header.indexOf(h) !== i);
  if (repeated.length) throw new MetadataError(`column(s) ${[...new Set(repeated)].join(', ')} given twice`, file);
  const c = columnIndex({ ...t, header }, REQUIRED);
  const foldCol = header.indexOf('fold');
  const sourceCol = header.indexOf('source');
  if (t.rows.length === 0) throw new MetadataError('lists no clips (only a header)', file);
  const firstLine = new Map<string, number>();
  const idLine = new Map<string, number>();
  const clips = t.rows.map((r, i): Clip => {
    const line = t.lines[i];
    const where = `line ${line}`;
    const raw = r[c.file].trim();
    if (raw === '') throw new MetadataError(`${where}: empty file name`, file);
    const rel = normalisePath(raw);
    if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel) || rel.split('/').includes('..')) {
      throw new MetadataError(`${where}: file '${raw}' is not a path inside the folder`, file);
    }
    if (!WAV.test(rel)) throw new MetadataError(`${where}: file '${raw}' is not a .wav file`, file);
    const seen = firstLine.get(rel);
    if (seen !== undefined) throw new MetadataError(`${where}: file '${rel}' is listed again (first on line ${seen})`, file);
    firstLine.set(rel, line);
    const audioPath = join(dir, rel);
    if (!isFile(audioPath)) throw new MetadataError(`${where}: file '${rel}' does not exist (${audioPath})`, file);
    const id = rel.replace(WAV, '');
    const idSeen = idLine.get(id);
    if (idSeen !== undefined) throw new MetadataError(`${where}: file '${rel}' has the same name as the file on line ${idSeen} up to the extension's case`, file);
    idLine.set(id, line);
    const label = r[c.label].trim();
    if (label === '') throw new MetadataError(`${where}: empty label for '${rel}'`, file);
    let fold: number | string = 0;
    if (foldCol >= 0) {
      const f = r[foldCol].trim();
      if (!/^\d+$/.test(f) || Number(f) < 1) throw new MetadataError(`${where}: fold '${r[foldCol]}' is not a positive integer`, file);
      fold = Number(f);
    }
    const source = sourceCol >= 0 ? r[sourceCol].trim() : '';
    return { id, audioPath, labels: [label], fold, sourceId: source === '' ? rel : source };
  });
  return { clips, hasFold: foldCol >= 0, hasSource: sourceCol >= 0, listFile: file };
}

function readEsc50Layout(dir: string): Parsed & { oneFold: number | null } {
  const file = join(dir, 'meta', 'esc50.csv');
  const records = loadEsc50({ root: dir });
  const lines = readTable(file, { header: true }).lines;
  const firstLine = new Map<string, number>();
  records.forEach((r, i) => {
    const where = `line ${lines[i]}`;
    const seen = firstLine.get(r.id);
    if (seen !== undefined) throw new MetadataError(`${where}: file '${r.id}.wav' is listed again (first on line ${seen})`, file);
    firstLine.set(r.id, lines[i]);
    if (!isFile(r.audioPath)) throw new MetadataError(`${where}: file 'audio/${r.id}.wav' does not exist (${r.audioPath})`, file);
  });
  const folds = new Set(records.map((r) => r.fold));
  return { clips: records, hasFold: folds.size >= 2, hasSource: true, listFile: file, oneFold: folds.size === 1 ? records[0].fold : null };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Everything the folder gives for a request; throws with the file and line when it cannot be used. */
export function readFolder(dir: string, req: DatasetRequest): FolderData {
  if (req.subset !== undefined && !(FOLDER_SUBSETS as readonly string[]).includes(req.subset)) {
    throw new InvalidParameterError(`dataset folder: unknown subset '${req.subset}' (known: ${FOLDER_SUBSETS.join(', ')})`);
  }
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st) throw new MissingFileError('the folder given with --data-dir does not exist', dir);
  if (!st.isDirectory()) throw new InvalidParameterError(`${dir}: --data-dir must be a folder (of WAV files with a ${LABELS_FILE})`);
  const csv = existsSync(join(dir, LABELS_FILE));
  const esc = !csv && existsSync(join(dir, 'meta', 'esc50.csv')) && existsSync(join(dir, 'audio'));
  if (!csv && !esc) {
    throw new MissingFileError(
      `no ${LABELS_FILE} (a CSV with header file,label[,fold][,source]) in the folder, and no ESC-50 layout (meta/esc50.csv and audio/)`,
      join(dir, LABELS_FILE),
    );
  }
  const parsed = csv ? readLabelsCsv(dir) : readEsc50Layout(dir);
  const listName = csv ? LABELS_FILE : 'meta/esc50.csv';
  const listed = new Set(parsed.clips.map((c) => c.audioPath));
  const unlisted = wavFilesUnder(dir, csv ? '' : 'audio').filter((rel) => !listed.has(join(dir, rel)));
  const allClasses = [...new Set(parsed.clips.map((c) => c.labels[0]))].sort();
  if (allClasses.length < 2) throw new MetadataError(`every clip has the label '${allClasses[0]}'; a study needs at least 2 classes`, parsed.listFile);
  let listedClips = parsed.clips;
  if (req.subset === 'esc10') {
    // ESC-50 layout: its esc10 column; labels.csv: the ten ESC-10 class names.
    listedClips = listedClips.filter((c) => ('esc10' in c ? (c as { esc10: boolean }).esc10 : ESC10_CATEGORIES.includes(c.labels[0])));
    const kept = new Set(listedClips.map((c) => c.labels[0])).size;
    if (kept < 2) throw new MetadataError(`subset esc10: ${kept === 0 ? 'no clip has' : 'only one class has'} an ESC-10 class (${ESC10_CATEGORIES.join(', ')})`, parsed.listFile);
  }
  const total = listedClips.length;
  let clips = listedClips;
  if (req.maxClipsPerClass !== undefined) clips = capPerClass(clips, req.maxClipsPerClass, 'folder');
  let folds: number;
  let foldText: string;
  let splitSources: string[] = [];
  if (parsed.hasFold) {
    folds = checkListedFolds(listedClips.map((c) => c.fold as number), parsed.listFile);
    foldText = `folds 1-${folds} from its fold column`;
    if (parsed.hasSource) splitSources = sourcesInSeveralFolds(clips);
  } else {
    const sources = new Set(clips.map((c) => c.sourceId)).size;
    if (sources < 2) throw new MetadataError(`all clips come from one recording; folds need at least 2`, parsed.listFile);
    const items = clips.map((c) => ({ id: c.id, sourceId: c.sourceId, label: c.labels[0] }));
    folds = req.makeFolds ?? sourceFoldCount(items);
    const made = sourceGroupedFolds(items, folds, MADE_FOLDS_SEED);
    clips = clips.map((c) => ({ ...c, fold: made.get(c.id)! }));
    const oneFold = 'oneFold' in parsed ? parsed.oneFold : null;
    foldText = !csv
      ? `every clip in fold ${oneFold}, so ${folds} folds made from src_file (each recording in one fold)`
      : parsed.hasSource
        ? `${folds} folds made from its source column (each recording in one fold)`
        : `${folds} folds made by file (no source column: each file is its own recording)`;
  }
  const classes = [...new Set(clips.map((c) => c.labels[0]))].sort();
  const subsetText = req.subset === 'esc10' ? `the ESC-10 classes' ` : '';
  const count = clips.length === total ? `${subsetText}${plural(total, 'clip')}` : `${clips.length} of ${subsetText}${total} clips (at most ${req.maxClipsPerClass} per class)`;
  const left = unlisted.length ? `; ${plural(unlisted.length, 'WAV file')} not listed, left out` : '';
  const layout = csv ? LABELS_FILE : `ESC-50 layout, ${listName}`;
  return {
    root: dir,
    clips,
    classes,
    folds,
    officialFolds: parsed.hasFold,
    unlisted,
    splitSources,
    listName,
    status: {
      dataset: 'folder',
      status: 'unverified',
      root: dir,
      detail: `the user's folder given with --data-dir (${layout}: ${count}, ${plural(classes.length, 'class', 'classes')}; ${foldText}${left}), not checked against any manifest`,
    },
  };
}

/** Views of a folder: 'esc10' keeps the ESC-10 classes (ESC-50 layout: its esc10 column; labels.csv: the class names). */
export const FOLDER_SUBSETS = ['esc10'] as const;

const NO_FOLDER = `the folder dataset is the folder given with --data-dir (WAV files and a ${LABELS_FILE} with header file,label[,fold][,source], or an ESC-50 layout); none was given`;

function locate(req: DatasetRequest, ctx: SourceContext): DatasetLocation {
  if (!ctx.dataDir) return { id: 'folder', status: { dataset: 'folder', status: 'unverified', root: '', detail: NO_FOLDER }, origin: 'none', blocker: NO_FOLDER };
  try {
    return { id: 'folder', status: readFolder(ctx.dataDir, req).status, origin: 'given', blocker: null };
  } catch (e) {
    const message = (e as Error).message;
    return { id: 'folder', status: { dataset: 'folder', status: 'unverified', root: ctx.dataDir, detail: message }, origin: 'none', blocker: message };
  }
}

function load(req: DatasetRequest, ctx: SourceContext): LoadedDataset {
  if (!ctx.dataDir) throw new InvalidParameterError(NO_FOLDER);
  const d = readFolder(ctx.dataDir, req);
  if (d.unlisted.length) {
    const names = d.unlisted.slice(0, 5).join(', ') + (d.unlisted.length > 5 ? `, ... (${d.unlisted.length - 5} more)` : '');
    ctx.log(`warning: ${plural(d.unlisted.length, 'WAV file')} in ${d.root} not listed in its ${d.listName}, left out: ${names}`);
  }
  if (d.splitSources.length) {
    ctx.log(
      `warning: the listed folds put ${plural(d.splitSources.length, 'recording')} in more than one fold (clips of one recording on both sides of a split): ${d.splitSources.slice(0, 5).join(', ')}${d.splitSources.length > 5 ? ', ...' : ''}`,
    );
  }
  return {
    id: 'folder',
    status: d.status,
    origin: 'given',
    root: d.root,
    clips: d.clips,
    lists: {},
    classes: d.classes,
    multiLabel: false,
    officialFolds: d.officialFolds,
    folds: d.folds,
  };
}

export const folderSource: DatasetSource = {
  id: 'folder',
  title: "the user's folder of WAV files (labels.csv: file,label[,fold][,source]; or ESC-50 layout), given with --data-dir",
  subsets: FOLDER_SUBSETS,
  locate,
  load,
};
