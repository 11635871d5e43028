/**
 * Reading weight and output values in the quantization area.
 *
 * The webgpu backend has no synchronous read in Node (tfjs-backend-webgpu's
 * readSync needs OffscreenCanvas), so everything a training or evaluation
 * job calls reads with `await data()`: quantizeModel, compressionReport,
 * accuracyChangeAsync, dcase2020ModelSizeAsync. The synchronous functions
 * (quantizeModelWeights, dcase2020ModelSize, accuracyChange) stay for the
 * CPU backends and the notebooks; on webgpu they work only on tensors read
 * asynchronously before (tfjs-webgpu then keeps a CPU copy), and otherwise
 * fail with an error that names the asynchronous function to use.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '../util/errors.js';

/** The tensor's values, synchronously; on failure (webgpu in Node) an error naming `what` and its async variant. */
export function valuesSync(t: tf.Tensor, what: string, asyncVariant: string): Float32Array {
  try {
    return t.dataSync() as Float32Array;
  } catch (e) {
    throw new InvalidParameterError(
      `${what} reads tensor values synchronously, which the ${tf.getBackend()} backend cannot do here ` +
        `(${(e instanceof Error ? e.message : String(e)).split('\n')[0]}); use ${asyncVariant}`,
    );
  }
}

/** Every weight of `model` as float32 values, in model.weights order, read asynchronously. */
export async function readWeightValues(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.weights.map(async (w) => (await w.read().data()) as Float32Array));
}
