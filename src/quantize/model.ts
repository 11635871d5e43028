/**
 * Post-training dynamic-range quantization of a tfjs LayersModel (hu2020
 * section 4; the authors used TFLite's `Optimize.DEFAULT` converter,
 * task1b/quantization/model_trans.py): weight kernels become int8 with
 * float32 scales, everything else (biases, BatchNorm statistics and
 * parameters) stays float32; inference runs on the dequantized weights
 * (q * scale), so the model's outputs show the effect of the rounding.
 *
 * Quantized weights: every variable named `.../kernel` (Conv2D, Dense,
 * GRU input kernel), `.../recurrent_kernel` (GRU) and
 * `.../depthwise_kernel` (DepthwiseConv2D) with at least `minElements`
 * elements. Channels for per-channel scales: the last axis (output
 * channels / units), or the last two axes for a depthwise kernel.
 * We do not reproduce TFLite's converter rules (its size thresholds,
 * BatchNorm folding, which op gets per-channel scales); `minElements`
 * defaults to 0 (quantize every kernel).
 *
 * File format of a quantized model (our own, "audio-aug-lab-int8"): a
 * directory with model.json (tfjs topology, an `int8Weights` list giving
 * each weight's dtype, shape, scheme, channel count and byte ranges, and the
 * SHA-256 of weights.bin) and weights.bin (int8 values of quantized kernels,
 * each followed by its float32 scales at a 4-byte aligned offset; float32
 * values of the other weights). Written with the same crash-safe protocol as
 * src/models/io.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { AudioAugLabError, require_ } from '../util/errors.js';
import {
  WEIGHTS_BIN,
  cloneModel,
  loadModelFromMemory,
  modelToArtifacts,
  readModelFiles,
  writeModelFiles,
  type SaveReport,
} from '../models/io.js';
import { dequantizeInt8, quantizeInt8, quantizationError, type QuantScheme, type QuantizedTensor } from './int8.js';
import { readWeightValues, valuesSync } from './read.js';

export const INT8_FORMAT = 'audio-aug-lab-int8';

export interface QuantizeOptions {
  /** 'per-channel' (default) or 'per-tensor'. */
  scheme?: QuantScheme;
  /** Only kernels with at least this many elements are quantized (default 0). */
  minElements?: number;
}

export type KernelKind = 'kernel' | 'recurrent_kernel' | 'depthwise_kernel';

export interface WeightEntry {
  /** Weight name as in model.json (e.g. `conv1/kernel`). */
  name: string;
  layerName: string;
  layerClass: string;
  shape: number[];
  /** The int8 version, or null if the weight stays float32. */
  quantized: QuantizedTensor | null;
  /**
   * Float32 values: the original weights when quantized in this process;
   * after `loadQuantizedModel` the original is gone, and these are the
   * dequantized values.
   */
  values: Float32Array;
}

export interface QuantizedWeights {
  scheme: QuantScheme;
  minElements: number;
  entries: WeightEntry[];
}

/** Which kind of kernel a weight is (by the last part of its name), or null. */
export function kernelKind(name: string): KernelKind | null {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return base === 'kernel' || base === 'recurrent_kernel' || base === 'depthwise_kernel' ? base : null;
}

/** Channel count for per-channel scales of a kernel of this kind and shape. */
export function kernelChannels(kind: KernelKind, shape: number[]): number {
  if (kind === 'depthwise_kernel') {
    require_(shape.length === 4, `depthwise kernel must be rank 4, got [${shape}]`);
    return shape[2] * shape[3];
  }
  return shape[shape.length - 1];
}

/** Map every model variable to the layer that owns it. */
function ownerLayers(model: tf.LayersModel): Map<tf.LayerVariable, tf.layers.Layer> {
  const owner = new Map<tf.LayerVariable, tf.layers.Layer>();
  for (const layer of model.layers) for (const w of layer.weights) owner.set(w, layer);
  return owner;
}

/**
 * Quantize a model's kernels. Reads the current weight values synchronously
 * unless `values` (model.weights order, e.g. from readWeightValues) is given;
 * on webgpu use quantizeModelWeightsAsync (./read.ts).
 */
