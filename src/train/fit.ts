/**
 * The training loop shared by every paper: seeded weight init and data
 * order, per-example transforms, online batch augmentation, Adam or SGD
 * with momentum driven by a learning-rate schedule, validation, early
 * stopping with restore-best, checkpoint every epoch with resume, snapshots
 * at the schedule's minima, history as CSV/JSON, and a progress display.
 *
 * Determinism: weight init runs under the seed's 'init' stream; each epoch's
 * data order, augmentation draws and dropout masks come from streams derived
 * from (seed, name, epoch). The same seed on the same backend gives the same
 * weights; a resumed run gives the same result as an uninterrupted one.
 *
 * The optimised (and logged) training loss is the data loss plus the
 * models' regularisation penalties, as Keras reports it; validation loss is
 * the data loss alone, as Keras' val_loss.
 *
 * Validation data is whatever the caller passes: the harness holds it out
 * from the training folds, never the test fold.
 *
 * Reading the training data (`itemTransform`, `augment`): the trainer reads
 * example `index` (0-based) of the training set in trainer epoch `epoch`
 * (0-based; a resumed run continues with the epoch after its checkpoint's)
 * through `itemTransform.apply(x, { epoch, index })`, which may change the
 * example's shape (hu2020's random crop): the model is trained on
 * `itemTransform.outShape`. The assembled batch then goes through `augment`
 * (../augment/online.ts), whose context dataset is the training set as read
 * through the item transform (SamplePairing's partners). Validation and
 * prediction data are never transformed.
 *
 * Framework profile (`framework`, ./framework-profile.ts, default `tfjs`):
 * the optimizer's update equations, the batch-norm layers' moving-statistics
 * rule (set on every BatchNormalization layer of the built model) and the
 * initialisers' scaling (the ambient rule around the build call) follow it.
 * Checkpoints carry the profile's extra state (TensorFlow's zero-debias
 * accumulators of the batch-norm layers) and a resume checks that the
 * checkpoint was written under the same profile.
 *
 * Data parallelism (`workers`): each batch is split across N replicas (this
 * thread and N-1 worker threads, ./data-parallel.ts) that draw N threads
 * from the global thread budget (../backend/threads.ts). Batch-norm
 * statistics are synchronised by default and dropout masks are those of the
 * whole batch, so N workers follow the loss curve of one (up to float
 * rounding); the returned model, checkpoints and validation are replica 0's.
 * For that, fit runs with the fused layers of ../backend/fused/ (installed
 * here unless AUDIO_AUG_LAB_FUSED=0; data-parallel runs always use them).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../util/rng.js';
import { InvalidParameterError, NonFiniteError } from '../util/errors.js';
import { assembleBatch, batchIndices, epochOrder, transformedDataset, type Batch, type Dataset, type ItemTransform } from './batches.js';
import type { BatchAugment } from '../augment/online.js';
import { loadLatestCheckpoint, saveCheckpoint } from './checkpoint.js';
import { monitoredValue, writeHistory, type EpochRecord, type Monitor } from './history.js';
import { batchAccuracy, lossFunction, top1Accuracy, type LossName } from './losses.js';
import { defaultLearningRate, learningRateToSet, makeOptimizer, setLearningRate, trainableVariables, type OptimizerSpec } from './optimizers.js';
import { DEFAULT_FRAMEWORK, frameworkProfile, type FrameworkName, type FrameworkProfile } from './framework-profile.js';
import { withInitializerRule } from '../models/common.js';
import { exportZeroDebiasState, importZeroDebiasState, prefetchZeroDebiasState, setMovingStatisticsRule } from '../models/batchnorm-statistics.js';
import { Progress, type ProgressMode } from './progress.js';
import { makeSchedule, type ScheduleSpec } from './schedules.js';
import { withSeededMathRandom } from './determinism.js';
import { DataParallel } from './data-parallel.js';
import { acquireThreads, threadBudget, tryAcquireThreads, type ThreadLease } from '../backend/threads.js';
import { FUSED_ENV, installFusedLayers } from '../backend/fused/layers.js';
import { activeComputeLabel } from '../backend/index.js';
import { explainBackendAbort } from '../backend/heap.js';
import { explainGpuTrouble } from '../backend/webgpu/memory.js';

export interface EarlyStopping {
  /** Epochs without improvement of the monitored value before stopping (wei2018: 20). */
  patience: number;
  /**
   * What improves (Keras' EarlyStopping `monitor`): 'valLoss' (default,
   * lower is better; Keras' val_loss) or 'valAccuracy' (higher is better;
   * Keras' val_acc): on a validation set of a few dozen clips over many
   * classes the loss keeps rising with overconfidence while the accuracy
   * still climbs, and selecting by loss keeps an early, near-chance epoch.
   * 'valTop1' (higher is better; Keras' val_categorical_accuracy): the top-1
   * accuracy whatever the loss, for a sigmoid tagger on single-label clips,
   * whose 'valAccuracy' (Keras' binary accuracy) is flat near 1 - 1/classes.
   */
  monitor?: Monitor;
  /** Restore the weights of the best epoch at the end (default true). */
  restoreBest?: boolean;
  /** Smallest decrease that counts as an improvement (default 0). */
  minDelta?: number;
  /**
   * Epochs trained before the monitored value is watched (Keras 2.11+
   * EarlyStopping `start_from_epoch`, default 0): these epochs are neither
   * kept as the best nor counted against the patience. For a model that
   * needs many updates before its validation signal means anything (a
   * CRNN seeing three batches per epoch), an early lucky epoch would
   * otherwise be kept and stop the run a patience later.
   */
  startFromEpoch?: number;
}

