/**
 * The one job runner every study goes through: the clips of a job (a paper
 * hook or the generic data sources say which) -> features (cached) ->
 * offline augmented copies -> dataset -> online augmentation -> fit ->
 * predict -> the hook's metrics -> the result file (run-job.ts writes it).
 *
 * What is generic here is everything a config states: the `features`
 * section picks the extractor (src/features/extractors.ts), `model` the
 * registered network, `augment` the catalogue transforms, `training` the
 * optimiser, schedule, epochs, batch size, validation and early stopping.
 * A paper hook adds only what its paper really does differently (see
 * job-types.ts `PaperHooks`).
 *
 * Fixed choices (the same for every study):
 * - Offline copies: one per training clip and method, drawn from
 *   Rng(`offline|0|<clip>|<method index>`); the offline seed 0 is shared by
 *   every run seed (one augmented set, as the authors of hu2020 generated
 *   it); `same_class_mix` partners are drawn first from the same Rng among
 *   the training clips of the same class (scene for TAU); spectrum
 *   correction without coefficients estimates them from the training clips
 *   (src/augment/waveform/spectrum-correction-plan.ts).
 * - Keras-epoch semantics of mixup with pairing 'halves' (2 x batch drawn
 *   per step): src/train/epochs.ts.
 * - `random_crop` online: fit's per-item transform (it changes the input
 *   length), drawn when the trainer reads an example, per (seed, trainer
 *   epoch, index), before the other item transforms.
 * - A checkpoint per job in the work directory (keyed by the budgeted
 *   config) so a killed job resumes; removed when the job finishes.
 */
import { createHash } from 'node:crypto';
import { rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadAudio } from '../audio/load.js';
import { fixLength } from '../features/spectral-image.js';
import type { Waveform } from '../audio/types.js';
import type { FeatureMap } from '../features/types.js';
import { createTransform } from '../augment/catalogue.js';
import type { Transform } from '../augment/types.js';
import type { WaveformGroup } from '../augment/waveform/waveform-transform.js';
import { drawPartnerIndex } from '../augment/waveform/mix.js';
import { planSpectrumCorrection, spectrumCorrectionCoefficients, type SpectrumPlan } from '../augment/waveform/spectrum-correction-plan.js';
import { featureExtractor, type FeatureExtractor } from '../features/extractors.js';
import { featureMapToRow, rowToFeatureMap } from '../features/layout.js';
import { FeatureCache, defaultLibraryVersion } from '../data/feature-cache.js';
// Recording devices exist only in TAU 2020: spectrum correction orders its reference devices as TAU lists them.
import { tauDeviceRank } from '../data/loaders/tau2020.js';
import { FeatureStore, fileSha256 } from '../data/feature-store.js';
import { checkModelOptions, getModelEntry } from '../models/registry.js';
import type { Dataset, ItemTransform } from '../train/batches.js';
import { fit, predictDataset, type FitResult } from '../train/fit.js';
import { passesPerEpoch, scheduleInPasses } from '../train/epochs.js';
import { validationText } from '../train/progress.js';
import { onlineAugment } from '../augment/online.js';
import { Rng } from '../util/rng.js';
import { InvalidParameterError } from '../util/errors.js';
import type { AugmentRefT } from './experiment-schema.js';
import type { Job } from './experiments.js';
import type { BudgetedExperiment, JobContext, JobOutput } from './paper-pipeline.js';
import type { JobClip, JobItem, JobSplit, PaperHooks, TrainedJob } from './job-types.js';
import { augmentedSplit, classificationEvaluate, foldSplit } from './default-hooks.js';

/** Seed of the offline augmented copies, shared by every run seed. */
export const OFFLINE_SEED = 0;

/** Read a clip as the extractor says (resampled or required rate; cut at load when the preset does). */
export function readClip(clip: JobClip, fx: FeatureExtractor): Waveform {
  const a = fx.audio;
  const w = a.resample ? loadAudio(clip.audioPath, { sr: a.sr, mono: a.mono }) : loadAudio(clip.audioPath, { mono: a.mono, expectedSr: a.sr });
  if (a.cutToSeconds === null) return w;
  const n = Math.round(a.cutToSeconds * a.sr);
  return { sr: w.sr, channels: w.channels.map((c) => fixLength(c, n)) };
}

