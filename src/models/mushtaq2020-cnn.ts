/**
 * mushtaq2020 "proposed" CNN-7 and CNN-9 (Mushtaq & Su 2020, "Spectral images
 * based environmental sound classification using CNN with meaningful data
 * augmentation", Applied Acoustics), trained on mel-spectrogram images of
 * ESC-10 / ESC-50 / UrbanSound8K clips.
 *
 * What the material we have gives (the paper text available to the project is
 * a review, mushtaq2020-*.md in $AUDIO_AUG_LAB_PAPERS): a "7-layer proposed CNN" and a
 * "9-layer proposed CNN" trained on mel-spectrogram *images* made with
 * librosa; Keras is used (its ImageDataGenerator for the traditional
 * augmentation); 10 / 50 / 10 classes. No layer list, input size, optimiser
 * or batch size is given.
 *
 * Our choices (none of them is from the paper):
 * - "N-layer" = N weight layers (conv + dense), the usual VGG/AlexNet count.
 *   CNN-7: 5 conv + 2 dense; CNN-9: 7 conv + 2 dense.
 * - Input: a 128 x 128 image (height = mel bins, width = time), 3 channels for
 *   a colour-mapped (RGB) spectrogram image or 1 channel for the raw
 *   log-mel values (`channels` option).
 * - Conv 3x3 'same' with bias (Keras default), BatchNorm, ReLU; 2x2
 *   max-pooling after each conv of CNN-7 and after convs 2, 4, 6, 7 of CNN-9;
 *   filters CNN-7 [32, 64, 128, 128, 256], CNN-9 [32, 32, 64, 64, 128, 128, 256].
 * - Head: global average pooling (keeps the parameter count independent of
 *   the image size), Dropout 0.5, Dense 256 ReLU, Dropout 0.5,
 *   Dense(nClasses, softmax); categorical cross-entropy.
 * - Optimiser Adam (learning rate 1e-3), batch size 32.
 */
import * as tf from '@tensorflow/tfjs';
import { InitFactory, apply, positiveInt, scaled, type CommonBuildOptions } from './common.js';
import { require_ } from '../util/errors.js';

export type Mushtaq2020Variant = 'cnn7' | 'cnn9';

export interface Mushtaq2020CnnOptions extends CommonBuildOptions {
  /** Image height (mel bins), default 128. */
  height?: number;
  /** Image width (frames), default 128. */
  widthPx?: number;
  /** 3 for a colour-mapped image, 1 for raw log-mel values (default 3). */
  channels?: 1 | 3;
  /** 10 (ESC-10, Us8k) or 50 (ESC-50); default 10. */
  nClasses?: number;
  /** Units of the hidden dense layer (default 256). */
  denseUnits?: number;
  /** Dropout before each dense layer (default 0.5). */
  dropout?: number;
}

interface ConvPlan {
  filters: number;
  pool: boolean;
}

export const MUSHTAQ2020_PLANS: Record<Mushtaq2020Variant, readonly ConvPlan[]> = {
  cnn7: [
    { filters: 32, pool: true },
    { filters: 64, pool: true },
    { filters: 128, pool: true },
    { filters: 128, pool: true },
    { filters: 256, pool: true },
  ],
  cnn9: [
    { filters: 32, pool: false },
    { filters: 32, pool: true },
    { filters: 64, pool: false },
    { filters: 64, pool: true },
    { filters: 128, pool: false },
    { filters: 128, pool: true },
    { filters: 256, pool: true },
  ],
};

/** Build CNN-7 or CNN-9. Output: (batch, nClasses) softmax probabilities. */
export function buildMushtaq2020Cnn(variant: Mushtaq2020Variant, options: Mushtaq2020CnnOptions = {}): tf.LayersModel {
  const plan = MUSHTAQ2020_PLANS[variant];
  require_(plan !== undefined, `unknown mushtaq2020 variant '${variant}' (expected cnn7 or cnn9)`);
  const width = options.width ?? 1;
  const height = positiveInt(options.height ?? 128, 'height');
  const widthPx = positiveInt(options.widthPx ?? 128, 'widthPx');
  const channels = options.channels ?? 3;
  require_(channels === 1 || channels === 3, `channels must be 1 or 3, got ${channels}`);
  const nClasses = positiveInt(options.nClasses ?? 10, 'nClasses');
  const denseUnits = scaled(positiveInt(options.denseUnits ?? 256, 'denseUnits'), width);
  const dropout = options.dropout ?? 0.5;
  require_(dropout >= 0 && dropout < 1, `dropout must be in [0, 1), got ${dropout}`);
  const pools = plan.filter((p) => p.pool).length;
  require_(
    Math.floor(height / 2 ** pools) >= 1 && Math.floor(widthPx / 2 ** pools) >= 1,
    `a ${height}x${widthPx} image is too small for ${pools} 2x2 poolings`,
  );
  const init = new InitFactory(options.seed, options.initializers);

  const input = tf.input({ shape: [height, widthPx, channels], name: 'image' });
  let x: tf.SymbolicTensor = input;
  plan.forEach((p, i) => {
    const b = i + 1;
    x = apply(
      tf.layers.conv2d({
        filters: scaled(p.filters, width),
        kernelSize: 3,
        padding: 'same',
        useBias: true,
        kernelInitializer: init.glorotUniform(),
        name: `conv${b}`,
      }),
      x,
    );
    x = apply(tf.layers.batchNormalization({ name: `bn${b}` }), x);
    x = apply(tf.layers.activation({ activation: 'relu', name: `relu${b}` }), x);
    if (p.pool) x = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${b}` }), x);
  });
  x = apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
  x = apply(tf.layers.dropout({ rate: dropout, name: 'dropout1' }), x);
  x = apply(
    tf.layers.dense({ units: denseUnits, activation: 'relu', kernelInitializer: init.glorotUniform(), name: 'fc1' }),
    x,
  );
  x = apply(tf.layers.dropout({ rate: dropout, name: 'dropout2' }), x);
  const out = apply(
    tf.layers.dense({ units: nClasses, activation: 'softmax', kernelInitializer: init.glorotUniform(), name: 'fc2' }),
    x,
  );
  return tf.model({ inputs: input, outputs: out, name: `mushtaq2020_${variant}` });
}
