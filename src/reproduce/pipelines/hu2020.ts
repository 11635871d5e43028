/**
 * hu2020 hook (Hu et al., DCASE 2020 task 1 technical report): Table 1
 * (task 1a: 10-class acoustic scene classification on TAU Urban Acoustic
 * Scenes 2020 Mobile, accuracy per device group and log loss), its average
 * ensembles and two-stage fusion with a 3-class first stage, and Table 2
 * (task 1b: TAU Urban Acoustic Scenes 2020 3Class, small models before and
 * after int8 dynamic-range quantization, logistic-regression ensembles).
 *
 * Everything a row states runs through the generic job runner
 * (../train-job.ts): the data source (src/data/sources/tau2020.ts: fetched,
 * --data-dir, or a TAU-like stand-in for the smoke budget), the 'hu2020'
 * features (src/features/extractors.ts), offline copies, mixup with the
 * Keras-epoch semantics (src/train/epochs.ts), the random crop, SGD with
 * cosine restarts. What only hu2020 does is here:
 * - spectrum correction and reverb/DRC apply to device-A training clips only
 *   (section 3; the code's reverb list fold1_train_a_2003.csv); pitch,
 *   speed, noise and same-class mixing to every training clip (the code's
 *   fold1_train_{pitch,time,noise,add}.csv list all ~14k clips);
 * - `channel_confusion`'s layout must match the feature channel order;
 * - snapshot averaging (`training.snapshotAverage`): the probabilities of
 *   the models at the last three learning-rate minima of the run are
 *   averaged (section 5.2); no checkpoint is ever selected on the evaluate
 *   list;
 * - task 1a metrics per device group (`group` of a per-clip score holds the
 *   TAU device code); task 1b: the final float32 model and its int8 copy
 *   (per-channel, src/quantize) predict the evaluate list, int8 rows stored
 *   as `<clip>@int8` (group 'int8'), sizes by both definitions;
 * - ensemble rows (no jobs): average ensembles and two-stage fusion with a
 *   3-class system (task 1a), logistic-regression fusion of the float32 and
 *   of the int8 members (task 1b), from the members' stored scores.
 * Choices the paper leaves open are written in each experiment's `choices`.
 */
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { TAU2020_3CLASS_OF_SCENE, TAU2020_SCENES } from '../../data/loaders/tau2020.js';
import { locateDataset, loadDataset, TAU_TASKS, type Clip } from '../../data/sources/index.js';
import { featureExtractor } from '../../features/extractors.js';
import { twoStageFusion } from '../../fusion/two-stage.js';
import { averageEnsemble } from '../../fusion/average.js';
import { lrFusionCrossValidated, lrFusionInSample } from '../../fusion/lr-fusion.js';
import { alignTo, averageScores, clipScores, INT8_SUFFIX, type ClipScores } from '../../fusion/clip-scores.js';
import { accuracyFromScores, deviceGroupMetrics, logLoss } from '../../metrics/classification.js';
import { argmaxRows, type ScoreMatrix } from '../../metrics/score-matrix.js';
import { loadLatestCheckpoint } from '../../train/checkpoint.js';
import { snapshotEpochs } from '../../train/epochs.js';
import { AudioAugLabError, InvalidParameterError } from '../../util/errors.js';
import type { BudgetName, Experiment } from '../experiment-schema.js';
import { loadExperiments } from '../experiments.js';
import { forwardFlops } from '../flops.js';
import type { JobResult } from '../results.js';
import type { JobClip, PaperHooks, TrainedJob } from '../job-types.js';
import { buildModel, runTrainJob } from '../train-job.js';
import { datasetRequest } from '../default-hooks.js';
import { int8Metrics, toMatrix } from '../int8-metrics.js';
import type { BudgetedExperiment, JobContext, JobOutput, PaperPipeline } from '../paper-pipeline.js';

const PAPER = 'hu2020';
const DEVICE_A_ONLY = new Set(['spectrum_correction', 'reverb_drc', 'reverb', 'drc']);
const EVAL_BATCH = 16;
/** Clips in the official fold-1 training list, and of device A among them (for --plan without data). */
const TRAIN_CLIPS: Record<string, { all: number; deviceA: number }> = {
  'tau2020-mobile-dev': { all: 13965, deviceA: 10215 },
  'tau2020-3class-dev': { all: 9185, deviceA: 9185 },
};

function taskOf(exp: Experiment) {
  const info = TAU_TASKS[exp.dataset.id as keyof typeof TAU_TASKS];
  if (!info) throw new InvalidParameterError(`hu2020: dataset '${exp.dataset.id}' of experiment ${exp.id} is not one of ${Object.keys(TAU_TASKS).join(', ')}`);
  if (exp.dataset.protocol !== 'tau-fold1') {
    throw new InvalidParameterError(`hu2020: experiment ${exp.id} has protocol '${exp.dataset.protocol}'; only 'tau-fold1' (the official fold-1 split) exists`);
  }
  return info;
}

