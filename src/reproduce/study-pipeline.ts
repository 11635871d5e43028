/**
 * The pipeline of a fold-based study: the harness's view (data status,
 * blockers, default budget, folds at hand, aggregation, compute estimate)
 * built from the data sources and the generic job runner, for any paper
 * hooks. mushtaq2020 and every user-defined study (`reproduce --study`) are
 * this pipeline; wei2018 and hu2020 add their own data and metrics.
 */
import { loadDataset, locateDataset } from '../data/sources/index.js';
import { featureExtractor } from '../features/extractors.js';
import { perClassEerTable, type TaggingEerTable } from '../metrics/tagging.js';
import { InvalidParameterError } from '../util/errors.js';
import type { BudgetName } from './experiment-schema.js';
import type { JobResult } from './results.js';
import { forwardFlops } from './flops.js';
import { buildModel, runTrainJob } from './train-job.js';
import { dataFolds, datasetRequest } from './default-hooks.js';
import type { PaperHooks } from './job-types.js';
import type { BudgetedExperiment, JobContext, PaperPipeline } from './paper-pipeline.js';

/** The per-seed values a fold-based classification study reports: means over its folds. */
export const CLASSIFICATION_KEYS = ['accuracy', 'loss', 'trainAccuracy', 'leakedSources', 'distinctPredictions', 'accuracyPopulationBN'] as const;

/** The per-seed int8 values (metric 'int8': ./int8-metrics.ts), means over the folds. */
export const INT8_KEYS = ['quantized acc', 'int8 accuracy change', 'quantized agreement', 'quantized size', 'dcase2020 size quantized', 'original size (weights only)', 'dcase2020 size'] as const;

/** Per-class one-vs-rest EER (the official DCASE 2016 procedure) on the pooled float scores of a seed's folds. */
export function pooledEer(results: readonly JobResult[]): TaggingEerTable {
  const labels = results[0]?.scores?.labels;
  if (!labels) throw new InvalidParameterError('pooled EER: the results carry no per-clip scores');
  const rows = results.flatMap((r) => (r.scores?.clips ?? []).filter((c) => c.group === undefined));
  return perClassEerTable([{ scores: rows.flatMap((r) => r.scores), targets: rows.flatMap((r) => r.truth) }], labels);
}

export interface StudyPipelineOptions {
  paper: string;
  /** The dataset the default budget and the data line look at. */
  dataset: { id: string; subset?: string; makeFolds?: number };
  hooks?: PaperHooks;
  /** Clips and classes of the full dataset, for --plan when the data is not at hand. */
  fullSize?(exp: BudgetedExperiment): { clips: number; classes: number };
  /** One line saying which data a run uses (default: its status). */
  describeData?(status: ReturnType<typeof locateDataset>, budget: BudgetName): string;
  /** Extra report rows (a paper's report sections are data: ./report-sections.ts). */
  reportExtraKeys?: string[];
}

export function studyPipeline(o: StudyPipelineOptions): PaperPipeline {
  const hooks = o.hooks ?? {};
  const located = (exp: BudgetedExperiment | { dataset: { id: string; subset?: string; makeFolds?: number } }, ctx: JobContext, budget: BudgetName) =>
    locateDataset({ id: exp.dataset.id, subset: exp.dataset.subset, ...(exp.dataset.makeFolds !== undefined ? { makeFolds: exp.dataset.makeFolds } : {}) }, { ...ctx, budget });
  const firstDataset = { dataset: o.dataset };
  const pipeline: PaperPipeline = {
    paper: o.paper,
    dataStatus: (exp, ctx) => located(exp, ctx, 'smoke').status,
    blocker(exp, ctx, budget) {
      try {
        return located(exp, ctx, budget).blocker;
      } catch (e) {
        return (e as Error).message;
      }
    },
    defaultBudget: (ctx) => (located(firstDataset, ctx, 'quick').status.status === 'verified' ? 'quick' : 'smoke'),
    describeData(ctx, budget) {
      const d = located(firstDataset, ctx, budget);
      return o.describeData ? o.describeData(d, budget) : `${o.paper}: data ${d.status.status}: ${d.status.detail}${d.status.root ? ` (${d.status.root})` : ''}.`;
    },
    runJob: (job, exp, ctx) => runTrainJob(job, exp, ctx, hooks),
    reportExtraKeys: o.reportExtraKeys ?? ['trainAccuracy', 'leakedSources', 'distinctPredictions', 'accuracyPopulationBN', 'EER pooled', ...INT8_KEYS],
    aggregate(exp, results: JobResult[]) {
      // Results from before a metric existed have none (NaN: not shown).
      const mean = (k: string) => results.reduce((a, r) => a + (r.metrics[k] ?? NaN), 0) / results.length;
      const keys: string[] = [...CLASSIFICATION_KEYS, ...(exp.metrics.includes('int8') ? INT8_KEYS : [])];
      const out: Record<string, number> = Object.fromEntries(keys.map((k) => [k, mean(k)]));
      // EER with about two positives per class per test fold is mostly ties:
      // metric 'eer' is the per-class one-vs-rest EER on the seed's pooled
      // out-of-fold scores (every fold's test clips together), averaged over classes.
      if (exp.metrics.includes('eer')) out['EER pooled'] = pooledEer(results).meanOfLabels;
      return out;
    },
    foldsAvailable: (exp, ctx) => (located(exp, ctx, exp.budget).status.status === 'verified' ? null : dataFolds(exp, ctx)),
    estimate(exp, ctx) {
      const full = o.fullSize?.(exp);
      let clips = full?.clips ?? NaN;
      let classes = full?.classes ?? NaN;
      let k = 5;
      const at = located(exp, ctx, exp.budget);
      if (!at.blocker && at.origin !== 'none' && at.origin !== 'stand-in') {
        const data = loadDataset(datasetRequest(exp), { ...ctx, budget: exp.budget });
        clips = data.clips.length;
        classes = data.classes.length;
        k = data.folds ?? k;
      }
      if (!(clips > 0 && classes > 0)) throw new InvalidParameterError(`${exp.id}: no data at hand and no full-dataset size to estimate from`);
      // Training clips per fold: (k - 1) / k of the clips, each with its offline copies.
      const clipsPerFold = Math.round((clips * (k - 1)) / k);
      const fx = featureExtractor(exp.features);
      const model = buildModel(exp.model, fx.inputShape, classes, undefined, true);
      const flops = forwardFlops(model);
      model.dispose();
      return { samplePasses: clipsPerFold * (1 + exp.augment.offline.length) * exp.training.epochs, flopsPerSample: flops };
    },
  };
  return pipeline;
}

