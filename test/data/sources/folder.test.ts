/**
 * The folder source (a user's study data): labels.csv with listed folds,
 * folds made from the source column or per file, subfolders, the ESC-50
 * layout, unlisted WAV files (a warning, counted in the status), and every
 * error naming the file and line. Folders are generated per test with
 * seeded-noise WAVs.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAudio } from '../../../src/audio/load.js';
import { sourceFoldCount, sourceGroupedFolds } from '../../../src/data/folds.js';
import { EMBEDDED_SAMPLE_DIR } from '../../../src/data/stand-ins/index.js';
import { loadDataset, locateDataset, type LoadedDataset } from '../../../src/data/sources/index.js';
import { MetadataError } from '../../../src/data/errors.js';
import { MissingFileError } from '../../../src/util/errors.js';
import { context, emptyDataRoot, noiseWav, tempDirs, writeText } from './helpers.js';

emptyDataRoot();
const temp = tempDirs('folder-source');

/** A folder with the given WAV files (relative paths) and labels.csv text (null: none). */
function folder(wavs: readonly string[], labels: string | null): string {
  const dir = temp();
  wavs.forEach((w, i) => noiseWav(join(dir, w), i + 1));
  if (labels !== null) writeText(join(dir, 'labels.csv'), labels);
  return dir;
}

const load = (dir: string, extra: { maxClipsPerClass?: number } = {}): LoadedDataset & { lines: string[] } => {
  const ctx = context(temp(), 'smoke', dir);
  return { ...loadDataset({ id: 'folder', ...extra }, ctx), lines: ctx.lines };
};

/** The error `loadDataset` throws for a folder, and check that locate reports the same text as blocker. */
function failure(dir: string): Error {
  const loc = locateDataset('folder', context(temp(), 'smoke', dir));
  try {
    loadDataset('folder', context(temp(), 'smoke', dir));
  } catch (e) {
    expect(loc.blocker).toBe((e as Error).message);
    expect(loc.status).toEqual({ dataset: 'folder', status: 'unverified', root: dir, detail: (e as Error).message });
    return e as Error;
  }
  throw new Error(`expected ${dir} to be refused`);
}

const SIX = ['dog/a.wav', 'dog/b.wav', 'dog/c.wav', 'cat/a.wav', 'cat/b.wav', 'cat/c.wav'];