/** The features must be read as the task's clips are: their rate and channels. */
function checkFeatures(exp: Experiment): void {
  const info = taskOf(exp);
  const f = exp.features.options as { sr?: number; binaural?: boolean };
  if (f.sr !== info.sr || (f.binaural === true) !== info.binaural) {
    throw new InvalidParameterError(`hu2020: ${exp.id}: features.options must state sr ${info.sr} and binaural ${info.binaural} for ${info.dataset} (the clips' own rate and channels)`);
  }
}

const clipOf = (c: Clip): JobClip => ({ id: c.id, audioPath: c.audioPath, sourceId: c.sourceId, labels: [...c.labels], device: (c as { device?: string }).device, scene: c.scene });

const hooks: PaperHooks = {
  split(job, exp, ctx) {
    checkFeatures(exp);
    if (job.fold !== 1) throw new InvalidParameterError(`hu2020: fold ${job.fold} does not exist: the TAU 2020 setups have one official split (fold 1)`);
    const data = loadDataset(datasetRequest(exp), { ...ctx, budget: exp.budget });
    if (exp.augment.offline.length > 0 && taskOf(exp).task !== '1a') throw new InvalidParameterError(`hu2020: offline augmentation is implemented for task 1a only (${exp.id})`);
    return { status: data.status, classes: data.classes, multiLabel: false, train: data.lists.train.map(clipOf), validation: [], test: data.lists.evaluate.map(clipOf) };
  },
  offlineApplies: (ref, clip) => !DEVICE_A_ONLY.has(ref.name) || clip.device === 'a',
  checkOnline(online, exp) {
    const order = featureExtractor(exp.features).cacheParams.channelOrder;
    for (const r of online) {
      if (r.name !== 'channel_confusion') continue;
      const layout = r.params.layout ?? 'interleaved';
      const want = order === 'hu2020-code' ? 'interleaved' : 'grouped';
      if (layout !== want) throw new InvalidParameterError(`hu2020: ${exp.id}: channel_confusion layout '${String(layout)}' does not match the feature channel order '${String(order)}' (needs '${want}')`);
    }
  },
  evaluate,
};

/** Probabilities on the evaluate list: the final model, or the average of the snapshots at the last learning-rate minima. */
async function evaluateProbs(t: TrainedJob, metrics: Record<string, number>, notes: string[]): Promise<Float32Array> {
  const { exp, result } = t;
  const model = result.model;
  const probs = await t.predict(model, EVAL_BATCH);
  if (exp.training.snapshotAverage !== true) return probs;
  const epochs = snapshotEpochs(exp.training.schedule, exp.training.epochs);
  const earlier = epochs.filter((e) => e !== exp.training.epochs);
  for (const e of earlier) {
    const dir = join(t.snapshotDir, `snapshot-epoch-${String(e * t.passes).padStart(4, '0')}`);
    const ck = loadLatestCheckpoint<unknown>(dir);
    if (!ck) throw new AudioAugLabError('SNAPSHOT', `no snapshot saved for epoch ${e}`, dir);
    model.setWeights(ck.tensors.model.map((x) => x.tensor));
    ck.tensors.model.forEach((x) => x.tensor.dispose());
    const p = await t.predict(model, EVAL_BATCH);
    for (let k = 0; k < probs.length; k++) probs[k] += p[k];
  }
  for (let k = 0; k < probs.length; k++) probs[k] /= earlier.length + 1;
  metrics['snapshots averaged'] = earlier.length + 1;
  notes.push(`snapshot average of the models after epochs ${epochs.join(', ')}`);
  return probs;
}

