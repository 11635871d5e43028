/**
 * wei2018 CRNN with attention and localization (Wei et al. 2018, "Sample
 * mixed-based data augmentation for domestic audio tagging", section 2 and
 * Fig. 1), for the 7 CHiME-Home (DCASE 2016 task 4) labels c m f v p b o.
 *
 * From the paper:
 * - input: log-mel spectrogram, 124 frames x 128 mel bins (4 s clips), 1 channel;
 * - 7 conv blocks: Conv 3x3 with 8, 16, 32, 64, 64, 64, 64 filters, each
 *   followed by BatchNorm, ELU, max-pooling 1x2 (frequency only) and
 *   Dropout 0.1 (section 2);
 * - a bidirectional GRU over time, then an attention module and a
 *   localization module "similar to ATT-LOC" [Xu et al. 2017];
 * - binary cross-entropy loss; batch size 44 (section 4.2).
 *
 * Where the paper is silent (our choices and their sources):
 * - Input layout (frames, mels, 1); the frame axis may be null (any length):
 *   the model is convolutional + recurrent, so 124 frames is only the paper's
 *   clip length. 128 mels halved 7 times leave 1 frequency bin, so the conv
 *   output (frames, 1, 64) is reshaped to (frames, 64) for the GRU.
 * - Conv padding 'same' and conv biases on (Keras defaults; the frame count
 *   is kept, as the frame-wise localization output needs one value per frame).
 * - Recurrent part: one *gated* bidirectional GRU, i.e. a BiGRU with linear
 *   activation multiplied element-wise by a BiGRU with sigmoid activation, as
 *   in the authors' CRNN code for DCASE 2017 task 4 (Xu, Kong et al.;
 *   yongxuUSTC/dcase2017_task4_cvssp main_crnn_at.py / main_crnn_sed.py,
 *   "Gated BGRU": `Bidirectional(GRU(128, activation='linear'))` x
 *   `Bidirectional(GRU(128, activation='sigmoid'))`). Set `gated: false` for a
 *   plain tanh BiGRU (the ATT-LOC code, Judonlee/att_loc_cgrnn, a copy of
 *   yongxuUSTC/att_loc_cgrnn, stacks plain BiGRUs).
 * - GRU width 128 units per direction: both the ATT-LOC code
 *   (`GRU(output_dim=128)`) and the DCASE 2017 code (`GRU(128)`) use 128.
 *   GRU gates keep the Keras 2 / tfjs defaults (recurrent activation
 *   hard_sigmoid, reset_after = false: 3 biases per unit).
 * - Attention and localization heads: frame-wise `Dense(7, sigmoid)`
 *   (classification / localization, named `localization`) and frame-wise
 *   `Dense(7, softmax)` (attention, softmax over the classes of each frame),
 *   combined by `AttentionPooling` (clip 1e-7, attention-weighted mean over
 *   time), exactly the `cla` / `att` / `outfunc` structure of
 *   yongxuUSTC/dcase2017_task4_cvssp main_crnn_sed.py.
 * - No input normalisation layer: the paper mentions none.
 * - Optimiser: Adam, learning rate 1e-3 (the Xu/Kong code compiles with
 *   Keras' default `optimizer='adam'`); the paper gives only the batch size.
 */
import * as tf from '@tensorflow/tfjs';
import { InitFactory, apply, frameCount, positiveInt, scaled, type CommonBuildOptions } from './common.js';
import { AttentionPooling } from './layers.js';
import { require_ } from '../util/errors.js';

export interface Wei2018CrnnOptions extends CommonBuildOptions {
  /** Number of frames, or null for any length (default null; the paper's clips have 124). */
  frames?: number | null;
  /** Mel bins (default 128). After the 7 frequency poolings floor(nMels / 128) bins must remain (>= 1). */
  nMels?: number;
  /** Output labels (default 7: c m f v p b o). */
  nClasses?: number;
  /** Conv filters per block (default [8, 16, 32, 64, 64, 64, 64]). */
  filters?: number[];
  /** GRU units per direction (default 128). */
  gruUnits?: number;
  /** Gated BiGRU (linear x sigmoid) as in the DCASE 2017 code (default true). */
  gated?: boolean;
  /** Dropout rate of each conv block (default 0.1). */
  dropout?: number;
}

