/**
 * The TAU 2020 sources: a task 1a folder given with --data-dir (the lists in
 * the loader's order, capped per scene, 3-class labels), the task check (a
 * 1a folder is not 3Class data), the stand-in status and blockers, and the
 * task 1b stand-in built for smoke.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTauSetup, TAU2020_3CLASS_OF_SCENE, TAU2020_SCENES } from '../../../src/data/loaders/tau2020.js';
import { capPerScene, loadDataset, locateDataset } from '../../../src/data/sources/index.js';
import { MissingFileError } from '../../../src/util/errors.js';
import { context, emptyDataRoot, tempDirs, writeText } from './helpers.js';

emptyDataRoot();
const temp = tempDirs('tau-source');

const SCENES = ['airport', 'bus', 'park'];
const TRAIN_DEVICES = ['a', 'b', 'c', 's1'];

/** A task 1a setup (lists only: the loader does not open audio). */
function tauDir(opts: { badLabelAt?: number } = {}): string {
  const dir = temp();
  const row = (scene: string, loc: number, seg: number, dev: string) => `audio/${scene}-lisbon-${loc}-${seg}-${dev}.wav\t${scene}`;
  const train: string[] = [];
  const evaluate: string[] = [];
  for (const scene of SCENES) {
    for (let loc = 0; loc < 3; loc++) for (const dev of TRAIN_DEVICES) train.push(row(scene, loc, 0, dev));
    for (const dev of ['a', 's4']) evaluate.push(row(scene, 9, 1, dev));
  }
  if (opts.badLabelAt !== undefined) train[opts.badLabelAt] = train[opts.badLabelAt].replace(/\t.*/, '\tbeach');
  writeText(join(dir, 'evaluation_setup', 'fold1_train.csv'), `filename\tscene_label\n${train.join('\n')}\n`);
  writeText(join(dir, 'evaluation_setup', 'fold1_evaluate.csv'), `filename\tscene_label\r\n${evaluate.join('\r\n')}\r\n`);
  return dir;
}

const standInDetail = (title: string, khz: number) =>
  `${title} built from the embedded ESC-10 sample (data-manifests/samples/esc10; 22.05 kHz clips upsampled to ${khz} kHz, nothing above 11.025 kHz): format only, not the dataset`;