export interface FitOptions {
  /** Builds the model; called under the seeded init stream. */
  build: () => tf.LayersModel;
  train: Dataset;
  validation?: Dataset;
  epochs: number;
  batchSize: number;
  loss: LossName;
  optimizer: OptimizerSpec;
  /** Default: constant at the optimizer's rate. */
  schedule?: ScheduleSpec;
  seed: number;
  /**
   * Per-example transform of the training inputs, applied when the trainer
   * reads example `index` (0-based) in trainer epoch `epoch` (0-based), before
   * `augment`; may change the shape (the model's input shape is `outShape`).
   */
  itemTransform?: ItemTransform;
  /** Online augmentation of each assembled training batch (../augment/online.ts). */
  augment?: BatchAugment;
  classBalanced?: boolean;
  dropRemainder?: boolean;
  earlyStopping?: EarlyStopping;
  /** Save a checkpoint here after every epoch and resume from it if present. */
  checkpointDir?: string;
  /** Save the weights at the schedule's snapshot epochs (cosine minima) here. */
  snapshotDir?: string;
  /** Write `<historyPath>.csv` / `.json` after every epoch. */
  historyPath?: string;
  progress?: ProgressMode;
  /** Called after each epoch (after its checkpoint is written). */
  onEpochEnd?: (record: EpochRecord, model: tf.LayersModel) => void;
  /** Batch size for validation/prediction passes (default: batchSize). */
  evalBatchSize?: number;
  /**
   * Data-parallel replicas per batch (threads from the global budget; wasm
   * or cpu backend): a number (waits for that many threads, at most the
   * budget) or 'auto' (as many as are free now, at most the batch size).
   * Default 1: this thread only.
   */
  workers?: number | 'auto';
  /**
   * With workers > 1: batch-norm statistics over the whole batch (true,
   * default: the same training as one worker) or per worker's rows.
   */
  syncBatchNorm?: boolean;
  /** With workers > 1: modules (paths or URLs) each worker imports before rebuilding the model, e.g. custom layer classes. */
  workerImports?: string[];
  /**
   * Whose training semantics to follow (./framework-profile.ts): optimizer
   * update equations, batch-norm moving statistics, initialiser scaling.
   * Default `tfjs`.
   */
  framework?: FrameworkName;
}

export interface FitResult {
  model: tf.LayersModel;
  history: EpochRecord[];
  bestEpoch: number | null;
  stoppedEarly: boolean;
  resumedFromEpoch: number | null;
  snapshots: string[];
  /** Data-parallel replicas used (1: this thread only). */
  workers: number;
  /** The framework profile the run followed. */
  framework: FrameworkName;
}

