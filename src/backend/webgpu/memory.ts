/**
 * What a training step says when the GPU fails it. A WebGPU device reports
 * out-of-memory and validation errors out of band, and tfjs then reads
 * zeros instead of throwing; so each step (and each validation pass) runs
 * inside error scopes (./index.ts withDeviceErrors) and any error becomes a
 * BackendMemoryError that names the step, the live tensor memory, the limit
 * that was hit and what to do. On other backends `f` runs as is.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendMemoryError } from '../../util/errors.js';
import { webgpuActive, webgpuAdapter, withDeviceErrors } from './index.js';

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

const REMEDY =
  'Options: a smaller batch or input (a shorter crop), one job per GPU (reproduce --parallel 1, the default on a GPU), ' +
  'or another backend (AUDIO_AUG_LAB_BACKEND=wasm or --backend wasm).';

/** Runs the async `f` (a step that ends by reading its result); GPU errors meanwhile become a BackendMemoryError naming `what()`. */
export async function explainGpuTrouble<T>(f: () => Promise<T>, what: () => string): Promise<T> {
  if (!webgpuActive()) return f();
  const { result, error, errors } = await withDeviceErrors(f);
  const oom = errors.outOfMemory.length > 0;
  if (oom || errors.validation.length || errors.internal.length || errors.lost) {
    let live = '';
    try {
      const m = tf.memory();
      live = `; ${m.numTensors} tensors (${mib(m.numBytes)}) were live`;
    } catch {
      /* the engine may be unusable after a lost device */
    }
    const first = errors.lost ?? errors.outOfMemory[0] ?? errors.validation[0] ?? errors.internal[0];
    const adapter = webgpuAdapter()?.description ?? 'webgpu';
    const head = oom
      ? `the GPU ran out of memory during ${what()}`
      : errors.lost
        ? `the GPU device was lost during ${what()}`
        : /larger than the maximum|exceeds|limit/i.test(first)
          ? `${what()} needs more than a limit of the GPU allows (${first})`
          : `the GPU reported an error during ${what()} (${first})`;
    throw new BackendMemoryError(`${head}${live}. Adapter: ${adapter}. Results of this step are not valid. ${REMEDY}`);
  }
  if (error !== undefined) throw error;
  return result as T;
}
