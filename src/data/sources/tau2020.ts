/**
 * TAU Urban Acoustic Scenes 2020: Mobile (DCASE 2020 task 1a, 10 scenes,
 * 44.1 kHz mono, devices a, b, c, s1-s6; subset '3class' labels each clip
 * with its scene's indoor / outdoor / transportation parent) and 3Class
 * (task 1b, 48 kHz binaural, device a). One official split: the fold-1
 * `train` and `evaluate` lists of evaluation_setup/.
 *
 * Data, in order of preference: --data-dir (a dataset root holding
 * evaluation_setup/fold1_{train,evaluate}.csv of this task and audio/, or a
 * data root with the fetched dataset), a dataset fetched into the data root,
 * else, for the smoke budget only, a TAU-2020-like (task 1a) or
 * TAU-2020-3Class-like (task 1b) stand-in built from the embedded ESC-10
 * sample (22.05 kHz clips upsampled to the task's rate, so nothing above
 * 11.025 kHz) into `<workDir>/fixtures/<stand-in name>` (status 'fixture').
 *
 * `maxClipsPerClass` caps the clips per SCENE (the 10 TAU scenes, also for
 * 3-class labels, so 10-class and 3-class experiments see the same clips) in
 * both lists, taking devices in turn (seeded order), so a small run still
 * covers every device group (`capPerScene`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTauSetup, tauDeviceRank, TAU2020_3CLASS_OF_SCENE, TAU2020_SCENES, type TauRecord } from '../loaders/tau2020.js';
import { buildFixture, EMBEDDED_SAMPLE_DIR, type FixtureName } from '../stand-ins/index.js';
import { InvalidParameterError, MissingFileError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { fetchedDataset } from './fetched.js';
import type { DataOrigin, DataStatus, DatasetLocation, DatasetRequest, DatasetSource, LoadedDataset, SourceContext } from './types.js';

export type TauTask = '1a' | '1b';

export interface TauTaskInfo {
  task: TauTask;
  /** Manifest id (data-manifests/<id>.json) and registry id. */
  dataset: 'tau2020-mobile-dev' | 'tau2020-3class-dev';
  sr: number;
  binaural: boolean;
  /** The stand-in of src/data/stand-ins for the smoke budget (default seed and size). */
  fixture: FixtureName;
  fixtureTitle: string;
}

export const TAU_TASKS: Record<TauTaskInfo['dataset'], TauTaskInfo> = {
  'tau2020-mobile-dev': { task: '1a', dataset: 'tau2020-mobile-dev', sr: 44100, binaural: false, fixture: 'tau2020-like', fixtureTitle: 'TAU-2020-like fixture' },
  'tau2020-3class-dev': {
    task: '1b',
    dataset: 'tau2020-3class-dev',
    sr: 48000,
    binaural: true,
    fixture: 'tau2020-3class-like',
    fixtureTitle: 'TAU-2020-3Class-like fixture',
  },
};

/** Task 1b's classes (and task 1a's 3-class parents), alphabetical: the model's output order. */
export const TAU_3CLASS_CLASSES: readonly string[] = [...new Set(Object.values(TAU2020_3CLASS_OF_SCENE))].sort();

interface TauData {
  root: string;
  status: DataStatus;
  /** false: the stand-in (built on demand by load). */
  real: boolean;
  origin: Exclude<DataOrigin, 'sample' | 'none'>;
}

function listsAt(root: string): boolean {
  return existsSync(join(root, 'evaluation_setup', 'fold1_train.csv')) && existsSync(join(root, 'evaluation_setup', 'fold1_evaluate.csv'));
}

/** Which task a directory's lists belong to, from the first label of fold1_train.csv. */
export function tauListTask(root: string): TauTask | null {
  const lines = readFileSync(join(root, 'evaluation_setup', 'fold1_train.csv'), 'utf8').split(/\r?\n/);
  const label = lines[1]?.split('\t')[1]?.trim();
  if (label === undefined) return null;
  if (TAU_3CLASS_CLASSES.includes(label)) return '1b';
  if ((TAU2020_SCENES as readonly string[]).includes(label)) return '1a';
  return null;
}

