/**
 * hu2020 FCNN (Hu et al. 2020, DCASE 2020 task 1 technical report, section
 * 2.2), layer for layer after the authors' code:
 *   MihawkHu/DCASE2020_task1 task1a/10class/fcnn/fcnn_att.py (`model_fcnn`),
 *   task1a/10class/attention_layer.py (`channel_attention`), called from
 *   task1a/10class/fcnn/train_fcnn.py with num_filters=[48, 96, 192], wd=0,
 *   input channels 3 (log-mel, delta, delta-delta); the 3-class model of the
 *   two-stage system is the same network with 3 outputs
 *   (task1a/3class/fcnn/fcnn_att.py + train_fcnn.py, same filters).
 *
 * Network (C = input channels, k = C: the code multiplies every filter count
 * by the number of input channels, so 48/96/192 become 144/288/576 for C=3):
 *   BatchNorm(input)
 *   ZeroPad 2, Conv 5x5 stride 2, 48k  -> BN -> ReLU
 *   ZeroPad 1, Conv 3x3, 48k           -> BN -> ReLU -> MaxPool 2x2
 *   ZeroPad 1, Conv 3x3, 96k  (x2)     -> BN -> ReLU -> MaxPool 2x2 after the 2nd
 *   ZeroPad 1, Conv 3x3, 192k (x4)     -> BN -> ReLU, Dropout 0.3 after the
 *                                         first three, MaxPool 2x2 after the 4th
 *   Conv 1x1, nClasses (BN without center/scale) -> ReLU
 *   BatchNorm (no center/scale) -> channel attention (ratio 2) -> GAP -> softmax
 * Convs have no bias and he_normal init. Paper text: "9 stacked convolutional
 * layers ... 2x2 max-pooling after the second, fourth and eighth ... dropout
 * from five to the last ... channel attention ... global pooling ... 10-way
 * softmax" (the code has dropout after convs 5-7, none after conv 8).
 * Training (train_fcnn.py): SGD momentum 0.9, lr max 0.1 (decay 1e-6),
 * batch 32, cosine decay with warm restarts (min lr 1e-5), mixup alpha 0.4,
 * random crop of 400 frames, 254 epochs.
 *
 * Our choices: input layout (time, freq, channels) instead of the code's
 * (freq, time, channels) -- see hu2020-blocks.ts; the time axis may be null
 * (any length) since the network is fully convolutional.
 */
import * as tf from '@tensorflow/tfjs';
import { InitFactory, apply, frameCount, positiveInt, scaled, type CommonBuildOptions } from './common.js';
import { channelAttention } from './layers.js';
import { bnGapSoftmax, convBnRelu } from './hu2020-blocks.js';
import { require_ } from '../util/errors.js';

export interface Hu2020FcnnOptions extends CommonBuildOptions {
  /** Frames (time axis), or null for any length (default null; 423 full clip, 400 training crop). */
  frames?: number | null;
  /** Mel bins (default 128). */
  nMels?: number;
  /** Input channels (default 3: log-mel, delta, delta-delta). */
  channels?: number;
  /** Classes (default 10; 3 for the first stage). */
  nClasses?: number;
  /** Base filters of the three conv groups (default [48, 96, 192]). */
  filters?: [number, number, number];
  /** Multiplier on the base filters (the code uses the input channel count; default = channels). */
  channelMultiplier?: number;
  /** Convs in the third group (4 in fcnn_att.py, 2 in small_fcnn_att.py). */
  block3Convs?: number;
  /** Dropout in the third group (default 0.3). */
  dropout?: number;
  /** Channel-attention reduction ratio (default 2). */
  attentionRatio?: number;
  /** l2 weight decay on conv kernels (train_fcnn.py: 0). */
  weightDecay?: number;
  /** Model name. */
  name?: string;
}

/** Build the FCNN (10-class by default). */
export function buildHu2020Fcnn(options: Hu2020FcnnOptions = {}): tf.LayersModel {
  const width = options.width ?? 1;
  const frames = frameCount(options.frames ?? null);
  const nMels = positiveInt(options.nMels ?? 128, 'nMels');
  const channels = positiveInt(options.channels ?? 3, 'channels');
  const nClasses = positiveInt(options.nClasses ?? 10, 'nClasses');
  const mult = positiveInt(options.channelMultiplier ?? channels, 'channelMultiplier');
  const base = options.filters ?? [48, 96, 192];
  require_(base.length === 3, `filters must have 3 entries, got ${base.length}`);
  const [f1, f2, f3] = base.map((f) => scaled(positiveInt(f, 'filters[i]') * mult, width));
  const block3Convs = positiveInt(options.block3Convs ?? 4, 'block3Convs');
  const dropout = options.dropout ?? 0.3;
  require_(dropout >= 0 && dropout < 1, `dropout must be in [0, 1), got ${dropout}`);
  const ratio = positiveInt(options.attentionRatio ?? 2, 'attentionRatio');
  const wd = options.weightDecay ?? 0;
  require_(wd >= 0, `weightDecay must be >= 0, got ${wd}`);
  if (frames !== null) require_(frames >= 16, `frames=${frames} is too short for the FCNN's 16x time reduction`);
  require_(nMels >= 16, `nMels=${nMels} is too small for the FCNN's 16x frequency reduction`);
  const init = new InitFactory(options.seed, options.initializers);

  const input = tf.input({ shape: [frames, nMels, channels], name: 'features' });
  let x = apply(tf.layers.batchNormalization({ name: 'input_bn' }), input);
  // conv_layer1
  x = convBnRelu(x, { filters: f1, kernel: 5, strides: [2, 2], zeroPad: 2, wd, init, name: 'conv1' });
  x = convBnRelu(x, { filters: f1, kernel: 3, zeroPad: 1, wd, init, name: 'conv2' });
  x = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: 'pool1' }), x);
  // conv_layer2
  x = convBnRelu(x, { filters: f2, kernel: 3, zeroPad: 1, wd, init, name: 'conv3' });
  x = convBnRelu(x, { filters: f2, kernel: 3, zeroPad: 1, wd, init, name: 'conv4' });
  x = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: 'pool2' }), x);
  // conv_layer3
  for (let i = 0; i < block3Convs; i++) {
    const n = 5 + i;
    x = convBnRelu(x, { filters: f3, kernel: 3, zeroPad: 1, wd, init, name: `conv${n}` });
    if (i < block3Convs - 1) x = apply(tf.layers.dropout({ rate: dropout, name: `dropout${n}` }), x);
  }
  x = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', name: 'pool3' }), x);
  // output resnet_layer: 1x1 conv to classes, BN without center/scale, ReLU
  x = convBnRelu(x, { filters: nClasses, kernel: 1, learnBn: false, wd, init, name: 'classifier' });
  x = apply(tf.layers.batchNormalization({ center: false, scale: false, name: 'output_bn' }), x);
  x = channelAttention(x, ratio, init, 'channel_attention');
  const out = bnGapSoftmax(x, 'output', false);
  return tf.model({ inputs: input, outputs: out, name: options.name ?? `hu2020_fcnn_${nClasses}class` });
}
