/**
 * The harness's public API: what the viz layer and the notebooks use to read
 * the papers' published numbers and experiments, the stored results and the
 * report built from them, the evaluation protocols the leakage audit
 * compares, and where a result came from. Everything else under
 * src/reproduce/ (the runner, job workers, pipelines and their types, result
 * locking, plans) is the harness's own; the CLI may use it directly, viz and
 * notebooks may not (test/repo/layering.test.ts checks it).
 */
export { BUDGETS, type BudgetName, type Experiment } from './experiment-schema.js';
export { applyBudget, jobsFor, loadExperiments, type BudgetedExperiment, type Job } from './experiments.js';
export { modelTrainingRow, modelTrainingRows } from './training-row.js';
export { PAPERS, REPRODUCTIONS_DIR, loadPublished, publishedCells, type PaperId, type Published, type PublishedCell } from './published.js';
export { findInconsistencies, type Finding, type FindingLevel } from './consistency.js';
export { collectResults, type DataStatus, type JobResult } from './results.js';
export { buildReport, reportCsv, reportMarkdown, writeReport, type Report, type ReportHooks, type ReportRow } from './report.js';
export type { Verdict, VerdictKind } from './verdict.js';
export type { Summary } from './stats.js';
export { pipelineFor } from './paper-pipelines.js';
export { leakedSources, randomClipFolds, sourceGroupedFolds, type FoldItem } from './protocols.js';
export { codeVersion, type Provenance } from './provenance.js';
export { loadStudy, type Study } from './study-file.js';
export { STUDIES_DIR, buildStudyReport, listStudies, studyPipelineFor, type ListedStudy } from './study-run.js';
export { runTrainJob, buildModel } from './train-job.js';
export { REPO_ROOT } from './published.js';
export {
  readStoredRun,
  summarizeStoredRun,
  storedRunFromResults,
  writeStoredRun,
  SUMMARY_FILE,
  SUMMARY_METRICS,
  type StoredRun,
  type StudySummary,
  type ArmSummary,
  type SummaryMetric,
} from './study-store.js';
export { judgeClaim, verdictOf, type ClaimResult, type ClaimVerdict } from './study-claims.js';
export { studyRunMarkdown, studyRunCsv, describeStoredRun, fmtSummary, METRIC_LABELS, VERDICT_RULE, BOUND_RULE, type RunContext } from './study-run-report.js';
export { readInvocations, sha256Of, type Invocation } from './study-provenance.js';
export { loadDerivedStudy, summarizeDerived, storedRunDir, derivedRunContext, isDerivedStudyFile, type DerivedStudy } from './study-derived.js';
