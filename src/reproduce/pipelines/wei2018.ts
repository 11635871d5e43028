/**
 * wei2018 hook: domestic audio tagging on CHiME-Home (DCASE 2016 task 4)
 * with the CRNN of src/models/wei2018-crnn.ts and the sample-mixing
 * augmentations of Table 1 (mixup, SamplePairing, mixup_lp, extrapolation),
 * scored with the official per-label EER.
 *
 * The generic job runner (../train-job.ts) does the rest: CHiME-Home from
 * the data sources (src/data/sources/chime-home.ts: --data-dir, a fetched
 * download, else for the smoke budget only a CHiME-Home-like stand-in built
 * from the embedded ESC-10 sample, status 'fixture'), the 'wei2018' log-mel
 * features (src/features/extractors.ts: 4 s at 16 kHz by fix_length,
 * 124 x 128, not standardised: the paper mentions no normalisation and the
 * model starts with conv + BatchNorm), online mixing with SamplePairing
 * partners from the whole training set (src/augment/online.ts), early
 * stopping on validation, a per-job checkpoint so a killed job resumes.
 *
 * What is wei2018's own:
 * - protocols (dataset.protocol; a job's fold is protocol-specific):
 *   'dcase2016-5fold-cv' (section 4.2): test fold = job.fold (1-5, the
 *   official folds), training = the four others; 'dcase2016-evaluation-set'
 *   (Table 1's caption): job.fold 0, training = all five development folds,
 *   test = the 816 refined evaluation chunks. Validation (early stopping) is
 *   `training.validationFraction` of the training side's source recordings
 *   (segments), drawn with Rng(`wei2018-validation|<seed>|<fold>`): never
 *   from the test side;
 * - per job: per-label EER of the test side through the official file
 *   format (`<file>,<label>,<score>` rows against the majority-vote truth,
 *   src/metrics/dcase2016-format.ts), NaN where the test side has no
 *   positive (or no negative) of a label; `aggregate` turns one seed's folds
 *   into Table 1's columns (src/metrics/tagging.ts): c..o = mean over folds
 *   ignoring NaN, Avg = mean of the 7 class EERs, AvgOfficial = the official
 *   fold x label mean, Var = sample variance of the class EERs in 1e-3.
 */
import { basename } from 'node:path';
import { CHIME_HOME_LABELS } from '../../data/loaders/chime-home.js';
import { loadDataset, locateDataset, type LoadedDataset } from '../../data/sources/index.js';
import { CHIME_STAND_IN, NO_CHIME_HOME } from '../../data/sources/chime-home.js';
import type { ClipRecord } from '../../data/loaders/types.js';
import { evaluateDcase2016, type GroundTruth, type SystemOutput } from '../../metrics/dcase2016-format.js';
import { nanMean, tableFromFoldEers, varianceE3 } from '../../metrics/tagging.js';
import { InvalidParameterError } from '../../util/errors.js';
import type { BudgetName, Experiment } from '../experiment-schema.js';
import type { JobResult } from '../results.js';
import { holdOutBySource, leakedSources } from '../protocols.js';
import { forwardFlops } from '../flops.js';
import type { JobContext, PaperPipeline } from '../paper-pipeline.js';
import type { JobClip, PaperHooks } from '../job-types.js';
import { buildModel, runTrainJob } from '../train-job.js';
import { featureExtractor } from '../../features/extractors.js';

export const WEI2018_LABELS: readonly string[] = CHIME_HOME_LABELS;
/** The job fold that stands for "test on the evaluation set". */
export const EVALUATION_FOLD = 0;
const CV_PROTOCOL = 'dcase2016-5fold-cv';
const EVAL_PROTOCOL = 'dcase2016-evaluation-set';
/** Development chunks (refined), for compute estimates. */
const DEV_CHUNKS = 1946;
const EVAL_CHUNKS = 816;


// ------------------------------------------------------------------ split

type ChimeRecord = ClipRecord<number | string>;