interface TrainerState {
  history: EpochRecord[];
  bestValLoss: number | null;
  bestEpoch: number | null;
  wait: number;
  stoppedEarly: boolean;
  snapshots: string[];
  /** The profile the checkpoint was written under (absent in checkpoints from before profiles: tfjs). */
  framework?: FrameworkName;
}

/** Stream names for derived RNGs. */
export function epochRng(seed: number, stream: string, epoch: number): Rng {
  return new Rng(`${seed}:${stream}:${epoch}`);
}

/**
 * Build a model with weights drawn from the seed's init stream, its
 * initialisers scaled by the framework profile's rule (builders given no
 * rule of their own take it) and its batch-norm layers set to the profile's
 * moving-statistics rule.
 */
export function buildSeeded(build: () => tf.LayersModel, seed: number, framework: FrameworkName = DEFAULT_FRAMEWORK): tf.LayersModel {
  const profile = frameworkProfile(framework);
  const model = withSeededMathRandom(new Rng(`${seed}:init`), () => withInitializerRule(profile.initializers, build));
  setMovingStatisticsRule(model, profile.batchNorm);
  return model;
}

/** The batch-norm layers' zero-debias state as checkpoint tensors (none when no layer has any). */
function zeroDebiasTensors(model: tf.LayersModel): { name: string; tensor: tf.Tensor }[] {
  const out: { name: string; tensor: tf.Tensor }[] = [];
  exportZeroDebiasState(model).forEach((s, i) => {
    if (!s) return;
    out.push({ name: `${i}:step`, tensor: tf.scalar(s.step, 'int32') });
    out.push({ name: `${i}:biasedMean`, tensor: tf.tensor1d(s.biasedMean) });
    out.push({ name: `${i}:biasedVariance`, tensor: tf.tensor1d(s.biasedVariance) });
  });
  return out;
}

/** Restores what zeroDebiasTensors saved (layers it does not name have no state). */
function restoreZeroDebias(model: tf.LayersModel, list: { name: string; tensor: tf.Tensor }[]): void {
  const states = exportZeroDebiasState(model).map(() => null as null | { step: number; biasedMean: Float32Array; biasedVariance: Float32Array });
  const byName = new Map(list.map((t) => [t.name, t.tensor]));
  for (const t of list) {
    const m = /^(\d+):step$/.exec(t.name);
    if (!m) continue;
    const i = Number(m[1]);
    const mean = byName.get(`${i}:biasedMean`);
    const variance = byName.get(`${i}:biasedVariance`);
    if (i >= states.length || !mean || !variance) {
      throw new InvalidParameterError(`checkpoint: batch-norm debias state for layer ${i} is incomplete or the model has only ${states.length} batch-norm layers`);
    }
    states[i] = { step: t.tensor.dataSync()[0], biasedMean: mean.dataSync() as Float32Array, biasedVariance: variance.dataSync() as Float32Array };
  }
  importZeroDebiasState(model, states);
}

/**
 * Predict in batches with training = false; returns [n, outDim] as a flat
 * array. Reads with `await data()`: synchronous reads do not work on the
 * webgpu backend in Node.
 */
export async function predictDataset(model: tf.LayersModel, ds: Dataset, batchSize: number): Promise<{ probs: Float32Array; outDim: number }> {
  const outs: Float32Array[] = [];
  let outDim = 0;
  const all = new Int32Array(ds.size).map((_, i) => i);
  for (const idx of batchIndices(all, batchSize)) {
    const b = assembleBatch(ds, idx);
    const p = tf.tidy(() => {
      const x = tf.tensor(b.x, [b.n, ...ds.xShape]);
      return model.predict(x) as tf.Tensor;
    });
    outDim = p.shape[p.shape.length - 1]!;
    outs.push((await p.data()) as Float32Array);
    p.dispose();
  }
  const probs = new Float32Array(ds.size * outDim);
  let o = 0;
  for (const a of outs) {
    probs.set(a, o);
    o += a.length;
  }
  return { probs, outDim };
}