/** The task's dataset fetched, or given with --data-dir; null when neither. */
export function realTau(info: TauTaskInfo, ctx: Pick<SourceContext, 'dataDir'>): TauData | null {
  const fetched = fetchedDataset(info.dataset, ctx.dataDir);
  if (fetched && listsAt(fetched.root)) return { root: fetched.root, status: fetched.status, real: true, origin: 'fetched' };
  if (ctx.dataDir && listsAt(ctx.dataDir) && tauListTask(ctx.dataDir) === info.task) {
    return {
      root: ctx.dataDir,
      real: true,
      origin: 'given',
      status: {
        dataset: info.dataset,
        status: 'unverified',
        root: ctx.dataDir,
        detail: `a TAU 2020 task ${info.task} directory given with --data-dir, not checked against the manifest`,
      },
    };
  }
  return null;
}

function standIn(info: TauTaskInfo, ctx: Pick<SourceContext, 'workDir'>): TauData {
  const root = join(ctx.workDir, 'fixtures', info.fixture);
  return {
    root,
    real: false,
    origin: 'stand-in',
    status: {
      dataset: info.dataset,
      status: 'fixture',
      root,
      detail:
        `${info.fixtureTitle} built from the embedded ESC-10 sample (data-manifests/samples/esc10; 22.05 kHz clips upsampled to ` +
        `${info.sr / 1000} kHz, nothing above 11.025 kHz): format only, not the dataset`,
    },
  };
}

/** Where the task's data comes from: real data, else the stand-in. No side effects. */
export function findTau(info: TauTaskInfo, ctx: Pick<SourceContext, 'dataDir' | 'workDir'>): TauData {
  return realTau(info, ctx) ?? standIn(info, ctx);
}

function standInBlocker(info: TauTaskInfo): string {
  return `needs the ${info.dataset} dataset (not fetched; see 'audio-aug-lab data fetch ${info.dataset}' or give --data-dir); only the smoke budget runs on a fixture`;
}

/**
 * At most k clips per scene, taking the scene's devices in turn (device
 * order a, b, c, s1..s6, starting at a scene-dependent device so small runs
 * cover every device), each device's clips in a seeded order. Keeps the
 * input order of the chosen clips.
 */