describe('tau2020 sources: a task 1a folder given with --data-dir', () => {
  it('is tau2020-mobile-dev, unverified; the loader lists in order, all clips list after list', () => {
    const dir = tauDir();
    const loc = locateDataset('tau2020-mobile-dev', context(temp(), 'full', dir));
    expect(loc).toEqual({
      id: 'tau2020-mobile-dev',
      status: { dataset: 'tau2020-mobile-dev', status: 'unverified', root: dir, detail: 'a TAU 2020 task 1a directory given with --data-dir, not checked against the manifest' },
      origin: 'given',
      blocker: null,
    });
    const ds = loadDataset('tau2020-mobile-dev', context(temp(), 'full', dir));
    const setup = loadTauSetup(dir, 1);
    expect(ds.lists.train).toEqual(setup.train);
    expect(ds.lists.evaluate).toEqual(setup.evaluate);
    expect(ds.clips).toEqual([...setup.train, ...setup.evaluate]);
    expect(ds.classes).toEqual([...TAU2020_SCENES]);
    expect(ds.folds).toBeNull();
  });

  it('is not task 1b data: tau2020-3class-dev falls back to its stand-in (blocked outside smoke)', () => {
    const dir = tauDir();
    const work = temp();
    const loc = locateDataset('tau2020-3class-dev', context(work, 'quick', dir));
    expect(loc.status).toEqual({
      dataset: 'tau2020-3class-dev',
      status: 'fixture',
      root: join(work, 'fixtures', 'tau2020-3class-like'),
      detail: standInDetail('TAU-2020-3Class-like fixture', 48),
    });
    expect(loc.origin).toBe('stand-in');
    expect(loc.blocker).toBe(
      "needs the tau2020-3class-dev dataset (not fetched; see 'audio-aug-lab data fetch tau2020-3class-dev' or give --data-dir); only the smoke budget runs on a fixture",
    );
    expect(locateDataset('tau2020-3class-dev', context(work, 'smoke', dir)).blocker).toBeNull();
    const load = () => loadDataset('tau2020-3class-dev', context(work, 'quick', dir));
    expect(load).toThrow(MissingFileError);
    expect(load).toThrow(
      `${dir}: TAU 2020 task 1b needs the tau2020-3class-dev dataset for the quick budget (fetch it with 'audio-aug-lab data fetch tau2020-3class-dev' or give --data-dir); only the smoke budget runs on a fixture`,
    );
  });

  it('maxClipsPerClass: at most k per scene in each list, devices in turn, input order kept', () => {
    const dir = tauDir();
    const ds = loadDataset({ id: 'tau2020-mobile-dev', maxClipsPerClass: 2 }, context(temp(), 'full', dir));
    const setup = loadTauSetup(dir, 1);
    expect(ds.lists.train).toEqual(capPerScene(setup.train, 2, 'train'));
    expect(ds.lists.evaluate).toEqual(capPerScene(setup.evaluate, 2, 'evaluate'));
    for (const scene of SCENES) {
      const picked = ds.lists.train.filter((c) => c.scene === scene);
      expect(picked).toHaveLength(2);
      expect(new Set(picked.map((c) => c.device)).size).toBe(2);
    }
    const order = setup.train.map((c) => c.id);
    const idx = ds.lists.train.map((c) => order.indexOf(c.id));
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
  });

  it("subset 3class: each clip labelled with its scene's parent, scene kept, 3 classes", () => {
    const dir = tauDir();
    const ds = loadDataset({ id: 'tau2020-mobile-dev', subset: '3class' }, context(temp(), 'full', dir));
    expect(ds.classes).toEqual(['indoor', 'outdoor', 'transportation']);
    const setup = loadTauSetup(dir, 1);
    expect(ds.lists.train.map((c) => c.id)).toEqual(setup.train.map((c) => c.id));
    for (const c of ds.clips) expect(c.labels).toEqual([TAU2020_3CLASS_OF_SCENE[c.scene as (typeof TAU2020_SCENES)[number]]]);
  });

  it('a list label outside the classes, and unknown subsets, are errors', () => {
    const dir = tauDir({ badLabelAt: 5 });
    expect(() => loadDataset('tau2020-mobile-dev', context(temp(), 'full', dir))).toThrow(/has label 'beach', not one of the 10 classes of tau2020-mobile-dev/);
    expect(() => locateDataset({ id: 'tau2020-mobile-dev', subset: '5class' }, context(temp(), 'smoke'))).toThrow(/unknown subset '5class' \(known: 3class\)/);
    expect(() => locateDataset({ id: 'tau2020-3class-dev', subset: '3class' }, context(temp(), 'smoke'))).toThrow(/unknown subset '3class' \(known: none\)/);
  });
});

describe('tau2020 sources: the smoke stand-in', () => {
  it('task 1b: built into <workDir>/fixtures/tau2020-3class-like, its lists in order, 3 classes', () => {
    const work = temp();
    const ctx = context(work, 'smoke');
    const ds = loadDataset('tau2020-3class-dev', ctx);
    const root = join(work, 'fixtures', 'tau2020-3class-like');
    expect(ds.root).toBe(root);
    expect(ds.status).toEqual({ dataset: 'tau2020-3class-dev', status: 'fixture', root, detail: standInDetail('TAU-2020-3Class-like fixture', 48) });
    const setup = loadTauSetup(root, 1);
    expect(ds.lists).toEqual({ train: setup.train, evaluate: setup.evaluate });
    expect(ds.classes).toEqual(['indoor', 'outdoor', 'transportation']);
    expect(ctx.lines).toEqual([`tau2020-3class-dev: built the TAU-2020-3Class-like fixture in ${root}`]);
  }, 180_000);

  it('task 1a without data: its stand-in status (44.1 kHz)', () => {
    const work = temp();
    expect(locateDataset('tau2020-mobile-dev', context(work, 'smoke')).status).toEqual({
      dataset: 'tau2020-mobile-dev',
      status: 'fixture',
      root: join(work, 'fixtures', 'tau2020-like'),
      detail: standInDetail('TAU-2020-like fixture', 44.1),
    });
  });
});
