/**
 * Shared pieces for the model builders: seeded weight initialisers, the width
 * multiplier, input-shape checks and the Keras defaults the papers' code used.
 *
 * Choices:
 * - Every builder takes an optional `seed`. With a seed, each initialiser gets
 *   its own seed drawn in layer order from `Rng(seed)`, so the same seed gives
 *   bit-identical initial weights on one backend. Without a seed tfjs draws
 *   from Math.random (not reproducible).
 * - Initialisers follow Keras 2 defaults, which the reference code relied on
 *   (Conv2D/Dense/DepthwiseConv2D: glorot_uniform; GRU recurrent: orthogonal;
 *   he_normal where the code says so). tfjs' own defaults differ
 *   (glorotNormal), so they are always set explicitly.
 * - he_normal, the one initialiser whose scaling differs between the
 *   frameworks, follows an `InitializerRule` (the training framework
 *   profile's, ../train/framework-profile.ts): tfjs' he_normal draws a normal
 *   truncated at 2 std with std sqrt(2 / fan_in), whose samples have std
 *   0.8796 x sqrt(2 / fan_in); Keras >= 2.2.0 (keras/initializers.py
 *   VarianceScaling, distribution 'normal': stddev = sqrt(scale) /
 *   .87962566103423978, keras-team/keras PR #9963) divides the std by
 *   0.87962566103423978 so the samples have std sqrt(2 / fan_in). The rule
 *   comes from the builder option `initializers`, else from the one `fit`
 *   sets around its build call (`withInitializerRule`), else tfjs'.
 *   glorot_uniform and orthogonal are the same in both.
 * - `width` scales every filter/unit count of the hidden layers:
 *   `scaled(n) = max(1, round(n * width))`. Output layers keep their size.
 *   Tests use it to build cheap reduced models; the default 1 is the paper.
 */
import * as tf from '@tensorflow/tfjs';
import type { Initializer } from '@tensorflow/tfjs-layers/dist/initializers.js';
import { Rng } from '../util/rng.js';
import { require_ } from '../util/errors.js';
import './tfjs-fixes.js';
import './batchnorm-statistics.js';

/** Options every builder accepts. */
export interface CommonBuildOptions {
  /** Seed for the weight initialisers (non-negative integer). */
  seed?: number;
  /** Multiplier on hidden filter/unit counts (default 1 = as published). */
  width?: number;
  /** How initialisers scale (default: the one `withInitializerRule` sets, else tfjs'). */
  initializers?: InitializerRule;
}

/** The std of a standard normal truncated to [-2, 2] (scipy.stats.truncnorm.std(a=-2, b=2)), Keras' constant. */
export const TRUNCATED_NORMAL_STD = 0.87962566103423978;

/** How the initialisers scale, per training framework. */
export interface InitializerRule {
  /**
   * Divide the std of truncated-normal initialisers (he_normal) by
   * TRUNCATED_NORMAL_STD so the samples have the nominal std (Keras >= 2.2.0);
   * false: tfjs' (and Keras <= 2.1.6's) truncated normal of the nominal std.
   */
  truncatedNormalStdCorrection: boolean;
}

export const TFJS_INITIALIZERS: Readonly<InitializerRule> = Object.freeze({ truncatedNormalStdCorrection: false });

let ambientRule: InitializerRule | null = null;

/** Runs `build` with `rule` as the initialiser rule of builders that are given none (fit does this around its build call). */
export function withInitializerRule<T>(rule: InitializerRule, build: () => T): T {
  const outer = ambientRule;
  ambientRule = rule;
  try {
    return build();
  } finally {
    ambientRule = outer;
  }
}

/** The initialiser rule in effect: `rule` if given, else the ambient one, else tfjs'. */
export function initializerRule(rule?: InitializerRule): InitializerRule {
  return rule ?? ambientRule ?? TFJS_INITIALIZERS;
}

/**
 * he_normal under a rule: tfjs' HeNormal (VarianceScaling scale 2, fan_in,
 * truncated normal), or with the truncation correction the same draws scaled
 * by 1 / TRUNCATED_NORMAL_STD (VarianceScaling scale 2 / 0.8796^2).
 */
export function heNormalInitializer(seed: number | undefined, rule?: InitializerRule): Initializer {
  if (!initializerRule(rule).truncatedNormalStdCorrection) return tf.initializers.heNormal({ seed });
  return tf.initializers.varianceScaling({ scale: 2 / TRUNCATED_NORMAL_STD ** 2, mode: 'fanIn', distribution: 'normal', seed });
}

/**
 * Orthogonal initialiser (Keras `orthogonal`, gain 1) computed by modified
 * Gram-Schmidt in float64 on a seeded standard-normal matrix. tfjs' own
 * Orthogonal uses a QR decomposition that took ~24 s for one 128 x 384 GRU
 * recurrent kernel on the cpu backend, hence this replacement. For a shape
 * [..., c] flattened to r x c, the result has orthonormal columns if r >= c
 * and orthonormal rows otherwise (as Keras' SVD-based version). Registered
 * for serialisation, so saved models reload (the weights are stored anyway).
 */
