/**
 * User-defined studies on the harness (`reproduce --study FILE`): a study
 * file (./study-file.ts) runs like a paper's rows, through the generic
 * fold-based study pipeline (./study-pipeline.ts) with no paper hooks, its
 * data that of its first arm's `dataset` (for example `folder`, the user's
 * folder given with --data-dir). Jobs are filed under the study id
 * (`<results>/<budget>/<study>/<arm>/fold-F-seed-S.json`) and carry the study
 * file, so worker processes find their experiment in it (run-job.ts). The
 * report is the papers' report with no published side: every row is
 * measured only (./report.ts, `buildReport(..., study)`).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidParameterError } from '../util/errors.js';
import type { BudgetName } from './experiment-schema.js';
import type { Job } from './experiments.js';
import type { BudgetedExperiment, JobContext, PaperPipeline } from './paper-pipeline.js';
import { REPRODUCTIONS_DIR } from './published.js';
import { buildReport, type Report } from './report.js';
import { displayPath } from './results.js';
import { loadStudy, type Study } from './study-file.js';
import { isDerivedStudyFile, loadDerivedStudy, type DerivedStudy } from './study-derived.js';
import { studyPipeline } from './study-pipeline.js';

/** Where the repository's study files live (`reproduce --list` shows them). */
export const STUDIES_DIR = join(REPRODUCTIONS_DIR, 'studies');

/** The harness's view of a study: the fold-based study pipeline over its first arm's dataset. */
export function studyPipelineFor(study: Study): PaperPipeline {
  const first = study.experiments[0].dataset;
  return studyPipeline({
    paper: study.id,
    dataset: { id: first.id, ...(first.subset !== undefined ? { subset: first.subset } : {}), ...(first.makeFolds !== undefined ? { makeFolds: first.makeFolds } : {}) },
    describeData: (d) =>
      `study ${study.id}: data ${d.status.status}: ${d.status.detail}${d.status.root ? ` (${displayPath(d.status.root)})` : ''}.`,
  });
}

/** The pipeline of a study's job (the study file it carries). */
export function studyPipelineOfJob(job: Job): PaperPipeline {
  if (job.study === undefined) throw new InvalidParameterError(`${job.id} is a paper's job, not a study's`);
  return studyPipelineFor(loadStudy(job.study));
}

/**
 * Why the selected arms cannot run with the data at hand: one line per arm
 * that is blocked (for the `folder` dataset: no --data-dir, no labels.csv, a
 * bad line in it), empty when every arm can run.
 */
export function studyBlockers(arms: readonly BudgetedExperiment[], pipeline: PaperPipeline, ctx: JobContext, budget: BudgetName): string[] {
  const out: string[] = [];
  for (const arm of arms) {
    const why = pipeline.blocker(arm, ctx, budget);
    if (why) out.push(`arm '${arm.id}' (dataset ${arm.dataset.id}): ${why}`);
  }
  return out;
}

/** What the values of a fold-based study's report are (default-hooks.ts classificationEvaluate), for its legend. */
const VALUE_LEGEND: Record<string, string> = {
  accuracy: "% of the test fold's clips whose highest-scoring class is their label, averaged over the folds of a seed",
  trainAccuracy: '% of the training examples right in the last epoch (online augmentation applied)',
  leakedSources: 'recordings with clips on both sides of the split (0 under source-folds)',
  distinctPredictions:
    'how many classes the model predicts over the test fold; below 3, it answers mostly one or two classes and the accuracy is their share of the fold, not skill',
  'EER pooled': "per-class one-vs-rest EER (official DCASE 2016 procedure) on the seed's pooled out-of-fold scores, mean over classes (fraction)",
  'quantized acc': 'accuracy of the int8 copy (dynamic-range quantization, per output channel) on the same test clips',
  'int8 accuracy change': 'int8 accuracy minus float32 accuracy on the same clips (percentage points)',
  'quantized agreement': '% of test clips where the int8 copy predicts the float32 model\'s class',
  'quantized size': 'int8 weights file (KiB)',
  'dcase2020 size quantized': "DCASE 2020 task 1b's size of the int8 model (KB; non-zero parameters, batch norm excluded)",
  accuracyPopulationBN:
    'accuracy with the batch-norm moving averages replaced by the training clips\' statistics (src/train/batchnorm-population.ts): short runs leave the averages near their start',
};

/** Study metrics that switch on a measurement (default-hooks.ts, study-pipeline.ts), and the report columns they give. */
const METRIC_COLUMNS: Record<string, string[]> = {
  eer: ['EER pooled'],
  int8: ['quantized acc', 'int8 accuracy change'],
  'population-bn-scores': [],
};

/** A study's report: measured per arm, with no published counterpart (./report.ts), and what each value is. */
export function buildStudyReport(study: Study, budget: BudgetName, resultsDir: string, pipeline: PaperPipeline = studyPipelineFor(study)): Report {
  // Metric names that switch on a measurement are reported under the values it gives.
  const reported = (m: string) => METRIC_COLUMNS[m] ?? [m];
  const experiments = study.experiments.map((e) => ({ ...e, metrics: e.metrics.flatMap(reported) }));
  const rep = buildReport(study.id, budget, resultsDir, pipeline, { experiments, title: study.title, file: displayPath(study.file) });
  const shown = [...new Set(rep.rows.map((r) => r.column))].filter((k) => VALUE_LEGEND[k]);
  if (shown.length) rep.sections.push(['What the values are (mean over seeds of the per-seed value):', '', ...shown.map((k) => `- ${k}: ${VALUE_LEGEND[k]}.`)].join('\n'));
  return rep;
}

export type ListedStudy = { file: string; study: Study } | { file: string; derived: DerivedStudy } | { file: string; error: string };

/** The study files in `dir` (default reproductions/studies), in file-name order; a file that does not load says why. */
export function listStudies(dir: string = STUDIES_DIR): ListedStudy[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return names.map((f) => {
    const file = join(dir, f);
    try {
      return isDerivedStudyFile(file) ? { file, derived: loadDerivedStudy(file) } : { file, study: loadStudy(file) };
    } catch (e) {
      return { file, error: (e as Error).message };
    }
  });
}
