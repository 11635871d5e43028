/**
 * Mean with float64 accumulation on wasm.
 *
 * Stock tfjs-backend-wasm 4.22 computes Mean by summing each reduction in a
 * float32 accumulator, one element after another. tf.moments, and with it
 * the stock tfjs-layers BatchNormalization in training mode, takes the
 * batch mean and the batch variance with Mean over every axis but the
 * channel: hundreds of thousands to millions of float32 additions per
 * channel. Measured (test/fidelity/mean-kernel.test.ts): on 2.8M rows of
 * N(5, 1) data the stock variance was off by 2.5e-3 relative and the mean
 * by 2.4e-4 standard deviations, against 6e-8 on the cpu backend (whose
 * Mean divides, then sums in JavaScript doubles). The error depends on the
 * order of the rows: shuffling a batch changed the stock-layers path's
 * (AUDIO_AUG_LAB_FUSED=0) wasm gradients by up to 3e-1 of a layer's
 * largest gradient, and they were off the float64 reference by as much
 * (test/fidelity/measure.ts).
 *
 * Here a mean over a CONTIGUOUS run of axes (all but the last: batch
 * statistics; the middle ones: global pooling; the last ones; all) is one
 * pass with float64 accumulators (the native addon's double-precision
 * channel sums for the leading case when it is loaded), divided in float64
 * and rounded once. Other axis sets and non-float32 inputs use the stock
 * kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { nativeAddon } from '../native/index.js';
import { computeOnBackend, kernelInput } from './tensor-util.js';

/**
 * For x viewed as [outer, reduce, inner] (row-major), out[o * inner + i] =
 * mean over r of x[(o * reduce + r) * inner + i], accumulated in float64.
 */
export function blockMean(x: Float32Array, outer: number, reduce: number, inner: number, out: Float32Array): void {
  const native = nativeAddon();
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * reduce * inner;
    acc.fill(0);
    if (inner === 1) {
      let s = 0;
      for (let r = 0; r < reduce; r++) s += x[base + r];
      acc[0] = s;
    } else if (native && inner >= 4) {
      native.batchNormStats(x.subarray(base, base + reduce * inner), reduce, inner, null, acc);
    } else {
      for (let r = 0, p = base; r < reduce; r++, p += inner) for (let i = 0; i < inner; i++) acc[i] += x[p + i];
    }
    for (let i = 0; i < inner; i++) out[o * inner + i] = acc[i] / reduce;
  }
}

/** [outer, reduce, inner] of a reduction over `axes` (sorted, unique), or null when they are not contiguous. */
export function contiguousReduction(shape: readonly number[], axes: readonly number[]): [number, number, number] | null {
  if (axes.length === 0) return null;
  for (let k = 1; k < axes.length; k++) if (axes[k] !== axes[k - 1] + 1) return null;
  const first = axes[0];
  const last = axes[axes.length - 1];
  const prod = (a: number, b: number) => shape.slice(a, b).reduce((p, d) => p * d, 1);
  return [prod(0, first), prod(first, last + 1), prod(last + 1, shape.length)];
}

export function meanConfig(backendName: string, stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Mean,
    backendName,
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => {
      const x = kernelInput(args.inputs, 'x', tf.Mean);
      const { axis, keepDims } = args.attrs as unknown as tf.MeanAttrs;
      const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
      const block = x.dtype === 'float32' && tf.util.sizeFromShape(x.shape) > 0 ? contiguousReduction(x.shape, axes) : null;
      if (!block) return stock.kernelFunc(args);
      const [outer, reduce, inner] = block;
      const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
      return computeOnBackend(backendName, args.backend as tf.KernelBackend, outShape, [x], ([xv], out) => blockMean(xv!, outer, reduce, inner, out));
    },
  };
}
