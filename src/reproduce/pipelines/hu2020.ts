/**
 * hu2020 pipeline (Hu et al., DCASE 2020 task 1 technical report): Table 1
 * (task 1a: 10-class acoustic scene classification on TAU Urban Acoustic
 * Scenes 2020 Mobile, accuracy per device group and log loss), its average
 * ensembles and two-stage fusion with a 3-class first stage, and Table 2
 * (task 1b: TAU Urban Acoustic Scenes 2020 3Class, small models before and
 * after int8 dynamic-range quantization, logistic-regression ensembles).
 *
 * Data, in order of preference: --data-dir (a dataset root holding
 * evaluation_setup/fold1_{train,evaluate}.csv and audio/, or a data root with
 * the fetched dataset), a dataset fetched into the data root, else, for the
 * smoke budget only, a TAU-2020-like (task 1a, 44.1 kHz) or
 * TAU-2020-3Class-like (task 1b, 48 kHz) fixture built from the embedded
 * ESC-10 sample (data-manifests/samples/esc10, 22.05 kHz clips upsampled to
 * the task's rate, so nothing above 11.025 kHz) into the work directory
 * (status 'fixture': it checks the pipeline and verifies nothing about the
 * paper).
 *
 * A job is one experiment x seed on the official fold-1 split: features of
 * every listed clip (feature cache), offline augmented copies of the training
 * clips, training with the online augmentations, prediction of the evaluate
 * list, metrics and per-clip scores. Ensembles and two-stage fusion have no
 * jobs: `aggregateEnsemble` combines the members' stored per-clip scores.
 *
 * Choices (each experiment's `choices` says more):
 * - Input geometry: `seconds` (audio kept from the start, as the code's
 *   `sound.read(stop=duration*sr)`; shorter clips are zero-padded), `nMels`,
 *   `scale` (min-max scaling to [0, 1] on/off: Table 1's "Scale"),
 *   `binaural` and `channelOrder` come from the features options; `seconds`,
 *   `nMels` and `cropFrames` may be overridden by the model options, the only
 *   input knob a budget can override (the smoke budget shrinks the input this
 *   way, as mushtaq2020 does with its image size). Scale off: the log-mel is
 *   left unscaled and the deltas are computed from it.
 * - `maxClipsPerClass` caps the clips per SCENE (the 10 TAU scenes, also for
 *   3-class labels, so 10-class and 3-class experiments see the same clips) in
 *   both lists, taking devices in turn (seeded order), so a small run still
 *   covers every device group.
 * - Offline augmentation (task 1a): one copy per training clip and method,
 *   drawn from Rng(`offline|0|<clip>|<method index>`) with a fixed offline
 *   seed 0 shared by all run seeds (the authors generated one augmented set);
 *   derived clips keep the recording's sourceId. Spectrum correction and
 *   reverb/DRC are applied to device-A clips only (section 3; the code's
 *   reverb list fold1_train_a_2003.csv), pitch shift, speed change, noise and
 *   same-class mixing to every training clip (the code's
 *   fold1_train_{pitch,time,noise,add}.csv list all ~14k clips).
 *   Spectrum-correction coefficients: reference = mean magnitude spectrum of
 *   the non-A training devices, source = device A, each estimated on up to 150
 *   training clips per device (the code used 150 paired clips); same-class
 *   mixing partners are drawn among the training clips of the same scene.
 * - Epochs: with the code's mixup (pairing 'halves'), each step draws 2 x 32
 *   items and trains on 32 mixed ones, and a Keras epoch is ceil(N / 32)
 *   steps, i.e. two passes over the data. A config epoch is therefore two
 *   trainer epochs (passes) of 2 x batchSize drawn items (last partial batch
 *   dropped), and the cosine schedule's restart epochs are doubled to match.
 * - Random crop (423 -> 400 frames): fit() takes the tensor shape from the
 *   dataset, so an online transform cannot shorten the examples. LOCAL
 *   WORKAROUND until the trainer supports it: the crop is drawn when the
 *   trainer reads an example (Rng(`crop|<seed>|<pass>|<index>`), the pass
 *   tracked through onEpochEnd), i.e. before SpecAugment; the code crops after
 *   SpecAugment. SpecAugment's 10% masks on the 400-frame crop are the code's
 *   T = 40.
 * - Snapshot averaging (`training.snapshotAverage`): the probabilities of the
 *   models at the last three learning-rate minima of the run (restart epochs
 *   below the run length, and the final epoch) are averaged (section 5.2).
 *   Without it, the final model is used. No checkpoint is ever selected on
 *   the evaluate list.
 * - Task 1b: the final float32 model and its int8 copy (per-channel,
 *   src/quantize) predict the evaluate list; per-clip scores of the int8 model
 *   are stored as extra rows with id `<clip>@int8` and group 'int8' (original
 *   rows carry the device code in `group`, as in task 1a).
 * - Per-clip scores: `group` holds the TAU device code (a, b, c, s1-s6); its
 *   Table 1 group follows from HU2020_DEVICE_GROUPS.
 * - Training checkpoints go to <workDir>/checkpoints/<budget>/<job id> (a
 *   killed job resumes), snapshots to <workDir>/snapshots/...; both are
 *   removed when the job has finished.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadAudio } from '../../audio/load.js';
import { createTransform } from '../../augment/catalogue.js';
import type { Transform } from '../../augment/types.js';
import type { Waveform } from '../../audio/types.js';
import type { FeatureMap } from '../../features/types.js';
import type { WaveformGroup } from '../../augment/waveform/waveform-transform.js';
import { averageMagnitudeSpectrum, correctionCoefficients, referenceSpectrum } from '../../augment/waveform/spectrum-correction.js';
import { drawPartnerIndex } from '../../augment/waveform/mix.js';
import { FeatureCache, audioFileSha256, decodeEntry, defaultLibraryVersion, type FeatureCacheKey } from '../../data/feature-cache.js';
import { buildFixture, EMBEDDED_SAMPLE_DIR, type FixtureName } from '../../data/stand-ins/index.js';
import { loadTauSetup, TAU2020_3CLASS_LABELS as HU2020_PARENT_CLASSES, TAU2020_3CLASS_OF_SCENE, TAU2020_SCENES, type TauRecord } from '../../data/loaders/tau2020.js';
import { hu2020Stack, hu2020Stages, type Hu2020Options } from '../../features/hu2020.js';
import { regressionDelta5 } from '../../features/delta.js';
import { twoStageFusion } from '../../fusion/two-stage.js';
import { averageEnsemble } from '../../fusion/average.js';
import { lrFusionCrossValidated, lrFusionInSample } from '../../fusion/lr-fusion.js';
import { accuracyByDeviceGroup, accuracyFromScores, logLoss } from '../../metrics/classification.js';
import { argmaxRows, type ScoreMatrix } from '../../metrics/score-matrix.js';
import { buildHu2020Mobnet } from '../../models/hu2020-mobnet.js';
import { getModelEntry } from '../../models/registry.js';
import { quantizeModel } from '../../quantize/model.js';
import { dcase2020ModelSizeAsync, float32FileSize, int8FileSize } from '../../quantize/size.js';
import type { Dataset } from '../../train/batches.js';
import { loadLatestCheckpoint } from '../../train/checkpoint.js';
import { fit, predictDataset } from '../../train/fit.js';
import { doublingRestarts, type ScheduleSpec } from '../../train/schedules.js';
import { AudioAugLabError, InvalidParameterError, MissingFileError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import type { AugmentRefT, BudgetName, Experiment } from '../experiment-schema.js';
import { loadExperiments, type Job } from '../experiments.js';
import { forwardFlops } from '../flops.js';
import type { DataStatus, JobResult } from '../results.js';
import { fetchedDataset, oneHot } from './common.js';
import { onlineAugment } from '../../augment/online.js';
import type { BudgetedExperiment, JobContext, JobOutput, PaperPipeline } from './types.js';

// ------------------------------------------------------------------ tasks

type Task = '1a' | '1b';

interface TaskInfo {
  task: Task;
  /** Manifest id (data-manifests/<id>.json). */
  dataset: string;
  sr: number;
  binaural: boolean;
  /** Fixture of src/data/stand-ins for the smoke budget (default seed and size). */
  fixture: FixtureName;
  fixtureTitle: string;
  /** Clips in the official fold-1 training list, and of device A among them. */
  trainClips: number;
  trainClipsDeviceA: number;
}