/** Test side and training side of a job under the experiment's protocol. */
export function splitRecords(data: Pick<LoadedDataset, 'root' | 'clips' | 'lists'>, protocol: string, fold: number): { trainSide: ChimeRecord[]; test: ChimeRecord[] } {
  const dev = data.clips;
  if (protocol === CV_PROTOCOL) {
    const folds = [...new Set(dev.map((r) => r.fold))].sort((a, b) => Number(a) - Number(b));
    if (!folds.includes(fold)) throw new InvalidParameterError(`wei2018: fold ${fold} is not one of the development folds ${folds.join(', ')} (${data.root})`);
    return { trainSide: dev.filter((r) => r.fold !== fold), test: dev.filter((r) => r.fold === fold) };
  }
  if (protocol === EVAL_PROTOCOL) {
    if (fold !== EVALUATION_FOLD) {
      throw new InvalidParameterError(`wei2018: protocol ${EVAL_PROTOCOL} has one job fold, ${EVALUATION_FOLD} (the evaluation set), got ${fold}`);
    }
    if (!data.lists.evaluation) throw new InvalidParameterError(`wei2018: no evaluation list under ${data.root}`);
    return { trainSide: dev, test: data.lists.evaluation };
  }
  throw new InvalidParameterError(`wei2018: unknown protocol '${protocol}' (expected ${CV_PROTOCOL} or ${EVAL_PROTOCOL})`);
}

// ---------------------------------------------------------------- metrics

/** Official-format rows for one test side: system output and ground truth. */
export function officialRows(
  files: readonly string[],
  probs: ArrayLike<number>,
  targets: readonly Float32Array[],
): { system: SystemOutput; truth: GroundTruth } {
  const c = WEI2018_LABELS.length;
  const system: SystemOutput = { source: 'wei2018 test predictions', rows: [] };
  const truth: GroundTruth = { source: 'wei2018 test truth', rows: [] };
  files.forEach((file, i) => {
    WEI2018_LABELS.forEach((label, k) => system.rows.push({ file, label, score: probs[i * c + k], line: 0 }));
    const labels = WEI2018_LABELS.filter((_, k) => targets[i][k] === 1);
    truth.rows.push({ file, labelString: labels.join(''), labels, line: 0 });
  });
  return { system, truth };
}

const eerKey = (l: string) => `EER ${l}`;
const asNumber = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/** One seed's fold results -> Table 1's columns (and the official mean). */
export function aggregateFolds(results: readonly Pick<JobResult, 'job' | 'metrics'>[]): Record<string, number> {
  const sorted = [...results].sort((a, b) => a.job.fold - b.job.fold);
  // JSON stores NaN as null: read both as NaN.
  const foldEers = sorted.map((r) => WEI2018_LABELS.map((l) => asNumber(r.metrics[eerKey(l)])));
  const t = tableFromFoldEers(WEI2018_LABELS, foldEers);
  const out: Record<string, number> = {};
  WEI2018_LABELS.forEach((l, k) => (out[l] = t.classEers[k]));
  out.Avg = t.meanOfLabels;
  out.Var = t.varianceE3;
  out.AvgOfficial = t.officialMean;
  out.nanCells = t.nanCells;
  out.folds = sorted.length;
  return out;
}

// -------------------------------------------------------------------- run

const clipOf = (rec: ClipRecord<number | string>): JobClip => ({ id: rec.id, audioPath: rec.audioPath, sourceId: rec.sourceId, labels: [...rec.labels] });

const hooks: PaperHooks = {
  split(job, exp, ctx) {
    if (exp.features.preset !== 'wei2018') throw new InvalidParameterError(`wei2018: features.preset must be 'wei2018', got '${exp.features.preset}'`);
    const data = loadDataset('chime-home', { ...ctx, budget: job.budget });
    const { trainSide, test } = splitRecords(data, exp.dataset.protocol, job.fold);
    const { train, validation } = holdOutBySource(trainSide, exp.training.validationFraction ?? 0, job.seed, job.fold, 'wei2018-validation');
    return { status: data.status, classes: [...WEI2018_LABELS], multiLabel: true, train: train.map(clipOf), validation: validation.map(clipOf), test: test.map(clipOf) };
  },
  async evaluate(t) {
    const { job, exp, result } = t;
    const probs = await t.predict(result.model, exp.training.batchSize);
    const files = t.test.map((it) => basename(it.clip.audioPath));
    const official = officialRows(files, probs, t.truth);
    const evaluation = evaluateDcase2016(official.system, official.truth, WEI2018_LABELS);
    const metrics: Record<string, number> = {};
    for (const r of evaluation.perLabel) {
      metrics[eerKey(r.label)] = r.eer;
      metrics[`positives ${r.label}`] = r.nPositive;
    }
    const foldEers = evaluation.perLabel.map((r) => r.eer);
    metrics.Avg = nanMean(foldEers);
    metrics.Var = varianceE3(foldEers);
    const last = result.history[result.history.length - 1];
    const best = result.bestEpoch ? result.history[result.bestEpoch - 1] : null;
    Object.assign(metrics, {
      trainClips: t.train.length,
      validationClips: t.validation.length,
      testClips: t.test.length,
      epochsRun: result.history.length,
      bestEpoch: result.bestEpoch ?? NaN,
      bestValLoss: best?.valLoss ?? NaN,
      trainLoss: last.loss,
      trainAccuracy: last.acc,
      leakedSources: leakedSources(t.train.map((it) => it.clip), t.test.map((it) => it.clip)).length,
    });
    const c = WEI2018_LABELS.length;
    const nanLabels = evaluation.perLabel.filter((r) => Number.isNaN(r.eer)).map((r) => r.label);
    return {
      metrics,
      scores: {
        labels: [...WEI2018_LABELS],
        clips: t.test.map((it, i) => ({ id: files[i], scores: Array.from(probs.subarray(i * c, (i + 1) * c)), truth: Array.from(t.truth[i]), group: it.clip.sourceId })),
      },
      history: result.history,
      notes: [
        `${exp.dataset.protocol}, ${job.fold === EVALUATION_FOLD ? 'test = evaluation set' : `test fold ${job.fold}`}: ` +
          `${t.train.length} training, ${t.validation.length} validation (held out by source recording), ${t.test.length} test chunks`,
        `training stopped after ${result.history.length} epoch(s)${result.stoppedEarly ? ' (early stopping)' : ''}; best validation epoch ${result.bestEpoch ?? 'n/a'}`,
        nanLabels.length ? `EER undefined (NaN) for label(s) ${nanLabels.join(' ')}: no positive or no negative in the test side` : 'every label has positives and negatives in the test side',
        `source recordings shared by training and test: ${metrics.leakedSources}` +
          (metrics.leakedSources > 0 ? ' (the official DCASE 2016 folds put 3 of the 58 development segments in two folds)' : ''),
      ],
    };
  },
};