async function evaluate(model: tf.LayersModel, ds: Dataset, loss: LossName, batchSize: number): Promise<{ loss: number; acc: number; top1: number }> {
  const { probs, outDim } = await predictDataset(model, ds, batchSize);
  const ys = new Float32Array(ds.size * ds.yDim);
  for (let i = 0; i < ds.size; i++) ys.set(ds.get(i).y, i * ds.yDim);
  const lt = tf.tidy(() => lossFunction(loss)(tf.tensor2d(ys, [ds.size, ds.yDim]), tf.tensor2d(probs, [ds.size, outDim])));
  const l = (await lt.data())[0];
  lt.dispose();
  return { loss: l, acc: batchAccuracy(loss, ys, probs, outDim), top1: top1Accuracy(ys, probs, outDim) };
}

/**
 * Downloads the tensors' values to the CPU side of the backend, so that
 * synchronous reads of them (dataSync, e.g. in saveCheckpoint) work on
 * webgpu too (tfjs-webgpu keeps a value read once). A no-op cost on wasm/cpu.
 */
async function prefetch(tensors: tf.Tensor[]): Promise<void> {
  await Promise.all(tensors.map((t) => t.data()));
}

function namedWeights(model: tf.LayersModel): { name: string; tensor: tf.Tensor }[] {
  return model.weights.map((w, i) => ({ name: `${i}:${w.originalName}`, tensor: w.read() }));
}

function setModelWeights(model: tf.LayersModel, list: { name: string; tensor: tf.Tensor }[]): void {
  if (list.length !== model.weights.length) {
    throw new InvalidParameterError(`checkpoint has ${list.length} weights, model has ${model.weights.length}`);
  }
  model.setWeights(list.map((x) => x.tensor));
}

