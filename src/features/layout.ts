/**
 * Layout conversions between a FeatureMap, (channel, freq, time), and the
 * models' input layout, (time, freq, channel) — one implementation, used by
 * the feature extractors, the online augmentation path and the notebooks.
 */
import type { FeatureMap } from './types.js';

/** (channel, freq, time) -> (time, freq, channel). */
export function toModelLayout(data: ArrayLike<number>, nChannels: number, nFreq: number, nTime: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let c = 0; c < nChannels; c++) {
    for (let f = 0; f < nFreq; f++) {
      const src = (c * nFreq + f) * nTime;
      for (let t = 0; t < nTime; t++) out[(t * nFreq + f) * nChannels + c] = data[src + t];
    }
  }
  return out;
}

/** (time, freq, channel) -> (channel, freq, time). */
export function fromModelLayout(row: Float32Array, nChannels: number, nFreq: number, nTime: number): Float32Array {
  const out = new Float32Array(row.length);
  for (let t = 0; t < nTime; t++) {
    for (let f = 0; f < nFreq; f++) {
      const src = (t * nFreq + f) * nChannels;
      for (let c = 0; c < nChannels; c++) out[(c * nFreq + f) * nTime + t] = row[src + c];
    }
  }
  return out;
}

/** A FeatureMap in the models' (time, freq, channel) layout. */
export function featureMapToModel(fm: FeatureMap): Float32Array {
  return toModelLayout(fm.data, fm.nChannels, fm.nFreq, fm.nTime);
}

/**
 * How a model input row relates to a FeatureMap: 'image' rows are
 * (height, width) = (freq, time) with one channel, the same values;
 * 'time-freq-channels' rows are the transposed (time, freq, channel) order.
 */
export type RowLayout = 'image' | 'time-freq-channels';

/** A model-layout row as a FeatureMap of `shape` (channel, freq, time). */
export function rowToFeatureMap(row: Float32Array, layout: RowLayout, shape: { nChannels: number; nFreq: number; nTime: number }): FeatureMap {
  if (row.length !== shape.nChannels * shape.nFreq * shape.nTime) {
    throw new RangeError(`a row of ${row.length} values is not ${shape.nChannels} x ${shape.nFreq} x ${shape.nTime}`);
  }
  const data = layout === 'image' ? row : fromModelLayout(row, shape.nChannels, shape.nFreq, shape.nTime);
  return { ...shape, data };
}

/** A FeatureMap as a model-layout row. */
export function featureMapToRow(fm: FeatureMap, layout: RowLayout): Float32Array {
  return layout === 'image' ? fm.data : toModelLayout(fm.data, fm.nChannels, fm.nFreq, fm.nTime);
}
