/**
 * Small helpers shared by the gradient kernels in this folder.
 *
 * The kernels here are written with tfjs ops (tf.conv2d, tf.transpose, ...)
 * that run on whatever backend invoked the kernel. Ops called inside a
 * kernel are not recorded on the gradient tape (the engine only records at
 * kernel depth 0), so this is safe inside a backward pass.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Runs `fn` on a kernel's named inputs as Tensors. The engine normally
 * passes Tensors; a bare TensorInfo is wrapped in a tracked Tensor holding
 * its own reference to the data (disposed afterwards, so the caller's buffer
 * is never freed).
 */
export function withInputTensors<T>(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown },
  names: string[],
  kernel: string,
  fn: (...tensors: tf.Tensor4D[]) => T,
): T {
  const wrappers: tf.Tensor[] = [];
  const tensors = names.map((name) => {
    const info = kernelInput(args.inputs, name, kernel);
    if (info instanceof tf.Tensor) return info as tf.Tensor4D;
    const backend = args.backend as tf.KernelBackend;
    const t = tf.engine().makeTensorFromTensorInfo(info, backend) as tf.Tensor4D;
    backend.incRef(info.dataId);
    wrappers.push(t);
    return t;
  });
  try {
    return fn(...tensors);
  } finally {
    for (const w of wrappers) w.dispose();
  }
}

/**
 * Pads (positive amounts) or crops (negative amounts) the two spatial axes
 * (1 and 2) of an NHWC tensor. A negative "padding" before a valid
 * correlation is the same as dropping that many input rows/columns.
 */
export function padOrCrop4d(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): tf.Tensor4D {
  // Pad first, then crop: a crop may eat past the data into the padding on
  // the other side (when no tap ever reads the image), which is still well defined.
  const pt = Math.max(0, top);
  const pb = Math.max(0, bottom);
  const pl = Math.max(0, left);
  const pr = Math.max(0, right);
  let y = pt + pb + pl + pr > 0 ? tf.pad(x, [[0, 0], [pt, pb], [pl, pr], [0, 0]]) : x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = y.shape;
    const t0 = Math.max(0, -top);
    const l0 = Math.max(0, -left);
    const hh = h - t0 - Math.max(0, -bottom);
    const ww = w - l0 - Math.max(0, -right);
    if (hh <= 0 || ww <= 0) {
      throw new Error(`padOrCrop4d: pads ${JSON.stringify([top, bottom, left, right])} leave nothing of shape ${JSON.stringify(x.shape)}`);
    }
    y = tf.slice(y, [0, t0, l0, 0], [n, hh, ww, c]);
  }
  return y;
}

/**
 * Inserts (sh - 1) zero rows after every row and (sw - 1) zero columns after
 * every column of an NHWC tensor ("dilates" it by the stride). The result has
 * shape [n, h * sh, w * sw, c]; the trailing zeros act as extra bottom/right
 * padding for the caller.
 */
export function zeroInterleave4d(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const six = tf.reshape(x, [n, h, 1, w, 1, c]);
  const padded = tf.pad(six, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.reshape(padded, [n, h * sh, w * sw, c]);
}

/** Parses a tfjs `[number, number] | number` stride/dilation attribute. */
export function pair(v: number | [number, number] | number[]): [number, number] {
  if (typeof v === 'number') return [v, v];
  return [v[0], v.length > 1 ? v[1] : v[0]];
}

/** A kernel input by name, or an error naming the kernel and the input. */
export function kernelInput(inputs: tf.NamedTensorInfoMap | Record<string, tf.TensorInfo | undefined>, name: string, kernel: string): tf.TensorInfo {
  const t = (inputs as Record<string, tf.TensorInfo | undefined>)[name];
  if (t == null) throw new Error(`${kernel} (audio-aug-lab kernel): missing input '${name}'`);
  return t;
}

/** The parts of tfjs' wasm backend the raw-array kernels and fused ops use. */
export interface WasmBackendLike extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** The parts of tfjs' cpu backend the raw-array kernels and fused ops use. */
export interface CpuBackendLike extends tf.KernelBackend {
  data: { get(dataId: tf.DataId): { values: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

/**
 * For kernels computing on raw float32 arrays: allocates a float32 output of
 * `outShape` on `backend` ('wasm' or 'cpu'), then calls `fill` with the
 * inputs' arrays (null stays null) and the output's. On wasm these are heap
 * views, taken after the allocation (which may grow the heap); on cpu the
 * backend's own arrays.
 */
export function computeOnBackend(
  backendName: string,
  backend: tf.KernelBackend,
  outShape: number[],
  inputs: (tf.TensorInfo | null)[],
  fill: (ins: (Float32Array | null)[], out: Float32Array) => void,
): tf.TensorInfo {
  if (backendName === 'wasm') {
    const be = backend as WasmBackendLike;
    const out = be.makeOutput(outShape, 'float32');
    fill(inputs.map((t) => (t ? be.typedArrayFromHeap(t) : null)), be.typedArrayFromHeap(out));
    return out;
  }
  const be = backend as CpuBackendLike;
  const out = new Float32Array(tf.util.sizeFromShape(outShape));
  fill(inputs.map((t) => (t ? (be.data.get(t.dataId).values as Float32Array) : null)), out);
  return be.makeTensorInfo(outShape, 'float32', out);
}
