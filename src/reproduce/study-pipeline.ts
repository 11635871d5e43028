/**
 * The pipeline of a fold-based study: the harness's view (data status,
 * blockers, default budget, folds at hand, aggregation, compute estimate)
 * built from the data sources and the generic job runner, for any paper
 * hooks. mushtaq2020 and every user-defined study (`reproduce --study`) are
 * this pipeline; wei2018 and hu2020 add their own data and metrics.
 */
import { loadDataset, locateDataset } from '../data/sources/index.js';
import { featureExtractor } from '../features/extractors.js';
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

export interface StudyPipelineOptions {
  paper: string;
  /** The dataset the default budget and the data line look at. */
  dataset: { id: string; subset?: string };
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
  const located = (exp: BudgetedExperiment | { dataset: { id: string; subset?: string } }, ctx: JobContext, budget: BudgetName) =>
    locateDataset({ id: exp.dataset.id, subset: exp.dataset.subset }, { ...ctx, budget });
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
    reportExtraKeys: o.reportExtraKeys ?? ['trainAccuracy', 'leakedSources', 'distinctPredictions', 'accuracyPopulationBN'],
    aggregate(_exp, results: JobResult[]) {
      // Results from before a metric existed have none (NaN: not shown).
      const mean = (k: string) => results.reduce((a, r) => a + (r.metrics[k] ?? NaN), 0) / results.length;
      return Object.fromEntries(CLASSIFICATION_KEYS.map((k) => [k, mean(k)]));
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

