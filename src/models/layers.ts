/**
 * Custom tfjs layers used by the paper models, each registered with
 * `tf.serialization.registerClass` so that a saved model reloads without the
 * builder code (importing this module is enough; `io.ts` does it).
 *
 * - `AttentionPooling`: the attention-weighted average over time of the
 *   authors' ATT-LOC / CRNN code (wei2018's attention + localization module):
 *   out[b, k] = sum_t cla[b,t,k] * a[b,t,k] / sum_t a[b,t,k],
 *   a = clip(att, epsilon, 1), epsilon = 1e-7. Source: `outfunc` in
 *   yongxuUSTC/dcase2017_task4_cvssp main_crnn_sed.py (clip 1e-7, sum over
 *   the time axis, divide) and in the ATT-LOC code (Judonlee/att_loc_cgrnn,
 *   a copy of yongxuUSTC/att_loc_cgrnn; clip 1e-9 there). We clip before
 *   both sums, as those files do for the denominator; the numerator
 *   difference (att vs its clipped value) is at most 1e-7 per frame.
 * - `ZeroChannelPad`: concatenates a zero tensor of the same shape along the
 *   channel axis, doubling the channels. It is `pad_depth` + `Concatenate`
 *   from MihawkHu/DCASE2020_task1 task1a/10class/resnet/resnet.py (the
 *   shortcut of a down-sampling residual block).
 * - `ChannelAttention`: the CBAM-style channel attention of
 *   MihawkHu/DCASE2020_task1 task1a/10class/attention_layer.py.
 */
import * as tf from '@tensorflow/tfjs';
import { InitFactory, apply, heNormalInitializer } from './common.js';

type Shape = (number | null)[];

export interface AttentionPoolingArgs {
  /** Lower clip of the attention weights (default 1e-7). */
  epsilon?: number;
  name?: string;
}

/** Attention-weighted average over axis 1 of `[cla, att]`, both (batch, time, classes). */
export class AttentionPooling extends tf.layers.Layer {
  static className = 'AttentionPooling';
  readonly epsilon: number;

  constructor(args: AttentionPoolingArgs = {}) {
    super({ name: args.name });
    this.epsilon = args.epsilon ?? 1e-7;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) {
      throw new Error('AttentionPooling expects two inputs [cla, att] of shape (batch, time, classes)');
    }
    const [cla, att] = shapes;
    if (cla.length !== 3 || att.length !== 3) {
      throw new Error(`AttentionPooling inputs must be rank 3, got ${JSON.stringify(shapes)}`);
    }
    if (cla[2] !== null && att[2] !== null && cla[2] !== att[2]) {
      throw new Error(`AttentionPooling: cla has ${cla[2]} classes but att has ${att[2]}`);
    }
    return [cla[0], cla[2]];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [cla, att] = inputs as tf.Tensor[];
      const a = tf.clipByValue(att, this.epsilon, 1);
      return tf.div(tf.sum(tf.mul(cla, a), 1), tf.sum(a, 1));
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(AttentionPooling);

/** Doubles the channel axis with zeros: concat([x, zeros_like(x)], -1). */
export class ZeroChannelPad extends tf.layers.Layer {
  static className = 'ZeroChannelPad';

  constructor(args: { name?: string } = {}) {
    super({ name: args.name });
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : inputShape) as Shape;
    const last = s[s.length - 1];
    return [...s.slice(0, -1), last === null ? null : 2 * last];
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.concat([x, tf.zerosLike(x)], -1);
    });
  }
}
tf.serialization.registerClass(ZeroChannelPad);

export interface ChannelAttentionArgs {
  /** Reduction ratio of the shared MLP (hidden = max(1, floor(C / ratio))). */
  ratio?: number;
  /** Seeds of the two he_normal kernels (null: unseeded). */
  seeds?: [number | null, number | null];
  /**
   * Keras >= 2.2.0's he_normal: std divided by the truncated normal's
   * 0.8796 (common.ts, InitializerRule). Default false: tfjs' he_normal.
   */
  truncatedNormalStdCorrection?: boolean;
  name?: string;
}

