/**
 * Registers audio-aug-lab's gradient kernels on the wasm and cpu backends.
 *
 * What is replaced and why (tfjs 4.22; see test/backend/ for the parity
 * checks and the informal timings that chose the cpu set):
 *   wasm  Conv2DBackpropFilter                 missing in stock -> forward-conv kernel
 *   wasm  Conv2DBackpropInput                  stock is a scalar loop -> forward-conv kernel
 *   wasm  DepthwiseConv2dNativeBackpropFilter  missing in stock -> forward depthwise kernel
 *   wasm  DepthwiseConv2dNativeBackpropInput   missing in stock -> forward depthwise kernel
 *   wasm  MaxPoolGrad                          stock WRONG (1x2, 2x2, any 'same') -> JS heap kernel
 *   wasm  AvgPoolGrad                          stock wrong at 'same' borders -> JS heap kernel
 *   wasm  Reverse (not of the last axis), Sum (over all axes but the last)
 *                                              slow stock loops -> block copies / one pass (./reverse-sum.ts)
 *   wasm  Identity                             stock copies every tensor saved for backward -> shares the data
 *                                              (./identity-matmul.ts)
 *   wasm  Mean (over contiguous axes)          stock accumulates in float32: batch-norm moments off by
 *                                              up to ~1e-3 -> one pass, float64 accumulation (./mean.ts)
 *   wasm  Conv2D, FusedConv2D, DepthwiseConv2dNative, FusedDepthwiseConv2D
 *                                              stock forward WRONG for 'same' with non-square
 *                                              kernels and strides -> stock kernel, explicit pads
 *   cpu   Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter (faster; see CPU_KERNELS)
 *   cpu   AvgPoolGrad                          stock wrong at 'same' borders -> JS kernel
 * With the optional native addon (../native/: im2col + OpenBLAS), on wasm
 * AND cpu, wrapping whatever is registered for them (used for what the addon
 * does not cover: NCHW, dilations, fused activations other than relu):
 *   Conv2D, FusedConv2D, Conv2DBackpropFilter, Conv2DBackpropInput -> ./native-conv.ts
 *   MaxPoolGrad                                                     -> ./native-pool.ts
 *   BatchMatMul (rank 2-3)                                          -> ./identity-matmul.ts
 * The stock configs are kept so `unregisterTrainingKernels` can restore them
 * (tests use that to compare against the stock cpu reference kernels).
 */
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig, conv2DBackpropInputConfig } from './conv2d-grad.js';
import {
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
} from './depthwise-conv2d-grad.js';
import { explicitSamePadConfig } from './same-padding.js';
import { avgPoolGradConfig, wasmMaxPoolGradConfig } from './pool-grad.js';
import { nativeAddon, type NativeAddon } from '../native/index.js';
import { nativeConvFilterGradConfig, nativeConvForwardConfig, nativeConvInputGradConfig } from './native-conv.js';
import { nativeMaxPoolGradConfig } from './native-pool.js';
import { reverseConfig, sumConfig } from './reverse-sum.js';
import { nativeBatchMatMulConfig, sharedIdentityConfig } from './identity-matmul.js';
import { meanConfig } from './mean.js';

type Factory = (backendName: string, stock?: tf.KernelConfig) => tf.KernelConfig;

function required(name: string, stock: tf.KernelConfig | undefined): tf.KernelConfig {
  if (!stock) throw new Error(`audio-aug-lab: the backend has no stock '${name}' kernel to wrap`);
  return stock;
}

const WASM_KERNELS: Record<string, Factory> = {
  [tf.Conv2DBackpropFilter]: conv2DBackpropFilterConfig,
  [tf.Conv2DBackpropInput]: conv2DBackpropInputConfig,
  [tf.DepthwiseConv2dNativeBackpropFilter]: depthwiseConv2dNativeBackpropFilterConfig,
  [tf.DepthwiseConv2dNativeBackpropInput]: depthwiseConv2dNativeBackpropInputConfig,
  [tf.MaxPoolGrad]: () => wasmMaxPoolGradConfig(),
  [tf.AvgPoolGrad]: () => avgPoolGradConfig('wasm'),
  [tf.Conv2D]: (_b, stock) => explicitSamePadConfig(tf.Conv2D, false, required(tf.Conv2D, stock)),
  [tf.FusedConv2D]: (_b, stock) => explicitSamePadConfig(tf.FusedConv2D, false, required(tf.FusedConv2D, stock)),
  [tf.DepthwiseConv2dNative]: (_b, stock) =>
    explicitSamePadConfig(tf.DepthwiseConv2dNative, true, required(tf.DepthwiseConv2dNative, stock)),
  [tf.FusedDepthwiseConv2D]: (_b, stock) =>
    explicitSamePadConfig(tf.FusedDepthwiseConv2D, true, required(tf.FusedDepthwiseConv2D, stock)),
  [tf.Reverse]: (b, stock) => reverseConfig(b, required(tf.Reverse, stock)),
  [tf.Sum]: (b, stock) => sumConfig(b, required(tf.Sum, stock)),
  [tf.Identity]: (_b, stock) => sharedIdentityConfig(required(tf.Identity, stock)),
  [tf.Mean]: (b, stock) => meanConfig(b, required(tf.Mean, stock)),
};

