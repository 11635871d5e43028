/**
 * MaxPoolGrad and AvgPoolGrad as JS loops over the backend's own memory.
 *
 * tfjs-backend-wasm 4.22's MaxPoolGrad is wrong (measured on x [4, 6, 18, 5]
 * with dy ~ U(0, 1000): errors ~1000 for 1x2/1x2 and 2x2/2x2 pools and for
 * every 'same'-padded pool; only some odd square 'valid' pools came out
 * right). The wei2018 CRNN pools 1x2. Replaced on wasm; the cpu backend's
 * MaxPoolGrad is correct and stays.
 *
 * AvgPoolGrad in BOTH stock backends divides by the full window size, while
 * their forward AvgPool (like TensorFlow) divides by the number of
 * non-padded elements: the gradient of a 'same'-padded average pool is wrong
 * at the borders. Replaced on wasm and cpu with the gradient of the forward
 * that is actually computed.
 *
 * Max-pool semantics follow TensorFlow: each output position's gradient goes
 * to the FIRST maximum of its window (row-major scan, strict '>'), padded
 * positions never win, gradients of overlapping windows add up. On wasm,
 * inputs and output are read and written in place on the heap (no copies).
 */
import * as tf from '@tensorflow/tfjs';
import { computeOnBackend, kernelInput } from './tensor-util.js';

/** Window geometry, as computed by tfjs' computePool2DInfo. */
export interface PoolGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

export function poolGeometry(info: tf.backend_util.Conv2DInfo): PoolGeometry {
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error('pool gradient (audio-aug-lab kernel): dilated pools are not supported');
  }
  return {
    batchSize: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    channels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/**
 * dx += scatter of dy to the first maximum of each window of x (NHWC).
 * `dx` must be zeroed by the caller.
 */
export function maxPoolGradInto(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  g: PoolGeometry,
): void {
  const C = g.channels;
  const rowX = g.inWidth * C;
  const imgX = g.inHeight * rowX;
  const best = new Float32Array(C);
  const arg = new Int32Array(C);
  let o = 0; // running index into dy
  for (let b = 0; b < g.batchSize; b++) {
    const xb = b * imgX;
    for (let oy = 0; oy < g.outHeight; oy++) {
      const y0 = oy * g.strideHeight - g.padTop;
      const yStart = Math.max(0, y0);
      const yEnd = Math.min(g.inHeight, y0 + g.filterHeight);
      for (let ox = 0; ox < g.outWidth; ox++, o += C) {
        const x0 = ox * g.strideWidth - g.padLeft;
        const xStart = Math.max(0, x0);
        const xEnd = Math.min(g.inWidth, x0 + g.filterWidth);
        if (yStart >= yEnd || xStart >= xEnd) continue; // window entirely in padding
        // First in-window position initialises the running maximum.
        const first = xb + yStart * rowX + xStart * C;
        for (let c = 0; c < C; c++) {
          best[c] = x[first + c];
          arg[c] = first + c;
        }
        for (let yy = yStart; yy < yEnd; yy++) {
          for (let xx = yy === yStart ? xStart + 1 : xStart; xx < xEnd; xx++) {
            const p = xb + yy * rowX + xx * C;
            for (let c = 0; c < C; c++) {
              const v = x[p + c];
              if (v > best[c]) {
                best[c] = v;
                arg[c] = p + c;
              }
            }
          }
        }
        for (let c = 0; c < C; c++) dx[arg[c]] += dy[o + c];
      }
    }
  }
}

/**
 * dx += gradient of TensorFlow's average pool (NHWC): each dy value is
 * spread evenly over the non-padded elements of its window. `dx` must be
 * zeroed by the caller.
 */
export function avgPoolGradInto(dy: Float32Array, dx: Float32Array, g: PoolGeometry): void {
  const C = g.channels;
  const rowX = g.inWidth * C;
  const imgX = g.inHeight * rowX;
  let o = 0;
  for (let b = 0; b < g.batchSize; b++) {
    const xb = b * imgX;
    for (let oy = 0; oy < g.outHeight; oy++) {
      const y0 = oy * g.strideHeight - g.padTop;
      const yStart = Math.max(0, y0);
      const yEnd = Math.min(g.inHeight, y0 + g.filterHeight);
      for (let ox = 0; ox < g.outWidth; ox++, o += C) {
        const x0 = ox * g.strideWidth - g.padLeft;
        const xStart = Math.max(0, x0);
        const xEnd = Math.min(g.inWidth, x0 + g.filterWidth);
        const count = (yEnd - yStart) * (xEnd - xStart);
        if (count <= 0) continue;
        const scale = 1 / count;
        for (let yy = yStart; yy < yEnd; yy++) {
          for (let xx = xStart; xx < xEnd; xx++) {
            const p = xb + yy * rowX + xx * C;
            for (let c = 0; c < C; c++) dx[p + c] += dy[o + c] * scale;
          }
        }
      }
    }
  }
}

function float32Only(kernel: string, ...ts: tf.TensorInfo[]): void {
  for (const t of ts) {
    if (t.dtype !== 'float32') throw new Error(`${kernel} (audio-aug-lab kernel): float32 only, got ${t.dtype}`);
  }
}

/** KernelConfig replacing the wasm backend's MaxPoolGrad. */
export function wasmMaxPoolGradConfig(): tf.KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const dy = kernelInput(inputs, 'dy', tf.MaxPoolGrad);
      const input = kernelInput(inputs, 'input', tf.MaxPoolGrad);
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
      float32Only(tf.MaxPoolGrad, dy, input);
      const info = tf.backend_util.computePool2DInfo(
        input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
      return computeOnBackend('wasm', backend as tf.KernelBackend, input.shape, [input, dy], ([xv, dyv], dx) => {
        dx.fill(0); // a fresh wasm output holds whatever the heap held
        maxPoolGradInto(xv!, dyv!, dx, poolGeometry(info));
      });
    },
  };
}

/** KernelConfig replacing AvgPoolGrad on the wasm or cpu backend. */
export function avgPoolGradConfig(backendName: 'wasm' | 'cpu'): tf.KernelConfig {
  return {
    kernelName: tf.AvgPoolGrad,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const dy = kernelInput(inputs, 'dy', tf.AvgPoolGrad);
      const input = kernelInput(inputs, 'input', tf.AvgPoolGrad);
      float32Only(tf.AvgPoolGrad, dy, input);
      const { filterSize, strides, pad } = attrs as unknown as tf.AvgPoolGradAttrs;
      const info = tf.backend_util.computePool2DInfo(
        input.shape as [number, number, number, number], filterSize, strides, 1, pad);
      return computeOnBackend(backendName, backend as tf.KernelBackend, input.shape, [dy], ([dyv], dx) => {
        dx.fill(0);
        avgPoolGradInto(dyv!, dx, poolGeometry(info));
      });
    },
  };
}
