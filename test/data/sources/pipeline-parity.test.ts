/**
 * The data sources against the paper pipelines they were taken from (issue
 * #14): the same status (dataset, status, root, detail), the same blockers
 * and fold counts, and the same records in the same order, on the embedded
 * sample, the stand-ins, hand-made folders and (when AUDIO_AUG_LAB_DATA is
 * set) the real ESC-50 fold-4 clips. It pins the move: once the pipelines
 * call src/data/sources, it compares the sources with themselves and can go.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTauSetup } from '../../../src/data/loaders/tau2020.js';
import { esc10View, loadEsc50 } from '../../../src/data/loaders/esc50.js';
import { sourceGroupedFolds } from '../../../src/reproduce/protocols.js';
import { capPerScene, loadDataset, locateDataset, type LoadedDataset } from '../../../src/data/sources/index.js';
import { loadExperiments, applyBudget } from '../../../src/reproduce/experiments.js';
import { pipeline as mushtaq } from '../../../src/reproduce/pipelines/mushtaq2020.js';
import { pipeline as wei, splitRecords } from '../../../src/reproduce/pipelines/wei2018.js';
import { pipeline as hu, capPerScene as huCapPerScene } from '../../../src/reproduce/pipelines/hu2020.js';
import type { BudgetName } from '../../../src/reproduce/experiment-schema.js';
import { itNeeds, needsData } from '../../helpers/requires.js';
import { context, emptyDataRoot, tempDirs, writeText } from './helpers.js';

const ESC_FOLD4 = needsData('esc50/meta/esc50-fold4-dev.csv', 'the ESC-50 fold-4 list and clips');
emptyDataRoot();
const temp = tempDirs('parity');

const jobCtx = (workDir: string, dataDir?: string) => ({ workDir, ...(dataDir !== undefined ? { dataDir } : {}), log: () => {} });
const exp = (paper: string, id: string) => {
  const e = loadExperiments(paper).find((x) => x.id === id);
  if (!e) throw new Error(`no experiment ${paper}/${id}`);
  return e;
};

/** The records and test folds mushtaq2020's runJob uses for protocol source-folds
 * on data without official folds: the list (ESC-10 view for subset esc10), folds
 * by sourceGroupedFolds with the pipeline's fold count and seed 'esc'. */
function mushtaqRecords(root: string, metadataFile: string, subset: string | undefined, k: number) {
  const all = loadEsc50({ root, metadataFile });
  const recs = subset === 'esc10' ? esc10View(all) : all;
  const folds = sourceGroupedFolds(recs.map((r) => ({ id: r.id, sourceId: r.sourceId, label: r.labels[0] })), k, 'esc');
  return recs.map((r) => ({ ...r, fold: folds.get(r.id) }));
}

describe('mushtaq2020 and the esc50 source', () => {
  const esc10 = () => exp('mushtaq2020', 'esc10-cnn7-none');
  const esc38 = () => exp('mushtaq2020', 'esc38-cnn7-none');

  it('the embedded sample: same status, same folds', () => {
    const work = temp();
    const ds = loadDataset({ id: 'esc50', subset: esc10().dataset.subset }, context(work, 'smoke'));
    expect(ds.status).toEqual(mushtaq.dataStatus(esc10(), jobCtx(work)));
    expect(ds.folds).toBe(mushtaq.foldsAvailable!({ ...esc10(), budget: 'smoke' }, jobCtx(work)));
    expect(ds.clips).toEqual(mushtaqRecords(ds.root, 'meta.csv', 'esc10', ds.folds!));
  });

  it('a folder without ESC-50: the same blocker', () => {
    const dir = temp();
    const work = temp();
    expect(locateDataset('esc50', context(work, 'smoke', dir)).blocker).toBe(mushtaq.blocker(esc10(), jobCtx(work, dir), 'smoke'));
  });

  it('a partial copy: same status and fold count', () => {
    const dir = temp();
    const rows = ['filename,fold,target,category,esc10,src_file,take'];
    for (let i = 0; i < 40; i++) {
      const name = `1-${100 + i}-A-${i % 4}.wav`;
      rows.push(`${name},1,${i % 4},c${i % 4},True,${100 + Math.floor(i / 3)},A`);
      if (i % 5) writeText(join(dir, 'audio', name), '');
    }
    writeText(join(dir, 'meta', 'esc50.csv'), `${rows.join('\n')}\n`);
    const work = temp();
    const ds = loadDataset({ id: 'esc50', subset: 'esc10' }, context(work, 'quick', dir));
    expect(ds.status).toEqual(mushtaq.dataStatus(esc10(), jobCtx(work, dir)));
    expect(ds.folds).toBe(mushtaq.foldsAvailable!({ ...esc10(), budget: 'quick' }, jobCtx(work, dir)));
  });

  itNeeds(ESC_FOLD4, 'the real fold-4 clips: same status and fold counts for esc10 and esc38', () => {
    const dir = join(ESC_FOLD4.path!, '..', '..');
    const work = temp();
    for (const e of [esc10(), esc38()]) {
      const ds = loadDataset({ id: 'esc50', subset: e.dataset.subset }, context(work, 'quick', dir));
      expect(ds.status).toEqual(mushtaq.dataStatus(e, jobCtx(work, dir)));
      expect(ds.folds).toBe(mushtaq.foldsAvailable!({ ...e, budget: 'quick' }, jobCtx(work, dir)));
      expect(ds.clips).toEqual(mushtaqRecords(dir, 'meta/esc50-fold4-dev.csv', e.dataset.subset, ds.folds!));
    }
  });
});

