/**
 * wei2018 pipeline: domestic audio tagging on CHiME-Home (DCASE 2016 task 4)
 * with the CRNN of src/models/wei2018-crnn.ts and the sample-mixing
 * augmentations of Table 1 (mixup, SamplePairing, mixup_lp, extrapolation),
 * scored with the official per-label EER.
 *
 * Data, in order of preference: --data-dir (a CHiME-Home root `chime_home/`,
 * or a data root holding a fetched `chime-home`), a download fetched into
 * the data root; else, for the smoke budget only, the CHiME-Home-like
 * fixture (the embedded ESC-10 sample's real clips, data-manifests/samples/
 * esc10 at 22.05 kHz, resampled to 16 kHz and mixed in the exact CHiME-Home
 * layout) built into the work directory and reported as 'fixture'; a
 * fixture built from a real ESC-50 copy can be given with --data-dir.
 * Without any of these the rows are blocked, with the reason.
 *
 * Protocols (dataset.protocol; a job's fold is protocol-specific):
 * - 'dcase2016-5fold-cv' (default, section 4.2): test fold = job.fold (1-5,
 *   the official folds); training = the four other folds;
 * - 'dcase2016-evaluation-set' (Table 1's caption): job.fold 0; training =
 *   all five development folds, test = the 816 refined evaluation chunks.
 * Validation (early stopping) is `training.validationFraction` of the
 * training side's source recordings (segments), drawn with a generator
 * seeded by (seed, fold): never from the test side.
 *
 * Per job: per-label EER of the test side, computed through the official
 * file format (`<file>,<label>,<score>` rows against the majority-vote
 * truth, src/metrics/dcase2016-format.ts), NaN where the test side has no
 * positive (or no negative) of a label; the raw per-clip scores are kept in
 * the result. `aggregate` turns one seed's folds into Table 1's columns
 * (src/metrics/tagging.ts): c..o = mean over folds ignoring NaN, Avg = mean
 * of the 7 class EERs, AvgOfficial = the official fold x label mean, Var =
 * sample variance of the class EERs in 1e-3.
 *
 * Choices: features are not standardised (the paper mentions no
 * normalisation; the model starts with conv + BatchNorm); clips are brought
 * to exactly 4 s by fix_length; a training checkpoint is kept per job in the
 * work directory (keyed by the budgeted config) so a killed full-budget job
 * resumes, and removed when the job finishes.
 *
 * Online mixing goes through `onlineAugment` (common.ts), which gives
 * `sample_pairing` partners from the whole training set.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CHIME_HOME_LABELS, loadChimeHomeDevelopment, loadChimeHomeEvaluation } from '../../data/loaders/chime-home.js';
import type { ClipRecord } from '../../data/loaders/types.js';
import { evaluateDcase2016, type GroundTruth, type SystemOutput } from '../../metrics/dcase2016-format.js';
import { nanMean, tableFromFoldEers, varianceE3 } from '../../metrics/tagging.js';
import { Rng } from '../../util/rng.js';
import { InvalidParameterError } from '../../util/errors.js';
import type { AugmentRefT, BudgetName, Experiment } from '../experiment-schema.js';
import type { Job } from '../experiments.js';
import type { DataStatus, JobResult } from '../results.js';
import { holdOutBySource, leakedSources } from '../protocols.js';
import { forwardFlops } from '../flops.js';
import { fetchedDataset } from './common.js';
import { buildFixture, EMBEDDED_SAMPLE_DIR, readFixtureRecord } from '../../data/stand-ins/index.js';
import type { JobContext, PaperPipeline } from './types.js';
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

/** The smoke fixture's source clips: the embedded ESC-10 sample (in the repository, so a fresh clone has them). */
export const FIXTURE_SOURCE_DIR = EMBEDDED_SAMPLE_DIR;
/** The smoke fixture: 16 chunks per development fold and 16 evaluation
 * chunks (>= 7, so every tag occurs in every fold). */
export const SMOKE_FIXTURE = { seed: 2018, size: 16 } as const;

// ------------------------------------------------------------------- data

interface ChimeData {
  root: string;
  status: DataStatus;
}

const DEV_LIST = 'development_chunks_refined_crossval_dcase2016.csv';

function isChimeRoot(root: string): boolean {
  return existsSync(join(root, DEV_LIST)) && existsSync(join(root, 'chunks'));
}

/** CHiME-Home given or fetched: --data-dir (a dataset root, a data root with
 * a fetched chime-home, or a built chime-home-like fixture, reported as
 * such), else a fetched download in the default data root. */
function realData(ctx: JobContext): ChimeData | null {
  if (ctx.dataDir) {
    const fetched = fetchedDataset('chime-home', ctx.dataDir);
    if (fetched && isChimeRoot(fetched.root)) return fetched;
    for (const root of [ctx.dataDir, join(ctx.dataDir, 'chime_home')]) {
      if (isChimeRoot(root) && readFixtureRecord(root)?.fixture === 'chime-home-like') {
        return {
          root,
          status: { dataset: 'chime-home', status: 'fixture', root, detail: 'a CHiME-Home-like fixture (ESC-50 clips) given with --data-dir, not CHiME-Home' },
        };
      }
      if (isChimeRoot(root)) {
        return {
          root,
          status: {
            dataset: 'chime-home',
            status: 'unverified',
            root,
            detail: 'a CHiME-Home directory given with --data-dir, not checked against the manifest',
          },
        };
      }
    }
    throw new InvalidParameterError(
      `--data-dir ${ctx.dataDir}: no CHiME-Home found (expected ${DEV_LIST} and chunks/ in it or in chime_home/, or a data root with chime-home/)`,
    );
  }
  const fetched = fetchedDataset('chime-home');
  return fetched && isChimeRoot(fetched.root) ? fetched : null;
}