describe('folder source: labels.csv', () => {
  it('listed folds are used as they are, rows in file order, ids are the paths without .wav', () => {
    const dir = folder(SIX, 'file,label,fold\ndog/a.wav,dog,1\ndog/b.wav,dog,2\ndog/c.wav,dog,3\ncat/a.wav,cat,3\ncat/b.wav,cat,2\ncat/c.wav,cat,1\n');
    const ds = load(dir);
    expect(ds.clips.map((c) => [c.id, c.labels[0], c.fold, c.sourceId])).toEqual([
      ['dog/a', 'dog', 1, 'dog/a.wav'],
      ['dog/b', 'dog', 2, 'dog/b.wav'],
      ['dog/c', 'dog', 3, 'dog/c.wav'],
      ['cat/a', 'cat', 3, 'cat/a.wav'],
      ['cat/b', 'cat', 2, 'cat/b.wav'],
      ['cat/c', 'cat', 1, 'cat/c.wav'],
    ]);
    expect(ds.clips[0].audioPath).toBe(join(dir, 'dog', 'a.wav'));
    expect(loadAudio(ds.clips[0].audioPath, { sr: null, mono: true }).channels[0]).toHaveLength(800);
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.officialFolds).toBe(true);
    expect(ds.folds).toBe(3);
    expect(ds.status).toEqual({
      dataset: 'folder',
      status: 'unverified',
      root: dir,
      detail: "the user's folder given with --data-dir (labels.csv: 6 clips, 2 classes; folds 1-3 from its fold column), not checked against any manifest",
    });
    expect(ds.lines).toEqual([]);
    expect(locateDataset('folder', context(temp(), 'full', dir))).toEqual({ id: 'folder', status: ds.status, origin: 'given', blocker: null });
  });

  it('without a fold column, folds are made from the source column: one recording, one fold', () => {
    const wavs = Array.from({ length: 12 }, (_, i) => `clip${i}.wav`);
    const rows = wavs.map((w, i) => `${w},${i < 6 ? 'rain' : 'wind'},rec${Math.floor(i / 2)}`);
    const dir = folder(wavs, `source,file,label\n${rows.map((r) => r.split(',')).map(([f, l, s]) => `${s},${f},${l}`).join('\n')}\n`);
    const ds = load(dir);
    const items = ds.clips.map((c) => ({ id: c.id, sourceId: c.sourceId, label: c.labels[0] }));
    expect(sourceFoldCount(items)).toBe(3);
    const made = sourceGroupedFolds(items, 3, 'esc');
    expect(ds.clips.map((c) => c.fold)).toEqual(items.map((it) => made.get(it.id)));
    for (let r = 0; r < 6; r++) expect(new Set(ds.clips.filter((c) => c.sourceId === `rec${r}`).map((c) => c.fold)).size).toBe(1);
    expect(ds.officialFolds).toBe(false);
    expect(ds.folds).toBe(3);
    expect(ds.status.detail).toBe(
      "the user's folder given with --data-dir (labels.csv: 12 clips, 2 classes; 3 folds made from its source column (each recording in one fold)), not checked against any manifest",
    );
  });

  it('without fold and source columns each file is its own recording; paths may use ./ and \\', () => {
    const wavs = ['x/1.wav', 'x/2.wav', 'x/3.wav', 'y/1.wav', 'y/2.wav', 'y/deep/3.WAV'];
    const dir = folder(wavs, 'file,label\n./x/1.wav,x\nx\\2.wav,x\nx/3.wav,x\ny/1.wav,y\ny/2.wav,y\ny/deep/3.WAV,y\n');
    const ds = load(dir);
    expect(ds.clips.map((c) => c.sourceId)).toEqual(wavs);
    expect(ds.clips.map((c) => c.id)).toEqual(['x/1', 'x/2', 'x/3', 'y/1', 'y/2', 'y/deep/3']);
    expect(ds.folds).toBe(3);
    expect(ds.status.detail).toContain('3 folds made by file (no source column: each file is its own recording)');
  });

  it('an empty source cell makes that file its own recording', () => {
    const dir = folder(SIX, 'file,label,source\ndog/a.wav,dog,r1\ndog/b.wav,dog,r1\ndog/c.wav,dog,\ncat/a.wav,cat,r2\ncat/b.wav,cat,r3\ncat/c.wav,cat,r3\n');
    expect(load(dir).clips.map((c) => c.sourceId)).toEqual(['r1', 'r1', 'dog/c.wav', 'r2', 'r3', 'r3']);
  });

  it('WAV files the list does not name are left out with a warning and counted in the status', () => {
    const dir = folder([...SIX, 'extra/one.wav', '.hidden/two.wav'], 'file,label,fold\ndog/a.wav,dog,1\ndog/b.wav,dog,2\ncat/a.wav,cat,1\ncat/b.wav,cat,2\n');
    const ds = load(dir);
    expect(ds.clips).toHaveLength(4);
    expect(ds.status.detail).toBe(
      "the user's folder given with --data-dir (labels.csv: 4 clips, 2 classes; folds 1-2 from its fold column; 3 WAV files not listed, left out), not checked against any manifest",
    );
    expect(ds.lines).toEqual([`warning: 3 WAV files in ${dir} not listed in its labels.csv, left out: cat/c.wav, dog/c.wav, extra/one.wav`]);
    const quiet = context(temp(), 'smoke', dir);
    locateDataset('folder', quiet);
    expect(quiet.lines).toEqual([]);
  });

  it('listed folds that split a recording are used, with a warning', () => {
    const dir = folder(SIX, 'file,label,fold,source\ndog/a.wav,dog,1,r1\ndog/b.wav,dog,2,r1\ndog/c.wav,dog,2,r2\ncat/a.wav,cat,1,r3\ncat/b.wav,cat,2,r4\ncat/c.wav,cat,1,r5\n');
    expect(load(dir).lines).toEqual(['warning: the listed folds put 1 recording in more than one fold (clips of one recording on both sides of a split): r1']);
  });

  it('maxClipsPerClass caps each class, taking recordings in turn, and says so', () => {
    const wavs = Array.from({ length: 12 }, (_, i) => `c${i}.wav`);
    const dir = folder(wavs, `file,label,source\n${wavs.map((w, i) => `${w},${i % 2 ? 'b' : 'a'},s${i % 4}`).join('\n')}\n`);
    const ds = load(dir, { maxClipsPerClass: 2 });
    expect(ds.clips).toHaveLength(4);
    for (const l of ['a', 'b']) expect(new Set(ds.clips.filter((c) => c.labels[0] === l).map((c) => c.sourceId)).size).toBe(2);
    expect(ds.status.detail).toContain('labels.csv: 4 of 12 clips (at most 2 per class), 2 classes; 2 folds made from its source column');
  });
});

