/**
 * Replacement training kernels for the 'webgpu' backend, composed of tfjs
 * ops that run on the GPU (slices, pads, compares, adds): no WGSL of our
 * own, no reads back to the CPU.
 *
 * Measured on tfjs-backend-webgpu 4.22 (Mesa llvmpipe, test/backend/webgpu-kernels.test.ts)
 * against plain-loop references:
 * - MaxPoolGrad sends the gradient of a window whose maximum is tied to a
 *   later maximum instead of the first (TensorFlow, and our wasm/cpu
 *   kernels, take the first in row-major order): off by the whole upstream
 *   gradient (~900 for dy ~ U(0, 1000)) on a 2x2/2x2 pool of rounded
 *   values. Ties are common after ReLU (zeros).
 * - AvgPoolGrad divides by the full window at 'same'-padded borders while
 *   the forward AvgPool divides by the number of non-padded elements (the
 *   stock wasm and cpu backends have the same bug; see
 *   ../kernels/pool-grad.ts): off by up to 75% at the borders.
 * - AddN binds every input as a storage buffer, so summing more inputs than
 *   the device's maxStorageBuffersPerShaderStage allows (minus the output)
 *   fails to build its pipeline; the gradient of a variable used by many
 *   layers (hu2020-resnet: 38 terms) does that, and tfjs then reads zeros.
 *   Replaced by stock AddN on chunks that fit.
 * The forward pools, convolutions (and their gradients), batch norm,
 * activations, GRU, dense, softmax and the losses matched the cpu backend.
 *
 * Both gradients are sums over the window's taps (i, j): the tap's values
 * for every output position are a strided slice of the padded input; its
 * share of dy is scattered back by interleaving zeros (stride) and padding
 * (offset), then the padding is cropped away.
 */
import * as tf from '@tensorflow/tfjs';

type Attrs = {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

function info(xShape: number[], attrs: Attrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    pair(attrs.filterSize),
    pair(attrs.strides),
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode,
  );
}

/** The padded input extent that every window fits in. */
function paddedExtent(c: tf.backend_util.Conv2DInfo): { hp: number; wp: number; bottom: number; right: number } {
  const hp = Math.max(c.inHeight + c.padInfo.top, (c.outHeight - 1) * c.strideHeight + c.filterHeight);
  const wp = Math.max(c.inWidth + c.padInfo.left, (c.outWidth - 1) * c.strideWidth + c.filterWidth);
  return { hp, wp, bottom: hp - c.inHeight - c.padInfo.top, right: wp - c.inWidth - c.padInfo.left };
}

/** Values of tap (i, j) of every window: [n, outH, outW, c] from the padded input. */
function tap(xp: tf.Tensor4D, c: tf.backend_util.Conv2DInfo, i: number, j: number): tf.Tensor4D {
  return tf.stridedSlice(
    xp,
    [0, i, j, 0],
    [c.batchSize, i + (c.outHeight - 1) * c.strideHeight + 1, j + (c.outWidth - 1) * c.strideWidth + 1, c.inChannels],
    [1, c.strideHeight, c.strideWidth, 1],
  ) as tf.Tensor4D;
}

/** Places g [n, outH, outW, c] at tap (i, j) of every window, in the padded input's frame. */
function scatterTap(g: tf.Tensor4D, c: tf.backend_util.Conv2DInfo, i: number, j: number, hp: number, wp: number): tf.Tensor4D {
  const [n, oh, ow, ch] = g.shape;
  const sh = c.strideHeight;
  const sw = c.strideWidth;
  // Interleave zeros one axis at a time, in rank 4 (tfjs-backend-webgpu
  // 4.22 fails to compile its pad shader for rank 6: "cannot index type 'vec6'").
  let spread: tf.Tensor4D = g;
  if (sh > 1) {
    const t = tf.pad(tf.reshape(spread, [n, oh, 1, ow * ch]), [[0, 0], [0, 0], [0, sh - 1], [0, 0]]);
    spread = tf.reshape(t, [n, oh * sh, ow, ch]);
  }
  if (sw > 1) {
    const rows = spread.shape[1];
    const t = tf.pad(tf.reshape(spread, [n * rows, ow, 1, ch]), [[0, 0], [0, 0], [0, sw - 1], [0, 0]]);
    spread = tf.reshape(t, [n, rows, ow * sw, ch]);
  }
  // spread row r * sh is window r; it belongs at padded row r * sh + i.
  const rows = Math.min(spread.shape[1], hp - i);
  const cols = Math.min(spread.shape[2], wp - j);
  const cut = rows === spread.shape[1] && cols === spread.shape[2] ? spread : tf.slice(spread, [0, 0, 0, 0], [n, rows, cols, ch]);
  return tf.pad(cut, [[0, 0], [i, hp - i - rows], [j, wp - j - cols], [0, 0]]);
}

function cropPadding(dxp: tf.Tensor4D, c: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  return tf.slice(dxp, [0, c.padInfo.top, c.padInfo.left, 0], [c.batchSize, c.inHeight, c.inWidth, c.inChannels]);
}

function checkSupported(c: tf.backend_util.Conv2DInfo, name: string): void {
  if (c.dilationHeight !== 1 || c.dilationWidth !== 1) throw new Error(`${name} (audio-aug-lab webgpu kernel): dilated pools are not supported`);
  if (c.dataFormat !== 'channelsLast') throw new Error(`${name} (audio-aug-lab webgpu kernel): only NHWC is supported`);
}

