/**
 * hu2020 Resnet (17-layer residual network with frequency split) and
 * Resnet-d (doubled filters), layer for layer after the authors' code:
 *   MihawkHu/DCASE2020_task1 task1a/10class/resnet/resnet.py (`model_resnet`)
 *   and task1a/3class/resnet/resnet.py (identical network).
 * Filter counts come from the training scripts:
 *   task1a/10class/resnet/train_resnet.py: num_filters=48, wd=1e-3 (Resnet-d,
 *     the 10-class model of the final submission: "we double the filter
 *     number of each convolutional layer");
 *   task1a/3class/resnet/train_resnet.py: num_filters=24, wd=1e-3 (the
 *     3-class model of the two-stage system; 24 is also the model_resnet
 *     default, the network of the paper's reference [7]).
 *
 * Network, per frequency half (bins [0, N/2) and [N/2, N), processed by two
 * parallel stacks with separate weights), with b = num_filters:
 *   BN(input, learnable) -> Conv 3x3 b, stride (time 2, freq 1)     [code [1, 2]]
 *   4 stacks x 2 residual blocks; stack s has 2^s * b filters; each block:
 *     BN(no center/scale) -> ReLU -> Conv 3x3 (stride (time 2, freq 1) in the
 *     first block of stacks 1-3), BN(no c/s) -> ReLU -> Conv 3x3;
 *     shortcut: identity, or AvgPool 3x3 stride (time 2, freq 1) 'same' +
 *     zero channels (pad_depth) when the block down-samples; add.
 * Then: concatenate the halves along frequency; BN(no c/s) -> ReLU ->
 * Conv 1x1 with 2 * 16b filters (the code's `2*num_filters` after four
 * doublings); BN(no c/s) -> Conv 1x1 nClasses; BN(no c/s) -> GAP -> softmax.
 * 17 convs per half (1 + 16), no frequency sub-sampling anywhere. All convs:
 * no bias, he_normal, l2(wd) kernel regulariser, 'same' padding.
 * Training (train_resnet.py): SGD momentum 0.9, lr 0.1 (decay 1e-6), batch 32,
 * cosine restarts, mixup 0.4, crop 400 frames, 126 epochs.
 *
 * Our choices: (time, freq, channels) layout (hu2020-blocks.ts); time axis
 * may be null.
 */
import * as tf from '@tensorflow/tfjs';
import { InitFactory, apply, frameCount, positiveInt, scaled, type CommonBuildOptions } from './common.js';
import { ZeroChannelPad } from './layers.js';
import { bnGapSoftmax, concatFrequency, frequencyHalves, preActConv } from './hu2020-blocks.js';
import { require_ } from '../util/errors.js';

export interface Hu2020ResnetOptions extends CommonBuildOptions {
  /** Frames, or null for any length (default null). */
  frames?: number | null;
  /** Mel bins (default 128, must be even). */
  nMels?: number;
  /** Input channels (default 3). */
  channels?: number;
  /** Classes (default 10). */
  nClasses?: number;
  /** Base filters b (24 = Resnet / 3-class code, 48 = Resnet-d / 10-class code). Default 48. */
  numFilters?: number;
  /** l2 weight decay on conv kernels (train_resnet.py: 1e-3). */
  weightDecay?: number;
  /** Model name. */
  name?: string;
}

/** Build the frequency-split ResNet. */
export function buildHu2020Resnet(options: Hu2020ResnetOptions = {}): tf.LayersModel {
  const width = options.width ?? 1;
  const frames = frameCount(options.frames ?? null);
  const nMels = positiveInt(options.nMels ?? 128, 'nMels');
  require_(nMels % 2 === 0, `nMels must be even for the frequency split, got ${nMels}`);
  const channels = positiveInt(options.channels ?? 3, 'channels');
  const nClasses = positiveInt(options.nClasses ?? 10, 'nClasses');
  const b = scaled(positiveInt(options.numFilters ?? 48, 'numFilters'), width);
  const wd = options.weightDecay ?? 1e-3;
  require_(wd >= 0, `weightDecay must be >= 0, got ${wd}`);
  if (frames !== null) require_(frames >= 16, `frames=${frames} is too short for the ResNet's 16x time reduction`);
  const init = new InitFactory(options.seed, options.initializers);
  const numResBlocks = 2;

  const input = tf.input({ shape: [frames, nMels, channels], name: 'features' });
  const halves = frequencyHalves(input, nMels, 'freq_split');
  const paths = halves.map((h, pi) => {
    const p = pi === 0 ? 'low_' : 'high_';
    let res = preActConv(h, { filters: b, kernel: 3, strides: [2, 1], learnBn: true, relu: false, wd, init, name: `${p}conv0` });
    let nf = b;
    for (let stack = 0; stack < 4; stack++) {
      for (let block = 0; block < numResBlocks; block++) {
        const down = stack > 0 && block === 0;
        const tag = `${p}s${stack}b${block}`;
        let conv = preActConv(res, {
          filters: nf,
          kernel: 3,
          strides: down ? [2, 1] : [1, 1],
          learnBn: false,
          relu: true,
          wd,
          init,
          name: `${tag}_conv1`,
        });
        conv = preActConv(conv, { filters: nf, kernel: 3, learnBn: false, relu: true, wd, init, name: `${tag}_conv2` });
        if (down) {
          res = apply(tf.layers.averagePooling2d({ poolSize: 3, strides: [2, 1], padding: 'same', name: `${tag}_avgpool` }), res);
          res = apply(new ZeroChannelPad({ name: `${tag}_zeropad` }), res);
        }
        res = apply(tf.layers.add({ name: `${tag}_add` }), [conv, res]);
      }
      nf *= 2;
    }
    return { res, nf };
  });
  let x = concatFrequency(paths[0].res, paths[1].res, 'freq_merge');
  const nfAfter = paths[0].nf; // 16b: the code's num_filters after four doublings
  x = preActConv(x, { filters: 2 * nfAfter, kernel: 1, learnBn: false, relu: true, wd, init, name: 'head_conv1' });
  x = preActConv(x, { filters: nClasses, kernel: 1, learnBn: false, relu: false, wd, init, name: 'head_conv2' });
  const out = bnGapSoftmax(x, 'output', true);
  return tf.model({ inputs: input, outputs: out, name: options.name ?? `hu2020_resnet${b}_${nClasses}class` });
}