describe('folder source: errors name the file and line', () => {
  const two = ['a.wav', 'b.wav', 'c.wav', 'd.wav'];
  const cases: [string, string | null, RegExp, typeof MetadataError | typeof MissingFileError][] = [
    ['no labels.csv', null, /labels\.csv: no labels\.csv \(a CSV with header file,label\[,fold\]\[,source\]\) in the folder, and no ESC-50 layout/, MissingFileError],
    ['a missing column', 'file,fold\na.wav,1\n', /labels\.csv: missing column\(s\) label \(header: file, fold\)/, MetadataError],
    ['an unknown column', 'file,label,folds\na.wav,x,1\n', /labels\.csv: unknown column\(s\) 'folds' \(expected file,label\[,fold\]\[,source\]\)/, MetadataError],
    ['a file that does not exist', 'file,label\na.wav,x\nb.wav,y\nnope.wav,y\n', /labels\.csv: line 4: file 'nope\.wav' does not exist \(/, MetadataError],
    ['a duplicate row', 'file,label\na.wav,x\nb.wav,y\n./a.wav,x\n', /labels\.csv: line 4: file 'a\.wav' is listed again \(first on line 2\)/, MetadataError],
    ['an empty label', 'file,label\na.wav,x\nb.wav, \n', /labels\.csv: line 3: empty label for 'b\.wav'/, MetadataError],
    ['a non-integer fold', 'file,label,fold\na.wav,x,1\nb.wav,y,1.5\n', /labels\.csv: line 3: fold '1\.5' is not a positive integer/, MetadataError],
    ['fold 0', 'file,label,fold\na.wav,x,0\n', /labels\.csv: line 2: fold '0' is not a positive integer/, MetadataError],
    ['an empty fold', 'file,label,fold\na.wav,x,1\nb.wav,y,\n', /labels\.csv: line 3: fold '' is not a positive integer/, MetadataError],
    ['folds not 1..k', 'file,label,fold\na.wav,x,1\nb.wav,y,3\n', /labels\.csv: folds must be numbered 1\.\.2 \(found 1, 3\)/, MetadataError],
    ['one fold', 'file,label,fold\na.wav,x,2\nb.wav,y,2\n', /labels\.csv: the fold column names one fold \(2\); a study needs at least 2/, MetadataError],
    ['one class', 'file,label\na.wav,x\nb.wav,x\n', /labels\.csv: every clip has the label 'x'; a study needs at least 2 classes/, MetadataError],
    ['one recording', 'file,label,source\na.wav,x,r\nb.wav,y,r\n', /labels\.csv: all clips come from one recording; folds need at least 2/, MetadataError],
    ['a path outside the folder', 'file,label\n../a.wav,x\n', /labels\.csv: line 2: file '\.\.\/a\.wav' is not a path inside the folder/, MetadataError],
    ['an absolute path', 'file,label\n/tmp/a.wav,x\n', /labels\.csv: line 2: file '\/tmp\/a\.wav' is not a path inside the folder/, MetadataError],
    ['not a WAV', 'file,label\na.mp3,x\n', /labels\.csv: line 2: file 'a\.mp3' is not a \.wav file/, MetadataError],
    ['an empty file name', 'file,label\n,x\n', /labels\.csv: line 2: empty file name/, MetadataError],
    ['a row with too many fields', 'file,label\na.wav,x\nb.wav,y,3\n', /labels\.csv: line 3: 3 fields, expected 2/, MetadataError],
    ['only a header', 'file,label\n', /labels\.csv: lists no clips \(only a header\)/, MetadataError],
    ['a column given twice', 'file,label,label\na.wav,x,y\n', /labels\.csv: column\(s\) label given twice/, MetadataError],
  ];
  for (const [what, labels, re, type] of cases) {
    it(what, () => {
      const dir = folder(two, labels);
      const e = failure(dir);
      expect(e).toBeInstanceOf(type);
      expect(e.message).toMatch(re);
      expect(e.message.startsWith(join(dir, 'labels.csv'))).toBe(true);
    });
  }

  it('no --data-dir: blocked with what the folder source expects', () => {
    const loc = locateDataset('folder', context(temp(), 'smoke'));
    expect(loc.blocker).toMatch(/^the folder dataset is the folder given with --data-dir \(WAV files and a labels\.csv with header file,label\[,fold\]\[,source\], or an ESC-50 layout\); none was given$/);
    expect(() => loadDataset('folder', context(temp(), 'smoke'))).toThrow(loc.blocker!);
  });

  it('a --data-dir that does not exist', () => {
    const dir = join(temp(), 'missing');
    const e = failure(dir);
    expect(e).toBeInstanceOf(MissingFileError);
    expect(e.message).toBe(`${dir}: the folder given with --data-dir does not exist`);
  });

  it('an unknown subset is refused (the one view is esc10)', () => {
    expect(() => locateDataset({ id: 'folder', subset: 'us8k' }, context(temp(), 'smoke', temp()))).not.toThrow();
    expect(locateDataset({ id: 'folder', subset: 'us8k' }, context(temp(), 'smoke', temp())).blocker).toMatch(/dataset folder: unknown subset 'us8k' \(known: esc10\)/);
  });
});

describe('folder source: ESC-50 layout', () => {
  /** The embedded sample laid out as ESC-50 (meta/esc50.csv, audio/). */
  function sampleAsEsc50(): string {
    const dir = temp();
    mkdirSync(join(dir, 'meta'));
    cpSync(join(EMBEDDED_SAMPLE_DIR, 'meta.csv'), join(dir, 'meta', 'esc50.csv'));
    cpSync(join(EMBEDDED_SAMPLE_DIR, 'audio'), join(dir, 'audio'), { recursive: true });
    return dir;
  }

  it('one listed fold: folds made from src_file, the same as the esc50 source gives the sample', () => {
    const dir = sampleAsEsc50();
    const ds = load(dir);
    const esc = loadDataset('esc50', context(temp(), 'smoke'));
    expect(ds.clips.map((c) => [c.id, c.labels[0], c.sourceId, c.fold])).toEqual(esc.clips.map((c) => [c.id, c.labels[0], c.sourceId, c.fold]));
    expect(ds.clips[0].audioPath).toBe(join(dir, 'audio', `${ds.clips[0].id}.wav`));
    expect(ds.folds).toBe(2);
    expect(ds.officialFolds).toBe(false);
    expect(ds.status.detail).toBe(
      "the user's folder given with --data-dir (ESC-50 layout, meta/esc50.csv: 20 clips, 10 classes; every clip in fold 4, so 2 folds made from src_file (each recording in one fold)), not checked against any manifest",
    );
  });

  it('listed folds are used; a missing clip is an error naming the metadata line; stray WAVs are counted', () => {
    const dir = sampleAsEsc50();
    const meta = join(dir, 'meta', 'esc50.csv');
    expect(readdirSync(join(dir, 'audio'))).toHaveLength(20);
    // Two folds: the first clip of each class in fold 1 (rows alternate within a class).
    const rows = readFileSync(meta, 'utf8').trim().split('\n');
    writeFileSync(meta, `${[rows[0], ...rows.slice(1).map((r, i) => r.replace(/^([^,]+),4,/, `$1,${(i % 2) + 1},`))].join('\n')}\n`);
    noiseWav(join(dir, 'audio', 'stray.wav'), 9);
    const ds = load(dir);
    expect(ds.officialFolds).toBe(true);
    expect(ds.clips.map((c) => c.fold)).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2) + 1));
    expect(ds.status.detail).toContain('folds 1-2 from its fold column; 1 WAV file not listed, left out');
    expect(ds.lines).toEqual([`warning: 1 WAV file in ${dir} not listed in its meta/esc50.csv, left out: audio/stray.wav`]);
    rmSync(join(dir, 'audio', '4-164021-A-1.wav'));
    const e = failure(dir);
    expect(e.message).toMatch(new RegExp(`^${meta.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: line 4: file 'audio/4-164021-A-1\\.wav' does not exist`));
  });
});

