/**
 * Augmentations of the three papers, grouped by what they act on:
 * waveform (./waveform), spectrogram feature maps (./spectrogram), the
 * spectrogram as an image (./image), and minibatches (./mix); pipelines
 * (offline ./pipeline, online ./online) and the listable catalogue.
 */
export type {
  Transform,
  CatalogueEntry,
  ParamSpec,
  ParamValue,
  PaperRef,
  AugmentationTarget,
  Waveform,
  FeatureMap,
} from './types.js';
export * from './params.js';
export * from './mix/index.js';
export * from './spectrogram/index.js';
export * from './image/index.js';
export * from './waveform/index.js';
export * from './pipeline.js';
export * from './online.js';
export * from './catalogue.js';