function fixtureRoot(ctx: JobContext): string {
  return join(ctx.workDir, 'fixtures', 'wei2018-chime-home-like');
}

function fixtureStatus(ctx: JobContext): DataStatus {
  return {
    dataset: 'chime-home',
    status: 'fixture',
    root: fixtureRoot(ctx),
    detail:
      `CHiME-Home-like fixture (seed ${SMOKE_FIXTURE.seed}, ${SMOKE_FIXTURE.size} chunks per fold): the embedded ESC-10 sample's clips ` +
      `(data-manifests/samples/esc10, 22.05 kHz, resampled to 16 kHz) in the CHiME-Home layout, not CHiME-Home`,
  };
}

const NO_DATA =
  "CHiME-Home is not on disk (fetch it with 'audio-aug-lab data fetch chime-home' or give its chime_home/ directory with --data-dir)";

/** Where a job's data comes from, or why there is none. No side effects. */
function locate(ctx: JobContext, budget: BudgetName): { kind: 'real'; data: ChimeData } | { kind: 'fixture' } {
  const real = realData(ctx);
  if (real) return { kind: 'real', data: real };
  if (budget !== 'smoke') throw new InvalidParameterError(`${NO_DATA}; the ${budget} budget needs the real dataset`);
  if (!existsSync(join(FIXTURE_SOURCE_DIR, 'audio'))) {
    throw new InvalidParameterError(`${NO_DATA}, and the smoke fixture's source clips are missing too (${FIXTURE_SOURCE_DIR})`);
  }
  return { kind: 'fixture' };
}

/** The data root for a job: real data, or the fixture (built on first use
 * and reused afterwards; src/data/stand-ins/fixture-dir.ts builds it in a
 * temporary directory and renames it into place). */
function ensureData(ctx: JobContext, budget: BudgetName): ChimeData {
  const where = locate(ctx, budget);
  if (where.kind === 'real') return where.data;
  const info = buildFixture('chime-home-like', fixtureRoot(ctx), { ...SMOKE_FIXTURE, esc50Dir: FIXTURE_SOURCE_DIR });
  if (!info.reused) ctx.log(`wei2018: built the CHiME-Home-like fixture (seed ${SMOKE_FIXTURE.seed}, ${SMOKE_FIXTURE.size} chunks per fold) in ${info.dir}`);
  return { root: info.dir, status: fixtureStatus(ctx) };
}

// ------------------------------------------------------------------ split

/** Test side and training side of a job under the experiment's protocol. */
export function splitRecords(
  root: string,
  protocol: string,
  fold: number,
): { trainSide: ClipRecord<number | string>[]; test: ClipRecord<number | string>[] } {
  const dev = loadChimeHomeDevelopment({ root });
  if (protocol === CV_PROTOCOL) {
    const folds = [...new Set(dev.map((r) => r.fold))].sort((a, b) => a - b);
    if (!folds.includes(fold)) throw new InvalidParameterError(`wei2018: fold ${fold} is not one of the development folds ${folds.join(', ')} (${root})`);
    return { trainSide: dev.filter((r) => r.fold !== fold), test: dev.filter((r) => r.fold === fold) };
  }
  if (protocol === EVAL_PROTOCOL) {
    if (fold !== EVALUATION_FOLD) {
      throw new InvalidParameterError(`wei2018: protocol ${EVAL_PROTOCOL} has one job fold, ${EVALUATION_FOLD} (the evaluation set), got ${fold}`);
    }
    return { trainSide: dev, test: loadChimeHomeEvaluation({ root }) };
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
    const data = ensureData(ctx, job.budget);
    const { trainSide, test } = splitRecords(data.root, exp.dataset.protocol, job.fold);
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

function status(ctx: JobContext): DataStatus {
  let real: ChimeData | null = null;
  try {
    real = realData(ctx);
  } catch (e) {
    return { dataset: 'chime-home', status: 'unverified', root: ctx.dataDir ?? '', detail: (e as Error).message };
  }
  if (real) return real.status;
  if (existsSync(join(FIXTURE_SOURCE_DIR, 'audio'))) return fixtureStatus(ctx);
  return { dataset: 'chime-home', status: 'unverified', root: '', detail: NO_DATA };
}

export const pipeline: PaperPipeline = {
  paper: 'wei2018',
  dataStatus: (_exp, ctx) => status(ctx),
  blocker(exp, ctx, budget) {
    if (exp.dataset.id !== 'chime-home') return `needs the ${exp.dataset.id} dataset; the wei2018 pipeline reads CHiME-Home`;
    try {
      locate(ctx, budget);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  },
  defaultBudget(ctx): BudgetName {
    return status(ctx).status === 'verified' ? 'quick' : 'smoke';
  },
  describeData(ctx, budget) {
    const s = status(ctx);
    if (s.status === 'fixture') {
      return budget === 'smoke'
        ? `wei2018: no --data-dir and no fetched CHiME-Home: running the smoke budget on the CHiME-Home-like fixture built from the embedded ESC-10 sample (${s.root}) — a pipeline check, not a reproduction.`
        : `wei2018: ${NO_DATA}; the ${budget} budget cannot run (only smoke runs on the fixture).`;
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
    try {
      if (locate(ctx, exp.budget).kind === 'fixture') {
        dev = 5 * SMOKE_FIXTURE.size;
        evl = SMOKE_FIXTURE.size;
      }
    } catch {
      /* no data: estimate for the real dataset */
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
