/**
 * hu2020 Mobnet (MobileNetV2-based, DCASE 2020 task 1b, 3 classes), layer for
 * layer after the authors' code:
 *   MihawkHu/DCASE2020_task1 task1b/train/mobnet.py (`model_mobnet`), called
 *   from task1b/train/train_mobnet.py with input (128, 461, 6), num_filters=24,
 *   wd=1e-3, alpha=1 (task1b/pretrained_models/mobnet.py is the same network).
 *
 * Network (input 461 frames x 128 mels x 6 channels: log-mel, delta and
 * delta-delta of the two stereo channels), per frequency half (bins [0, 64)
 * and [64, 128), separate weights):
 *   Conv 3x3 stride 2 'same', 32 (bias) -> BN -> ReLU
 *   inverted-residual stages (expansion t = 2, kernel 3x3), n = 3 each:
 *     32 filters stride 2, 40 filters stride 2, 48 filters stride 2
 *     bottleneck: Conv 1x1 (in*t, bias) -> BN -> ReLU -> DepthwiseConv 3x3
 *     stride s (bias) -> BN -> ReLU -> Conv 1x1 (filters, bias) -> BN; the
 *     2nd and 3rd bottleneck of a stage add their input (residual)
 *   Conv 1x1, 56 (bias) -> BN -> ReLU      (56 = the code's last_filters, alpha <= 1)
 * then: concatenate the halves along frequency; BN(no center/scale) -> ReLU ->
 * Conv 1x1 48 (= 2 * num_filters; no bias, he_normal, l2(wd)) -> Dropout 0.3
 * -> BN(no c/s) -> Conv 1x1 nClasses (no bias, l2(wd)) -> BN(no c/s) -> GAP
 * -> softmax. Layers inside the MobileNet blocks use Keras defaults
 * (glorot_uniform, bias, no regulariser), as in the code.
 * Training (train_mobnet.py): SGD momentum 0.9, lr 0.1, batch 32, cosine
 * restarts, mixup 0.4, class-balanced sampling, no cropping, 500 epochs.
 *
 * Size note: this network has 152,838 parameters. hu2020 Table 2 gives
 * Mobnet as 3.2M (Keras file) / 411K (TFLite int8), which both point to
 * ~400K parameters (small-FCNN's 350,470 parameters give its 2.8M / 357K at
 * ~8 and ~1 bytes per parameter). So the Mobnet behind Table 2 was larger
 * than the one train_mobnet.py builds; the code does not say how (alpha 1.5
 * gives 323,262 parameters, alpha 2 gives 548,950). We build the code's.
 *
 * `alpha` is the code's width multiplier (cchannel = int(filters * alpha),
 * first filters = _make_divisible(32 * alpha, 8), last filters
 * _make_divisible(80 * alpha, 8) if alpha > 1 else 56). The paper's reduced
 * Mobnet of the ensembles in Table 2 is not specified; alpha is the code's
 * own knob for it. Our choices: (time, freq, channels) layout
 * (hu2020-blocks.ts); the time axis may be null.
 */
import * as tf from '@tensorflow/tfjs';
import { InitFactory, apply, frameCount, positiveInt, scaled, type CommonBuildOptions } from './common.js';
import { bnGapSoftmax, concatFrequency, frequencyHalves, preActConv } from './hu2020-blocks.js';
import { require_ } from '../util/errors.js';

export interface Hu2020MobnetOptions extends CommonBuildOptions {
  /** Frames, or null for any length (default null; 461 in task 1b). */
  frames?: number | null;
  /** Mel bins (default 128, must be even). */
  nMels?: number;
  /** Input channels (default 6). */
  channels?: number;
  /** Classes (default 3). */
  nClasses?: number;
  /** The code's num_filters (head conv has 2 * numFilters filters; default 24). */
  numFilters?: number;
  /** The code's MobileNet width multiplier alpha (default 1). */
  alpha?: number;
  /** Dropout before the last conv (default 0.3). */
  dropout?: number;
  /** l2 weight decay on the head convs (train_mobnet.py: 1e-3). */
  weightDecay?: number;
  /** Model name. */
  name?: string;
}