/**
 * CBAM channel attention (channel branch only) of the authors'
 * attention_layer.py: a shared MLP Dense(h, relu, he_normal, bias) ->
 * Dense(C, he_normal, bias) applied to the global average and the global
 * max of x over (time, freq), summed, sigmoid, multiplied onto x per
 * channel. Parameters: C*h + h + h*C + C. One layer (instead of Keras'
 * shared Dense layers, whose weights tfjs' model.dispose() leaks because a
 * layer applied twice keeps a reference count of 2). Weight names end in
 * `/kernel` and `/bias` like Dense, so quantization treats them alike. The
 * he_normal kernels follow the builder's initialiser rule (in the config
 * only when it is Keras' scaling).
 */
export class ChannelAttention extends tf.layers.Layer {
  static className = 'ChannelAttention';
  readonly ratio: number;
  readonly seeds: [number | null, number | null];
  readonly truncatedNormalStdCorrection: boolean;
  private w1: tf.LayerVariable | null = null;
  private b1: tf.LayerVariable | null = null;
  private w2: tf.LayerVariable | null = null;
  private b2: tf.LayerVariable | null = null;

  constructor(args: ChannelAttentionArgs = {}) {
    super({ name: args.name });
    this.ratio = args.ratio ?? 8;
    this.seeds = args.seeds ?? [null, null];
    this.truncatedNormalStdCorrection = args.truncatedNormalStdCorrection ?? false;
  }

  build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : inputShape) as Shape;
    const c = s[s.length - 1];
    if (s.length !== 4 || c === null) throw new Error(`ChannelAttention needs a rank-4 input with known channels, got [${s}]`);
    const h = Math.max(1, Math.floor(c / this.ratio));
    const rule = { truncatedNormalStdCorrection: this.truncatedNormalStdCorrection };
    const he = (seed: number | null) => heNormalInitializer(seed ?? undefined, rule);
    this.w1 = this.addWeight('mlp1/kernel', [c, h], 'float32', he(this.seeds[0]));
    this.b1 = this.addWeight('mlp1/bias', [h], 'float32', tf.initializers.zeros());
    this.w2 = this.addWeight('mlp2/kernel', [h, c], 'float32', he(this.seeds[1]));
    this.b2 = this.addWeight('mlp2/bias', [c], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : inputShape) as Shape;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const w1 = (this.w1 as tf.LayerVariable).read();
      const b1 = (this.b1 as tf.LayerVariable).read();
      const w2 = (this.w2 as tf.LayerVariable).read();
      const b2 = (this.b2 as tf.LayerVariable).read();
      const mlp = (v: tf.Tensor) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(v as tf.Tensor2D, w1 as tf.Tensor2D), b1)), w2 as tf.Tensor2D), b2);
      const avg = tf.mean(x, [1, 2]);
      const max = tf.max(x, [1, 2]);
      const w = tf.sigmoid(tf.add(mlp(avg), mlp(max)));
      const c = x.shape[3];
      return tf.mul(x, tf.reshape(w, [-1, 1, 1, c]));
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { ...super.getConfig(), ratio: this.ratio, seeds: this.seeds };
    // Only when set, so configs of tfjs-initialised models stay as they were.
    if (this.truncatedNormalStdCorrection) config.truncatedNormalStdCorrection = true;
    return config;
  }
}
tf.serialization.registerClass(ChannelAttention);

/** Apply a ChannelAttention layer with seeded kernels from `init`. */
export function channelAttention(
  x: tf.SymbolicTensor,
  ratio: number,
  init: InitFactory,
  name: string,
): tf.SymbolicTensor {
  const seeds: [number | null, number | null] = [init.nextSeed() ?? null, init.nextSeed() ?? null];
  return apply(new ChannelAttention({ ratio, seeds, truncatedNormalStdCorrection: init.rule.truncatedNormalStdCorrection, name }), x);
}