export function quantizeModelWeights(model: tf.LayersModel, options: QuantizeOptions = {}, values?: readonly Float32Array[]): QuantizedWeights {
  const scheme = options.scheme ?? 'per-channel';
  require_(scheme === 'per-channel' || scheme === 'per-tensor', `scheme must be per-channel or per-tensor, got ${scheme}`);
  const minElements = options.minElements ?? 0;
  require_(Number.isInteger(minElements) && minElements >= 0, `minElements must be a non-negative integer, got ${minElements}`);
  if (values !== undefined) require_(values.length === model.weights.length, `${values.length} weight value arrays for a model with ${model.weights.length} weights`);
  const owner = ownerLayers(model);
  const entries = model.weights.map((w, i): WeightEntry => {
    const layer = owner.get(w);
    const copy = new Float32Array(values?.[i] ?? valuesSync(w.read(), 'quantizeModelWeights', 'quantizeModelWeightsAsync'));
    const kind = kernelKind(w.originalName);
    const size = copy.length;
    const quantized =
      kind !== null && size >= minElements && size > 0
        ? quantizeInt8(copy, w.shape as number[], scheme, kernelChannels(kind, w.shape as number[]))
        : null;
    return {
      name: w.originalName,
      layerName: layer?.name ?? '',
      layerClass: layer?.getClassName() ?? '',
      shape: [...(w.shape as number[])],
      quantized,
      values: copy,
    };
  });
  return { scheme, minElements, entries };
}

/** quantizeModelWeights with the values read by `await data()` (works on every backend, webgpu included). */
export async function quantizeModelWeightsAsync(model: tf.LayersModel, options: QuantizeOptions = {}): Promise<QuantizedWeights> {
  return quantizeModelWeights(model, options, await readWeightValues(model));
}

/** Values used at inference: dequantized for quantized kernels, original otherwise. */
export function inferenceValues(e: WeightEntry): Float32Array {
  return e.quantized === null ? e.values : dequantizeInt8(e.quantized);
}

/** Overwrite `model`'s weights with the dequantized values (in place). */
export function applyQuantizedWeights(model: tf.LayersModel, qw: QuantizedWeights): void {
  require_(
    qw.entries.length === model.weights.length,
    `quantized weights have ${qw.entries.length} entries but the model has ${model.weights.length} variables`,
  );
  const tensors = qw.entries.map((e, i) => {
    const w = model.weights[i];
    require_(w.originalName === e.name, `weight ${i} is '${w.originalName}' in the model but '${e.name}' in the quantized set`);
    return tf.tensor(inferenceValues(e), e.shape, 'float32');
  });
  model.setWeights(tensors);
  tensors.forEach((t) => t.dispose());
}

/** A quantized copy of `model` (the original is untouched) and its quantized weights. */
export async function quantizeModel(
  model: tf.LayersModel,
  options: QuantizeOptions = {},
): Promise<{ model: tf.LayersModel; weights: QuantizedWeights }> {
  const weights = await quantizeModelWeightsAsync(model, options);
  const copy = await cloneModel(model);
  applyQuantizedWeights(copy, weights);
  return { model: copy, weights };
}

export interface WeightErrorRow {
  name: string;
  shape: number[];
  channels: number;
  maxAbsError: number;
  rmsError: number;
  maxRelativeToHalfStep: number;
}

/** Per-kernel quantization error (quantized entries only). */
export function quantizationErrors(qw: QuantizedWeights): WeightErrorRow[] {
  return qw.entries
    .filter((e) => e.quantized !== null)
    .map((e) => {
      const err = quantizationError(e.values, e.quantized as QuantizedTensor);
      return {
        name: e.name,
        shape: e.shape,
        channels: (e.quantized as QuantizedTensor).channels,
        maxAbsError: err.maxAbs,
        rmsError: err.rms,
        maxRelativeToHalfStep: err.maxRelativeToHalfStep,
      };
    });
}

interface Int8WeightSpec {
  name: string;
  shape: number[];
  dtype: 'int8' | 'float32';
  byteOffset: number;
  byteLength: number;
  scheme?: QuantScheme;
  channels?: number;
  scalesOffset?: number;
}

const align4 = (n: number) => (n + 3) & ~3;

/**
 * Encode a quantized model as model.json + weights.bin contents (the int8
 * format described in the header). `model` supplies the topology.
 */
