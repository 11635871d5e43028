/**
 * What the generic job runner (train-job.ts) and a paper hook exchange: the
 * clips of a job, the trained model with its data, and the hooks a paper
 * may supply where it really differs from the generic path.
 */
import type * as tf from '@tensorflow/tfjs';
import type { FeatureExtractor } from '../features/extractors.js';
import type { Dataset } from '../train/batches.js';
import type { FitResult } from '../train/fit.js';
import type { AugmentRefT } from './experiment-schema.js';
import type { Job } from './experiments.js';
import type { BudgetedExperiment, JobContext, JobOutput } from './paper-pipeline.js';
import type { DataStatus } from './results.js';

/** One clip of a job. */
export interface JobClip {
  id: string;
  audioPath: string;
  /** The recording it was cut from (folds and validation group by it). */
  sourceId: string;
  /** Class names (one for single-label data). */
  labels: string[];
  /** TAU device code (a, b, c, s1-s6), when the data has devices. */
  device?: string;
  /** TAU scene (the class same_class_mix partners share), when it differs from the label. */
  scene?: string;
}

/** The clips of a job: training side (validation held out), test side, classes. */
export interface JobSplit {
  status: DataStatus;
  classes: string[];
  multiLabel: boolean;
  train: JobClip[];
  validation: JobClip[];
  test: JobClip[];
  /** Folds the data gives (fold-based data). */
  folds?: number;
}

/** One row of a training or test set (an original clip or an offline copy). */
export interface JobItem {
  id: string;
  clip: JobClip;
  /** Index in the run's FeatureStore. */
  slot: number;
  /** Which offline method made it (-1: the original clip). */
  method: number;
}

/** A finished training, handed to the hook's `evaluate`. */
export interface TrainedJob {
  job: Job;
  exp: BudgetedExperiment;
  split: JobSplit;
  fx: FeatureExtractor;
  result: FitResult;
  train: JobItem[];
  validation: JobItem[];
  test: JobItem[];
  /** Offline copies among the training items. */
  derived: number;
  /** Trainer epochs per config epoch (src/train/epochs.ts). */
  passes: number;
  snapshotDir: string;
  /** The training items as stored (no online augmentation), and the test items. */
  trainSet: Dataset;
  testSet: Dataset;
  /** Targets of the test items (one-hot or multi-hot). */
  truth: Float32Array[];
  /** Probabilities of a model on the test items, row-major (items x classes). */
  predict(model: tf.LayersModel, batchSize: number): Promise<Float32Array>;
}

export interface PaperHooks {
  /** The job's clips (data location, protocol, validation hold-out); default: default-hooks.ts foldSplit. */
  split?(job: Job, exp: BudgetedExperiment, ctx: JobContext): JobSplit | Promise<JobSplit>;
  /** Metrics, per-clip scores and notes of the trained model; default: default-hooks.ts classificationEvaluate. */
  evaluate?(t: TrainedJob, ctx: JobContext): Promise<JobOutput>;
  /** Whether an offline method applies to a training clip (default: every clip). */
  offlineApplies?(ref: AugmentRefT, clip: JobClip): boolean;
  /** Training list order: 'per-clip' (each clip then its copies) or 'per-method' (originals, then each method's copies; default). */
  offlineOrder?: 'per-clip' | 'per-method';
  /** Id of an offline copy (default `<clip>#<method index>:<name>`). */
  copyId?(clip: JobClip, ref: AugmentRefT, index: number): string;
  /** Checks of the online augmentations against the features (e.g. channel layout). */
  checkOnline?(online: readonly AugmentRefT[], exp: BudgetedExperiment): void;
  /** Re-split the built training items (augment first, then split): the new training and test items, or null to keep the split. */
  splitItems?(items: JobItem[], job: Job, exp: BudgetedExperiment, split: JobSplit): { train: JobItem[]; test: JobItem[] } | null;
}
