/**
 * Direct access to float32 tensor data for the fused ops in this folder.
 *
 * On wasm a tensor's data is a view of the wasm heap (no copy); on cpu it is
 * the backend's own array; elsewhere a copy (dataSync). A wasm view is valid
 * only until the next allocation on the wasm heap (growing the heap detaches
 * it), so `withOutputs` allocates the outputs FIRST and only then runs the
 * compute callback, which takes its input views and must not create tensors.
 */
import * as tf from '@tensorflow/tfjs';
import type { CpuBackendLike, WasmBackendLike } from '../kernels/tensor-util.js';

/** 'wasm', 'cpu' or 'other' for the active backend. */
export function backendKind(): 'wasm' | 'cpu' | 'other' {
  const name = tf.getBackend();
  return name === 'wasm' || name === 'cpu' ? name : 'other';
}

function checkFloat(t: tf.TensorInfo, what: string): void {
  if (t.dtype !== 'float32') throw new Error(`audio-aug-lab fused op: ${what} must be float32, got ${t.dtype}`);
}

/**
 * The data of a float32 tensor: a heap view on wasm (valid until the next
 * tensor allocation), the backend's array on cpu, else a copy. Read-only by
 * convention.
 */
export function viewOf(t: tf.Tensor, what = 'input'): Float32Array {
  checkFloat(t, what);
  const be = tf.engine().findBackend(tf.getBackend()) as tf.KernelBackend;
  const kind = backendKind();
  if (kind === 'wasm') return (be as WasmBackendLike).typedArrayFromHeap(t);
  if (kind === 'cpu') {
    const v = (be as CpuBackendLike).data.get(t.dataId).values;
    if (v instanceof Float32Array) return v;
  }
  return t.dataSync() as Float32Array;
}

/**
 * Allocates float32 output tensors of `shapes`, then calls `compute` with
 * writable arrays for them (heap views on wasm). `compute` takes its input
 * views itself (after the allocation) and must not create tensors. Returns
 * the outputs as tracked tensors.
 */
export function withOutputs(shapes: number[][], compute: (outs: Float32Array[]) => void): tf.Tensor[] {
  const kind = backendKind();
  if (kind === 'wasm') {
    const be = tf.engine().findBackend('wasm') as WasmBackendLike;
    const infos = shapes.map((s) => be.makeOutput(s, 'float32'));
    try {
      compute(infos.map((i) => be.typedArrayFromHeap(i)));
    } catch (e) {
      for (const i of infos) be.disposeData(i.dataId);
      throw e;
    }
    return infos.map((i) => tf.engine().makeTensorFromTensorInfo(i, be));
  }
  const arrays = shapes.map((s) => new Float32Array(tf.util.sizeFromShape(s)));
  compute(arrays);
  return arrays.map((a, i) => tf.tensor(a, shapes[i], 'float32'));
}