// cpu: only where the forward-conv form measured faster than stock (informal,
// this 2-core machine, x [8, 32, 31, C], 3x3 'same'): Conv2DBackpropFilter
// 11.7 s -> 0.28 s (stride 1) and 4.0 s -> 0.12 s (stride 2), depthwise
// filter gradient 0.70 s -> 0.20 s (stride 1; equal at stride 2). The stock
// cpu input gradients were faster (conv 165 vs 244 ms, depthwise 44 vs 57 ms)
// and stay.
const CPU_KERNELS: Record<string, Factory> = {
  [tf.Conv2DBackpropFilter]: conv2DBackpropFilterConfig,
  [tf.DepthwiseConv2dNativeBackpropFilter]: depthwiseConv2dNativeBackpropFilterConfig,
  [tf.AvgPoolGrad]: () => avgPoolGradConfig('cpu'),
};

const KERNELS: Record<string, Record<string, Factory>> = { wasm: WASM_KERNELS, cpu: CPU_KERNELS };

type NativeWrapper = (native: NativeAddon, inner: tf.KernelConfig) => tf.KernelConfig;

const NATIVE_KERNELS: Record<string, NativeWrapper> = {
  [tf.Conv2D]: (n, inner) => nativeConvForwardConfig(n, inner, false),
  [tf.FusedConv2D]: (n, inner) => nativeConvForwardConfig(n, inner, true),
  [tf.Conv2DBackpropFilter]: nativeConvFilterGradConfig,
  [tf.Conv2DBackpropInput]: nativeConvInputGradConfig,
  [tf.MaxPoolGrad]: nativeMaxPoolGradConfig,
  [tf.BatchMatMul]: nativeBatchMatMulConfig,
};

export interface RegisterOptions {
  /** Use the native addon's kernels when it is loaded (default true). */
  native?: boolean;
}

/** The factories for `backendName`, with the native wrappers when asked and available. */
function tableFor(backendName: string, opts: RegisterOptions): Record<string, Factory> {
  const table: Record<string, Factory> = { ...(KERNELS[backendName] ?? {}) };
  const native = opts.native === false ? null : nativeAddon();
  if (native) {
    for (const [name, wrapNative] of Object.entries(NATIVE_KERNELS)) {
      const inner: Factory = table[name] ?? ((_b, stock) => required(name, stock));
      table[name] = (b, stock) => wrapNative(native, inner(b, stock));
    }
  }
  return table;
}

/** Stock configs displaced by registerTrainingKernels, per backend (null: there was none). */
const displaced = new Map<string, Map<string, tf.KernelConfig | null>>();

/** Kernel names this module replaces on `backendName` (empty for other backends). */
export function trainingKernelNames(backendName: string, opts: RegisterOptions = {}): string[] {
  if (!KERNELS[backendName]) return [];
  return Object.keys(tableFor(backendName, opts));
}

/** Whether the native kernels are registered on `backendName`. */
export function nativeKernelsActive(backendName: string): boolean {
  return nativeRegistered.get(backendName) ?? false;
}

const nativeRegistered = new Map<string, boolean>();

/**
 * Registers the replacement kernels for `backendName` ('wasm' or 'cpu';
 * other backends are left alone). Idempotent. Returns the kernel names
 * registered; empty if that backend's package is not loaded yet (its stock
 * kernels, some of which are wrapped, do not exist then; call again after
 * loading it).
 */
export function registerTrainingKernels(backendName: string, opts: RegisterOptions = {}): string[] {
  if (!KERNELS[backendName] || tf.findBackendFactory(backendName) == null) return [];
  if (displaced.has(backendName)) return [...displaced.get(backendName)!.keys()];
  const table = tableFor(backendName, opts);
  nativeRegistered.set(backendName, opts.native !== false && nativeAddon() !== null);
  const saved = new Map<string, tf.KernelConfig | null>();
  for (const [name, make] of Object.entries(table)) {
    const stock = tf.getKernel(name, backendName) ?? null;
    saved.set(name, stock);
    if (stock) tf.unregisterKernel(name, backendName);
    tf.registerKernel(make(backendName, stock ?? undefined));
  }
  displaced.set(backendName, saved);
  return [...saved.keys()];
}

/**
 * The stock kernel registerTrainingKernels displaced for `kernelName` on
 * `backendName` (null: there was none; undefined: not replaced / not
 * registered), e.g. for tests that compare against it.
 */
export function displacedKernel(backendName: string, kernelName: string): tf.KernelConfig | null | undefined {
  return displaced.get(backendName)?.get(kernelName);
}

/** Restores the stock kernels (or their absence) on `backendName`. */
export function unregisterTrainingKernels(backendName: string): void {
  const saved = displaced.get(backendName);
  if (!saved) return;
  for (const [name, stock] of saved) {
    tf.unregisterKernel(name, backendName);
    if (stock) tf.registerKernel(stock);
  }
  displaced.delete(backendName);
  nativeRegistered.delete(backendName);
}