/** The code's `_make_divisible` (MobileNetV2 channel rounding). */
export function makeDivisible(v: number, divisor: number, minValue?: number): number {
  const min = minValue ?? divisor;
  let n = Math.max(min, Math.floor((Math.trunc(v + divisor / 2)) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

/** Stage plan of mobile_net_block: [filters, stride, repeats], expansion t = 2. */
export const MOBNET_STAGES: ReadonlyArray<readonly [number, number, number]> = [
  [32, 2, 3],
  [40, 2, 3],
  [48, 2, 3],
];
export const MOBNET_EXPANSION = 2;

/** Build Mobnet. */
export function buildHu2020Mobnet(options: Hu2020MobnetOptions = {}): tf.LayersModel {
  const width = options.width ?? 1;
  const frames = frameCount(options.frames ?? null);
  const nMels = positiveInt(options.nMels ?? 128, 'nMels');
  require_(nMels % 2 === 0, `nMels must be even for the frequency split, got ${nMels}`);
  const channels = positiveInt(options.channels ?? 6, 'channels');
  const nClasses = positiveInt(options.nClasses ?? 3, 'nClasses');
  const numFilters = scaled(positiveInt(options.numFilters ?? 24, 'numFilters'), width);
  const alpha = options.alpha ?? 1;
  require_(alpha > 0, `alpha must be > 0, got ${alpha}`);
  const dropout = options.dropout ?? 0.3;
  require_(dropout >= 0 && dropout < 1, `dropout must be in [0, 1), got ${dropout}`);
  const wd = options.weightDecay ?? 1e-3;
  require_(wd >= 0, `weightDecay must be >= 0, got ${wd}`);
  if (frames !== null) require_(frames >= 16, `frames=${frames} is too short for Mobnet's 16x reduction`);
  require_(nMels >= 32, `nMels=${nMels} is too small: each half is reduced 16x`);
  const init = new InitFactory(options.seed, options.initializers);

  const firstFilters = scaled(makeDivisible(32 * alpha, 8), width);
  const lastFilters = scaled(alpha > 1 ? makeDivisible(80 * alpha, 8) : 56, width);

  const convBlock = (x: tf.SymbolicTensor, filters: number, kernel: number, stride: number, name: string) => {
    let y = apply(
      tf.layers.conv2d({
        filters,
        kernelSize: kernel,
        strides: stride,
        padding: 'same',
        useBias: true,
        kernelInitializer: init.glorotUniform(),
        name,
      }),
      x,
    );
    y = apply(tf.layers.batchNormalization({ name: `${name}_bn` }), y);
    return apply(tf.layers.activation({ activation: 'relu', name: `${name}_relu` }), y);
  };

  const bottleneck = (x: tf.SymbolicTensor, filters: number, stride: number, residual: boolean, name: string) => {
    const inCh = x.shape[3] as number;
    const expanded = inCh * MOBNET_EXPANSION;
    const out = Math.trunc(filters * alpha);
    let y = convBlock(x, expanded, 1, 1, `${name}_expand`);
    y = apply(
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        strides: stride,
        depthMultiplier: 1,
        padding: 'same',
        useBias: true,
        depthwiseInitializer: init.glorotUniform(),
        name: `${name}_dw`,
      }),
      y,
    );
    y = apply(tf.layers.batchNormalization({ name: `${name}_dw_bn` }), y);
    y = apply(tf.layers.activation({ activation: 'relu', name: `${name}_dw_relu` }), y);
    y = apply(
      tf.layers.conv2d({
        filters: out,
        kernelSize: 1,
        padding: 'same',
        useBias: true,
        kernelInitializer: init.glorotUniform(),
        name: `${name}_project`,
      }),
      y,
    );
    y = apply(tf.layers.batchNormalization({ name: `${name}_project_bn` }), y);
    if (residual) y = apply(tf.layers.add({ name: `${name}_add` }), [y, x]);
    return y;
  };

  const input = tf.input({ shape: [frames, nMels, channels], name: 'features' });
  const halves = frequencyHalves(input, nMels, 'freq_split');
  const branches = halves.map((h, hi) => {
    const p = hi === 0 ? 'low_' : 'high_';
    let x = convBlock(h, firstFilters, 3, 2, `${p}conv0`);
    MOBNET_STAGES.forEach(([filters, stride, repeats], si) => {
      const f = scaled(filters, width);
      x = bottleneck(x, f, stride, false, `${p}stage${si}_b0`);
      for (let i = 1; i < repeats; i++) x = bottleneck(x, f, 1, true, `${p}stage${si}_b${i}`);
    });
    return convBlock(x, lastFilters, 1, 1, `${p}conv_last`);
  });
  let x = concatFrequency(branches[0], branches[1], 'freq_merge');
  x = preActConv(x, { filters: 2 * numFilters, kernel: 1, learnBn: false, relu: true, wd, init, name: 'head_conv1' });
  x = apply(tf.layers.dropout({ rate: dropout, name: 'head_dropout' }), x);
  x = preActConv(x, { filters: nClasses, kernel: 1, learnBn: false, relu: false, wd, init, name: 'head_conv2' });
  const out = bnGapSoftmax(x, 'output', true);
  return tf.model({ inputs: input, outputs: out, name: options.name ?? `hu2020_mobnet_${nClasses}class` });
}