describe('wei2018 and the chime-home source', () => {
  const cv = () => exp('wei2018', 'cgrnn');
  const work = temp();
  let ds: LoadedDataset;
  beforeAll(() => {
    ds = loadDataset('chime-home', context(work, 'smoke'));
  }, 120_000);

  it('same status and blockers without data, per budget', () => {
    for (const budget of ['smoke', 'quick', 'full'] as BudgetName[]) {
      const loc = locateDataset('chime-home', context(work, budget));
      expect(loc.status).toEqual(wei.dataStatus(cv(), jobCtx(work)));
      expect(loc.blocker).toBe(wei.blocker(cv(), jobCtx(work), budget));
    }
    const bad = temp();
    const loc = locateDataset('chime-home', context(work, 'smoke', bad));
    expect(loc.status).toEqual(wei.dataStatus(cv(), jobCtx(work, bad)));
    expect(loc.blocker).toBe(wei.blocker(cv(), jobCtx(work, bad), 'smoke'));
  });

  it("the stand-in's folds and evaluation list: the records splitRecords gives, in its order", () => {
    for (let f = 1; f <= 5; f++) {
      const s = splitRecords(ds.root, 'dcase2016-5fold-cv', f);
      expect(ds.clips.filter((c) => c.fold === f)).toEqual(s.test);
      expect(ds.clips.filter((c) => c.fold !== f)).toEqual(s.trainSide);
    }
    const e = splitRecords(ds.root, 'dcase2016-evaluation-set', 0);
    expect(ds.lists.development).toEqual(e.trainSide);
    expect(ds.lists.evaluation).toEqual(e.test);
    expect(ds.status).toEqual(wei.dataStatus(cv(), jobCtx(work)));
    // The built stand-in given with --data-dir.
    expect(locateDataset('chime-home', context(temp(), 'full', ds.root)).status).toEqual(wei.dataStatus(cv(), jobCtx(temp(), ds.root)));
  });
});

describe('hu2020 and the tau2020 sources', () => {
  function tauDir(): string {
    const dir = temp();
    const train: string[] = [];
    const evaluate: string[] = [];
    for (const scene of ['airport', 'metro', 'park', 'tram']) {
      for (let loc = 0; loc < 4; loc++) for (const dev of ['a', 'b', 'c', 's1', 's2', 's3']) train.push(`audio/${scene}-prague-${loc}-0-${dev}.wav\t${scene}`);
      for (const dev of ['a', 'b', 's4', 's5', 's6']) evaluate.push(`audio/${scene}-vienna-7-3-${dev}.wav\t${scene}`);
    }
    writeText(join(dir, 'evaluation_setup', 'fold1_train.csv'), `filename\tscene_label\n${train.join('\n')}\n`);
    writeText(join(dir, 'evaluation_setup', 'fold1_evaluate.csv'), `filename\tscene_label\n${evaluate.join('\n')}\n`);
    return dir;
  }
  const t1a = () => exp('hu2020', 't1a-01-resnet');
  const t1b = () => exp('hu2020', 't1b-mobnet');

  it('same status and blockers, with and without a task 1a folder, per budget', () => {
    const dir = tauDir();
    const work = temp();
    for (const dataDir of [undefined, dir]) {
      for (const budget of ['smoke', 'quick'] as BudgetName[]) {
        for (const e of [t1a(), t1b()]) {
          const loc = locateDataset({ id: e.dataset.id, subset: e.dataset.subset }, context(work, budget, dataDir));
          expect(loc.status).toEqual(hu.dataStatus(e, jobCtx(work, dataDir)));
          expect(loc.blocker).toBe(hu.blocker(e, jobCtx(work, dataDir), budget));
        }
      }
    }
  });

  it("capped lists: the pipeline's capPerScene on the loader's records, for every smoke cap", () => {
    const dir = tauDir();
    const setup = loadTauSetup(dir, 1);
    for (const id of ['t1a-01-resnet', 't1a-3class-resnet']) {
      const b = applyBudget(exp('hu2020', id), 'smoke');
      expect(b.maxClipsPerClass).toBeDefined();
      const ds = loadDataset({ id: b.dataset.id, subset: b.dataset.subset, maxClipsPerClass: b.maxClipsPerClass }, context(temp(), 'smoke', dir));
      expect(ds.lists.train.map((c) => c.id)).toEqual(huCapPerScene(setup.train, b.maxClipsPerClass!, 'train').map((c) => c.id));
      expect(ds.lists.evaluate.map((c) => c.id)).toEqual(huCapPerScene(setup.evaluate, b.maxClipsPerClass!, 'evaluate').map((c) => c.id));
      for (const k of [1, 2, 3, 5]) expect(capPerScene(setup.train, k, 'train')).toEqual(huCapPerScene(setup.train, k, 'train'));
    }
  });
});