// tfjs does not export its Initializer base class; layers check
// `instanceof Initializer`, so take the class the loaded bundle uses.
const InitializerBase = Object.getPrototypeOf(tf.initializers.zeros().constructor) as abstract new () => Initializer;

export class GramSchmidtOrthogonal extends InitializerBase {
  static className = 'GramSchmidtOrthogonal';
  readonly seed: number | null;
  readonly gain: number;

  constructor(args: { seed?: number | null; gain?: number } = {}) {
    super();
    this.seed = args.seed ?? null;
    this.gain = args.gain ?? 1;
  }

  apply(shape: number[], dtype?: tf.DataType): tf.Tensor {
    require_(shape.length >= 2, `orthogonal initialiser needs a shape of rank >= 2, got [${shape}]`);
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const n = Math.max(rows, cols);
    const k = Math.min(rows, cols);
    const rng = new Rng(this.seed ?? Math.floor(Math.random() * 2 ** 31));
    // k column vectors of length n, orthonormalised in place.
    const q: Float64Array[] = [];
    for (let j = 0; j < k; j++) {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = rng.normal();
      for (let pass = 0; pass < 2; pass++) {
        for (const u of q) {
          let d = 0;
          for (let i = 0; i < n; i++) d += u[i] * v[i];
          for (let i = 0; i < n; i++) v[i] -= d * u[i];
        }
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += v[i] * v[i];
      norm = Math.sqrt(norm);
      for (let i = 0; i < n; i++) v[i] /= norm;
      q.push(v);
    }
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        // rows >= cols: column c is q[c]; otherwise row r is q[r].
        out[r * cols + c] = this.gain * (rows >= cols ? q[c][r] : q[r][c]);
      }
    }
    return tf.tensor(out, shape, dtype ?? 'float32');
  }

  getConfig(): tf.serialization.ConfigDict {
    return { seed: this.seed, gain: this.gain };
  }
}
tf.serialization.registerClass(GramSchmidtOrthogonal as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

/** Hands out seeded initialisers in call order, scaled by an initialiser rule. */
export class InitFactory {
  private readonly rng: Rng | null;
  /** The rule these initialisers follow (fixed when the factory is made). */
  readonly rule: InitializerRule;

  constructor(seed?: number, rule?: InitializerRule) {
    if (seed !== undefined) require_(Number.isInteger(seed) && seed >= 0, `seed must be a non-negative integer, got ${seed}`);
    this.rng = seed === undefined ? null : new Rng(seed);
    this.rule = initializerRule(rule);
  }

  /** The next seed (undefined when unseeded); used by custom layers. */
  nextSeed(): number | undefined {
    // Keep seeds below 2^31: tfjs passes them through seedrandom as numbers.
    return this.rng === null ? undefined : this.rng.nextUint32() >>> 1;
  }

  /** Keras `glorot_uniform` (the Keras 2 default kernel initialiser). */
  glorotUniform(): Initializer {
    return tf.initializers.glorotUniform({ seed: this.nextSeed() });
  }

  /** Keras `he_normal` (truncated normal, fan-in, scale 2), scaled by the rule. */
  heNormal(): Initializer {
    return heNormalInitializer(this.nextSeed(), this.rule);
  }

  /** Keras `orthogonal` (the Keras 2 default recurrent initialiser). */
  orthogonal(): Initializer {
    return new GramSchmidtOrthogonal({ gain: 1, seed: this.nextSeed() ?? null });
  }
}

/** Scale a hidden-layer size by the width multiplier (at least 1). */
export function scaled(n: number, width = 1): number {
  require_(Number.isFinite(width) && width > 0, `width must be a positive number, got ${width}`);
  return Math.max(1, Math.round(n * width));
}

/** Check a positive integer option and return it. */
export function positiveInt(value: number, name: string): number {
  require_(Number.isInteger(value) && value > 0, `${name} must be a positive integer, got ${value}`);
  return value;
}

/** Frame count: a positive integer, or null for "any length". */
export function frameCount(value: number | null, name = 'frames'): number | null {
  if (value === null) return null;
  return positiveInt(value, name);
}

/** Apply a layer to one symbolic tensor and return one symbolic tensor. */
export function apply(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(x) as tf.SymbolicTensor;
}

/** Sum of parameter counts per Keras layer class (for reports). */
export function paramsByLayerClass(model: tf.LayersModel): Record<string, number> {
  const out: Record<string, number> = {};
  for (const layer of model.layers) {
    const n = layer.countParams();
    if (n === 0) continue;
    const cls = layer.getClassName();
    out[cls] = (out[cls] ?? 0) + n;
  }
  return out;
}