export async function fit(opts: FitOptions): Promise<FitResult> {
  const { train, validation, epochs, batchSize, loss, seed } = opts;
  if (!(epochs >= 1) || !(batchSize >= 1)) throw new InvalidParameterError('fit: epochs and batchSize must be >= 1');
  if (opts.earlyStopping && !validation) {
    throw new InvalidParameterError('fit: early stopping monitors the validation loss; pass validation data held out from the training folds');
  }
  // The fused batch-norm / GRU / dropout layers (wasm and cpu backends; they
  // are what data-parallel replicas run, so one worker trains like N).
  if (process.env[FUSED_ENV] !== '0') installFusedLayers();
  const profile = frameworkProfile(opts.framework ?? DEFAULT_FRAMEWORK);
  // The training set as the trainer reads it: through the item transform, in
  // the epoch being trained (set at the start of each epoch).
  let readEpoch = 0;
  const trainSet = opts.itemTransform ? transformedDataset(train, opts.itemTransform, () => readEpoch) : train;
  const model = buildSeeded(opts.build, seed, profile.name);
  if (opts.itemTransform) checkInputShape(model, trainSet.xShape);
  const optimizerSpec: OptimizerSpec = { ...opts.optimizer, framework: profile.name };
  const optimizer = makeOptimizer(optimizerSpec);
  const schedule = makeSchedule(opts.schedule ?? { kind: 'constant', lr: defaultLearningRate(opts.optimizer) });
  // The rate fit sets for a schedule's rate: tfjs' optimizers have no decay,
  // so under their equations fit applies Keras' lr / (1 + decay * updates);
  // Keras' optimizers apply it themselves.
  const rateToSet = (lr: number): number => learningRateToSet(optimizer, optimizerSpec, lr);
  const lossFn = lossFunction(loss);
  const progress = new Progress(opts.progress ?? 'auto');
  const restoreBest = opts.earlyStopping?.restoreBest ?? true;
  const minDelta = opts.earlyStopping?.minDelta ?? 0;
  const startFromEpoch = opts.earlyStopping?.startFromEpoch ?? 0;
  const evalBatch = opts.evalBatchSize ?? batchSize;
  const trainable = trainableVariables(model);

  let state: TrainerState = { history: [], bestValLoss: null, bestEpoch: null, wait: 0, stoppedEarly: false, snapshots: [], framework: profile.name };
  let bestWeights: tf.Tensor[] | null = null;
  let startEpoch = 0;
  let resumedFromEpoch: number | null = null;

  if (opts.checkpointDir) {
    const ck = loadLatestCheckpoint<TrainerState>(opts.checkpointDir);
    if (ck) {
      checkProfile(ck.state.framework ?? 'tfjs', profile, opts.checkpointDir);
      setModelWeights(model, ck.tensors.model);
      if (ck.tensors.batchNorm?.length) {
        restoreZeroDebias(model, ck.tensors.batchNorm);
        ck.tensors.batchNorm.forEach((t) => t.tensor.dispose());
      }
      if (ck.tensors.optimizer?.length) {
        await optimizer.setWeights(ck.tensors.optimizer.map((t) => ({ name: t.name, tensor: t.tensor })));
        ck.tensors.optimizer.forEach((t) => t.tensor.dispose());
      }
      if (ck.tensors.best?.length) bestWeights = ck.tensors.best.map((t) => t.tensor);
      ck.tensors.model.forEach((t) => t.tensor.dispose());
      state = ck.state;
      startEpoch = ck.epoch + 1;
      resumedFromEpoch = ck.epoch;
      progress.message(`resuming from checkpoint after epoch ${ck.epoch + 1} in ${opts.checkpointDir}`);
    }
  }

  const xShape = trainSet.xShape;
  /**
   * One training step in this thread: loss (data + penalties) and
   * predictions, as tensors (read with `await data()` by readStep: webgpu
   * has no synchronous read in Node).
   */
  const stepHere = (batch: Batch, dropoutRng: Rng): { loss: tf.Tensor; pred: tf.Tensor } => {
    let pred: tf.Tensor | null = null;
    const lossValue = withSeededMathRandom(dropoutRng, () =>
      tf.tidy(() => {
        const x = tf.tensor(batch.x, [batch.n, ...xShape]);
        const y = tf.tensor2d(batch.y, [batch.n, batch.ySize]);
        const cost = optimizer.minimize(
          () => {
            const p = model.apply(x, { training: true }) as tf.Tensor;
            pred = tf.keep(p);
            // The data loss plus the layers' weight penalties (e.g. the l2
            // weight decay of the hu2020 models), as Keras optimises and logs.
            const penalties = model.calculateLosses();
            const data = lossFn(y, p);
            return penalties.length ? (tf.addN([data, ...penalties]) as tf.Scalar) : data;
          },
          true,
          trainable,
        );
        return cost!;
      }),
    );
    return { loss: lossValue, pred: pred! };
  };
  const readStep = async (r: { loss: number | tf.Tensor; pred: Float32Array | tf.Tensor }): Promise<{ loss: number; pred: Float32Array }> => {
    if (typeof r.loss === 'number') return r as { loss: number; pred: Float32Array };
    const t = r as { loss: tf.Tensor; pred: tf.Tensor };
    try {
      const [l, p] = await Promise.all([t.loss.data(), t.pred.data()]);
      return { loss: l[0], pred: p as Float32Array };
    } finally {
      tf.dispose([t.loss, t.pred]);
    }
  };
  const { dp, lease } = await startDataParallel(opts, xShape, optimizerSpec, model, optimizer, progress);
  try {
    for (let epoch = startEpoch; epoch < epochs && !state.stoppedEarly; epoch++) {
      const t0 = Date.now();
      readEpoch = epoch;
      // The order reads labels only: the untransformed set gives the same.
      const order = epochOrder(train, epochRng(seed, 'order', epoch), opts.classBalanced);
      const batches = batchIndices(order, batchSize, opts.dropRemainder);
      const augRng = epochRng(seed, 'augment', epoch);
      const dropoutRng = epochRng(seed, 'dropout', epoch);
      let lossSum = 0;
      let accSum = 0;
      let seen = 0;
      let lr = schedule.at(epoch);
      for (const [bi, idx] of batches.entries()) {
        lr = schedule.at(epoch + bi / batches.length);
        const rate = rateToSet(lr);
        setLearningRate(optimizer, rate);
        let batch = assembleBatch(trainSet, idx);
        if (opts.augment) batch = opts.augment(batch, augRng, { epoch, batchIndex: bi, dataset: trainSet });
        const stepWhat = () =>
          `a training step (batch ${batch.n}${dp ? ` over ${dp.replicas} replicas` : ''}, input ${xShape.join('x')}, ${model.countParams()} parameters, epoch ${epoch + 1}, batch ${bi + 1})`;
        const { loss: lossValue, pred: predValues } = await explainGpuTrouble(
          () => readStep(explainBackendAbort(() => (dp ? dp.step(batch, rate, dropoutRng) : stepHere(batch, dropoutRng)), stepWhat)),
          stepWhat,
        );
        if (!Number.isFinite(lossValue)) {
          throw new NonFiniteError(`training loss became ${lossValue} at epoch ${epoch + 1}, batch ${bi + 1} (learning rate ${lr})`);
        }
        lossSum += lossValue * batch.n;
        accSum += batchAccuracy(loss, batch.y, predValues, batch.ySize) * batch.n;
        seen += batch.n;
        progress.batch(epoch, epochs, bi + 1, batches.length, lossSum / seen, accSum / seen, t0);
      }

      const record: EpochRecord = {
        epoch: epoch + 1,
        loss: lossSum / seen,
        acc: accSum / seen,
        valLoss: null,
        valAcc: null,
        lr,
        seconds: 0,
      };
      if (validation) {
        const v = await explainGpuTrouble(() => evaluate(model, validation, loss, evalBatch), () => `validation after epoch ${epoch + 1} (${validation.size} examples, batch ${evalBatch})`);
        record.valLoss = v.loss;
        record.valAcc = v.acc;
        record.valTop1 = v.top1;
        // The monitored value in "lower is better" form (state.bestValLoss keeps
        // its name for checkpoint compatibility: minus the accuracy under the accuracy monitors).
        const monitor = opts.earlyStopping?.monitor ?? 'valLoss';
        const monitored = monitoredValue(monitor, record)!;
        if (epoch + 1 <= startFromEpoch) {
          // not yet watched (Keras' start_from_epoch)
        } else if (state.bestValLoss === null || monitored < state.bestValLoss - minDelta) {
          state.bestValLoss = monitored;
          state.bestEpoch = epoch + 1;
          state.wait = 0;
          if (opts.earlyStopping && restoreBest) {
            bestWeights?.forEach((t) => t.dispose());
            bestWeights = model.getWeights().map((w) => w.clone());
          }
        } else {
          state.wait += 1;
          if (opts.earlyStopping && state.wait >= opts.earlyStopping.patience) state.stoppedEarly = true;
        }
      }
      record.seconds = (Date.now() - t0) / 1000;
      state.history.push(record);
      progress.epoch({ ...record, epoch, epochs, valLoss: record.valLoss ?? undefined, valAcc: record.valAcc ?? undefined, valTop1: record.valTop1 ?? undefined });

      if (opts.snapshotDir && schedule.snapshotEpochs(epochs).includes(epoch + 1)) {
        mkdirSync(opts.snapshotDir, { recursive: true });
        const dir = join(opts.snapshotDir, `snapshot-epoch-${String(epoch + 1).padStart(4, '0')}`);
        await prefetch(model.weights.map((w) => w.read()));
        saveCheckpoint(dir, epoch, { epoch: epoch + 1, lr }, { model: namedWeights(model) }, 1);
        if (!state.snapshots.includes(dir)) state.snapshots.push(dir);
      }
      if (opts.historyPath) writeHistory(opts.historyPath, state.history);
      if (opts.checkpointDir) {
        const optWeights = await optimizer.getWeights();
        await prefetch([...model.weights.map((w) => w.read()), ...optWeights.map((w) => w.tensor), ...(bestWeights ?? [])]);
        await prefetchZeroDebiasState(model); // held as tensors: read once so the synchronous export works on webgpu
        const debias = zeroDebiasTensors(model);
        saveCheckpoint(opts.checkpointDir, epoch, state, {
          model: namedWeights(model),
          optimizer: optWeights.map((w) => ({ name: w.name, tensor: w.tensor })),
          best: (bestWeights ?? []).map((t, i) => ({ name: `best:${i}`, tensor: t })),
          // TensorFlow's hidden batch-norm debias state (keras-2.2.4-tf1 only).
          ...(debias.length ? { batchNorm: debias } : {}),
        });
        tf.dispose(debias.map((t) => t.tensor));
        // getWeights() makes a new scalar for the iteration count; the moment
        // variables are the optimizer's own and stay.
        optWeights.filter((w) => w.name === 'iter').forEach((w) => w.tensor.dispose());
      }
      opts.onEpochEnd?.(record, model);
    }
  } finally {
    await dp?.close();
    lease?.release();
  }

  if (opts.earlyStopping && restoreBest && bestWeights) {
    model.setWeights(bestWeights);
  }
  bestWeights?.forEach((t) => t.dispose());
  optimizer.dispose();
  return {
    model,
    history: state.history,
    bestEpoch: state.bestEpoch,
    stoppedEarly: state.stoppedEarly,
    resumedFromEpoch,
    snapshots: state.snapshots,
    workers: dp?.replicas ?? 1,
    framework: profile.name,
  };
}

