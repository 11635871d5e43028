/**
 * What each paper's pipeline provides to the harness. One pipeline per paper
 * (`src/reproduce/pipelines/<paper>.ts`), built only from src/ modules.
 */
import type { BudgetName, Experiment } from './experiment-schema.js';
import type { Job } from './experiments.js';
import type { DataStatus, JobResult } from './results.js';
import type { FrameworkName } from '../train/framework-profile.js';

export type BudgetedExperiment = Experiment & { budget: BudgetName; maxClipsPerClass?: number };

export interface JobContext {
  /** A dataset root given by --data-dir (else manifests' data root / fixtures). */
  dataDir?: string;
  /** Where fixtures and feature caches may be written. */
  workDir: string;
  noCache?: boolean;
  /**
   * Data-parallel replicas each job trains with (fit's `workers`), = the
   * threads the runner gives each job (`reproduce --threads-per-job`,
   * default 1). A fixed number, never "whatever is free": N replicas sum in
   * a different order than 1, so results are bit-identical only for the
   * same N (the result file's backend line records it).
   */
  trainWorkers?: number;
  /**
   * Run every job under this framework profile instead of its config's
   * (`reproduce --framework`); the result records the one used.
   */
  framework?: FrameworkName;
  log: (line: string) => void;
}

export interface JobOutput {
  metrics: Record<string, number>;
  scores?: JobResult['scores'];
  history?: unknown[];
  notes?: string[];
}

export interface PaperPipeline {
  paper: string;
  /** Where an experiment's data would come from, and its verification status. */
  dataStatus(exp: Experiment, ctx: JobContext): DataStatus;
  /** Why an experiment cannot run with the data at hand (null when it can). */
  blocker(exp: Experiment, ctx: JobContext, budget: BudgetName): string | null;
  runJob(job: Job, exp: BudgetedExperiment, ctx: JobContext): Promise<JobOutput>;
  /** One seed's fold results -> values keyed by published column id (or metric name). */
  aggregate(exp: Experiment, results: JobResult[]): Record<string, number>;
  /** The budget to use when none is given (e.g. quick when verified data is present). */
  defaultBudget?(ctx: JobContext): BudgetName;
  /** One line saying which data a run uses (e.g. the embedded sample). */
  describeData?(ctx: JobContext, budget: BudgetName): string | null;
  /** Aggregate keys shown as extra measured rows (e.g. the official EER mean). */
  reportExtraKeys?: string[];
  /** Compute estimate for --plan: training sample-passes and forward FLOPs per sample. */
  estimate(exp: BudgetedExperiment, ctx: JobContext): { samplePasses: number; flopsPerSample: number };
  /**
   * How many folds the data at hand gives for this experiment, when that can
   * be fewer than the config's (e.g. a subset with too few source recordings
   * per class); null or absent: the config's folds. Jobs for folds beyond it
   * are not run, and a seed is complete with folds 1..n.
   */
  foldsAvailable?(exp: BudgetedExperiment, ctx: JobContext): number | null;
}
