/**
 * What quantization costs: accuracy before/after on given data, and a report
 * with both size definitions (./size.ts) for the float32 and int8 versions.
 *
 * Accuracy here is single-label (argmax of the outputs vs integer labels),
 * as hu2020 Table 2 reports. For multi-label models (wei2018) the report
 * still gives the output differences; score those with the EER code.
 */
import * as tf from '@tensorflow/tfjs';
import { require_ } from '../util/errors.js';
import { dcase2020ModelSizeAsync, float32FileSize, int8FileSize, type Dcase2020Size, type FileSize } from './size.js';
import { valuesSync } from './read.js';
import { quantizeModel, quantizationErrors, type QuantizeOptions, type QuantizedWeights, type WeightErrorRow } from './model.js';

export interface AccuracyChange {
  n: number;
  accuracyOriginal: number;
  accuracyQuantized: number;
  /** accuracyQuantized - accuracyOriginal. */
  change: number;
  /** Fraction of examples with the same argmax. */
  agreement: number;
  maxAbsOutputDiff: number;
  meanAbsOutputDiff: number;
}

function argmaxRows(values: Float32Array, cols: number): Int32Array {
  const rows = values.length / cols;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c] > values[r * cols + best]) best = c;
    out[r] = best;
  }
  return out;
}

function predictBoth(original: tf.LayersModel, quantized: tf.LayersModel, x: tf.Tensor, labels: ArrayLike<number>, batchSize: number): [tf.Tensor, tf.Tensor] {
  const [a, b] = tf.tidy(() => [original.predict(x, { batchSize }) as tf.Tensor, quantized.predict(x, { batchSize }) as tf.Tensor]);
  try {
    require_(a.rank === 2 && b.rank === 2, `accuracyChange needs (batch, classes) outputs, got [${a.shape}] and [${b.shape}]`);
    require_(labels.length === a.shape[0], `${labels.length} labels for ${a.shape[0]} examples`);
  } catch (e) {
    tf.dispose([a, b]);
    throw e;
  }
  return [a, b];
}

/**
 * Compare two models' outputs and accuracies on `x` with integer `labels`.
 * Reads synchronously (CPU backends); accuracyChangeAsync works on webgpu too.
 */
export function accuracyChange(
  original: tf.LayersModel,
  quantized: tf.LayersModel,
  x: tf.Tensor,
  labels: ArrayLike<number>,
  batchSize = 32,
): AccuracyChange {
  const [a, b] = predictBoth(original, quantized, x, labels, batchSize);
  try {
    return compareOutputs(valuesSync(a, 'accuracyChange', 'accuracyChangeAsync'), valuesSync(b, 'accuracyChange', 'accuracyChangeAsync'), a.shape[1] as number, labels);
  } finally {
    a.dispose();
    b.dispose();
  }
}

/** accuracyChange with the outputs read by `await data()` (every backend, webgpu included). */
export async function accuracyChangeAsync(
  original: tf.LayersModel,
  quantized: tf.LayersModel,
  x: tf.Tensor,
  labels: ArrayLike<number>,
  batchSize = 32,
): Promise<AccuracyChange> {
  const [a, b] = predictBoth(original, quantized, x, labels, batchSize);
  try {
    const [va, vb] = (await Promise.all([a.data(), b.data()])) as Float32Array[];
    return compareOutputs(va, vb, a.shape[1] as number, labels);
  } finally {
    a.dispose();
    b.dispose();
  }
}

function compareOutputs(va: Float32Array, vb: Float32Array, cols: number, labels: ArrayLike<number>): AccuracyChange {
  const n = labels.length;
  const pa = argmaxRows(va, cols);
  const pb = argmaxRows(vb, cols);
  let ca = 0;
  let cb = 0;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    if (pa[i] === labels[i]) ca++;
    if (pb[i] === labels[i]) cb++;
    if (pa[i] === pb[i]) agree++;
  }
  let maxDiff = 0;
  let sumDiff = 0;
  for (let i = 0; i < va.length; i++) {
    const d = Math.abs(va[i] - vb[i]);
    if (d > maxDiff) maxDiff = d;
    sumDiff += d;
  }
  return {
    n,
    accuracyOriginal: ca / n,
    accuracyQuantized: cb / n,
    change: (cb - ca) / n,
    agreement: agree / n,
    maxAbsOutputDiff: maxDiff,
    meanAbsOutputDiff: va.length === 0 ? 0 : sumDiff / va.length,
  };
}

export interface CompressionReport {
  scheme: QuantizeOptions['scheme'];
  float32: { dcase2020: Dcase2020Size; file: FileSize; fileWithOptimizer?: FileSize };
  int8: { dcase2020: Dcase2020Size; file: FileSize };
  weightErrors: WeightErrorRow[];
  accuracy?: AccuracyChange;
}

/**
 * Quantize `model` and report both size definitions for both versions and,
 * when data is given, the accuracy change. The quantized model is returned
 * too (the caller disposes it).
 */
export async function compressionReport(
  model: tf.LayersModel,
  options: QuantizeOptions & { data?: { x: tf.Tensor; labels: ArrayLike<number> }; batchSize?: number } = {},
): Promise<{ report: CompressionReport; quantized: tf.LayersModel; weights: QuantizedWeights }> {
  const { model: qModel, weights } = await quantizeModel(model, options);
  const report: CompressionReport = {
    scheme: weights.scheme,
    float32: { dcase2020: await dcase2020ModelSizeAsync(model), file: await float32FileSize(model) },
    int8: { dcase2020: await dcase2020ModelSizeAsync(model, weights), file: await int8FileSize(model, weights) },
    weightErrors: quantizationErrors(weights),
  };
  if (model.optimizer !== undefined && model.optimizer !== null) {
    report.float32.fileWithOptimizer = await float32FileSize(model, { includeOptimizer: true });
  }
  if (options.data !== undefined) {
    report.accuracy = await accuracyChangeAsync(model, qModel, options.data.x, options.data.labels, options.batchSize ?? 32);
  }
  return { report, quantized: qModel, weights };
}