function targetOf(clip: JobClip, classes: readonly string[], multiLabel: boolean): Float32Array {
  const y = new Float32Array(classes.length);
  if (multiLabel) {
    classes.forEach((l, k) => {
      if (clip.labels.includes(l)) y[k] = 1;
    });
  } else {
    const k = classes.indexOf(clip.labels[0]);
    if (k < 0) throw new InvalidParameterError(`clip ${clip.audioPath} has label '${clip.labels[0]}', not one of the ${classes.length} classes (${classes.join(', ')})`);
    y[k] = 1;
  }
  return y;
}

/** The class a `same_class_mix` partner must share (the TAU scene, else the first label). */
const mixClass = (c: JobClip) => c.scene ?? c.labels[0];

interface Built {
  store: FeatureStore;
  train: JobItem[];
  test: JobItem[];
  validation: JobItem[];
  derived: number;
}

/** Features of every clip of a job, offline copies included, in the order the hook asks for. */
async function buildItems(split: JobSplit, exp: BudgetedExperiment, fx: FeatureExtractor, hooks: PaperHooks, ctx: JobContext): Promise<Built> {
  const offline = exp.augment.offline;
  const targets = offline.map((r) => split.train.map((_, i) => i).filter((i) => hooks.offlineApplies?.(r, split.train[i]) ?? true));
  const derivedCount = targets.reduce((a, t) => a + t.length, 0);
  const size = fx.inputShape.reduce((a, b) => a * b, 1);
  const cache = new FeatureCache({ dir: join(ctx.workDir, 'feature-cache'), libraryVersion: defaultLibraryVersion(), noCache: ctx.noCache });
  const store = new FeatureStore(cache, size, split.train.length + split.validation.length + split.test.length + derivedCount, ctx.noCache === true);
  const base = { ...fx.cacheParams };
  const original = async (c: JobClip): Promise<JobItem> => {
    const sha = await fileSha256(c.audioPath);
    const slot = await store.add({ audioSha256: sha, params: { ...base, copy: 'original' } }, () => fx.compute(readClip(c, fx)));
    return { id: c.id, clip: c, slot, method: -1 };
  };
  const originals = async (list: readonly JobClip[]) => {
    const out: JobItem[] = [];
    for (const c of list) out.push(await original(c));
    return out;
  };
  const trainOriginals = await originals(split.train);
  const validation = await originals(split.validation);
  const test = await originals(split.test);

  const copies: JobItem[][] = offline.map(() => []);
  const classes = split.train.map(mixClass);
  for (let i = 0; i < offline.length; i++) {
    const ref = offline[i];
    // Spectrum correction without given coefficients estimates them from the training clips, only
    // when a corrected copy is not in the cache yet; every other transform is made (and checked) now.
    const needsCoefficients = ref.name === 'spectrum_correction' && ref.params.coefficients === undefined;
    let transform: Transform<unknown, unknown> | null = needsCoefficients ? null : createTransform(ref.name, ref.params as never);
    const plan: SpectrumPlan<JobClip> | null = needsCoefficients ? await planSpectrumCorrection(split.train, ref.params, fileSha256, tauDeviceRank) : null;
    let coefficients: Float64Array | null = null;
    const transformFor = (): Transform<unknown, unknown> =>
      (transform ??= createTransform(ref.name, {
        ...ref.params,
        coefficients: Array.from((coefficients ??= spectrumCorrectionCoefficients(plan!, (c) => readClip(c, fx)))),
      } as never));
    for (const ci of targets[i]) {
      const clip = split.train[ci];
      const sha = await fileSha256(clip.audioPath);
      const rng = new Rng(`offline|${OFFLINE_SEED}|${clip.id}|${i}`);
      const extra: Record<string, unknown> = {};
      let partner: JobClip | null = null;
      if (ref.name === 'same_class_mix') {
        partner = split.train[drawPartnerIndex(rng, classes, ci)];
        extra.partner = await fileSha256(partner.audioPath);
      }
      if (plan) extra.coefficients = plan.key;
      const key = { audioSha256: sha, params: { ...base, copy: { name: ref.name, params: ref.params, index: i, offlineSeed: OFFLINE_SEED, ...extra } } };
      const slot = await store.add(key, () => {
        const w = readClip(clip, fx);
        let out: Waveform;
        if (partner) {
          const t = transformFor() as Transform<WaveformGroup, unknown>;
          const group: WaveformGroup = { items: [w, readClip(partner, fx)], labels: [mixClass(clip), mixClass(partner)] };
          out = t.apply(group, t.draw(rng, group)).items[0];
        } else {
          const t = transformFor() as Transform<Waveform, unknown>;
          out = t.apply(w, t.draw(rng, w));
        }
        return fx.compute(out);
      });
      copies[i].push({ id: hooks.copyId ? hooks.copyId(clip, ref, i) : `${clip.id}#${i}:${ref.name}`, clip, slot, method: i });
    }
  }
  let train: JobItem[];
  if (hooks.offlineOrder === 'per-clip') {
    // Each clip followed by its copies.
    const byClip = new Map<string, JobItem[]>();
    for (const list of copies) for (const it of list) byClip.set(it.clip.id, [...(byClip.get(it.clip.id) ?? []), it]);
    train = trainOriginals.flatMap((o) => [o, ...(byClip.get(o.clip.id) ?? [])]);
  } else {
    train = [...trainOriginals, ...copies.flat()];
  }
  return { store, train, test, validation, derived: derivedCount };
}

