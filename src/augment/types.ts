/**
 * The shape every augmentation shares (after audiomentations, the project's
 * style notes): parameters validated when the transform is created,
 * a probability `p`, `draw(rng, x)` that draws the random parameters (plain
 * data that can be logged and replayed), and a pure `apply(x, drawn)`.
 */
import type { Rng } from '../util/rng.js';
import type { Waveform } from '../audio/types.js';
import type { FeatureMap } from '../features/types.js';

export type ParamValue = number | string | boolean | number[];

export interface ParamSpec {
  name: string;
  default: ParamValue;
  description: string;
  /** Inclusive bounds for numbers, checked when the transform is created. */
  min?: number;
  max?: number;
  choices?: readonly string[];
}

/** What an augmentation acts on. */
export type AugmentationTarget = 'waveform' | 'spectrogram' | 'image' | 'batch';

/** The shared data types live with their owners (audio, features); augment
 * re-exports them for its own modules only. */
export type { Waveform } from '../audio/types.js';
export type { FeatureMap } from '../features/types.js';

export interface Transform<X, D = unknown> {
  readonly name: string;
  /** Probability that the transform is applied at all (pipelines draw it). */
  readonly p: number;
  /** Draw the random parameters for one application (may read x's shape). */
  draw(rng: Rng, x: X): D;
  /** Apply with given parameters. Pure: never modifies x. */
  apply(x: X, drawn: D): X;
}

export interface PaperRef {
  paper: 'wei2018' | 'mushtaq2020' | 'hu2020' | string;
  /** Where the paper (or its code) describes it, e.g. "section 3.1" or
   * "code: MihawkHu/DCASE2020_task1 task1a/10class/resnet/utils.py". */
  where: string;
}

/** One entry of the listable catalogue (`augment --list`). */
export interface CatalogueEntry {
  name: string;
  target: AugmentationTarget;
  papers: PaperRef[];
  summary: string;
  params: ParamSpec[];
  /** Build the transform with validated parameters (defaults filled in). */
  create(params?: Record<string, ParamValue>): Transform<any, any>;
}
