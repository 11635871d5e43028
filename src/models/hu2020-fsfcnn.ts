/**
 * hu2020 fsFCNN and fsFCNN-s (Hu et al. 2020, section 2.2).
 *
 * fsFCNN, layer for layer after MihawkHu/DCASE2020_task1
 * task1a/10class/fsfcnn/fsfcnn_att.py (`model_fcnn`) as called by
 * task1a/10class/fsfcnn/train_fsfcnn.py: num_filters=[48, 96, 512, 768],
 * wd=0, input channels 3. Unlike fcnn_att.py, this file sets
 * `num_channels = 1`, so the filter counts are NOT multiplied by the input
 * channels. Code strides are (freq, time); here (time, freq):
 *   BatchNorm(input)
 *   Conv 5x5 'same', stride (time 2, freq 1), 48 -> BN -> ReLU
 *   Conv 3x3, 48 -> BN -> ReLU -> MaxPool 3x3 stride 2x2 'same'
 *   Conv 3x3, 96 (x2) -> BN -> ReLU -> MaxPool 3x3 stride 2x2 'same'
 *   Conv 3x3, 512 (x2) -> BN -> ReLU -> MaxPool 3x3 stride (time 2, freq 1) 'same'
 *   Conv 3x3, 512 (x2) -> BN -> ReLU -> MaxPool 3x3 stride (time 2, freq 1) 'same'
 *   Conv 3x3, 768 (x2) -> BN -> ReLU -> Dropout 0.5 (after each)
 *   Conv 1x1, nClasses (BN without center/scale) -> ReLU
 *   BatchNorm (no center/scale) -> channel attention (ratio 2) -> GAP -> softmax
 * (11 conv layers; pooling over frequency only after convs 2 and 4 -- the
 * paper's "frequency sub-sampling controlled" design.) Training
 * (train_fsfcnn.py): SGD momentum 0.9, lr 0.1 (decay 0), batch 32, cosine
 * restarts, mixup 0.4, 254 epochs.
 *
 * fsFCNN-s has no code in the repository. The paper: "Each input feature map
 * is first split into two sub-feature maps along a frequency dimension ...
 * bins 0..N/2-1 processed by an fsFCNN, and bins N/2..N by another fsFCNN.
 * The processing will happen in parallel up to the ReLU-based layer. Then the
 * two processed streams would be concatenated and processed by two further
 * convolutional layers. Finally, a global pooling layer and 10-way softmax."
 * Our reading (choices):
 * - each half runs its own copy of fsFCNN's conv groups 1-3 (input BN and
 *   convs 1-8 with their poolings), same filters [48, 96, 512];
 * - the two streams are concatenated along frequency (as resnet.py and
 *   mobnet.py merge their frequency halves: `concatenate(axis=1)` = freq);
 * - the "two further convolutional layers" are fsFCNN's group 4 (two 3x3
 *   convs of 768 with Dropout 0.5), followed by the same output tail as the
 *   authors' other models (1x1 conv to classes, BatchNorm without
 *   center/scale, GAP, softmax);
 * - no channel attention: the paper's fsFCNN-s description has none, and the
 *   final submissions list "fsFCNN-s" apart from "fsFCNN with attention".
 */
import * as tf from '@tensorflow/tfjs';
import { InitFactory, apply, frameCount, positiveInt, scaled, type CommonBuildOptions } from './common.js';
import { channelAttention } from './layers.js';
import { bnGapSoftmax, concatFrequency, convBnRelu, frequencyHalves } from './hu2020-blocks.js';
import { require_ } from '../util/errors.js';

export interface Hu2020FsFcnnOptions extends CommonBuildOptions {
  /** Frames, or null for any length (default null). */
  frames?: number | null;
  /** Mel bins (default 128). */
  nMels?: number;
  /** Input channels (default 3). */
  channels?: number;
  /** Classes (default 10). */
  nClasses?: number;
  /** Filters of the four conv groups (default [48, 96, 512, 768]). */
  filters?: [number, number, number, number];
  /** Dropout in group 4 (default 0.5). */
  dropout?: number;
  /** Channel-attention ratio (fsFCNN only, default 2). */
  attentionRatio?: number;
  /** l2 weight decay on conv kernels (train_fsfcnn.py: 0). */
  weightDecay?: number;
  /** Model name. */
  name?: string;
}

interface Resolved {
  frames: number | null;
  nMels: number;
  channels: number;
  nClasses: number;
  f: [number, number, number, number];
  dropout: number;
  ratio: number;
  wd: number;
  init: InitFactory;
}

