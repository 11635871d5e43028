/**
 * The chime-home source: blocked without data outside smoke, the
 * CHiME-Home-like stand-in built once for smoke (and reused), a built
 * stand-in or a plain CHiME-Home folder given with --data-dir, and the
 * lists in the loader's order.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHIME_HOME_LABELS, loadChimeHomeDevelopment, loadChimeHomeEvaluation } from '../../../src/data/loaders/chime-home.js';
import { datasetList, loadDataset, locateDataset, type LoadedDataset } from '../../../src/data/sources/index.js';
import { NO_CHIME_HOME } from '../../../src/data/sources/chime-home.js';
import { InvalidParameterError } from '../../../src/util/errors.js';
import { context, emptyDataRoot, tempDirs } from './helpers.js';

emptyDataRoot();
const temp = tempDirs('chime-source');

const standInDetail =
  "CHiME-Home-like fixture (seed 2018, 16 chunks per fold): the embedded ESC-10 sample's clips " +
  '(data-manifests/samples/esc10, 22.05 kHz, resampled to 16 kHz) in the CHiME-Home layout, not CHiME-Home';

describe('chime-home source without data', () => {
  it('quick: the stand-in status, blocked with the pipeline message; load throws it', () => {
    const work = temp();
    const ctx = context(work, 'quick');
    const loc = locateDataset('chime-home', ctx);
    const blocker = `${NO_CHIME_HOME}; the quick budget needs the real dataset`;
    expect(loc).toEqual({
      id: 'chime-home',
      status: { dataset: 'chime-home', status: 'fixture', root: join(work, 'fixtures', 'wei2018-chime-home-like'), detail: standInDetail },
      origin: 'stand-in',
      blocker,
    });
    expect(() => loadDataset('chime-home', ctx)).toThrow(InvalidParameterError);
    expect(() => loadDataset('chime-home', ctx)).toThrow(blocker);
  });

  it('a --data-dir without CHiME-Home: unverified, the reason as detail and blocker', () => {
    const dir = temp();
    const msg = `--data-dir ${dir}: no CHiME-Home found (expected development_chunks_refined_crossval_dcase2016.csv and chunks/ in it or in chime_home/, or a data root with chime-home/)`;
    const loc = locateDataset('chime-home', context(temp(), 'smoke', dir));
    expect(loc.status).toEqual({ dataset: 'chime-home', status: 'unverified', root: dir, detail: msg });
    expect(loc.blocker).toBe(msg);
    expect(loc.origin).toBe('none');
  });

  it('refuses subsets and maxClipsPerClass (multi-label)', () => {
    expect(() => locateDataset({ id: 'chime-home', subset: 'x' }, context(temp(), 'smoke'))).toThrow(/no subsets/);
    expect(() => loadDataset({ id: 'chime-home', maxClipsPerClass: 2 }, context(temp(), 'smoke'))).toThrow(/maxClipsPerClass is not supported/);
  });
});

describe('chime-home source: the smoke stand-in', () => {
  const work = temp();
  let ds: LoadedDataset;
  let lines: string[];
  beforeAll(() => {
    const ctx = context(work, 'smoke');
    ds = loadDataset('chime-home', ctx);
    lines = ctx.lines;
  }, 120_000);

  it('is built into <workDir>/fixtures/wei2018-chime-home-like, said once, reused silently', () => {
    const root = join(work, 'fixtures', 'wei2018-chime-home-like');
    expect(ds.root).toBe(root);
    expect(ds.origin).toBe('stand-in');
    expect(ds.status).toEqual({ dataset: 'chime-home', status: 'fixture', root, detail: standInDetail });
    expect(lines).toEqual([`chime-home: built the CHiME-Home-like fixture (seed 2018, 16 chunks per fold) in ${root}`]);
    const again = context(work, 'smoke');
    expect(loadDataset('chime-home', again).clips).toEqual(ds.clips);
    expect(again.lines).toEqual([]);
  });

  it('development and evaluation lists in the loader order; folds 1-5; seven tags', () => {
    expect(ds.clips).toEqual(loadChimeHomeDevelopment({ root: ds.root }));
    expect(datasetList(ds, 'development')).toBe(ds.clips);
    expect(datasetList(ds, 'evaluation')).toEqual(loadChimeHomeEvaluation({ root: ds.root }));
    expect(ds.clips).toHaveLength(5 * 16);
    expect(ds.lists.evaluation).toHaveLength(16);
    expect([...new Set(ds.clips.map((c) => c.fold))].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(ds.folds).toBe(5);
    expect(ds.officialFolds).toBe(true);
    expect(ds.multiLabel).toBe(true);
    expect(ds.classes).toEqual([...CHIME_HOME_LABELS]);
    expect(() => datasetList(ds, 'train')).toThrow(/no 'train' list here \(lists: development, evaluation\)/);
  });

  it('given with --data-dir: the built stand-in is reported as a fixture; a copy without its record as CHiME-Home', () => {
    const given = locateDataset('chime-home', context(temp(), 'full', ds.root));
    expect(given.status).toEqual({
      dataset: 'chime-home',
      status: 'fixture',
      root: ds.root,
      detail: 'a CHiME-Home-like fixture (ESC-50 clips) given with --data-dir, not CHiME-Home',
    });
    expect(given.blocker).toBeNull();
    expect(given.origin).toBe('given');
    const parent = temp();
    const copy = join(parent, 'chime_home');
    cpSync(ds.root, copy, { recursive: true });
    rmSync(join(copy, 'fixture.json'), { force: true });
    const ctx = context(temp(), 'full', parent);
    const plain = loadDataset('chime-home', ctx);
    expect(plain.status).toEqual({
      dataset: 'chime-home',
      status: 'unverified',
      root: copy,
      detail: 'a CHiME-Home directory given with --data-dir, not checked against the manifest',
    });
    expect(plain.clips.map((c) => c.id)).toEqual(ds.clips.map((c) => c.id));
    rmSync(join(copy, 'evaluation_chunks_refined.csv'));
    const noEval = loadDataset('chime-home', ctx);
    expect(Object.keys(noEval.lists)).toEqual(['development']);
    expect(() => datasetList(noEval, 'evaluation')).toThrow(/no 'evaluation' list here/);
  });
});