/** dL/dx of a max pool: each window's dy goes to its FIRST maximum (row-major), as TensorFlow. */
export function maxPoolGrad(dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, attrs: Attrs): tf.Tensor4D {
  return tf.tidy(() => {
    const c = info(x.shape, attrs);
    checkSupported(c, 'MaxPoolGrad');
    const { hp, wp, bottom, right } = paddedExtent(c);
    const xp = tf.pad(x, [[0, 0], [c.padInfo.top, bottom], [c.padInfo.left, right], [0, 0]], -Infinity);
    let taken = tf.zerosLike(y).cast('bool');
    let dxp: tf.Tensor4D | null = null;
    for (let i = 0; i < c.filterHeight; i++) {
      for (let j = 0; j < c.filterWidth; j++) {
        const hit = tf.logicalAnd(tf.equal(tap(xp, c, i, j), y), tf.logicalNot(taken));
        taken = tf.logicalOr(taken, hit);
        const part = scatterTap(tf.mul(dy, tf.cast(hit, 'float32')), c, i, j, hp, wp);
        dxp = dxp === null ? part : (tf.add(dxp, part) as tf.Tensor4D);
      }
    }
    return cropPadding(dxp!, c);
  }) as tf.Tensor4D;
}

/** dL/dx of an average pool whose windows divide by their non-padded element count (as the forward AvgPool). */
export function avgPoolGrad(dy: tf.Tensor4D, x: tf.Tensor4D, attrs: Attrs): tf.Tensor4D {
  return tf.tidy(() => {
    const c = info(x.shape, attrs);
    checkSupported(c, 'AvgPoolGrad');
    const { hp, wp } = paddedExtent(c);
    // Non-padded elements per window (geometry only).
    const count = new Float32Array(c.outHeight * c.outWidth);
    for (let p = 0; p < c.outHeight; p++) {
      const r0 = p * c.strideHeight - c.padInfo.top;
      const rows = Math.min(c.inHeight, r0 + c.filterHeight) - Math.max(0, r0);
      for (let q = 0; q < c.outWidth; q++) {
        const c0 = q * c.strideWidth - c.padInfo.left;
        const cols = Math.min(c.inWidth, c0 + c.filterWidth) - Math.max(0, c0);
        count[p * c.outWidth + q] = Math.max(1, rows * cols);
      }
    }
    const g = tf.div(dy, tf.tensor4d(count, [1, c.outHeight, c.outWidth, 1])) as tf.Tensor4D;
    let dxp: tf.Tensor4D | null = null;
    for (let i = 0; i < c.filterHeight; i++) {
      for (let j = 0; j < c.filterWidth; j++) {
        const part = scatterTap(g, c, i, j, hp, wp);
        dxp = dxp === null ? part : (tf.add(dxp, part) as tf.Tensor4D);
      }
    }
    return cropPadding(dxp!, c);
  });
}

function asTensor(t: tf.TensorInfo | undefined): tf.Tensor4D {
  if (t === undefined) throw new Error('pool gradient (audio-aug-lab webgpu kernel): missing input');
  return (t instanceof tf.Tensor ? t : tf.engine().makeTensorFromTensorInfo(t)) as tf.Tensor4D;
}

const displaced = new Map<string, tf.KernelConfig | null>();

/**
 * AddN over at most `maxInputs` inputs per stock kernel call: chunks are
 * summed by the stock kernel, then the partial sums (recursively).
 */
function addNChunked(args: tf.KernelConfig['kernelFunc'] extends (a: infer A) => unknown ? A : never, maxInputs: number): tf.TensorInfo {
  const stock = displaced.get('AddN');
  if (!stock) throw new Error('AddN (audio-aug-lab webgpu kernel): the stock kernel is not registered');
  const list = args.inputs as unknown as tf.TensorInfo[];
  if (list.length <= maxInputs) return stock.kernelFunc(args) as tf.TensorInfo;
  return tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    for (let k = 0; k < list.length; k += maxInputs) parts.push(tf.addN(list.slice(k, k + maxInputs).map(asTensor)));
    return tf.addN(parts);
  });
}

/**
 * Registers the replacement kernels on 'webgpu' (idempotent); returns their
 * names. `maxStorageBuffers`: the device's maxStorageBuffersPerShaderStage.
 */
export function registerWebgpuTrainingKernels(maxStorageBuffers = 8): string[] {
  const maxAddN = Math.max(2, maxStorageBuffers - 1);
  const table: Record<string, (args: Parameters<tf.KernelConfig['kernelFunc']>[0]) => tf.TensorInfo> = {
    MaxPoolGrad: ({ inputs: inp, attrs: a }) => maxPoolGrad(asTensor(inp.dy), asTensor(inp.input), asTensor(inp.output), a as unknown as Attrs),
    AvgPoolGrad: ({ inputs: inp, attrs: a }) => avgPoolGrad(asTensor(inp.dy), asTensor(inp.input), a as unknown as Attrs),
    AddN: (args) => addNChunked(args, maxAddN),
  };
  if (displaced.size > 0) return Object.keys(table);
  for (const [kernelName, f] of Object.entries(table)) {
    const stock = tf.getKernel(kernelName, 'webgpu') ?? null;
    displaced.set(kernelName, stock);
    if (stock) tf.unregisterKernel(kernelName, 'webgpu');
    tf.registerKernel({
      kernelName,
      backendName: 'webgpu',
      kernelFunc: f,
    });
  }
  return Object.keys(table);
}

/** Restores the stock webgpu kernels (tests compare both). */
export function unregisterWebgpuTrainingKernels(): void {
  for (const [kernelName, stock] of displaced) {
    tf.unregisterKernel(kernelName, 'webgpu');
    if (stock) tf.registerKernel(stock);
  }
  displaced.clear();
}