function resolve(options: Hu2020FsFcnnOptions): Resolved {
  const width = options.width ?? 1;
  const base = options.filters ?? [48, 96, 512, 768];
  require_(base.length === 4, `filters must have 4 entries, got ${base.length}`);
  const f = base.map((n) => scaled(positiveInt(n, 'filters[i]'), width)) as [number, number, number, number];
  const dropout = options.dropout ?? 0.5;
  require_(dropout >= 0 && dropout < 1, `dropout must be in [0, 1), got ${dropout}`);
  const wd = options.weightDecay ?? 0;
  require_(wd >= 0, `weightDecay must be >= 0, got ${wd}`);
  return {
    frames: frameCount(options.frames ?? null),
    nMels: positiveInt(options.nMels ?? 128, 'nMels'),
    channels: positiveInt(options.channels ?? 3, 'channels'),
    nClasses: positiveInt(options.nClasses ?? 10, 'nClasses'),
    f,
    dropout,
    ratio: positiveInt(options.attentionRatio ?? 2, 'attentionRatio'),
    wd,
    init: new InitFactory(options.seed, options.initializers),
  };
}

/** fsFCNN conv groups 1-3 (input BN + 8 convs). `p` prefixes layer names. */
function groups123(x0: tf.SymbolicTensor, r: Resolved, p: string): tf.SymbolicTensor {
  const { wd, init } = r;
  const [f1, f2, f3] = r.f;
  const pool = (x: tf.SymbolicTensor, strides: [number, number], name: string) =>
    apply(tf.layers.maxPooling2d({ poolSize: 3, strides, padding: 'same', name }), x);
  let x = apply(tf.layers.batchNormalization({ name: `${p}input_bn` }), x0);
  // conv_layer1: code strides [1, 2] (freq 1, time 2) -> (time 2, freq 1)
  x = convBnRelu(x, { filters: f1, kernel: 5, strides: [2, 1], wd, init, name: `${p}conv1` });
  x = convBnRelu(x, { filters: f1, kernel: 3, wd, init, name: `${p}conv2` });
  x = pool(x, [2, 2], `${p}pool1`);
  // conv_layer2
  x = convBnRelu(x, { filters: f2, kernel: 3, wd, init, name: `${p}conv3` });
  x = convBnRelu(x, { filters: f2, kernel: 3, wd, init, name: `${p}conv4` });
  x = pool(x, [2, 2], `${p}pool2`);
  // conv_layer3: pools with code strides [1, 2] -> (time 2, freq 1)
  x = convBnRelu(x, { filters: f3, kernel: 3, wd, init, name: `${p}conv5` });
  x = convBnRelu(x, { filters: f3, kernel: 3, wd, init, name: `${p}conv6` });
  x = pool(x, [2, 1], `${p}pool3`);
  x = convBnRelu(x, { filters: f3, kernel: 3, wd, init, name: `${p}conv7` });
  x = convBnRelu(x, { filters: f3, kernel: 3, wd, init, name: `${p}conv8` });
  x = pool(x, [2, 1], `${p}pool4`);
  return x;
}

/** fsFCNN conv group 4 (2 convs + dropout) and the 1x1 classifier conv. */
function group4AndClassifier(x0: tf.SymbolicTensor, r: Resolved): tf.SymbolicTensor {
  const { wd, init } = r;
  let x = convBnRelu(x0, { filters: r.f[3], kernel: 3, wd, init, name: 'conv9' });
  x = apply(tf.layers.dropout({ rate: r.dropout, name: 'dropout9' }), x);
  x = convBnRelu(x, { filters: r.f[3], kernel: 3, wd, init, name: 'conv10' });
  x = apply(tf.layers.dropout({ rate: r.dropout, name: 'dropout10' }), x);
  return convBnRelu(x, { filters: r.nClasses, kernel: 1, learnBn: false, wd, init, name: 'classifier' });
}

/** Build fsFCNN (with channel attention), as in fsfcnn_att.py. */
export function buildHu2020FsFcnn(options: Hu2020FsFcnnOptions = {}): tf.LayersModel {
  const r = resolve(options);
  const input = tf.input({ shape: [r.frames, r.nMels, r.channels], name: 'features' });
  let x = groups123(input, r, '');
  x = group4AndClassifier(x, r);
  x = apply(tf.layers.batchNormalization({ center: false, scale: false, name: 'output_bn' }), x);
  x = channelAttention(x, r.ratio, r.init, 'channel_attention');
  const out = bnGapSoftmax(x, 'output', false);
  return tf.model({ inputs: input, outputs: out, name: options.name ?? `hu2020_fsfcnn_${r.nClasses}class` });
}

/** Build fsFCNN-s (frequency halves in parallel, then merged); see the header for our reading. */
export function buildHu2020FsFcnnSplit(options: Hu2020FsFcnnOptions = {}): tf.LayersModel {
  const r = resolve(options);
  const input = tf.input({ shape: [r.frames, r.nMels, r.channels], name: 'features' });
  const [low, high] = frequencyHalves(input, r.nMels, 'freq_split');
  const a = groups123(low, r, 'low_');
  const b = groups123(high, r, 'high_');
  let x = concatFrequency(a, b, 'freq_merge');
  x = group4AndClassifier(x, r);
  const out = bnGapSoftmax(x, 'output', true);
  return tf.model({ inputs: input, outputs: out, name: options.name ?? `hu2020_fsfcnn_s_${r.nClasses}class` });
}