const TASKS: Record<string, TaskInfo> = {
  'tau2020-mobile-dev': {
    task: '1a',
    dataset: 'tau2020-mobile-dev',
    sr: 44100,
    binaural: false,
    fixture: 'tau2020-like',
    fixtureTitle: 'TAU-2020-like fixture',
    trainClips: 13965,
    trainClipsDeviceA: 10215,
  },
  'tau2020-3class-dev': {
    task: '1b',
    dataset: 'tau2020-3class-dev',
    sr: 48000,
    binaural: true,
    fixture: 'tau2020-3class-like',
    fixtureTitle: 'TAU-2020-3Class-like fixture',
    trainClips: 9185,
    trainClipsDeviceA: 9185,
  },
};

const PAPER = 'hu2020';
/** Seed of the offline augmented copies, shared by every run seed. */
const OFFLINE_SEED = 0;
/** Clips per device for the spectrum-correction spectra. */
const SPECTRUM_CLIPS_PER_DEVICE = 150;
/** Feature sets larger than this are read back from the feature cache per example. */
const IN_MEMORY_BYTES = 2 * 1024 ** 3;
const DEVICE_ORDER = ['a', 'b', 'c', 's1', 's2', 's3', 's4', 's5', 's6'];
const DEVICE_A_ONLY = new Set(['spectrum_correction', 'reverb_drc', 'reverb', 'drc']);
const MIXUP_NAMES = new Set(['mixup', 'mixup_hu2020']);
const INT8_SUFFIX = '@int8';
const EVAL_BATCH = 16;

function taskOf(exp: Experiment): TaskInfo {
  const info = TASKS[exp.dataset.id];
  if (!info) {
    throw new InvalidParameterError(`hu2020: dataset '${exp.dataset.id}' of experiment ${exp.id} is not one of ${Object.keys(TASKS).join(', ')}`);
  }
  if (exp.dataset.protocol !== 'tau-fold1') {
    throw new InvalidParameterError(`hu2020: experiment ${exp.id} has protocol '${exp.dataset.protocol}'; only 'tau-fold1' (the official fold-1 split) exists`);
  }
  return info;
}

/** Class names, in the order of the model outputs. */
function classesOf(exp: Experiment, info: TaskInfo): string[] {
  if (info.task === '1b' || exp.dataset.subset === '3class') return [...HU2020_PARENT_CLASSES];
  if (exp.dataset.subset !== undefined) throw new InvalidParameterError(`hu2020: unknown subset '${exp.dataset.subset}' in ${exp.id} (known: 3class)`);
  return [...TAU2020_SCENES];
}

// ------------------------------------------------------------------- data

interface TauData {
  root: string;
  status: DataStatus;
  /** false: the fixture (built on demand by runJob). */
  real: boolean;
}

function listsAt(root: string): boolean {
  return existsSync(join(root, 'evaluation_setup', 'fold1_train.csv')) && existsSync(join(root, 'evaluation_setup', 'fold1_evaluate.csv'));
}

/** Which task a directory's lists belong to, from the first label of fold1_train.csv. */
function listTask(root: string): Task | null {
  const lines = readFileSync(join(root, 'evaluation_setup', 'fold1_train.csv'), 'utf8').split(/\r?\n/);
  const label = lines[1]?.split('\t')[1]?.trim();
  if (label === undefined) return null;
  if ((HU2020_PARENT_CLASSES as readonly string[]).includes(label)) return '1b';
  if ((TAU2020_SCENES as readonly string[]).includes(label)) return '1a';
  return null;
}

