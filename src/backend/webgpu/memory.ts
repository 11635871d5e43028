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

/**
 * The batch a model trains with on a WebGPU device, from the adapter's
 * limits. tfjs-backend-webgpu keeps every tensor in one GPU buffer and binds
 * it whole as a storage buffer, so the largest tensor of a training step
 * must fit maxStorageBufferBindingSize (and maxBufferSize). The largest
 * tensors of these models are layer inputs/outputs and their gradients (same
 * shape); the convolutions run without an im2col buffer and the replacement
 * pooling gradients (./kernels.ts) work on the padded input, a few rows
 * more. The limit is per tensor, so the batch that fits is that limit over
 * the largest per-sample layer tensor. How much memory the whole step holds
 * (every activation kept for the backward pass, about `activationBytes` per
 * sample, plus the weights and the optimiser's state) is up to the device's
 * memory, which WebGPU does not expose.
 */
export interface TensorSizes {
  /** Bytes per sample of the largest layer input or output (float32). */
  largestBytes: number;
  /** The layer it belongs to, with its per-sample shape. */
  largestWhere: string;
  /** Bytes per sample of every layer output together (what the backward pass keeps, roughly). */
  activationBytes: number;
}

type Shape = (number | null)[];

function perSample(shape: Shape): number {
  return shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
}

function shapesOf(s: Shape | Shape[]): Shape[] {
  return Array.isArray(s[0]) || s.length === 0 ? (s as Shape[]) : [s as Shape];
}

/** Per-sample sizes of a built model's layer tensors (nested models included). */
export function tensorSizes(model: tf.LayersModel): TensorSizes {
  let largestBytes = 0;
  let largestWhere = '';
  let activationBytes = 0;
  const visit = (layers: tf.layers.Layer[]) => {
    for (const layer of layers) {
      const nested = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
      if (Array.isArray(nested) && nested.length) visit(nested);
      let outputs: Shape[] = [];
      try {
        outputs = shapesOf(layer.outputShape as Shape | Shape[]);
      } catch {
        /* a layer with several inbound nodes has no single output shape; its nodes' shapes are below */
        outputs = layer.inboundNodes.flatMap((n) => shapesOf(n.outputShapes as Shape | Shape[]));
      }
      for (const s of outputs) {
        const bytes = 4 * perSample(s);
        activationBytes += bytes;
        if (bytes > largestBytes) {
          largestBytes = bytes;
          largestWhere = `${layer.name} [${s.slice(1).join(',')}]`;
        }
      }
    }
  };
  visit(model.layers);
  return { largestBytes, largestWhere, activationBytes };
}

export interface BatchFit extends TensorSizes {
  /** The largest batch whose every tensor fits one storage binding. */
  maxBatch: number;
  /** The limit used: min(maxStorageBufferBindingSize, maxBufferSize). */
  limitBytes: number;
}

/** The batch that fits `limits` for a model with these per-sample sizes. */
export function batchThatFits(sizes: TensorSizes, limits: { maxStorageBufferBindingSize: number; maxBufferSize: number }): BatchFit {
  const limitBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  return { ...sizes, limitBytes, maxBatch: sizes.largestBytes > 0 ? Math.floor(limitBytes / sizes.largestBytes) : Number.POSITIVE_INFINITY };
}