export const WEI2018_FILTERS = [8, 16, 32, 64, 64, 64, 64] as const;
export const WEI2018_LABELS = ['c', 'm', 'f', 'v', 'p', 'b', 'o'] as const;

/** Build the wei2018 CRNN. Output: (batch, nClasses) clip-level probabilities. */
export function buildWei2018Crnn(options: Wei2018CrnnOptions = {}): tf.LayersModel {
  const width = options.width ?? 1;
  const frames = frameCount(options.frames ?? null);
  const nMels = positiveInt(options.nMels ?? 128, 'nMels');
  const nClasses = positiveInt(options.nClasses ?? 7, 'nClasses');
  const filters = (options.filters ?? [...WEI2018_FILTERS]).map((f) => scaled(positiveInt(f, 'filters[i]'), width));
  const gruUnits = scaled(positiveInt(options.gruUnits ?? 128, 'gruUnits'), width);
  const gated = options.gated ?? true;
  const dropout = options.dropout ?? 0.1;
  require_(dropout >= 0 && dropout < 1, `dropout must be in [0, 1), got ${dropout}`);
  // Each block halves the frequency axis (floor); at least one bin must remain.
  const freqOut = Math.floor(nMels / 2 ** filters.length);
  require_(freqOut >= 1, `nMels=${nMels} is too small for ${filters.length} frequency poolings of 2`);
  const init = new InitFactory(options.seed, options.initializers);

  const input = tf.input({ shape: [frames, nMels, 1], name: 'logmel' });
  let x: tf.SymbolicTensor = input;
  filters.forEach((f, i) => {
    const b = i + 1;
    x = apply(
      tf.layers.conv2d({
        filters: f,
        kernelSize: 3,
        padding: 'same',
        useBias: true,
        kernelInitializer: init.glorotUniform(),
        name: `conv${b}`,
      }),
      x,
    );
    x = apply(tf.layers.batchNormalization({ axis: -1, name: `bn${b}` }), x);
    x = apply(tf.layers.elu({ name: `elu${b}` }), x);
    x = apply(tf.layers.maxPooling2d({ poolSize: [1, 2], strides: [1, 2], name: `pool${b}` }), x);
    x = apply(tf.layers.dropout({ rate: dropout, name: `dropout${b}` }), x);
  });
  const features = freqOut * filters[filters.length - 1];
  x = apply(tf.layers.reshape({ targetShape: [-1, features], name: 'to_sequence' }), x);

  const bigru = (activation: 'linear' | 'sigmoid' | 'tanh', name: string) =>
    tf.layers.bidirectional({
      layer: tf.layers.gru({
        units: gruUnits,
        activation,
        returnSequences: true,
        kernelInitializer: init.glorotUniform(),
        recurrentInitializer: init.orthogonal(),
        biasInitializer: 'zeros',
      }) as tf.RNN,
      mergeMode: 'concat',
      name,
    });
  let h: tf.SymbolicTensor;
  if (gated) {
    const lin = apply(bigru('linear', 'bigru_linear'), x);
    const gate = apply(bigru('sigmoid', 'bigru_gate'), x);
    h = apply(tf.layers.multiply({ name: 'gated_bigru' }), [lin, gate]);
  } else {
    h = apply(bigru('tanh', 'bigru'), x);
  }

  const cla = apply(
    tf.layers.dense({ units: nClasses, activation: 'sigmoid', kernelInitializer: init.glorotUniform(), name: 'localization' }),
    h,
  );
  const att = apply(
    tf.layers.dense({ units: nClasses, activation: 'softmax', kernelInitializer: init.glorotUniform(), name: 'attention' }),
    h,
  );
  const out = apply(new AttentionPooling({ name: 'attention_pooling' }), [cla, att]);
  return tf.model({ inputs: input, outputs: out, name: 'wei2018_crnn' });
}

/**
 * A model sharing the trained weights that outputs the frame-wise
 * localization probabilities (batch, frames, nClasses).
 */
export function wei2018LocalizationModel(model: tf.LayersModel): tf.LayersModel {
  return tf.model({ inputs: model.inputs, outputs: model.getLayer('localization').output as tf.SymbolicTensor });
}