export async function encodeQuantizedFiles(
  model: tf.LayersModel,
  qw: QuantizedWeights,
): Promise<{ json: string; weights: Uint8Array }> {
  const artifacts = await modelToArtifacts(model);
  const specs = artifacts.weightSpecs ?? [];
  require_(specs.length === qw.entries.length, `model has ${specs.length} weights, quantized set has ${qw.entries.length}`);
  const layout: Int8WeightSpec[] = [];
  let offset = 0;
  qw.entries.forEach((e, i) => {
    require_(specs[i].name === e.name, `weight ${i}: model.json has '${specs[i].name}', quantized set has '${e.name}'`);
    if (e.quantized !== null) {
      const byteLength = e.quantized.q.length;
      const scalesOffset = align4(offset + byteLength);
      layout.push({
        name: e.name,
        shape: e.shape,
        dtype: 'int8',
        byteOffset: offset,
        byteLength,
        scheme: e.quantized.scheme,
        channels: e.quantized.channels,
        scalesOffset,
      });
      offset = scalesOffset + 4 * e.quantized.channels;
    } else {
      offset = align4(offset);
      layout.push({ name: e.name, shape: e.shape, dtype: 'float32', byteOffset: offset, byteLength: 4 * e.values.length });
      offset += 4 * e.values.length;
    }
  });
  const bin = new Uint8Array(offset);
  const view = new DataView(bin.buffer);
  qw.entries.forEach((e, i) => {
    const spec = layout[i];
    if (e.quantized !== null) {
      bin.set(new Uint8Array(e.quantized.q.buffer, e.quantized.q.byteOffset, e.quantized.q.byteLength), spec.byteOffset);
      e.quantized.scales.forEach((s, k) => view.setFloat32((spec.scalesOffset as number) + 4 * k, s, true));
    } else {
      e.values.forEach((v, k) => view.setFloat32(spec.byteOffset + 4 * k, v, true));
    }
  });
  const sha256 = createHash('sha256').update(bin).digest('hex');
  const json = JSON.stringify({
    format: INT8_FORMAT,
    modelTopology: artifacts.modelTopology,
    generatedBy: artifacts.generatedBy,
    convertedBy: null,
    quantization: { scheme: qw.scheme, minElements: qw.minElements },
    // A manifest with no tfjs weights: plain tfjs loaders fail loudly on this directory.
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: [] }],
    int8Weights: layout,
    integrity: { weightsFile: WEIGHTS_BIN, sha256, bytes: bin.byteLength },
  });
  return { json, weights: bin };
}

/** Save a quantized model to `dir` (int8 format). */
export async function saveQuantizedModel(model: tf.LayersModel, qw: QuantizedWeights, dir: string): Promise<SaveReport> {
  return writeModelFiles(dir, await encodeQuantizedFiles(model, qw));
}

/**
 * Load an int8 directory: returns the model with dequantized float32 weights
 * and the quantized weights as stored.
 */
export async function loadQuantizedModel(dir: string): Promise<{ model: tf.LayersModel; weights: QuantizedWeights }> {
  const { json, weights: bin, jsonPath } = await readModelFiles(dir);
  if (json.format !== INT8_FORMAT) {
    throw new AudioAugLabError('MODEL_FORMAT', `format is '${String(json.format)}', expected '${INT8_FORMAT}'`, jsonPath);
  }
  const layout = json.int8Weights as Int8WeightSpec[] | undefined;
  if (!Array.isArray(layout)) throw new AudioAugLabError('MODEL_FORMAT', 'model.json has no int8Weights list', jsonPath);
  const q = json.quantization as { scheme: QuantScheme; minElements: number } | undefined;
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const entries: WeightEntry[] = layout.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const end = s.dtype === 'int8' ? (s.scalesOffset as number) + 4 * (s.channels as number) : s.byteOffset + s.byteLength;
    if (end > bin.byteLength) throw new AudioAugLabError('MODEL_FORMAT', `weight '${s.name}' runs past the end of ${WEIGHTS_BIN}`, jsonPath);
    if (s.dtype === 'int8') {
      const qv = new Int8Array(n);
      qv.set(new Int8Array(bin.buffer, bin.byteOffset + s.byteOffset, n));
      const scales = new Float32Array(s.channels as number);
      for (let k = 0; k < scales.length; k++) scales[k] = view.getFloat32((s.scalesOffset as number) + 4 * k, true);
      const quantized: QuantizedTensor = { scheme: s.scheme as QuantScheme, shape: s.shape, channels: s.channels as number, q: qv, scales };
      return { name: s.name, layerName: '', layerClass: '', shape: s.shape, quantized, values: dequantizeInt8(quantized) };
    }
    const values = new Float32Array(n);
    for (let k = 0; k < n; k++) values[k] = view.getFloat32(s.byteOffset + 4 * k, true);
    return { name: s.name, layerName: '', layerClass: '', shape: s.shape, quantized: null, values };
  });
  // Rebuild float32 tfjs artifacts from the dequantized values.
  const total = entries.reduce((a, e) => a + e.values.length, 0);
  const data = new Float32Array(total);
  let at = 0;
  for (const e of entries) {
    data.set(inferenceValues(e), at);
    at += e.values.length;
  }
  const model = await loadModelFromMemory({
    modelTopology: json.modelTopology as {},
    format: 'layers-model',
    weightSpecs: entries.map((e) => ({ name: e.name, shape: e.shape, dtype: 'float32' as const })),
    weightData: data.buffer,
  });
  const owner = ownerLayers(model);
  model.weights.forEach((w, i) => {
    const layer = owner.get(w);
    if (entries[i] !== undefined && entries[i].name === w.originalName && layer !== undefined) {
      entries[i].layerName = layer.name;
      entries[i].layerClass = layer.getClassName();
    }
  });
  return { model, weights: { scheme: q?.scheme ?? 'per-channel', minElements: q?.minElements ?? 0, entries } };
}
