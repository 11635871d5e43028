/**
 * Model registry: name -> builder + what the model itself fixes (paper,
 * full-size input shape and layout, classes, output activation and loss).
 * Values come from the papers and, for hu2020, from the authors' model and
 * training scripts (MihawkHu/DCASE2020_task1, files
 * task1a/{3class,10class}/{fcnn,fsfcnn,resnet}/*.py and task1b/train/*.py);
 * each entry's `source` says which.
 *
 * How a model is trained (optimiser, schedule, epochs, batch size,
 * augmentation) is not a model fact: the experiment configs
 * (reproductions/<paper>/experiments/) are its one authority, and
 * `modelTrainingRow` in src/reproduce/index.ts returns the row a model
 * trains with in its paper.
 *
 * Input shapes are (time, freq, channels) for audio models and
 * (height, width, channels) for mushtaq2020's images.
 */
import type * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '../util/errors.js';
import type { CommonBuildOptions } from './common.js';
import { buildWei2018Crnn } from './wei2018-crnn.js';
import { buildMushtaq2020Cnn } from './mushtaq2020-cnn.js';
import { buildHu2020Fcnn } from './hu2020-fcnn.js';
import { buildHu2020FsFcnn, buildHu2020FsFcnnSplit } from './hu2020-fsfcnn.js';
import { buildHu2020Resnet } from './hu2020-resnet.js';
import { buildHu2020Mobnet } from './hu2020-mobnet.js';
import { buildHu2020SmallFcnn } from './hu2020-small-fcnn.js';

export type Paper = 'wei2018' | 'mushtaq2020' | 'hu2020';

/** What `build` accepts through the registry (mapped onto each builder's options). */
export interface RegistryBuildOptions extends CommonBuildOptions {
  /** Frames (time axis) for audio models, image width for mushtaq2020; null = any (audio only). */
  frames?: number | null;
  /** Mel bins (image height for mushtaq2020). */
  nMels?: number;
  /** Input channels. */
  channels?: number;
  /** Output classes. */
  nClasses?: number;
  /** MobileNet's width multiplier (hu2020-mobnet only). */
  alpha?: number;
}

export interface ModelEntry {
  name: string;
  paper: Paper;
  /** The model's name in the paper. */
  title: string;
  /** Where the architecture comes from. */
  source: string;
  inputShape: [number, number, number];
  layout: 'time-freq-channels' | 'image-height-width-channels';
  /** Fully convolutional with global pooling: built for any number of frames (trained on crops, evaluated on whole clips). */
  anyLength?: boolean;
  nClasses: number;
  output: 'sigmoid' | 'softmax';
  loss: 'binaryCrossentropy' | 'categoricalCrossentropy';
  build(options?: RegistryBuildOptions): tf.LayersModel;
}

const audio = (o: RegistryBuildOptions) => {
  const { frames, nMels, channels, nClasses, seed, width } = o;
  const out: Record<string, unknown> = { seed, width };
  if (o.initializers !== undefined) out.initializers = o.initializers;
  if (frames !== undefined) out.frames = frames;
  if (nMels !== undefined) out.nMels = nMels;
  if (channels !== undefined) out.channels = channels;
  if (nClasses !== undefined) out.nClasses = nClasses;
  return out;
};

/** The fields every hu2020 task 1a entry shares (input 423 x 128 x 3,
 * softmax + categorical cross-entropy as in the train_*.py scripts). */
const task1a = (e: Omit<ModelEntry, 'paper' | 'inputShape' | 'layout' | 'output' | 'loss'>): ModelEntry => ({
  paper: 'hu2020',
  inputShape: [423, 128, 3],
  layout: 'time-freq-channels',
  anyLength: true,
  output: 'softmax',
  loss: 'categoricalCrossentropy',
  ...e,
});

