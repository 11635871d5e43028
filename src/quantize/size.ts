/**
 * Model size, by two named definitions (they answer different questions and
 * must not be mixed):
 *
 * 1. `dcase2020`: the DCASE 2020 task 1b rule. "Classifier complexity for
 *    this subtask is limited to 500KB size for the non-zero parameters ...
 *    128000 parameter values * 32 bits per parameter / 8 bits per byte =
 *    512000 bytes = 500KB" (toni-heittola/dcase2020_task1_baseline
 *    README.md), computed by that repository's model_size_calculation.py
 *    (`get_keras_model_size`): for every layer except BatchNormalization
 *    (and kapre's Melspectrogram), sum over its weight arrays of
 *    count_nonzero(w) x bytes of w's dtype (float32 4, float16 2, int8 1);
 *    KB = 1024 bytes. The baseline's 115,219 parameters give 450.1 KB.
 *    For a quantized model, int8 kernels count 1 byte per non-zero value and
 *    the float32 weights (biases, ...) 4; the per-channel scales are not
 *    parameters under this rule and are reported separately (`scaleBytes`).
 * 2. `file`: the bytes of the serialized files (model.json + weights.bin of
 *    src/models/io.ts for float32, of the int8 format of ./model.ts for
 *    int8), optionally with the optimizer state. hu2020 Table 2's sizes are
 *    file sizes of a different format (Keras HDF5 with float32 weights and
 *    optimizer state; TFLite flatbuffers), so only the `file` definition is
 *    comparable with them, and only roughly.
 */
import type * as tf from '@tensorflow/tfjs';
import { encodeModelFiles, modelToArtifacts } from '../models/io.js';
import { countNonZero } from './int8.js';
import { encodeQuantizedFiles, type QuantizedWeights } from './model.js';
import { readWeightValues, valuesSync } from './read.js';

/** The DCASE 2020 task 1b limit: 500 KB = 512000 bytes. */
export const DCASE2020_LIMIT_BYTES = 500 * 1024;
/** Layer classes the DCASE 2020 rule leaves out. */
export const DCASE2020_EXCLUDED_LAYERS: readonly string[] = ['BatchNormalization'];

export interface LayerSizeRow {
  layer: string;
  className: string;
  parameters: number;
  nonZeroParameters: number;
  /** Bytes of the non-zero parameters at their storage dtype. */
  nonZeroBytes: number;
  excluded: boolean;
}

export interface Dcase2020Size {
  definition: 'dcase2020';
  /** Parameters of counted (non-excluded) layers, zero or not. */
  parameters: number;
  nonZeroParameters: number;
  /** The size by the rule: non-zero parameters x bytes per parameter. */
  bytes: number;
  kilobytes: number;
  withinLimit: boolean;
  /** Float32 per-channel/per-tensor scales of int8 kernels (not counted by the rule). */
  scaleBytes: number;
  layers: LayerSizeRow[];
}

/**
 * DCASE 2020 model size of `model` (float32), or of its quantized version
 * when `quantized` (from `quantizeModelWeights`) is given.
 */
export function dcase2020ModelSize(model: tf.LayersModel, quantized?: QuantizedWeights, values?: ReadonlyMap<tf.LayerVariable, Float32Array>): Dcase2020Size {
  const byName = new Map(quantized?.entries.map((e) => [e.name, e]) ?? []);
  const layers: LayerSizeRow[] = [];
  let scaleBytes = 0;
  for (const layer of model.layers) {
    const className = layer.getClassName();
    const excluded = DCASE2020_EXCLUDED_LAYERS.includes(className);
    let parameters = 0;
    let nonZero = 0;
    let bytes = 0;
    for (const w of layer.weights) {
      const n = (w.shape as number[]).reduce((a, b) => a * b, 1);
      parameters += n;
      const e = byName.get(w.originalName);
      if (e !== undefined && e.quantized !== null) {
        const nz = countNonZero(e.quantized.q);
        nonZero += nz;
        bytes += nz; // int8: 1 byte
        if (!excluded) scaleBytes += 4 * e.quantized.channels;
      } else {
        const v = e !== undefined ? e.values : (values?.get(w) ?? valuesSync(w.read(), 'dcase2020ModelSize', 'dcase2020ModelSizeAsync'));
        const nz = countNonZero(v);
        nonZero += nz;
        bytes += 4 * nz; // float32
      }
    }
    if (parameters === 0) continue;
    layers.push({ layer: layer.name, className, parameters, nonZeroParameters: nonZero, nonZeroBytes: bytes, excluded });
  }
  const counted = layers.filter((l) => !l.excluded);
  const total = counted.reduce((a, l) => a + l.nonZeroBytes, 0);
  return {
    definition: 'dcase2020',
    parameters: counted.reduce((a, l) => a + l.parameters, 0),
    nonZeroParameters: counted.reduce((a, l) => a + l.nonZeroParameters, 0),
    bytes: total,
    kilobytes: total / 1024,
    withinLimit: total <= DCASE2020_LIMIT_BYTES,
    scaleBytes,
    layers,
  };
}

/** dcase2020ModelSize with the float32 weights read by `await data()` (works on every backend, webgpu included). */
export async function dcase2020ModelSizeAsync(model: tf.LayersModel, quantized?: QuantizedWeights): Promise<Dcase2020Size> {
  const all = await readWeightValues(model);
  return dcase2020ModelSize(model, quantized, new Map(model.weights.map((w, i) => [w, all[i]])));
}

export interface FileSize {
  definition: 'file';
  format: 'float32' | 'int8';
  includeOptimizer: boolean;
  modelJsonBytes: number;
  weightsBytes: number;
  bytes: number;
  kilobytes: number;
}

/** Bytes `saveModelToDir` writes for `model` (float32), optionally with optimizer state. */
export async function float32FileSize(model: tf.LayersModel, options: { includeOptimizer?: boolean } = {}): Promise<FileSize> {
  const includeOptimizer = options.includeOptimizer ?? false;
  const files = encodeModelFiles(await modelToArtifacts(model, { includeOptimizer }));
  const modelJsonBytes = Buffer.byteLength(files.json, 'utf8');
  const bytes = modelJsonBytes + files.weights.byteLength;
  return { definition: 'file', format: 'float32', includeOptimizer, modelJsonBytes, weightsBytes: files.weights.byteLength, bytes, kilobytes: bytes / 1024 };
}

/** Bytes `saveQuantizedModel` writes for `model` quantized as `qw`. */
export async function int8FileSize(model: tf.LayersModel, qw: QuantizedWeights): Promise<FileSize> {
  const files = await encodeQuantizedFiles(model, qw);
  const modelJsonBytes = Buffer.byteLength(files.json, 'utf8');
  const bytes = modelJsonBytes + files.weights.byteLength;
  return { definition: 'file', format: 'int8', includeOptimizer: false, modelJsonBytes, weightsBytes: files.weights.byteLength, bytes, kilobytes: bytes / 1024 };
}