export function capPerScene<T extends { id: string; scene: string; device: string }>(clips: readonly T[], k: number, salt: string): T[] {
  if (!(Number.isInteger(k) && k >= 1)) throw new InvalidParameterError(`maxClipsPerClass must be a positive integer, got ${k}`);
  const chosen = new Set<string>();
  const scenes = [...new Set(clips.map((c) => c.scene))].sort();
  scenes.forEach((scene, si) => {
    const byDevice = new Map<string, T[]>();
    for (const c of clips) {
      if (c.scene !== scene) continue;
      const list = byDevice.get(c.device) ?? [];
      list.push(c);
      byDevice.set(c.device, list);
    }
    const devices = [...byDevice.keys()].sort((a, b) => tauDeviceRank(a) - tauDeviceRank(b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const d of devices) {
      const list = byDevice.get(d)!.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      new Rng(`hu2020-cap|${salt}|${scene}|${d}`).shuffle(list);
    }
    let taken = 0;
    let turn = 0;
    const start = (si * k) % devices.length;
    let left = clips.filter((c) => c.scene === scene).length;
    while (taken < k && left > 0) {
      const list = byDevice.get(devices[(start + turn) % devices.length])!;
      turn++;
      const c = list.shift();
      if (c) {
        chosen.add(c.id);
        taken++;
        left--;
      }
    }
  });
  return clips.filter((c) => chosen.has(c.id));
}

function taskInfo(req: DatasetRequest): TauTaskInfo {
  const info = TAU_TASKS[req.id as TauTaskInfo['dataset']];
  if (!info) throw new InvalidParameterError(`dataset '${req.id}' is not a TAU 2020 dataset (known: ${Object.keys(TAU_TASKS).join(', ')})`);
  if (req.subset !== undefined && !(info.task === '1a' && req.subset === '3class')) {
    throw new InvalidParameterError(`dataset ${req.id}: unknown subset '${req.subset}' (known: ${info.task === '1a' ? '3class' : 'none'})`);
  }
  return info;
}

/** Class names, in the order of the model outputs. */
export function tauClasses(req: DatasetRequest): string[] {
  const info = taskInfo(req);
  return info.task === '1b' || req.subset === '3class' ? [...TAU_3CLASS_CLASSES] : [...TAU2020_SCENES];
}

type TauClip = TauRecord;

function clipOf(rec: TauRecord, req: DatasetRequest, info: TauTaskInfo): TauClip {
  if (!(info.task === '1a' && req.subset === '3class')) return rec;
  const label = TAU2020_3CLASS_OF_SCENE[rec.scene as (typeof TAU2020_SCENES)[number]];
  if (label === undefined) throw new InvalidParameterError(`scene '${rec.scene}' of ${rec.audioPath} has no 3-class parent`);
  return { ...rec, labels: [label] };
}

/** The fold-1 train and evaluate lists at `root`, as requested (3-class labels, capped). */
export function tauLists(req: DatasetRequest, root: string): { train: TauClip[]; evaluate: TauClip[] } {
  const info = taskInfo(req);
  const setup = loadTauSetup(root, 1);
  let train = setup.train.map((r) => clipOf(r, req, info));
  let evaluate = setup.evaluate.map((r) => clipOf(r, req, info));
  if (req.maxClipsPerClass !== undefined) {
    train = capPerScene(train, req.maxClipsPerClass, 'train');
    evaluate = capPerScene(evaluate, req.maxClipsPerClass, 'evaluate');
  }
  const classes = tauClasses(req);
  for (const c of [...train, ...evaluate]) {
    if (!classes.includes(c.labels[0])) {
      throw new InvalidParameterError(`clip ${c.audioPath} has label '${c.labels[0]}', not one of the ${classes.length} classes of ${req.id}${req.subset ? ` (${req.subset})` : ''} (${classes.join(', ')})`);
    }
  }
  if (train.length === 0 || evaluate.length === 0) throw new InvalidParameterError(`empty train or evaluate list under ${root}`);
  return { train, evaluate };
}

function locate(req: DatasetRequest, ctx: SourceContext): DatasetLocation {
  const info = taskInfo(req);
  const d = findTau(info, ctx);
  return { id: info.dataset, status: d.status, origin: d.origin, blocker: !d.real && ctx.budget !== 'smoke' ? standInBlocker(info) : null };
}

function load(req: DatasetRequest, ctx: SourceContext): LoadedDataset {
  const info = taskInfo(req);
  let d = realTau(info, ctx);
  if (!d) {
    if (ctx.budget !== 'smoke') {
      throw new MissingFileError(
        `TAU 2020 task ${info.task} needs the ${info.dataset} dataset for the ${ctx.budget} budget (fetch it with 'audio-aug-lab data fetch ${info.dataset}' or give --data-dir); only the smoke budget runs on a fixture`,
        ctx.dataDir ?? info.dataset,
      );
    }
    d = standIn(info, ctx);
    const built = buildFixture(info.fixture, d.root, { esc50Dir: EMBEDDED_SAMPLE_DIR });
    if (!built.reused) ctx.log(`${info.dataset}: built the ${info.fixtureTitle} in ${built.dir}`);
  }
  const { train, evaluate } = tauLists(req, d.root);
  return {
    id: info.dataset,
    status: d.status,
    origin: d.origin,
    root: d.root,
    clips: [...train, ...evaluate],
    lists: { train, evaluate },
    classes: tauClasses(req),
    multiLabel: false,
    officialFolds: true,
    folds: null,
  };
}

export const tau2020MobileSource: DatasetSource = {
  id: 'tau2020-mobile-dev',
  title: 'TAU Urban Acoustic Scenes 2020 Mobile, development (DCASE 2020 task 1a; subset 3class: indoor/outdoor/transportation labels)',
  subsets: ['3class'],
  locate,
  load,
};

export const tau2020ThreeClassSource: DatasetSource = {
  id: 'tau2020-3class-dev',
  title: 'TAU Urban Acoustic Scenes 2020 3Class, development (DCASE 2020 task 1b)',
  subsets: [],
  locate,
  load,
};