/** A resume continues under the profile the checkpoint was written with, or not at all. */
function checkProfile(saved: string, profile: FrameworkProfile, dir: string): void {
  if (saved !== profile.name) {
    throw new InvalidParameterError(`checkpoint in ${dir} was written under framework profile '${saved}', this run uses '${profile.name}': resume with the same profile or use another checkpoint directory`);
  }
}

/** The item transform's outShape must be what the model takes (null dimensions take any size). */
function checkInputShape(model: tf.LayersModel, shape: number[]): void {
  if (model.inputs.length !== 1) return;
  const want = model.inputs[0].shape.slice(1);
  const fits = want.length === shape.length && want.every((d, i) => d === null || d === shape[i]);
  if (!fits) {
    model.dispose();
    throw new InvalidParameterError(`fit: itemTransform.outShape ${JSON.stringify(shape)} does not fit the model's input shape ${JSON.stringify(want)} (null: any size)`);
  }
}

/** Leases threads and starts the replicas for `opts.workers` (null, null: one thread, as before). */
async function startDataParallel(
  opts: FitOptions,
  xShape: number[],
  optimizerSpec: OptimizerSpec,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  progress: Progress,
): Promise<{ dp: DataParallel | null; lease: ThreadLease | null }> {
  const w = opts.workers ?? 1;
  if (w !== 'auto' && !(Number.isInteger(w) && w >= 1)) {
    throw new InvalidParameterError(`fit: workers must be a positive integer or 'auto', got ${JSON.stringify(w)}`);
  }
  const wanted = Math.min(w === 'auto' ? threadBudget() : w, threadBudget(), opts.batchSize);
  if (wanted < 2) return { dp: null, lease: null };
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') {
    progress.message(`workers: ${backend} backend trains in one thread (data parallelism is for wasm and cpu)`);
    return { dp: null, lease: null };
  }
  let lease: ThreadLease | null = null;
  if (w === 'auto') {
    for (let k = wanted; k >= 2 && !lease; k--) lease = tryAcquireThreads(k);
    if (!lease) return { dp: null, lease: null };
  } else {
    lease = await acquireThreads(wanted);
  }
  try {
    const dp = await DataParallel.start({
      replicas: lease.threads,
      model,
      optimizer,
      optimizerSpec,
      loss: opts.loss,
      xShape,
      ySize: opts.train.yDim,
      maxBatch: opts.batchSize,
      syncBatchNorm: opts.syncBatchNorm ?? true,
      workerImports: opts.workerImports,
    });
    progress.message(
      `training on ${activeComputeLabel(dp.replicas)} (this thread + ${dp.replicas - 1} worker thread${dp.replicas > 2 ? 's' : ''}), ` +
        `batch-norm statistics ${opts.syncBatchNorm === false ? 'per worker' : 'synchronised'}`,
    );
    return { dp, lease };
  } catch (e) {
    lease.release();
    throw e;
  }
}