async function evaluate(t: TrainedJob): Promise<JobOutput> {
  const { exp, split, result } = t;
  const classes = split.classes;
  const c = classes.length;
  const crop = exp.augment.online.find((r) => r.name === 'random_crop');
  const cropLength = crop ? Number((crop.params as { cropLength?: number }).cropLength ?? t.fx.map.nTime) : null;
  const notes = [
    `${split.train.length} training clips + ${t.derived} offline augmented copies, ${t.test.length} evaluate clips (${split.status.status}: ${split.status.detail})`,
    `${exp.training.epochs * t.passes} trainer passes (${exp.training.epochs} epochs x ${t.passes}), ${exp.training.batchSize * t.passes} items drawn per step${cropLength !== null ? `, crop ${cropLength} of ${t.fx.map.nTime} frames` : ''}`,
  ];
  const metrics: Record<string, number> = {};
  const probs = await evaluateProbs(t, metrics, notes);
  const matrix = toMatrix(probs, c);
  const truth = Int32Array.from(t.truth.map((y) => y.indexOf(1)));
  const rowOf = (i: number, p: Float32Array) => Array.from(p.subarray(i * c, (i + 1) * c));
  const clips = t.test.map((it, i) => ({ id: it.id, scores: rowOf(i, probs), truth: Array.from(t.truth[i]), group: it.clip.device }));
  if (taskOf(exp).task === '1a') {
    Object.assign(metrics, deviceGroupMetrics(truth, matrix, t.test.map((it) => it.clip.device ?? '')));
  } else {
    const q = await int8Metrics(t.result.model, (m) => t.predict(m, EVAL_BATCH), truth, matrix);
    Object.assign(metrics, q.metrics);
    clips.push(...t.test.map((it, i) => ({ id: `${it.id}${INT8_SUFFIX}`, scores: rowOf(i, q.probs), truth: Array.from(t.truth[i]), group: 'int8' })));
    notes.push('int8 dynamic-range quantization, per output channel; int8 per-clip scores stored as <clip>@int8 rows (group int8)');
  }
  const last = result.history[result.history.length - 1];
  metrics['train loss'] = last.loss;
  metrics['train clips'] = split.train.length;
  metrics['train items'] = t.train.length;
  metrics['evaluate clips'] = t.test.length;
  return { metrics, scores: { labels: classes, clips }, history: result.history, notes };
}

// ---------------------------------------------------------------- ensembles

/**
 * The aggregate of an ensemble row for one seed, from the stored results of
 * that seed (the members' and the two-stage partner's are picked by id).
 * Returns {} when a needed result is missing.
 */
export function aggregateEnsemble(exp: Experiment, seedResults: readonly JobResult[], experiments: readonly Experiment[] = loadExperiments(PAPER)): Record<string, number> {
  if (!exp.members || exp.members.length === 0) throw new InvalidParameterError(`hu2020: ensemble ${exp.id} lists no members`);
  const seeds = new Set(seedResults.map((r) => r.job.seed));
  if (seeds.size > 1) throw new InvalidParameterError(`hu2020: aggregateEnsemble takes one seed's results, got seeds ${[...seeds].join(', ')}`);
  const byId = new Map(experiments.map((e) => [e.id, e]));
  const resolve = (id: string, variant: 'original' | 'int8', depth = 0): ClipScores | null => {
    const e = byId.get(id);
    if (!e) throw new InvalidParameterError(`hu2020: ${exp.id} refers to unknown experiment '${id}'`);
    if (depth > 4) throw new InvalidParameterError(`hu2020: ensembles nested too deeply at ${id}`);
    if (e.kind === 'ensemble') {
      const parts = (e.members ?? []).map((m) => resolve(m, variant, depth + 1));
      return parts.some((p) => p === null) ? null : averageScores(parts as ClipScores[], e.id);
    }
    const r = seedResults.find((x) => x.job.experiment === id);
    return r ? clipScores(r, variant) : null;
  };
  if (exp.model.name === 'lr-fusion') return aggregateLrEnsemble(exp, seedResults, resolve);
  if (exp.model.name !== 'average-ensemble') throw new InvalidParameterError(`hu2020: ensemble ${exp.id} has unknown fusion '${exp.model.name}' (average-ensemble, lr-fusion)`);
  const members = exp.members.map((m) => resolve(m, 'original'));
  if (members.some((m) => m === null)) return {};
  const avg = averageScores(members as ClipScores[], exp.id);
  if (!exp.twoStageWith) return { ...deviceGroupMetrics(avg.truth, avg.probs, avg.devices), members: members.length };
  const coarse = resolve(exp.twoStageWith, 'original');
  if (coarse === null) return {};
  const co = alignTo(avg, coarse, `${exp.id} two-stage partner ${exp.twoStageWith}`);
  const fused = twoStageFusion(avg.probs, co.probs, { fineClasses: avg.labels, coarseClasses: co.labels, parentOf: TAU2020_3CLASS_OF_SCENE });
  return {
    ...deviceGroupMetrics(avg.truth, fused, avg.devices),
    'Avg before two-stage': deviceGroupMetrics(avg.truth, avg.probs, avg.devices).Avg,
    '3-class Avg': 100 * accuracyFromScores(co.truth, co.probs),
    members: members.length,
  };
}

