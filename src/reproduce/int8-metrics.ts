/**
 * hu2020's compression step on any trained classifier: int8 dynamic-range
 * quantization (TFLite's post-training "dynamic range" scheme: int8 weights
 * per output channel, float activations; src/quantize) of the trained model,
 * its accuracy on the same test clips, the agreement of its top class with
 * the float32 model's, and the model's size by both definitions the
 * challenge knew (src/quantize/size.ts): the bytes of the weights file
 * (float32, with and without the SGD momentum slots, MiB; int8, KiB) and
 * DCASE 2020 task 1b's counting rule (KB of non-zero parameters, batch-norm
 * excluded). One implementation for hu2020's task 1b rows and for every
 * study that asks for the `int8` metric (default-hooks.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { accuracyFromScores, logLoss } from '../metrics/classification.js';
import { argmaxRows, type ScoreMatrix } from '../metrics/score-matrix.js';
import { quantizeModel } from '../quantize/model.js';
import { dcase2020ModelSizeAsync, float32FileSize, int8FileSize } from '../quantize/size.js';

/** Probabilities as a score matrix of `cols` classes. */
export const toMatrix = (probs: Float32Array, cols: number): ScoreMatrix => ({ rows: probs.length / cols, cols, data: probs });

/**
 * The int8 copy of `model` evaluated with `predict` on the clips whose true
 * classes are `truth` and whose float32 scores are `matrix`: metrics (names
 * as in hu2020's task 1b rows) and the int8 copy's probabilities.
 */
export async function int8Metrics(
  model: tf.LayersModel,
  predict: (m: tf.LayersModel) => Promise<Float32Array>,
  truth: Int32Array,
  matrix: ScoreMatrix,
): Promise<{ metrics: Record<string, number>; probs: Float32Array }> {
  const { model: qModel, weights } = await quantizeModel(model, { scheme: 'per-channel' });
  try {
    const qProbs = await predict(qModel);
    const qMatrix = toMatrix(qProbs, matrix.cols);
    const trainable = model.trainableWeights.reduce((a, w) => a + (w.shape as number[]).reduce((x, y) => x * y, 1), 0);
    const f32 = await float32FileSize(model);
    const i8 = await int8FileSize(model, weights);
    const pred = argmaxRows(matrix);
    const qPred = argmaxRows(qMatrix);
    let agree = 0;
    for (let i = 0; i < pred.length; i++) if (pred[i] === qPred[i]) agree++;
    return {
      probs: qProbs,
      metrics: {
        'original acc': 100 * accuracyFromScores(truth, matrix),
        'quantized acc': 100 * accuracyFromScores(truth, qMatrix),
        // float32 weights file + the SGD momentum slots (4 bytes per trainable parameter), MiB
        'original size': (f32.bytes + 4 * trainable) / 1024 ** 2,
        'original size (weights only)': f32.bytes / 1024 ** 2,
        'quantized size': i8.bytes / 1024,
        'dcase2020 size': (await dcase2020ModelSizeAsync(model)).kilobytes,
        'dcase2020 size quantized': (await dcase2020ModelSizeAsync(model, weights)).kilobytes,
        'quantized agreement': (100 * agree) / pred.length,
        'original log loss': logLoss(truth, matrix),
        'quantized log loss': logLoss(truth, qMatrix),
        parameters: model.countParams(),
      },
    };
  } finally {
    qModel.dispose();
  }
}