// ---------------------------------------------------------------- pipeline

const located = (ctx: JobContext, budget: BudgetName) => locateDataset('chime-home', { ...ctx, budget });

export const pipeline: PaperPipeline = {
  paper: 'wei2018',
  dataStatus: (_exp, ctx) => located(ctx, 'smoke').status,
  blocker(exp, ctx, budget) {
    if (exp.dataset.id !== 'chime-home') return `needs the ${exp.dataset.id} dataset; the wei2018 pipeline reads CHiME-Home`;
    return located(ctx, budget).blocker;
  },
  defaultBudget(ctx): BudgetName {
    return located(ctx, 'quick').status.status === 'verified' ? 'quick' : 'smoke';
  },
  describeData(ctx, budget) {
    const s = located(ctx, budget).status;
    if (s.status === 'fixture') {
      return budget === 'smoke'
        ? `wei2018: no --data-dir and no fetched CHiME-Home: running the smoke budget on the CHiME-Home-like fixture built from the embedded ESC-10 sample (${s.root}) — a pipeline check, not a reproduction.`
        : `wei2018: ${NO_CHIME_HOME}; the ${budget} budget cannot run (only smoke runs on the fixture).`;
    }
    return `wei2018: data ${s.status}: ${s.detail}${s.root ? ` (${s.root})` : ''}.`;
  },
  runJob: (job, exp, ctx) => runTrainJob(job, exp, ctx, hooks),
  reportExtraKeys: ['AvgOfficial', 'nanCells'],
  aggregate: (_exp: Experiment, results: JobResult[]) => aggregateFolds(results),
  estimate(exp, ctx) {
    // Chunks at hand: the fixture's for a smoke run without CHiME-Home, else
    // the real dataset's (1946 development, 816 evaluation chunks).
    let dev = DEV_CHUNKS;
    let evl = EVAL_CHUNKS;
    const at = located(ctx, exp.budget);
    if (at.origin === 'stand-in' && !at.blocker) {
      dev = 5 * CHIME_STAND_IN.size;
      evl = CHIME_STAND_IN.size;
    }
    const vf = exp.training.validationFraction ?? 0;
    const cv = exp.dataset.protocol === CV_PROTOCOL;
    const trainSide = cv ? (dev * 4) / 5 : dev;
    const trainClips = trainSide * (1 - vf);
    const valClips = trainSide * vf;
    const testClips = cv ? dev / 5 : evl;
    // Upper bound: every epoch up to the maximum runs (early stopping ends
    // sooner). Forward-only passes (validation, test) count a third of a
    // training pass.
    const passes = exp.training.epochs * (trainClips + valClips / 3) + testClips / 3;
    const model = buildModel(exp.model, featureExtractor(exp.features).inputShape, WEI2018_LABELS.length);
    const flops = forwardFlops(model);
    model.dispose();
    return { samplePasses: Math.round(passes), flopsPerSample: flops };
  },
};