function aggregateLrEnsemble(exp: Experiment, seedResults: readonly JobResult[], resolve: (id: string, variant: 'original' | 'int8') => ClipScores | null): Record<string, number> {
  const ids = exp.members!;
  const orig = ids.map((m) => resolve(m, 'original'));
  const q = ids.map((m) => resolve(m, 'int8'));
  if (orig.some((s) => s === null) || q.some((s) => s === null)) return {};
  const first = orig[0]!;
  const oProbs = (orig as ClipScores[]).map((s, k) => (k === 0 ? s : alignTo(first, s, exp.id)).probs);
  const qProbs = (q as ClipScores[]).map((s) => alignTo(first, s, exp.id).probs);
  const y = first.truth;
  const nClasses = first.labels.length;
  const cvOpts = { k: Math.min(5, y.length), seed: `hu2020-lr-fusion|${seedResults[0].job.seed}` };
  const acc = (m: ScoreMatrix) => 100 * accuracyFromScores(y, m);
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
  for (const k of new Set(results.flatMap((r) => Object.keys(r.metrics)))) {
    const vals = results.map((r) => r.metrics[k]).filter((v): v is number => typeof v === 'number');
    out[k] = vals.length === results.length ? vals.reduce((a, b) => a + b, 0) / vals.length : NaN;
  }
  return out;
}

const located = (exp: Experiment, ctx: JobContext, budget: BudgetName) => locateDataset({ id: exp.dataset.id, subset: exp.dataset.subset }, { ...ctx, budget });

export const pipeline: PaperPipeline = {
  paper: PAPER,
  dataStatus: (exp, ctx) => located(exp, ctx, 'smoke').status,
  blocker(exp, ctx, budget) {
    try {
      taskOf(exp);
      if (exp.kind === 'ensemble') {
        const all = loadExperiments(PAPER);
        for (const id of [...(exp.members ?? []), ...(exp.twoStageWith ? [exp.twoStageWith] : [])]) {
          const m = all.find((e) => e.id === id);
          if (!m) return `member ${id} is not an experiment of hu2020`;
          const b = pipeline.blocker(m, ctx, budget);
          if (b) return `member ${id}: ${b}`;
        }
        return null;
      }
      const b = located(exp, ctx, budget).blocker;
      if (b) return b;
      checkFeatures(exp);
      featureExtractor(exp.features);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  },
  defaultBudget(ctx): BudgetName {
    return locateDataset('tau2020-mobile-dev', { ...ctx, budget: 'quick' }).status.status === 'verified' ? 'quick' : 'smoke';
  },
  describeData(ctx, budget) {
    const found = Object.values(TAU_TASKS).map((info) => ({ info, d: locateDataset(info.dataset, { ...ctx, budget }) }));
    if (found.every((f) => f.d.origin === 'stand-in' || f.d.origin === 'none')) {
      return budget === 'smoke'
        ? `hu2020: no TAU 2020 data fetched or under --data-dir: running the smoke budget on TAU-2020-like fixtures built from the embedded ESC-10 sample (22.05 kHz clips upsampled to 44.1 / 48 kHz; in the work directory) — a pipeline check, not a reproduction.`
        : `hu2020: no TAU 2020 data fetched or under --data-dir: the ${budget} budget cannot run (see --plan).`;
    }
    return `hu2020: ${found.map(({ info, d }) => (d.origin !== 'stand-in' && d.origin !== 'none' ? `${info.dataset} ${d.status.status} (${d.status.root})` : `${info.dataset} not found${budget === 'smoke' ? ' (fixture)' : ''}`)).join('; ')}.`;
  },
  runJob: (job, exp, ctx) => runTrainJob(job, exp, ctx, hooks),
  aggregate(exp, results) {
    if (exp.kind === 'ensemble') return aggregateEnsemble(exp, results);
    const own = results.filter((r) => r.job.experiment === exp.id);
    return own.length ? meanMetrics(own) : {};
  },
  estimate(exp) {
    const fx = featureExtractor(exp.features);
    const crop = exp.augment.online.find((r) => r.name === 'random_crop');
    const frames = crop ? Number((crop.params as { cropLength?: number }).cropLength ?? 400) : fx.inputShape[0];
    const nClasses = taskOf(exp).task === '1b' || exp.dataset.subset === '3class' ? 3 : TAU2020_SCENES.length;
    const model = buildModel(exp.model, [frames, fx.inputShape[1], fx.inputShape[2]], nClasses, undefined, true);
    const flops = forwardFlops(model);
    model.dispose();
    // Training items of a full-data run: the list (capped) plus the offline copies (device-A-only methods on device A's share).
    const n = TRAIN_CLIPS[exp.dataset.id];
    const base = exp.maxClipsPerClass === undefined ? n.all : Math.min(n.all, exp.maxClipsPerClass * TAU2020_SCENES.length);
    const deviceA = Math.round((base * n.deviceA) / n.all);
    const items = base + exp.augment.offline.reduce((a, r) => a + (DEVICE_A_ONLY.has(r.name) ? deviceA : base), 0);
    // Each epoch trains on N mixed examples (ceil(N / 32) steps of 32), see src/train/epochs.ts.
    return { samplePasses: items * exp.training.epochs, flopsPerSample: flops };
  },
};