/** Rows of the store as a dataset (in the models' layout, as stored). */
class StoreDataset implements Dataset {
  readonly size: number;
  readonly xShape: number[];
  readonly yDim: number;

  constructor(
    private readonly store: FeatureStore,
    private readonly items: readonly JobItem[],
    private readonly ys: readonly Float32Array[],
    fx: FeatureExtractor,
  ) {
    this.size = items.length;
    this.xShape = [...fx.inputShape];
    this.yDim = ys[0]?.length ?? 0;
  }

  get(i: number) {
    const it = this.items[i];
    return { x: this.store.get(it.slot), y: this.ys[i], sourceId: it.clip.sourceId };
  }
}

/** The online `random_crop` as fit's per-item transform: drawn when the trainer reads an example, per (seed, trainer epoch, index), before the other item transforms. */
function cropTransform(crop: { transform: Transform<FeatureMap, unknown>; length: number }, fx: FeatureExtractor, seed: number): ItemTransform {
  return {
    outShape: [crop.length, fx.inputShape[1], fx.inputShape[2]],
    apply: (x, { epoch, index }) => {
      const fm = rowToFeatureMap(x, fx.layout, fx.map);
      const rng = new Rng(`crop|${seed}|${epoch}|${index}`);
      return featureMapToRow(crop.transform.apply(fm, crop.transform.draw(rng, fm)) as FeatureMap, fx.layout);
    },
  };
}

/** The online `random_crop` of a config (its length checked against the input), or null. */
export function cropOf(online: readonly AugmentRefT[], fx: FeatureExtractor): { transform: Transform<FeatureMap, unknown>; length: number } | null {
  const refs = online.filter((r) => r.name === 'random_crop');
  if (refs.length === 0) return null;
  if (refs.length > 1) throw new InvalidParameterError('augment.online lists random_crop twice');
  const transform = createTransform('random_crop', refs[0].params as never) as Transform<FeatureMap, unknown>;
  const length = (transform as unknown as { cropLength: number }).cropLength;
  if (length > fx.map.nTime) throw new InvalidParameterError(`augment.online random_crop: ${length} frames is longer than the ${fx.map.nTime}-frame input`);
  return { transform, length };
}

