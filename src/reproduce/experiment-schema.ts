/**
 * One declarative config per published table row (or measured cell):
 * `reproductions/<paper>/experiments/<id>.json`. A config says which data,
 * features, model, augmentations, optimiser and schedule, protocol and seeds
 * regenerate the row, and how each budget (smoke / quick / full) scales it.
 * Rows that cannot run here say why, as data (`notRunnable`), and are shown
 * as "not run: <reason>", never faked.
 *
 * Every object is strict (an unknown field is an error, so a misspelt key
 * never silently falls back to a default). A file may `extends` base files
 * that hold the parts rows share (./experiment-file.ts resolves them and
 * checks each augmentation's parameters against the catalogue).
 */
import { z } from 'zod';
import { FRAMEWORKS } from '../train/framework-profile.js';

const Json = z.record(z.string(), z.unknown());

export const AugmentRef = z.strictObject({
  /** A catalogue entry name (src/augment/catalogue.ts). */
  name: z.string(),
  /** The entry's parameters (checked against its specs at load); never `p`. */
  params: Json.default({}),
  /** Probability the transform is applied (pipelines draw it); the entry's default when absent. */
  p: z.number().min(0).max(1).optional(),
});
export type AugmentRefT = z.infer<typeof AugmentRef>;

export const TrainingSpec = z.strictObject({
  optimizer: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('adam'), lr: z.number().optional(), decay: z.number().min(0).optional() }),
    z.strictObject({
      kind: z.literal('sgd'),
      lr: z.number().optional(),
      momentum: z.number().optional(),
      /** Keras' `decay`: lr / (1 + decay * updates) on top of the schedule (hu2020's scripts: 1e-6 or 0). */
      decay: z.number().min(0).optional(),
    }),
  ]),
  schedule: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('constant'), lr: z.number() }),
      z.strictObject({ kind: z.literal('step'), lr: z.number(), gamma: z.number(), stepEpochs: z.number() }),
      z.strictObject({ kind: z.literal('cosineRestarts'), max: z.number(), min: z.number(), restartEpochs: z.array(z.number()).optional() }),
    ])
    .optional(),
  epochs: z.number().int().min(1),
  batchSize: z.number().int().min(1),
  earlyStopping: z
    .strictObject({ patience: z.number().int().min(1), restoreBest: z.boolean().optional(), monitor: z.enum(['valLoss', 'valAccuracy', 'valTop1']).optional(), startFromEpoch: z.number().int().min(0).optional() })
    .optional(),
  /** Fraction of the training folds' source recordings held out for validation. */
  validationFraction: z.number().min(0).max(0.5).optional(),
  classBalanced: z.boolean().optional(),
  /** hu2020: average the outputs of the snapshots taken at the schedule's minima. */
  snapshotAverage: z.boolean().optional(),
});

export const DatasetSpec = z.strictObject({
  /** Manifest id in data-manifests/ (e.g. chime-home, esc50, tau2020-mobile-dev). */
  id: z.string(),
  /** Evaluation protocol, interpreted by the paper's pipeline. */
  protocol: z.string(),
  /** Subset / view, e.g. "esc10". */
  subset: z.string().optional(),
  /** Folds to make from the source recordings when the data's own folds are not used (src/data/sources/types.ts DatasetRequest). */
  makeFolds: z.number().int().min(2).max(10).optional(),
});

/** What a budget changes (deep-merged into the experiment by applyBudget). */
export const BudgetOverride = z.strictObject({
  training: TrainingSpec.partial().optional(),
  seeds: z.array(z.number().int()).optional(),
  folds: z.array(z.number().int()).optional(),
  features: z.strictObject({ options: Json }).partial().optional(),
  model: z.strictObject({ options: Json }).partial().optional(),
  dataset: DatasetSpec.partial().optional(),
  /** Keep at most this many clips per class (smoke runs). */
  maxClipsPerClass: z.number().int().optional(),
  /**
   * Parameters merged into every augmentation of a name, online and offline
   * (e.g. a shorter `random_crop` for a smaller smoke input): name -> params.
   */
  augmentParams: z.record(z.string(), Json).optional(),
});

export const ExperimentSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  paper: z.string(),
  title: z.string(),
  /** The published cells this experiment regenerates (table + row). */
  regenerates: z.array(z.strictObject({ table: z.string(), row: z.string(), metric: z.string().optional() })).default([]),
  kind: z.enum(['train', 'reference', 'ensemble']).default('train'),
  /**
   * Whose training semantics the run follows (src/train/framework-profile.ts):
   * `tfjs` (default) or the paper's framework, e.g. `keras-2.2.4-tf1`.
   */
  framework: z.enum(FRAMEWORKS).default('tfjs'),
  /** Why this row cannot run here (other authors' system, weights, data, GPU). */
  notRunnable: z
    .strictObject({
      needs: z.enum(['other-authors-system', 'pretrained-weights', 'dataset', 'gpu']),
      reason: z.string(),
    })
    .optional(),
  dataset: DatasetSpec,
  features: z.strictObject({ preset: z.string(), options: Json.default({}) }),
  model: z.strictObject({ name: z.string(), options: Json.default({}) }),
  augment: z
    .strictObject({
      /** Applied to the training waveforms before training (derived clips keep their source id). */
      offline: z.array(AugmentRef).default([]),
      /** Applied per batch during training. */
      online: z.array(AugmentRef).default([]),
    })
    .default({ offline: [], online: [] }),
  training: TrainingSpec,
  metrics: z.array(z.string()),
  seeds: z.array(z.number().int().min(0)).min(1),
  /** Test folds to run (protocol-specific numbering). */
  folds: z.array(z.number().int()).min(1),
  /** Members of an ensemble row (experiment ids), for kind 'ensemble'. */
  members: z.array(z.string()).optional(),
  /** hu2020 two-stage fusion with this 3-class experiment. */
  twoStageWith: z.string().optional(),
  budgets: z.strictObject({ smoke: BudgetOverride, quick: BudgetOverride, full: BudgetOverride.default({}) }),
  /** Where the paper is silent: the choice made and its source. With
   * `extends`, a base's choices come first, then the file's own. */
  choices: z.array(z.string()).default([]),
});
export type Experiment = z.infer<typeof ExperimentSchema>;
export type BudgetName = 'smoke' | 'quick' | 'full';
export const BUDGETS: BudgetName[] = ['smoke', 'quick', 'full'];
