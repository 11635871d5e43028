/**
 * The esc50 source: the embedded sample by default, --data-dir copies
 * (complete, partial, the fold-4 list), a fetched copy in the data root, the
 * esc10 view, and the folds (official only for a complete copy; else made by
 * source recording). Expected records are built from the loader, in its order.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { esc10View, loadEsc50 } from '../../../src/data/loaders/esc50.js';
import { sourceFoldCount, sourceGroupedFolds } from '../../../src/data/folds.js';
import { EMBEDDED_SAMPLE_DIR } from '../../../src/data/stand-ins/index.js';
import { getManifest } from '../../../src/data/manifests.js';
import { datasetPaths } from '../../../src/data/data-root.js';
import { loadDataset, locateDataset, MADE_FOLDS_SEED } from '../../../src/data/sources/index.js';
import { InvalidParameterError } from '../../../src/util/errors.js';
import { context, emptyDataRoot, tempDirs, writeText } from './helpers.js';

const dataRoot = emptyDataRoot();
const temp = tempDirs('esc50-source');
const HEADER = 'filename,fold,target,category,esc10,src_file,take';

/** An ESC-50 layout with `n` rows (every fifth row ESC-10, classes by target), files for rows where `present(i)`. */
function esc50Copy(root: string, n: number, present: (i: number) => boolean): string[] {
  const rows = [HEADER];
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const target = i % 50;
    const name = `${(i % 5) + 1}-${1000 + Math.floor(i / 2)}-${i % 2 ? 'B' : 'A'}-${target}.wav`;
    rows.push(`${name},${(i % 5) + 1},${target},class${String(target).padStart(2, '0')},${target % 5 === 0 ? 'True' : 'False'},${1000 + Math.floor(i / 2)},${i % 2 ? 'B' : 'A'}`);
    names.push(name);
    if (present(i)) writeText(join(root, 'audio', name), '');
  }
  writeText(join(root, 'meta', 'esc50.csv'), `${rows.join('\n')}\n`);
  return names;
}

describe('esc50 source: the embedded sample', () => {
  it('is the default without --data-dir, with the pipeline status text', () => {
    const ctx = context(temp(), 'smoke');
    const loc = locateDataset('esc50', ctx);
    expect(loc).toEqual({
      id: 'esc50',
      status: { dataset: 'esc50', status: 'sample', root: EMBEDDED_SAMPLE_DIR, detail: 'the embedded ESC-10 sample (2 clips per class, 22.05 kHz), split into folds by src_file' },
      origin: 'sample',
      blocker: null,
    });
    expect(dataRoot.root()).not.toBe('');
  });

  it('esc10 view: the loader rows in order, 2 folds made by src_file with seed esc', () => {
    const ds = loadDataset({ id: 'esc50', subset: 'esc10' }, context(temp(), 'quick'));
    const recs = esc10View(loadEsc50({ root: EMBEDDED_SAMPLE_DIR, metadataFile: 'meta.csv' }));
    expect(ds.clips.map((c) => c.id)).toEqual(recs.map((r) => r.id));
    expect(ds.clips.map((c) => c.audioPath)).toEqual(recs.map((r) => r.audioPath));
    const items = recs.map((r) => ({ id: r.id, sourceId: r.sourceId, label: r.labels[0] }));
    expect(sourceFoldCount(items)).toBe(2);
    const folds = sourceGroupedFolds(items, 2, 'esc');
    expect(ds.clips.map((c) => c.fold)).toEqual(recs.map((r) => folds.get(r.id)));
    expect(MADE_FOLDS_SEED).toBe('esc');
    expect(ds.officialFolds).toBe(false);
    expect(ds.folds).toBe(2);
    expect(ds.classes).toEqual([...new Set(recs.map((r) => r.labels[0]))].sort());
    expect(ds.classes).toHaveLength(10);
    // Every class has one clip in each fold (2 recordings per class).
    for (const c of ds.classes) expect(ds.clips.filter((x) => x.labels[0] === c).map((x) => x.fold).sort()).toEqual([1, 2]);
  });

  it('an unknown subset is an error naming the known ones', () => {
    expect(() => locateDataset({ id: 'esc50', subset: 'esc20' }, context(temp(), 'smoke'))).toThrow(/unknown subset 'esc20' \(known: esc10, esc50, all\)/);
  });

  it('maxClipsPerClass keeps that many clips per class, from different recordings first', () => {
    const ds = loadDataset({ id: 'esc50', subset: 'esc10', maxClipsPerClass: 1 }, context(temp(), 'smoke'));
    expect(ds.clips).toHaveLength(10);
    expect(new Set(ds.clips.map((c) => c.labels[0])).size).toBe(10);
  });
});

