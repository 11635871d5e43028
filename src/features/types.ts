/**
 * The feature-map type the whole library shares. It lives with its owner,
 * the features layer; augment, models' callers, viz and the harness import
 * it from here.
 */

/** A feature map in (channel, frequency, time) order, C-contiguous:
 * value(c, f, t) = data[(c * nFreq + f) * nTime + t]. */
export interface FeatureMap {
  data: Float32Array;
  nChannels: number;
  nFreq: number;
  nTime: number;
}