function realData(info: TaskInfo, ctx: JobContext): TauData | null {
  const fetched = fetchedDataset(info.dataset, ctx.dataDir);
  if (fetched && listsAt(fetched.root)) return { root: fetched.root, status: fetched.status, real: true };
  if (ctx.dataDir && listsAt(ctx.dataDir) && listTask(ctx.dataDir) === info.task) {
    return {
      root: ctx.dataDir,
      real: true,
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

function fixtureRoot(info: TaskInfo, ctx: JobContext): string {
  return join(ctx.workDir, 'fixtures', info.fixture);
}

function fixtureData(info: TaskInfo, ctx: JobContext): TauData {
  const root = fixtureRoot(info, ctx);
  return {
    root,
    real: false,
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

function locate(info: TaskInfo, ctx: JobContext): TauData {
  return realData(info, ctx) ?? fixtureData(info, ctx);
}

/** The data a job runs on; builds the fixture when it is needed and allowed. */
function dataForRun(info: TaskInfo, ctx: JobContext, budget: BudgetName): TauData {
  const real = realData(info, ctx);
  if (real) return real;
  if (budget !== 'smoke') {
    throw new MissingFileError(
      `hu2020 task ${info.task} needs the ${info.dataset} dataset for the ${budget} budget (fetch it with 'audio-aug-lab data fetch ${info.dataset}' or give --data-dir); only the smoke budget runs on a fixture`,
      ctx.dataDir ?? info.dataset,
    );
  }
  const d = fixtureData(info, ctx);
  buildFixture(info.fixture, d.root, { esc50Dir: EMBEDDED_SAMPLE_DIR });
  return d;
}

// ------------------------------------------------------------------ clips

export interface Clip {
  id: string;
  audioPath: string;
  sourceId: string;
  device: string;
  scene: string;
  /** Class name (scene, or indoor/outdoor/transportation). */
  label: string;
}

function clipOf(rec: TauRecord, exp: Experiment, info: TaskInfo): Clip {
  let label = rec.labels[0];
  if (info.task === '1a' && exp.dataset.subset === '3class') {
    label = TAU2020_3CLASS_OF_SCENE[rec.scene as (typeof TAU2020_SCENES)[number]];
    if (label === undefined) throw new InvalidParameterError(`hu2020: scene '${rec.scene}' of ${rec.audioPath} has no 3-class parent`);
  }
  return { id: rec.id, audioPath: rec.audioPath, sourceId: rec.sourceId, device: rec.device, scene: rec.scene, label };
}

const deviceRank = (d: string): number => {
  const i = DEVICE_ORDER.indexOf(d);
  return i < 0 ? DEVICE_ORDER.length : i;
};

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
    const devices = [...byDevice.keys()].sort((a, b) => deviceRank(a) - deviceRank(b) || (a < b ? -1 : a > b ? 1 : 0));
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

function clipLists(exp: BudgetedExperiment, info: TaskInfo, data: TauData): { train: Clip[]; evaluate: Clip[] } {
  const setup = loadTauSetup(data.root, 1);
  let train = setup.train.map((r) => clipOf(r, exp, info));
  let evaluate = setup.evaluate.map((r) => clipOf(r, exp, info));
  if (exp.maxClipsPerClass !== undefined) {
    train = capPerScene(train, exp.maxClipsPerClass, 'train');
    evaluate = capPerScene(evaluate, exp.maxClipsPerClass, 'evaluate');
  }
  const classes = classesOf(exp, info);
  for (const c of [...train, ...evaluate]) {
    if (!classes.includes(c.label)) {
      throw new InvalidParameterError(`hu2020: clip ${c.audioPath} has label '${c.label}', not one of the ${classes.length} classes of ${exp.id} (${classes.join(', ')})`);
    }
  }
  if (train.length === 0 || evaluate.length === 0) throw new InvalidParameterError(`hu2020: empty train or evaluate list under ${data.root}`);
  return { train, evaluate };
}

// --------------------------------------------------------------- features

export interface Geometry {
  sr: number;
  seconds: number;
  nMels: number;
  scale: boolean;
  binaural: boolean;
  channelOrder: NonNullable<Hu2020Options['channelOrder']>;
  /** Feature channels (3 per audio channel). */
  nChannels: number;
  /** Frames per clip after the two delta passes. */
  nFrames: number;
}

function numberOption(o: Record<string, unknown>, key: string, fallback: number): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidParameterError(`hu2020: option '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export function geometry(exp: Experiment): Geometry {
  const info = taskOf(exp);
  const f = exp.features.options as Record<string, unknown>;
  const o = { ...f, ...(exp.model.options as Record<string, unknown>) };
  const seconds = numberOption(o, 'seconds', 10);
  const nMels = numberOption(o, 'nMels', 128);
  if (!(seconds > 0)) throw new InvalidParameterError(`hu2020: seconds must be > 0, got ${seconds}`);
  if (!(Number.isInteger(nMels) && nMels >= 2 && nMels % 2 === 0)) throw new InvalidParameterError(`hu2020: nMels must be an even integer >= 2, got ${nMels}`);
  const binaural = f.binaural === undefined ? info.binaural : f.binaural === true;
  if (binaural !== info.binaural) throw new InvalidParameterError(`hu2020: ${exp.id}: binaural must be ${info.binaural} for ${info.dataset}`);
  const channelOrder = (f.channelOrder ?? 'hu2020-code') as Geometry['channelOrder'];
  if (channelOrder !== 'hu2020-code' && channelOrder !== 'per-channel') {
    throw new InvalidParameterError(`hu2020: channelOrder must be 'hu2020-code' or 'per-channel', got '${String(channelOrder)}'`);
  }
  const samples = Math.round(seconds * info.sr);
  const nFrames = 1 + Math.floor(samples / 1024) - 8;
  if (nFrames < 1) throw new InvalidParameterError(`hu2020: ${seconds} s gives no frames after the delta passes`);
  return { sr: info.sr, seconds, nMels, scale: f.scale !== false, binaural, channelOrder, nChannels: binaural ? 6 : 3, nFrames };
}

/** Zero-pad or cut to n samples (the code reads the first duration * sr samples). */
function fixLength(y: Float64Array, n: number): Float64Array {
  if (y.length === n) return y;
  const out = new Float64Array(n);
  out.set(y.subarray(0, Math.min(n, y.length)));
  return out;
}

/** The network input of one clip, (channel, freq, time). */
export function featuresOf(w: Waveform, g: Geometry): FeatureMap {
  if (w.sr !== g.sr) throw new InvalidParameterError(`hu2020: waveform at ${w.sr} Hz, features expect ${g.sr} Hz`);
  const n = Math.round(g.seconds * g.sr);
  const need = g.binaural ? 2 : 1;
  if (w.channels.length !== need) throw new InvalidParameterError(`hu2020: features need ${need} audio channel(s), got ${w.channels.length}`);
  const chans = w.channels.map((c) => fixLength(c, n));
  const opts: Hu2020Options = { nMels: g.nMels, channelOrder: g.channelOrder };
  const st = hu2020Stages(chans, g.sr, opts);
  if (g.scale) return hu2020Stack(st, g.channelOrder);
  // Scale off (Table 1 row (1)): deltas of the unscaled log-mel, in float32 as the code.
  const d = st.logMel.map((l) => regressionDelta5(l, st.nFrames, { float32: true }).data);
  const dd = d.map((x) => regressionDelta5(x, st.nFrames - 4, { float32: true }).data);
  return hu2020Stack({ ...st, scaled: st.logMel, d, dd }, g.channelOrder);
}

const fileShaMemo = new Map<string, string>();

async function fileSha(path: string): Promise<string> {
  const st = statSync(path);
  const key = `${path}|${st.size}|${st.mtimeMs}`;
  let h = fileShaMemo.get(key);
  if (!h) {
    h = await audioFileSha256(path);
    fileShaMemo.set(key, h);
  }
  return h;
}

/** Feature maps of a run, in memory or read back from the feature cache. */
class FeatureStore {
  private readonly mem: Float32Array[] = [];
  private readonly files: { path: string; hash: string }[] = [];

  constructor(
    private readonly cache: FeatureCache,
    readonly inMemory: boolean,
    readonly size: number,
  ) {}

  get length(): number {
    return this.inMemory ? this.mem.length : this.files.length;
  }

  async add(key: FeatureCacheKey, compute: () => Float32Array): Promise<number> {
    const v = await this.cache.getOrCompute(key, () => ({ data: compute(), shape: [this.size] }));
    if (v.data.length !== this.size) {
      throw new AudioAugLabError('FEATURES', `cached features have ${v.data.length} values, expected ${this.size}`, this.cache.pathFor(this.cache.keyHash(key)));
    }
    if (this.inMemory) {
      this.mem.push(v.data);
      return this.mem.length - 1;
    }
    const hash = this.cache.keyHash(key);
    this.files.push({ path: this.cache.pathFor(hash), hash });
    return this.files.length - 1;
  }

  get(i: number): Float32Array {
    if (this.inMemory) return this.mem[i];
    const { path, hash } = this.files[i];
    const v = decodeEntry(readFileSync(path), hash);
    if ('corrupt' in v) throw new AudioAugLabError('FEATURES', `feature cache entry became unreadable (${v.corrupt})`, path);
    return v.data;
  }
}

/** (channel, freq, time) -> (time, freq, channel), the models' layout. */
export function toModelLayout(data: Float32Array, nChannels: number, nFreq: number, nTime: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let c = 0; c < nChannels; c++) {
    for (let f = 0; f < nFreq; f++) {
      const src = (c * nFreq + f) * nTime;
      for (let t = 0; t < nTime; t++) out[(t * nFreq + f) * nChannels + c] = data[src + t];
    }
  }
  return out;
}

/** (time, freq, channel) -> (channel, freq, time). */
export function fromModelLayout(row: Float32Array, nChannels: number, nFreq: number, nTime: number): Float32Array {
  const out = new Float32Array(row.length);
  for (let t = 0; t < nTime; t++) {
    for (let f = 0; f < nFreq; f++) {
      const src = (t * nFreq + f) * nChannels;
      for (let c = 0; c < nChannels; c++) out[(c * nFreq + f) * nTime + t] = row[src + c];
    }
  }
  return out;
}

// ----------------------------------------------------- offline augmentation

interface Item {
  id: string;
  sourceId: string;
  device: string;
  label: number;
  /** Index in the FeatureStore. */
  slot: number;
}

function loadClip(clip: Clip, g: Geometry): Waveform {
  const w = loadAudio(clip.audioPath, { mono: !g.binaural, expectedSr: g.sr });
  const n = Math.round(g.seconds * g.sr);
  return { sr: w.sr, channels: w.channels.map((c) => fixLength(c, n)) };
}

interface SpectrumPlan {
  stft: { nFft: number; hopLength: number; padMode: 'reflect' | 'constant' };
  /** Clips of each non-A training device (reference), and of device A (source). */
  reference: Clip[][];
  source: Clip[];
  /** Identifies the coefficients: the clips' audio hashes and the STFT settings. */
  key: string;
}

/** Which clips the spectrum-correction coefficients are estimated on (see the header). */
async function spectrumPlan(train: readonly Clip[], ref: AugmentRefT): Promise<SpectrumPlan> {
  const stft = {
    nFft: numberOption(ref.params, 'nFft', 2048),
    hopLength: numberOption(ref.params, 'hopLength', 1024),
    padMode: (ref.params.padMode ?? 'reflect') as 'reflect' | 'constant',
  };
  const byDevice = new Map<string, Clip[]>();
  for (const c of train) {
    const list = byDevice.get(c.device) ?? [];
    list.push(c);
    byDevice.set(c.device, list);
  }
  const pick = (d: string): Clip[] => {
    const list = [...(byDevice.get(d) ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1));
    new Rng(`hu2020-spectrum-correction|${d}`).shuffle(list);
    return list.slice(0, SPECTRUM_CLIPS_PER_DEVICE);
  };
  const others = [...byDevice.keys()].filter((d) => d !== 'a').sort((a, b) => deviceRank(a) - deviceRank(b));
  const source = pick('a');
  if (source.length === 0 || others.length === 0) {
    throw new InvalidParameterError('hu2020: spectrum correction needs device-A training clips and training clips of at least one other device');
  }
  const reference = others.map(pick);
  const hashes: string[] = [];
  for (const c of [...source, ...reference.flat()]) hashes.push(await fileSha(c.audioPath));
  return { stft, reference, source, key: createHash('sha256').update(JSON.stringify({ hashes, stft })).digest('hex') };
}

/** Correction coefficients: mean spectrum of the reference devices over device A's. */
function spectrumCoefficients(plan: SpectrumPlan, g: Geometry): Float64Array {
  // Every clip has the same length, so the mean of per-clip mean spectra is the mean over all frames.
  const meanSpectrum = (clips: Clip[]): Float64Array => {
    let sum: Float64Array | null = null;
    for (const c of clips) {
      const s = averageMagnitudeSpectrum([loadClip(c, g).channels[0]], plan.stft);
      if (sum === null) sum = new Float64Array(s.length);
      for (let i = 0; i < s.length; i++) sum[i] += s[i] / clips.length;
    }
    return sum!;
  };
  return correctionCoefficients(referenceSpectrum(plan.reference.map(meanSpectrum)), meanSpectrum(plan.source));
}

/** Which training clips an offline method applies to. */
function offlineTargets(ref: AugmentRefT, train: readonly Clip[]): number[] {
  const out: number[] = [];
  train.forEach((c, i) => {
    if (!DEVICE_A_ONLY.has(ref.name) || c.device === 'a') out.push(i);
  });
  return out;
}

async function buildItems(
  exp: BudgetedExperiment,
  info: TaskInfo,
  g: Geometry,
  lists: { train: Clip[]; evaluate: Clip[] },
  ctx: JobContext,
): Promise<{ store: FeatureStore; train: Item[]; evaluate: Item[]; derived: number; cache: FeatureCache }> {
  const classes = classesOf(exp, info);
  const offline = exp.augment.offline;
  if (offline.length > 0 && info.task !== '1a') throw new InvalidParameterError(`hu2020: offline augmentation is implemented for task 1a only (${exp.id})`);
  const targets = offline.map((r) => offlineTargets(r, lists.train));
  const derivedCount = targets.reduce((a, t) => a + t.length, 0);
  const size = g.nChannels * g.nMels * g.nFrames;
  const total = lists.train.length + lists.evaluate.length + derivedCount;
  const cache = new FeatureCache({ dir: join(ctx.workDir, 'feature-cache'), libraryVersion: defaultLibraryVersion(), noCache: ctx.noCache });
  const store = new FeatureStore(cache, ctx.noCache === true || total * size * 4 <= IN_MEMORY_BYTES, size);
  const base = {
    kind: 'hu2020-input',
    version: 1,
    sr: g.sr,
    seconds: g.seconds,
    nMels: g.nMels,
    scale: g.scale,
    binaural: g.binaural,
    channelOrder: g.channelOrder,
  };
  const item = (c: Clip, id: string, slot: number): Item => ({ id, sourceId: c.sourceId, device: c.device, label: classes.indexOf(c.label), slot });
  const original = async (c: Clip): Promise<Item> => {
    const sha = await fileSha(c.audioPath);
    const slot = await store.add({ audioSha256: sha, params: { ...base, copy: 'original' } }, () => featuresOf(loadClip(c, g), g).data);
    return item(c, c.id, slot);
  };
  const train: Item[] = [];
  for (const c of lists.train) train.push(await original(c));
  const evaluate: Item[] = [];
  for (const c of lists.evaluate) evaluate.push(await original(c));

  const scenes = lists.train.map((c) => c.scene);
  for (let i = 0; i < offline.length; i++) {
    const ref = offline[i];
    // Spectrum correction without given coefficients gets them from the training clips, computed
    // only when a corrected copy is not in the cache yet; every other transform is made (and its
    // parameters checked) now.
    const needsCoefficients = ref.name === 'spectrum_correction' && ref.params.coefficients === undefined;
    let transform: Transform<unknown, unknown> | null = needsCoefficients ? null : createTransform(ref.name, ref.params as never);
    const plan = needsCoefficients ? await spectrumPlan(lists.train, ref) : null;
    let coefficients: Float64Array | null = null;
    const transformFor = (): Transform<unknown, unknown> =>
      (transform ??= createTransform(ref.name, { ...ref.params, coefficients: Array.from((coefficients ??= spectrumCoefficients(plan!, g))) } as never));
    for (const ci of targets[i]) {
      const clip = lists.train[ci];
      const sha = await fileSha(clip.audioPath);
      const rng = new Rng(`offline|${OFFLINE_SEED}|${clip.id}|${i}`);
      const extra: Record<string, unknown> = {};
      let partner: Clip | null = null;
      if (ref.name === 'same_class_mix') {
        partner = lists.train[drawPartnerIndex(rng, scenes, ci)];
        extra.partner = await fileSha(partner.audioPath);
      }
      if (plan) extra.coefficients = plan.key;
      const key = { audioSha256: sha, params: { ...base, copy: { name: ref.name, params: ref.params, index: i, offlineSeed: OFFLINE_SEED, ...extra } } };
      const slot = await store.add(key, () => {
        const w = loadClip(clip, g);
        let out: Waveform;
        if (partner) {
          const t = transformFor() as Transform<WaveformGroup, unknown>;
          const group: WaveformGroup = { items: [w, loadClip(partner, g)], labels: [clip.scene, partner.scene] };
          out = t.apply(group, t.draw(rng, group)).items[0];
        } else {
          const t = transformFor() as Transform<Waveform, unknown>;
          out = t.apply(w, t.draw(rng, w));
        }
        return featuresOf(out, g).data;
      });
      train.push(item(clip, `${clip.id}#${i}:${ref.name}`, slot));
    }
  }
  return { store, train, evaluate, derived: derivedCount, cache };
}

// ---------------------------------------------------------------- training

/** Trainer epochs per config epoch (2 with the code's halves mixup, see the header). */
export function passesPerEpoch(online: readonly AugmentRefT[]): number {
  const halves = online.some((r) => MIXUP_NAMES.has(r.name) && (r.params.pairing ?? (r.name === 'mixup_hu2020' ? 'halves' : 'shuffle')) === 'halves');
  return halves ? 2 : 1;
}

/** The schedule in trainer epochs (restart and step epochs scaled by `passes`). */
export function scheduleInPasses(spec: ScheduleSpec | undefined, passes: number): ScheduleSpec | undefined {
  if (!spec || passes === 1) return spec;
  if (spec.kind === 'cosineRestarts') return { ...spec, restartEpochs: (spec.restartEpochs ?? doublingRestarts()).map((r) => r * passes) };
  if (spec.kind === 'step') return { ...spec, stepEpochs: spec.stepEpochs * passes };
  return spec;
}

/** Config epochs whose models are averaged: the last three learning-rate minima of the run. */
export function snapshotEpochs(spec: ScheduleSpec | undefined, epochs: number, count = 3): number[] {
  if (!spec || spec.kind !== 'cosineRestarts') return [epochs];
  const minima = (spec.restartEpochs ?? doublingRestarts()).filter((r) => r < epochs);
  return [...minima, epochs].slice(-count);
}

function cropOf(online: readonly AugmentRefT[], exp: Experiment, g: Geometry): { transform: Transform<FeatureMap, unknown>; length: number } | null {
  const refs = online.filter((r) => r.name === 'random_crop');
  if (refs.length === 0) return null;
  if (refs.length > 1) throw new InvalidParameterError(`hu2020: ${exp.id} lists random_crop twice`);
  const override = (exp.model.options as Record<string, unknown>).cropFrames;
  const params = { ...refs[0].params, ...(override !== undefined ? { cropLength: override } : {}) };
  const transform = createTransform('random_crop', params as never) as Transform<FeatureMap, unknown>;
  const length = (transform as unknown as { cropLength: number }).cropLength;
  if (length > g.nFrames) throw new InvalidParameterError(`hu2020: ${exp.id}: crop of ${length} frames is longer than the ${g.nFrames}-frame input`);
  return { transform, length };
}

/** Training examples in the models' layout; the random crop is drawn per (pass, index). */
class TrainingSet implements Dataset {
  readonly size: number;
  readonly xShape: number[];
  readonly yDim: number;
  /** The trainer's current epoch (pass), advanced by onEpochEnd. */
  pass: number;

  constructor(
    private readonly store: FeatureStore,
    private readonly items: Item[],
    private readonly ys: Float32Array[],
    private readonly g: Geometry,
    private readonly crop: { transform: Transform<FeatureMap, unknown>; length: number } | null,
    private readonly seed: number,
    startPass: number,
  ) {
    this.size = items.length;
    this.xShape = [crop ? crop.length : g.nFrames, g.nMels, g.nChannels];
    this.yDim = ys[0].length;
    this.pass = startPass;
  }

  get(i: number) {
    const it = this.items[i];
    let fm: FeatureMap = { data: this.store.get(it.slot), nChannels: this.g.nChannels, nFreq: this.g.nMels, nTime: this.g.nFrames };
    if (this.crop) {
      const rng = new Rng(`crop|${this.seed}|${this.pass}|${i}`);
      fm = this.crop.transform.apply(fm, this.crop.transform.draw(rng, fm)) as FeatureMap;
    }
    return { x: toModelLayout(fm.data, fm.nChannels, fm.nFreq, fm.nTime), y: this.ys[i], sourceId: it.sourceId };
  }
}

function evaluationSet(store: FeatureStore, items: Item[], g: Geometry, nClasses: number): Dataset {
  return {
    size: items.length,
    xShape: [g.nFrames, g.nMels, g.nChannels],
    yDim: nClasses,
    get: (i) => ({ x: toModelLayout(store.get(items[i].slot), g.nChannels, g.nMels, g.nFrames), y: oneHot(items[i].label, nClasses), sourceId: items[i].sourceId }),
  };
}

function buildNetwork(exp: Experiment, g: Geometry, nClasses: number, frames: number | null, seed?: number): tf.LayersModel {
  const o = exp.model.options as Record<string, unknown>;
  const width = o.width === undefined ? undefined : numberOption(o, 'width', 1);
  const base = { frames, nMels: g.nMels, channels: g.nChannels, nClasses, seed, width };
  const entry = getModelEntry(exp.model.name);
  if (entry.paper !== PAPER) throw new InvalidParameterError(`hu2020: model '${exp.model.name}' belongs to ${entry.paper}`);
  if (entry.nClasses !== nClasses) {
    throw new InvalidParameterError(`hu2020: model '${exp.model.name}' has ${entry.nClasses} outputs but ${exp.id} has ${nClasses} classes`);
  }
  if (o.alpha !== undefined) {
    if (exp.model.name !== 'hu2020-mobnet') throw new InvalidParameterError(`hu2020: model option 'alpha' is Mobnet's width multiplier, not for ${exp.model.name}`);
    return buildHu2020Mobnet({ ...base, alpha: numberOption(o, 'alpha', 1) });
  }
  return entry.build(base);
}

function checkChannelConfusion(online: readonly AugmentRefT[], g: Geometry, id: string): void {
  for (const r of online) {
    if (r.name !== 'channel_confusion') continue;
    const layout = r.params.layout ?? 'interleaved';
    const want = g.channelOrder === 'hu2020-code' ? 'interleaved' : 'grouped';
    if (layout !== want) {
      throw new InvalidParameterError(`hu2020: ${id}: channel_confusion layout '${String(layout)}' does not match the feature channel order '${g.channelOrder}' (needs '${want}')`);
    }
  }
}

/** Last complete trainer epoch in a checkpoint directory (-1 if none). */
function checkpointEpoch(dir: string): number {
  const latest = join(dir, 'latest.json');
  if (!existsSync(latest)) return -1;
  try {
    return Number((JSON.parse(readFileSync(latest, 'utf8')) as { epoch: number }).epoch);
  } catch {
    return -1;
  }
}

/** Remove a finished job's directory and its parents up to `top` that became empty. */
function removeRunDir(dir: string, top: string): void {
  rmSync(dir, { recursive: true, force: true });
  for (let d = dirname(dir); d.startsWith(top) && d !== top; d = dirname(d)) {
    try {
      rmdirSync(d); // only succeeds when empty (another job may still use it)
    } catch {
      break;
    }
  }
}

function toMatrix(probs: Float32Array, cols: number): ScoreMatrix {
  return { rows: probs.length / cols, cols, data: probs };
}

/** Accuracy per device group (%), log loss and overall accuracy (%), keyed as Table 1. */
export function deviceMetrics(truth: ArrayLike<number>, probs: ScoreMatrix, devices: readonly string[]): Record<string, number> {
  const rep = accuracyByDeviceGroup(truth, argmaxRows(probs), devices);
  const out: Record<string, number> = {};
  for (const g of rep.groups) out[g.name] = 100 * g.accuracy;
  out['val loss'] = logLoss(truth, probs);
  out.Avg = 100 * rep.overall;
  return out;
}

async function runJob(job: Job, exp: BudgetedExperiment, ctx: JobContext): Promise<JobOutput> {
  if (exp.kind !== 'train') throw new InvalidParameterError(`hu2020: ${exp.id} is a ${exp.kind} row and has no jobs`);
  const info = taskOf(exp);
  if (job.fold !== 1) throw new InvalidParameterError(`hu2020: fold ${job.fold} does not exist: the TAU 2020 setups have one official split (fold 1)`);
  const g = geometry(exp);
  const data = dataForRun(info, ctx, exp.budget);
  const lists = clipLists(exp, info, data);
  const classes = classesOf(exp, info);
  const online = exp.augment.online;
  checkChannelConfusion(online, g, exp.id);
  const crop = cropOf(online, exp, g);
  const t0 = Date.now();
  const { store, train, evaluate, derived } = await buildItems(exp, info, g, lists, ctx);
  ctx.log(`${job.id}: features of ${lists.train.length} + ${derived} training and ${evaluate.length} evaluate clips in ${((Date.now() - t0) / 1000).toFixed(1)} s (${store.inMemory ? 'in memory' : 'read from the feature cache'})`);

  const passes = passesPerEpoch(online);
  const fitEpochs = exp.training.epochs * passes;
  const drawn = exp.training.batchSize * passes;
  if (train.length < drawn) {
    throw new InvalidParameterError(`hu2020: ${exp.id}: ${train.length} training items, fewer than one step of ${drawn} drawn items`);
  }
  const runDir = join(job.budget, ...job.id.split('/'));
  const checkpointDir = join(ctx.workDir, 'checkpoints', runDir);
  const snapshotDir = join(ctx.workDir, 'snapshots', runDir);
  const ys = train.map((it) => oneHot(it.label, classes.length));
  const trainSet = new TrainingSet(store, train, ys, g, crop, job.seed, checkpointEpoch(checkpointDir) + 1);
  const itemRefs = online.filter((r) => r.name !== 'random_crop');
  const shape = { nChannels: g.nChannels, nFreq: g.nMels, nTime: trainSet.xShape[0] };
  const augment = onlineAugment(itemRefs, job.seed, shape, {
    toFeatureMap: (row) => ({ ...shape, data: fromModelLayout(row, shape.nChannels, shape.nFreq, shape.nTime) }),
    fromFeatureMap: (fm) => toModelLayout(fm.data, fm.nChannels, fm.nFreq, fm.nTime),
  });
  const schedule = scheduleInPasses(exp.training.schedule, passes);
  const snapshotsWanted = exp.training.snapshotAverage === true;
  const result = await fit({
    workers: ctx.trainWorkers ?? 1,
    build: () => buildNetwork(exp, g, classes.length, null, job.seed),
    train: trainSet,
    epochs: fitEpochs,
    batchSize: drawn,
    dropRemainder: passes === 2,
    loss: 'categoricalCrossentropy',
    optimizer: exp.training.optimizer,
    framework: exp.framework,
    schedule,
    seed: job.seed,
    augment,
    classBalanced: exp.training.classBalanced,
    checkpointDir,
    snapshotDir: snapshotsWanted ? snapshotDir : undefined,
    progress: 'none',
    onEpochEnd: (r) => {
      trainSet.pass = r.epoch;
      ctx.log(`${job.id}: pass ${r.epoch}/${fitEpochs} loss ${r.loss.toFixed(4)} acc ${r.acc.toFixed(3)} lr ${r.lr.toExponential(2)} (${r.seconds.toFixed(1)} s)`);
    },
  });
  const model = result.model;
  const evalSet = evaluationSet(store, evaluate, g, classes.length);
  const truth = Int32Array.from(evaluate.map((it) => it.label));
  const devices = evaluate.map((it) => it.device);
  const notes = [
    `${lists.train.length} training clips + ${derived} offline augmented copies, ${evaluate.length} evaluate clips (${data.status.status}: ${data.status.detail})`,
    `${fitEpochs} trainer passes (${exp.training.epochs} epochs x ${passes}), ${drawn} items drawn per step${crop ? `, crop ${crop.length} of ${g.nFrames} frames` : ''}`,
  ];
  let probs: Float32Array;
  const metrics: Record<string, number> = {};
  let scoresClips: NonNullable<JobOutput['scores']>['clips'];
  try {
    probs = (await predictDataset(model, evalSet, EVAL_BATCH)).probs;
    if (snapshotsWanted) {
      const epochs = snapshotEpochs(exp.training.schedule, exp.training.epochs);
      const earlier = epochs.filter((e) => e !== exp.training.epochs);
      for (const e of earlier) {
        const dir = join(snapshotDir, `snapshot-epoch-${String(e * passes).padStart(4, '0')}`);
        const ck = loadLatestCheckpoint<unknown>(dir);
        if (!ck) throw new AudioAugLabError('SNAPSHOT', `no snapshot saved for epoch ${e}`, dir);
        model.setWeights(ck.tensors.model.map((t) => t.tensor));
        ck.tensors.model.forEach((t) => t.tensor.dispose());
        const p = (await predictDataset(model, evalSet, EVAL_BATCH)).probs;
        for (let k = 0; k < probs.length; k++) probs[k] += p[k];
      }
      for (let k = 0; k < probs.length; k++) probs[k] /= earlier.length + 1;
      metrics['snapshots averaged'] = earlier.length + 1;
      notes.push(`snapshot average of the models after epochs ${epochs.join(', ')}`);
    }
    const matrix = toMatrix(probs, classes.length);
    const rowOf = (i: number, p: Float32Array) => Array.from(p.subarray(i * classes.length, (i + 1) * classes.length));
    scoresClips = evaluate.map((it, i) => ({ id: it.id, scores: rowOf(i, probs), truth: Array.from(oneHot(it.label, classes.length)), group: it.device }));
    if (info.task === '1a') {
      Object.assign(metrics, deviceMetrics(truth, matrix, devices));
    } else {
      const { model: qModel, weights } = await quantizeModel(model, { scheme: 'per-channel' });
      try {
        const qProbs = (await predictDataset(qModel, evalSet, EVAL_BATCH)).probs;
        const qMatrix = toMatrix(qProbs, classes.length);
        const trainable = model.trainableWeights.reduce((a, w) => a + (w.shape as number[]).reduce((x, y) => x * y, 1), 0);
        const f32 = await float32FileSize(model);
        const i8 = await int8FileSize(model, weights);
        const pred = argmaxRows(matrix);
        const qPred = argmaxRows(qMatrix);
        let agree = 0;
        for (let i = 0; i < pred.length; i++) if (pred[i] === qPred[i]) agree++;
        Object.assign(metrics, {
          'original acc': 100 * accuracyFromScores(truth, matrix),
          'quantized acc': 100 * accuracyFromScores(truth, qMatrix),
          // float32 weights file + the SGD momentum slots (4 bytes per trainable parameter), MiB
          'original size': (f32.bytes + 4 * trainable) / 1024 ** 2,
          'original size (weights only)': f32.bytes / 1024 ** 2,
          'quantized size': i8.bytes / 1024,
          'dcase2020 size': (await dcase2020ModelSizeAsync(model)).kilobytes,
          'dcase2020 size quantized': (await dcase2020ModelSizeAsync(model, weights)).kilobytes,
          'quantized agreement': (100 * agree) / pred.length,
          'original log loss': logLoss(truth, matrix),
          'quantized log loss': logLoss(truth, qMatrix),
          parameters: model.countParams(),
        });
        scoresClips.push(
          ...evaluate.map((it, i) => ({ id: `${it.id}${INT8_SUFFIX}`, scores: rowOf(i, qProbs), truth: Array.from(oneHot(it.label, classes.length)), group: 'int8' })),
        );
        notes.push('int8 dynamic-range quantization, per output channel; int8 per-clip scores stored as <clip>@int8 rows (group int8)');
      } finally {
        qModel.dispose();
      }
    }
  } finally {
    model.dispose();
    tf.disposeVariables();
  }
  const last = result.history[result.history.length - 1];
  metrics['train loss'] = last.loss;
  metrics['train clips'] = lists.train.length;
  metrics['train items'] = train.length;
  metrics['evaluate clips'] = evaluate.length;
  removeRunDir(checkpointDir, join(ctx.workDir, 'checkpoints'));
  removeRunDir(snapshotDir, join(ctx.workDir, 'snapshots'));
  return { metrics, scores: { labels: classes, clips: scoresClips }, history: result.history, notes };
}

// ---------------------------------------------------------------- ensembles

export interface ClipScores {
  labels: string[];
  ids: string[];
  /** Device code per clip. */
  devices: string[];
  truth: Int32Array;
  probs: ScoreMatrix;
}

/** The per-clip scores of a job result: the float32 model's rows, or the int8 model's (task 1b). */
export function clipScores(result: JobResult, variant: 'original' | 'int8' = 'original'): ClipScores {
  const s = result.scores;
  if (!s) throw new InvalidParameterError(`hu2020: result ${result.job.id} has no per-clip scores`);
  const rows = s.clips.filter((c) => c.id.endsWith(INT8_SUFFIX) === (variant === 'int8'));
  if (rows.length === 0) throw new InvalidParameterError(`hu2020: result ${result.job.id} has no ${variant} per-clip scores`);
  const cols = s.labels.length;
  const data = new Float64Array(rows.length * cols);
  const truth = new Int32Array(rows.length);
  rows.forEach((c, i) => {
    if (c.scores.length !== cols || c.truth.length !== cols) throw new InvalidParameterError(`hu2020: clip ${c.id} of ${result.job.id} has ${c.scores.length} scores for ${cols} labels`);
    data.set(c.scores, i * cols);
    truth[i] = c.truth.indexOf(Math.max(...c.truth));
  });
  return {
    labels: [...s.labels],
    ids: rows.map((c) => (variant === 'int8' ? c.id.slice(0, -INT8_SUFFIX.length) : c.id)),
    devices: rows.map((c) => (variant === 'int8' ? '' : (c.group ?? ''))),
    truth,
    probs: { rows: rows.length, cols, data },
  };
}

/** `b` reordered to `a`'s clip order (the same clips must be present). */
function alignTo(a: ClipScores, b: ClipScores, what: string): ClipScores {
  if (a.ids.length !== b.ids.length) throw new InvalidParameterError(`hu2020: ${what}: ${a.ids.length} vs ${b.ids.length} clips`);
  const index = new Map(b.ids.map((id, i) => [id, i]));
  const cols = b.probs.cols;
  const data = new Float64Array(a.ids.length * cols);
  const truth = new Int32Array(a.ids.length);
  a.ids.forEach((id, r) => {
    const i = index.get(id);
    if (i === undefined) throw new InvalidParameterError(`hu2020: ${what}: clip ${id} is missing`);
    data.set(b.probs.data.subarray(i * cols, (i + 1) * cols), r * cols);
    truth[r] = b.truth[i];
  });
  return { labels: b.labels, ids: [...a.ids], devices: a.devices, truth, probs: { rows: a.ids.length, cols, data } };
}

function averageScores(list: ClipScores[], what: string): ClipScores {
  const first = list[0];
  const aligned = list.map((s, k) => {
    if (s.labels.join('|') !== first.labels.join('|')) throw new InvalidParameterError(`hu2020: ${what}: member ${k} has labels ${s.labels.join(', ')}`);
    const a = k === 0 ? s : alignTo(first, s, what);
    if (a.truth.some((t, i) => t !== first.truth[i])) throw new InvalidParameterError(`hu2020: ${what}: members disagree on the true labels`);
    return a;
  });
  return { ...first, probs: averageEnsemble(aligned.map((s) => s.probs)) };
}

/**
 * The aggregate of an ensemble row for one seed, from the stored results of
 * that seed (any experiments; the members' and the two-stage partner's are
 * picked by id). Returns {} when a needed result is missing.
 */
export function aggregateEnsemble(exp: Experiment, seedResults: readonly JobResult[], experiments: readonly Experiment[] = loadExperiments(PAPER)): Record<string, number> {
  if (!exp.members || exp.members.length === 0) throw new InvalidParameterError(`hu2020: ensemble ${exp.id} lists no members`);
  const seeds = new Set(seedResults.map((r) => r.job.seed));
  if (seeds.size > 1) throw new InvalidParameterError(`hu2020: aggregateEnsemble takes one seed's results, got seeds ${[...seeds].join(', ')}`);
  const byId = new Map(experiments.map((e) => [e.id, e]));
  const resultOf = (id: string): JobResult | null => seedResults.find((r) => r.job.experiment === id) ?? null;
  const resolve = (id: string, variant: 'original' | 'int8', depth = 0): ClipScores | null => {
    const e = byId.get(id);
    if (!e) throw new InvalidParameterError(`hu2020: ${exp.id} refers to unknown experiment '${id}'`);
    if (depth > 4) throw new InvalidParameterError(`hu2020: ensembles nested too deeply at ${id}`);
    if (e.kind === 'ensemble') {
      const parts = (e.members ?? []).map((m) => resolve(m, variant, depth + 1));
      return parts.some((p) => p === null) ? null : averageScores(parts as ClipScores[], e.id);
    }
    const r = resultOf(id);
    return r ? clipScores(r, variant) : null;
  };
  const fusion = exp.model.name;
  if (fusion === 'lr-fusion') return aggregateLrEnsemble(exp, seedResults, resolve);
  if (fusion !== 'average-ensemble') throw new InvalidParameterError(`hu2020: ensemble ${exp.id} has unknown fusion '${fusion}' (average-ensemble, lr-fusion)`);
  const members = exp.members.map((m) => resolve(m, 'original'));
  if (members.some((m) => m === null)) return {};
  const avg = averageScores(members as ClipScores[], exp.id);
  if (!exp.twoStageWith) return { ...deviceMetrics(avg.truth, avg.probs, avg.devices), members: members.length };
  const coarse = resolve(exp.twoStageWith, 'original');
  if (coarse === null) return {};
  const c = alignTo(avg, coarse, `${exp.id} two-stage partner ${exp.twoStageWith}`);
  const fused = twoStageFusion(avg.probs, c.probs, { fineClasses: avg.labels, coarseClasses: c.labels, parentOf: TAU2020_3CLASS_OF_SCENE });
  const before = deviceMetrics(avg.truth, avg.probs, avg.devices);
  return {
    ...deviceMetrics(avg.truth, fused, avg.devices),
    'Avg before two-stage': before.Avg,
    '3-class Avg': 100 * accuracyFromScores(c.truth, c.probs),
    members: members.length,
  };
}

function aggregateLrEnsemble(
  exp: Experiment,
  seedResults: readonly JobResult[],
  resolve: (id: string, variant: 'original' | 'int8') => ClipScores | null,
): Record<string, number> {
  const ids = exp.members!;
  const orig = ids.map((m) => resolve(m, 'original'));
  const q = ids.map((m) => resolve(m, 'int8'));
  if (orig.some((s) => s === null) || q.some((s) => s === null)) return {};
  const o = orig as ClipScores[];
  const first = o[0];
  const oa = o.map((s, k) => (k === 0 ? s : alignTo(first, s, exp.id)));
  const qa = (q as ClipScores[]).map((s) => alignTo(first, s, exp.id));
  const y = first.truth;
  const nClasses = first.labels.length;
  const seed = seedResults[0].job.seed;
  const k = Math.min(5, y.length);
  const cvOpts = { k, seed: `hu2020-lr-fusion|${seed}` };
  const acc = (m: ScoreMatrix) => 100 * accuracyFromScores(y, m);
  const oProbs = oa.map((s) => s.probs);
  const qProbs = qa.map((s) => s.probs);
  const metricOf = (id: string, key: string): number => seedResults.find((r) => r.job.experiment === id)?.metrics[key] ?? NaN;
  const out: Record<string, number> = {
    'original acc': acc(lrFusionCrossValidated(oProbs, y, nClasses, cvOpts).probs),
    'quantized acc': acc(lrFusionCrossValidated(qProbs, y, nClasses, cvOpts).probs),
    'original acc (in-sample LR)': acc(lrFusionInSample(oProbs, y, nClasses).probs),
    'quantized acc (in-sample LR)': acc(lrFusionInSample(oProbs, y, nClasses, {}, qProbs).probs),
    'average-fusion acc': acc(averageEnsemble(oProbs)),
    'original size': metricOf(ids[0], 'original size'),
    'quantized size': ids.reduce((a, id) => a + metricOf(id, 'quantized size'), 0),
  };
  if (ids.length >= 2) out['original size (second model)'] = metricOf(ids[1], 'original size');
  return out;
}

// ---------------------------------------------------------------- pipeline

function meanMetrics(results: readonly JobResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  const keys = new Set(results.flatMap((r) => Object.keys(r.metrics)));
  for (const k of keys) {
    const vals = results.map((r) => r.metrics[k]).filter((v): v is number => typeof v === 'number');
    out[k] = vals.length === results.length ? vals.reduce((a, b) => a + b, 0) / vals.length : NaN;
  }
  return out;
}

/** Training items of a full-data run (base list + offline copies), for the plan. */
function trainItemsEstimate(exp: BudgetedExperiment, info: TaskInfo): number {
  const cap = exp.maxClipsPerClass;
  const base = cap === undefined ? info.trainClips : Math.min(info.trainClips, cap * TAU2020_SCENES.length);
  const deviceA = Math.round((base * info.trainClipsDeviceA) / info.trainClips);
  return base + exp.augment.offline.reduce((a, r) => a + (DEVICE_A_ONLY.has(r.name) ? deviceA : base), 0);
}

export const pipeline: PaperPipeline = {
  paper: PAPER,
  dataStatus: (exp, ctx) => locate(taskOf(exp), ctx).status,
  blocker(exp, ctx, budget) {
    try {
      const info = taskOf(exp);
      if (exp.kind === 'ensemble') {
        const ids = [...(exp.members ?? []), ...(exp.twoStageWith ? [exp.twoStageWith] : [])];
        const all = loadExperiments(PAPER);
        for (const id of ids) {
          const m = all.find((e) => e.id === id);
          if (!m) return `member ${id} is not an experiment of hu2020`;
          const b = pipeline.blocker(m, ctx, budget);
          if (b) return `member ${id}: ${b}`;
        }
        return null;
      }
      const d = locate(info, ctx);
      if (!d.real && budget !== 'smoke') {
        return `needs the ${info.dataset} dataset (not fetched; see 'audio-aug-lab data fetch ${info.dataset}' or give --data-dir); only the smoke budget runs on a fixture`;
      }
      geometry(exp);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  },
  defaultBudget(ctx): BudgetName {
    return realData(TASKS['tau2020-mobile-dev'], ctx)?.status.status === 'verified' ? 'quick' : 'smoke';
  },
  describeData(ctx, budget) {
    const found = Object.values(TASKS).map((info) => ({ info, d: realData(info, ctx) }));
    if (found.every((f) => f.d === null)) {
      return budget === 'smoke'
        ? `hu2020: no TAU 2020 data fetched or under --data-dir: running the smoke budget on TAU-2020-like fixtures built from the embedded ESC-10 sample (22.05 kHz clips upsampled to 44.1 / 48 kHz; in the work directory) — a pipeline check, not a reproduction.`
        : `hu2020: no TAU 2020 data fetched or under --data-dir: the ${budget} budget cannot run (see --plan).`;
    }
    return `hu2020: ${found.map(({ info, d }) => (d ? `${info.dataset} ${d.status.status} (${d.status.root})` : `${info.dataset} not found${budget === 'smoke' ? ' (fixture)' : ''}`)).join('; ')}.`;
  },
  runJob,
  aggregate(exp, results) {
    if (exp.kind === 'ensemble') return aggregateEnsemble(exp, results);
    const own = results.filter((r) => r.job.experiment === exp.id);
    return own.length ? meanMetrics(own) : {};
  },
  estimate(exp) {
    const info = taskOf(exp);
    const g = geometry(exp);
    const crop = cropOf(exp.augment.online, exp, g);
    const model = buildNetwork(exp, g, classesOf(exp, info).length, crop ? crop.length : g.nFrames);
    const flops = forwardFlops(model);
    model.dispose();
    // Each epoch trains on N mixed examples (ceil(N / 32) steps of 32), see the header.
    return { samplePasses: trainItemsEstimate(exp, info) * exp.training.epochs, flopsPerSample: flops };
  },
};