const ENTRIES: ModelEntry[] = [
  {
    name: 'wei2018-crnn',
    paper: 'wei2018',
    title: 'CRNN with attention and localization',
    source: 'wei2018 section 2, Fig. 1; GRU/attention details from Xu, Kong et al. (see src/models/wei2018-crnn.ts)',
    inputShape: [124, 128, 1],
    layout: 'time-freq-channels',
    nClasses: 7,
    output: 'sigmoid',
    loss: 'binaryCrossentropy',
    build: (o = {}) => buildWei2018Crnn(audio(o)),
  },
  ...(['cnn7', 'cnn9'] as const).map(
    (v): ModelEntry => ({
    name: `mushtaq2020-${v}`,
      paper: 'mushtaq2020',
    title: v === 'cnn7' ? '7-layer proposed CNN' : '9-layer proposed CNN',
    source: 'mushtaq2020 gives only "7-layer/9-layer proposed CNN"; layers are our choice (src/models/mushtaq2020-cnn.ts)',
      inputShape: [128, 128, 3],
      layout: 'image-height-width-channels',
    // ESC-10 / UrbanSound8K; an ESC-50 row builds 50 through the nClasses option.
    nClasses: 10,
      output: 'softmax',
      loss: 'categoricalCrossentropy',
    build: (o = {}) =>
        buildMushtaq2020Cnn(v, {
          seed: o.seed,
          width: o.width,
          initializers: o.initializers,
          height: o.nMels,
          widthPx: o.frames ?? undefined,
          channels: o.channels as 1 | 3 | undefined,
          nClasses: o.nClasses,
        }),
    }),
  ),
  task1a({
    name: 'hu2020-fcnn',
    title: 'FCNN',
    source: 'MihawkHu/DCASE2020_task1 task1a/10class/fcnn/fcnn_att.py + train_fcnn.py',
    nClasses: 10,
    build: (o = {}) => buildHu2020Fcnn(audio(o)),
  }),
  task1a({
    name: 'hu2020-fcnn-3class',
    title: 'FCNN (3-class, first stage of the two-stage system)',
    source: 'MihawkHu/DCASE2020_task1 task1a/3class/fcnn/fcnn_att.py + train_fcnn.py',
    nClasses: 3,
    build: (o = {}) => buildHu2020Fcnn({ nClasses: 3, ...audio(o) }),
  }),
  task1a({
    name: 'hu2020-fsfcnn',
    title: 'fsFCNN',
    source: 'MihawkHu/DCASE2020_task1 task1a/10class/fsfcnn/fsfcnn_att.py + train_fsfcnn.py',
    nClasses: 10,
    build: (o = {}) => buildHu2020FsFcnn(audio(o)),
  }),
  task1a({
    name: 'hu2020-fsfcnn-s',
    title: 'fsFCNN-s',
    source: 'hu2020 section 2.2 text (no code published); built from fsfcnn_att.py blocks, see src/models/hu2020-fsfcnn.ts',
    nClasses: 10,
    build: (o = {}) => buildHu2020FsFcnnSplit(audio(o)),
  }),
  task1a({
    name: 'hu2020-resnet',
    title: 'Resnet (17 layers, frequency split)',
    source: 'MihawkHu/DCASE2020_task1 task1a/10class/resnet/resnet.py with num_filters=24 (the model_resnet default)',
    nClasses: 10,
    build: (o = {}) => buildHu2020Resnet({ numFilters: 24, ...audio(o) }),
  }),
  task1a({
    name: 'hu2020-resnet-d',
    title: 'Resnet-d (doubled filters)',
    source: 'MihawkHu/DCASE2020_task1 task1a/10class/resnet/resnet.py + train_resnet.py (num_filters=48)',
    nClasses: 10,
    build: (o = {}) => buildHu2020Resnet({ numFilters: 48, ...audio(o) }),
  }),
  task1a({
    name: 'hu2020-resnet-3class',
    title: 'Resnet (3-class, first stage of the two-stage system)',
    source: 'MihawkHu/DCASE2020_task1 task1a/3class/resnet/resnet.py + train_resnet.py (num_filters=24)',
    nClasses: 3,
    build: (o = {}) => buildHu2020Resnet({ numFilters: 24, nClasses: 3, ...audio(o) }),
  }),
  {
    name: 'hu2020-mobnet',
    paper: 'hu2020',
    title: 'Mobnet (MobileNetV2-based, task 1b)',
    source: 'MihawkHu/DCASE2020_task1 task1b/train/mobnet.py + train_mobnet.py',
    inputShape: [461, 128, 6],
    layout: 'time-freq-channels',
    anyLength: true,
    nClasses: 3,
    output: 'softmax',
    loss: 'categoricalCrossentropy',
    build: (o = {}) => buildHu2020Mobnet({ ...audio(o), ...(o.alpha !== undefined ? { alpha: o.alpha } : {}) }),
  },
  ...(['paper', 'v1', 'v2'] as const).map(
    (variant): ModelEntry => ({
    name: variant === 'paper' ? 'hu2020-small-fcnn' : `hu2020-small-fcnn-${variant}`,
      paper: 'hu2020',
    title: variant === 'paper' ? 'small-FCNN' : `small-FCNN-${variant} (our choice of filters, see src/models/hu2020-small-fcnn.ts)`,
      source:
        variant === 'paper'
          ? 'MihawkHu/DCASE2020_task1 task1b/train/small_fcnn_att.py + train_smallfcnn.py'
          : 'not defined by the paper or code; filters chosen from Table 2 sizes (src/models/hu2020-small-fcnn.ts)',
      inputShape: [461, 128, 6],
      layout: 'time-freq-channels',
      anyLength: true,
    nClasses: 3,
      output: 'softmax',
      loss: 'categoricalCrossentropy',
    build: (o = {}) => buildHu2020SmallFcnn({ variant, ...audio(o) }),
    }),
  ),
];

const BY_NAME = new Map(ENTRIES.map((e) => [e.name, e]));

/** All registered model names. */
export function modelNames(): string[] {
  return ENTRIES.map((e) => e.name);
}

/** Registry entry by name (throws InvalidParameterError listing the valid names). */
export function getModelEntry(name: string): ModelEntry {
  const e = BY_NAME.get(name);
  if (e === undefined) throw new InvalidParameterError(`unknown model '${name}'; known: ${modelNames().join(', ')}`);
  return e;
}

/** Build a registered model. */
export function buildModel(name: string, options: RegistryBuildOptions = {}): tf.LayersModel {
  return getModelEntry(name).build(options);
}

/** The options an experiment's `model.options` may set: `widthMultiplier` (every model), `alpha` (MobileNet's own multiplier, hu2020-mobnet). */
export function checkModelOptions(name: string, options: Record<string, unknown>): { widthMultiplier?: number; alpha?: number } {
  getModelEntry(name);
  const { widthMultiplier, alpha, ...rest } = options;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new InvalidParameterError(`model.options.${unknown[0]}: not a model option (options: widthMultiplier; alpha for hu2020-mobnet)`);
  for (const [k, v] of [['widthMultiplier', widthMultiplier], ['alpha', alpha]] as const) {
    if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new InvalidParameterError(`model.options.${k} must be a positive number, got ${JSON.stringify(v)}`);
  }
  if (alpha !== undefined && name !== 'hu2020-mobnet') throw new InvalidParameterError(`model.options.alpha: MobileNet's width multiplier, only for hu2020-mobnet (not ${name})`);
  return { widthMultiplier: widthMultiplier as number | undefined, alpha: alpha as number | undefined };
}