describe('esc50 source: --data-dir', () => {
  it('a folder without ESC-50 blocks with the pipeline message, and load throws it', () => {
    const dir = temp();
    const ctx = context(temp(), 'smoke', dir);
    const msg = `--data-dir ${dir}: no ESC-50 found (expected meta/esc50.csv and audio/, or a data root with esc50/)`;
    const loc = locateDataset('esc50', ctx);
    expect(loc.blocker).toBe(msg);
    expect(loc.origin).toBe('none');
    expect(loc.status).toEqual({ dataset: 'esc50', status: 'unverified', root: dir, detail: msg });
    expect(() => loadDataset('esc50', ctx)).toThrow(InvalidParameterError);
    expect(() => loadDataset('esc50', ctx)).toThrow(msg);
  });

  it('a partial copy: the clips present, status partial, folds made by source', () => {
    const dir = temp();
    const names = esc50Copy(dir, 60, (i) => i % 3 !== 0);
    const ds = loadDataset('esc50', context(temp(), 'smoke', dir));
    expect(ds.status).toEqual({ dataset: 'esc50', status: 'partial', root: dir, detail: '40 of 2000 ESC-50 clips present' });
    expect(ds.clips.map((c) => `${c.id}.wav`)).toEqual(names.filter((_, i) => i % 3 !== 0));
    expect(ds.officialFolds).toBe(false);
    expect(ds.folds).toBe(2);
  });

  it('the fold-4 list wins over esc50.csv and is a partial copy', () => {
    const dir = temp();
    esc50Copy(dir, 10, () => true);
    writeText(join(dir, 'meta', 'esc50-fold4-dev.csv'), `${HEADER}\n4-1-A-0.wav,4,0,dog,True,1,A\n4-2-A-1.wav,4,1,rooster,True,2,A\n4-3-A-1.wav,4,1,rooster,True,3,A\n4-4-A-0.wav,4,0,dog,True,4,A\n`);
    const loc = locateDataset('esc50', context(temp(), 'full', dir));
    expect(loc.status).toEqual({ dataset: 'esc50', status: 'partial', root: dir, detail: 'ESC-50 fold-4 clips of 38 classes (a subset), split into folds by src_file' });
    const ds = loadDataset('esc50', context(temp(), 'full', dir));
    expect(ds.clips.map((c) => c.id)).toEqual(['4-1-A-0', '4-2-A-1', '4-3-A-1', '4-4-A-0']);
  });

  it('a complete copy given with --data-dir keeps the official folds, status unverified', () => {
    const dir = temp();
    esc50Copy(dir, 2000, () => true);
    const ctx = context(temp(), 'quick', dir);
    const ds = loadDataset('esc50', ctx);
    expect(ds.status).toEqual({ dataset: 'esc50', status: 'unverified', root: dir, detail: 'an ESC-50 directory given with --data-dir, not checked against the manifest' });
    expect(ds.officialFolds).toBe(true);
    expect(ds.origin).toBe('given');
    expect(ds.folds).toBe(5);
    const recs = loadEsc50({ root: dir });
    expect(ds.clips).toEqual(recs);
    const esc10 = loadDataset({ id: 'esc50', subset: 'esc10' }, ctx);
    expect(esc10.clips).toEqual(esc10View(recs));
    expect(esc10.classes).toHaveLength(10);
  });

  it('a verified fetch in a data root given with --data-dir: status verified with the archive named', () => {
    const dataRootDir = temp();
    const paths = datasetPaths(dataRootDir, getManifest('esc50'));
    esc50Copy(paths.datasetRoot, 2000, () => true);
    const marker = {
      markerVersion: 1,
      id: 'esc50',
      manifestDigest: 'x',
      downloads: { 'ESC-50-master.zip': { fileName: 'ESC-50-master.zip', url: 'u', bytes: 1, md5: 'm', sha256: 's', checkedAgainst: ['sha256'], manifestValuesVerified: true, verifiedAt: 't' } },
      extracted: { files: 2001, bytes: 1, at: 't' },
      archivesDeleted: false,
    };
    writeFileSync(paths.marker, JSON.stringify(marker));
    const loc = locateDataset('esc50', context(temp(), 'full', dataRootDir));
    expect(loc.origin).toBe('fetched');
    expect(loc.status).toEqual({
      dataset: 'esc50',
      status: 'verified',
      root: paths.datasetRoot,
      detail: "fetched and verified against the manifest's published checksums (ESC-50-master.zip)",
    });
    marker.downloads['ESC-50-master.zip'].manifestValuesVerified = false;
    writeFileSync(paths.marker, JSON.stringify(marker));
    expect(locateDataset('esc50', context(temp(), 'full', dataRootDir)).status.detail).toBe("fetched, but the manifest's checksums are not confirmed published values");
  });
});
