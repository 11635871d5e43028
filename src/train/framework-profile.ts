/**
 * Framework profiles: which framework's training semantics the trainer
 * follows where frameworks differ. The papers trained with Keras; tfjs
 * computes some things differently, and over a run those differences add up
 * (measured, each after three steps on the same gradients: Adam's effective
 * epsilon 31.6x larger in Keras at step 1, SGD momentum diverging at every
 * learning-rate jump, moving statistics that do or do not forget their
 * start, he_normal's std 0.88x of Keras'). A profile names one framework
 * version's semantics; experiment configs pick one (`framework`, default
 * `tfjs`), fit applies it, and every result file records it.
 *
 * Profiles:
 *
 * - `tfjs` — tfjs 4.22 (tfjs-core optimizers, tfjs-layers BatchNormalization
 *   and initializers): the trainer's behaviour before profiles existed, kept
 *   bit-identical. The default, and the profile of wei2018 (code line unknown:
 *   Xu/Kong's Keras 1.x-API code) and mushtaq2020 (no published code).
 * - `keras-2.2.4-tf1` — Keras 2.2.4 on TensorFlow 1.14, hu2020's environment
 *   (MihawkHu/DCASE2020_task1 task1a/environment.yml: keras-gpu 2.2.4,
 *   tensorflow-gpu 1.14.0; only its post-training quantization used TF 2).
 *
 * What differs, and where each choice comes from:
 *
 * | semantic | tfjs | keras-2.2.4-tf1 |
 * |---|---|---|
 * | SGD with momentum | a = mu a + g; p -= lr a (tfjs-core momentum_optimizer.ts): a learning-rate change rescales the whole accumulated velocity | v = mu v - lr g; p += v (keras/optimizers.py SGD.get_updates, Keras 2.x): lr enters with each gradient |
 * | Adam | p -= lr m_hat / (sqrt(v_hat) + eps), m_hat, v_hat bias-corrected (tfjs-core adam_optimizer.ts) | lr_t = lr sqrt(1 - b2^t) / (1 - b1^t); p -= lr_t m / (sqrt(v) + eps) (keras/optimizers.py Adam.get_updates, Keras 2.x): eps is added to the uncorrected sqrt(v), sqrt(1 - b2) = 0.0316 of the corrected one at step 1 |
 * | Adam epsilon default | 1e-7 (this trainer's default since wei2018; tfjs' own is 1e-8) | K.epsilon() = 1e-7 (Keras 2.2.4 Adam: epsilon=None -> K.epsilon(), keras/backend/common.py; Keras up to 2.1.2 had a literal 1e-8) |
 * | `decay` (SGD, Adam) | no such argument in tfjs: the trainer scales the rate it sets, lr / (1 + decay * iterations) | lr / (1 + decay * iterations) inside the update, iterations before this step (keras/optimizers.py, Keras 2.x) |
 * | BatchNorm moving variance | biased batch variance (tfjs-layers normalization.ts) | times n / (n - (1 + epsilon)) (keras/layers/normalization.py, Keras 2.1.4-2.2.5, PR #9028) |
 * | BatchNorm moving average | moving -= (moving - batch)(1 - momentum) from the initialisers (mean 0, variance 1) | TensorFlow's zero_debias=True (keras/backend/tensorflow_backend.py moving_average_update, Keras 2.1.3-2.2.5, PR #9003; tensorflow/python/training/moving_averages.py _zero_debias, TF 1.x): the initialisers are forgotten at the first step |
 * | he_normal | truncated normal with std sqrt(2 / fan_in) before truncation (samples: 0.8796x that) (tfjs-layers initializers.ts) | std sqrt(2 / fan_in) / 0.87962566103423978 before truncation (keras/initializers.py VarianceScaling, Keras >= 2.2.0, PR #9963) |
 * | glorot_uniform, orthogonal | same in both | same in both |
 *
 * Checked against the sources: Keras 2.2.x keras/layers/normalization.py
 * (the n / (n - (1 + epsilon)) factor) and keras/backend/tensorflow_backend.py
 * (zero_debias=True), a Keras 2.0-era tensorflow_backend.py (zero_debias=False),
 * TensorFlow 1.14-era moving_averages.py, Keras 2.x initializers.py with the
 * 0.8796 correction, Keras 2.3.1 optimizers.py (same SGD / Adam equations as
 * 2.2.4), hu2020's environment.yml and training scripts. The release
 * boundaries around them (2.0.x and 2.1.0-2.1.2 without either batch-norm
 * change, 2.1.3 with only the zero-debiasing, 2.3.x without it; the Theano
 * and CNTK backends never zero-debias) follow the PRs' dates and are not
 * needed by the two profiles here. tf.keras (TensorFlow 2) differs again (no
 * zero-debiasing, its own optimizers) and is not one of these profiles.
 *
 * This module is data only (no tfjs): the optimizers (./optimizers.ts), the
 * BatchNorm layers (../backend/fused/moving-statistics.ts, applied through
 * ../models/batchnorm-statistics.ts) and the initialisers
 * (../models/common.ts) implement what a profile names.
 */
import { InvalidParameterError } from '../util/errors.js';
import type { MovingStatisticsRule } from '../backend/fused/moving-statistics.js';
import type { InitializerRule } from '../models/common.js';

export const FRAMEWORKS = ['tfjs', 'keras-2.2.4-tf1'] as const;
export type FrameworkName = (typeof FRAMEWORKS)[number];
export const DEFAULT_FRAMEWORK: FrameworkName = 'tfjs';

/** Which update equations an optimizer uses. */
export type OptimizerRule = 'tfjs' | 'keras2';

export interface FrameworkProfile {
  name: FrameworkName;
  /** One line for logs and reports. */
  description: string;
  /** SGD / Adam update equations (./optimizers.ts). */
  optimizer: OptimizerRule;
  /** Adam's epsilon when a config gives none. */
  adamEpsilon: number;
  /** BatchNormalization moving statistics in training. */
  batchNorm: MovingStatisticsRule;
  /** Initialiser scaling (he_normal). */
  initializers: InitializerRule;
}

const PROFILES: Record<FrameworkName, FrameworkProfile> = {
  tfjs: {
    name: 'tfjs',
    description: 'tfjs 4.22 semantics (tfjs-core optimizers, tfjs-layers batch norm and initialisers)',
    optimizer: 'tfjs',
    adamEpsilon: 1e-7,
    batchNorm: { unbiasedVariance: false, zeroDebias: false },
    initializers: { truncatedNormalStdCorrection: false },
  },
  'keras-2.2.4-tf1': {
    name: 'keras-2.2.4-tf1',
    description: 'Keras 2.2.4 on TensorFlow 1.14 (Keras optimizers, unbiased zero-debiased batch-norm moving statistics, he_normal std corrected for truncation)',
    optimizer: 'keras2',
    adamEpsilon: 1e-7,
    batchNorm: { unbiasedVariance: true, zeroDebias: true },
    initializers: { truncatedNormalStdCorrection: true },
  },
};

export function isFrameworkName(name: unknown): name is FrameworkName {
  return typeof name === 'string' && (FRAMEWORKS as readonly string[]).includes(name);
}

/** The profile of a framework name (an error naming the known ones otherwise). */
export function frameworkProfile(name: string = DEFAULT_FRAMEWORK): FrameworkProfile {
  if (!isFrameworkName(name)) {
    throw new InvalidParameterError(`unknown framework profile '${name}' (known: ${FRAMEWORKS.join(', ')})`);
  }
  return PROFILES[name];
}