describe('folder source: the ESC-10 view and a stated fold count', () => {
  const ROWS = ['dog/a.wav', 'dog/b.wav', 'dog/c.wav', 'rain/a.wav', 'rain/b.wav', 'rain/c.wav', 'hen/a.wav', 'hen/b.wav', 'hen/c.wav'];
  const csv = `file,label\n${ROWS.map((f) => `${f},${f.split('/')[0]}`).join('\n')}\n`;

  it("subset 'esc10' keeps the ESC-10 classes (by name in labels.csv) and says so", () => {
    const dir = folder(ROWS, csv);
    const ds = { ...loadDataset({ id: 'folder', subset: 'esc10' }, context(temp(), 'smoke', dir)) };
    expect(ds.classes).toEqual(['dog', 'rain']);
    expect(ds.clips.length).toBe(6);
    expect(ds.status.detail).toMatch(/the ESC-10 classes' 6 clips/);
    expect(() => loadDataset({ id: 'folder', subset: 'esc20' }, context(temp(), 'smoke', dir))).toThrow(/unknown subset 'esc20' \(known: esc10\)/);
  });

  it('a folder with fewer than two ESC-10 classes is refused, naming the list', () => {
    const dir = folder(['hen/a.wav', 'cow/a.wav', 'dog/a.wav'], 'file,label\nhen/a.wav,hen\ncow/a.wav,cow\ndog/a.wav,dog\n');
    expect(() => loadDataset({ id: 'folder', subset: 'esc10' }, context(temp(), 'smoke', dir))).toThrow(/labels\.csv.*subset esc10: only one class/);
  });

  it('makeFolds sets how many folds are made from the recordings; listed folds are never changed', () => {
    const dir = folder(ROWS, csv);
    const made = loadDataset({ id: 'folder' }, context(temp(), 'smoke', dir));
    expect(made.folds).toBe(3); // three recordings per class
    const two = loadDataset({ id: 'folder', makeFolds: 2 }, context(temp(), 'smoke', dir));
    expect(two.folds).toBe(2);
    expect(new Set(two.clips.map((c) => c.fold))).toEqual(new Set([1, 2]));
    expect(two.status.detail).toMatch(/2 folds made/);
    const listed = folder(SIX, 'file,label,fold\ndog/a.wav,dog,1\ndog/b.wav,dog,2\ndog/c.wav,dog,3\ncat/a.wav,cat,3\ncat/b.wav,cat,2\ncat/c.wav,cat,1\n');
    expect(loadDataset({ id: 'folder', makeFolds: 2 }, context(temp(), 'smoke', listed)).folds).toBe(3);
  });
});