/** The registered network of `model`, for an input shape and class count (models that take any length are built with a free time axis). */
export function buildModel(
  model: BudgetedExperiment['model'],
  inputShape: readonly number[],
  nClasses: number,
  seed?: number,
  /** Build with the given frame count even for a model that takes any length (compute estimates count FLOPs at that length). */
  fixedLength = false,
): tf.LayersModel {
  const entry = getModelEntry(model.name);
  const { widthMultiplier, alpha } = checkModelOptions(model.name, model.options as Record<string, unknown>);
  const image = entry.layout === 'image-height-width-channels';
  return entry.build({
    ...(widthMultiplier !== undefined ? { width: widthMultiplier } : {}),
    ...(alpha !== undefined ? { alpha } : {}),
    frames: image ? inputShape[1] : entry.anyLength && !fixedLength ? null : inputShape[0],
    nMels: image ? inputShape[0] : inputShape[1],
    channels: inputShape[2],
    nClasses,
    seed,
  });
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

/** Run one training job of an experiment through the generic path and the paper's hooks. */
export async function runTrainJob(job: Job, exp: BudgetedExperiment, ctx: JobContext, hooks: PaperHooks = {}): Promise<JobOutput> {
  if (exp.kind !== 'train') throw new InvalidParameterError(`${exp.id} is a ${exp.kind} row and has no jobs`);
  const fx = featureExtractor(exp.features);
  const split = await (hooks.split ?? foldSplit)(job, exp, ctx);
  const online = exp.augment.online;
  hooks.checkOnline?.(online, exp);
  const crop = cropOf(online, fx);
  const t0 = Date.now();
  const built = await buildItems(split, exp, fx, hooks, ctx);
  ctx.log(`${job.id}: features of ${split.train.length} + ${built.derived} training and ${built.test.length} test clips in ${((Date.now() - t0) / 1000).toFixed(1)} s (${built.store.inMemory ? 'in memory' : 'read from the feature cache'})`);
  const moved = (hooks.splitItems ?? augmentedSplit)(built.train, job, exp, split);
  if (moved) {
    built.train = moved.train;
    built.test = [...built.test, ...moved.test];
  }
  const { classes, multiLabel } = split;
  const entry = getModelEntry(exp.model.name);
  const ys = (items: readonly JobItem[]) => items.map((it) => targetOf(it.clip, classes, multiLabel));
  const passes = passesPerEpoch(online);
  const fitEpochs = exp.training.epochs * passes;
  const drawn = exp.training.batchSize * passes;
  if (passes > 1 && built.train.length < drawn) {
    throw new InvalidParameterError(`${exp.id}: ${built.train.length} training items, fewer than one step of ${drawn} drawn items`);
  }
  const runDir = join(job.budget, ...job.id.split('/'));
  const checkpointDir = join(ctx.workDir, 'checkpoints', runDir, createHash('sha256').update(JSON.stringify(exp)).digest('hex').slice(0, 12));
  const snapshotDir = join(ctx.workDir, 'snapshots', runDir);
  const dataset = (items: readonly JobItem[]) => new StoreDataset(built.store, items, ys(items), fx);
  const trainSet = dataset(built.train);
  const itemTransform = crop ? cropTransform(crop, fx, job.seed) : undefined;
  const itemShape = { ...fx.map, nTime: crop ? crop.length : fx.map.nTime };
  const itemRefs = online.filter((r) => r.name !== 'random_crop');
  if (exp.training.earlyStopping && built.validation.length === 0) {
    throw new InvalidParameterError(`${exp.id}: early stopping needs training.validationFraction > 0 (validation held out from the training folds)`);
  }
  const snapshotsWanted = exp.training.snapshotAverage === true;
  const result: FitResult = await fit({
    workers: ctx.trainWorkers ?? 1,
    build: () => buildModel(exp.model, itemTransform?.outShape ?? trainSet.xShape, classes.length, job.seed),
    train: trainSet,
    itemTransform,
    validation: built.validation.length ? dataset(built.validation) : undefined,
    epochs: fitEpochs,
    batchSize: drawn,
    dropRemainder: passes === 2,
    loss: entry.loss,
    optimizer: exp.training.optimizer,
    framework: exp.framework,
    schedule: scheduleInPasses(exp.training.schedule, passes),
    seed: job.seed,
    augment: onlineAugment(itemRefs, job.seed, itemShape, fx.layout),
    classBalanced: exp.training.classBalanced,
    earlyStopping: exp.training.earlyStopping,
    checkpointDir,
    snapshotDir: snapshotsWanted ? snapshotDir : undefined,
    progress: 'none',
    onEpochEnd: (r) => {
      ctx.log(`${job.id}: epoch ${r.epoch}/${fitEpochs} loss ${r.loss.toFixed(4)} acc ${r.acc.toFixed(3)}${validationText(r)} lr ${r.lr.toExponential(2)} (${r.seconds.toFixed(1)} s)`);
    },
  });
  const testSet = dataset(built.test);
  const trained: TrainedJob = {
    job,
    exp,
    split,
    fx,
    result,
    train: built.train,
    test: built.test,
    validation: built.validation,
    derived: built.derived,
    passes,
    snapshotDir,
    trainSet,
    testSet,
    truth: ys(built.test),
    predict: async (model, batch) => (await predictDataset(model, testSet, batch)).probs,
  };
  try {
    const out = await (hooks.evaluate ?? classificationEvaluate)(trained, ctx);
    if (result.resumedFromEpoch !== null) {
      // the job's `seconds` counts this process only; each epoch's own time is in the history
      out.notes = [...(out.notes ?? []), `resumed from its checkpoint after epoch ${result.resumedFromEpoch + 1} (an earlier run was stopped); the job's seconds count this process only, each epoch's time is in its history`];
    }
    return out;
  } finally {
    result.model.dispose();
    tf.disposeVariables();
    removeRunDir(join(ctx.workDir, 'checkpoints', runDir), join(ctx.workDir, 'checkpoints'));
    removeRunDir(snapshotDir, join(ctx.workDir, 'snapshots'));
  }
}
