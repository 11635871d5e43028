/**
 * Turns the wasm backend's bare `RuntimeError: Aborted()` into an error a
 * user can act on.
 *
 * tfjs-backend-wasm is a 32-bit WebAssembly module: all of its tensors live
 * in one heap of at most 4 GB (emscripten's getHeapMax, 4294901760 bytes).
 * When a training step needs more (the activations kept for the backward
 * pass grow with batch x time x frequency x channels), its allocator aborts
 * and the module is dead for the rest of the process. Measured: the hu2020
 * Resnet-d (48 filters, full 423 x 128 x 3 input) at batch 32 aborts even at
 * width 0.25 on one replica, and runs with 2 data-parallel replicas (each
 * has its own heap and half the batch).
 *
 * Worse, the module's JavaScript side does not check its allocator: when
 * `_malloc` fails it returns 0 and tfjs writes the tensor at heap offset 0,
 * over the module's own data (measured here: 16 tensors of 256 MB gave the
 * 16th offset 0, the 17th an offset inside another live tensor, then "memory
 * access out of bounds"). Results computed after that are garbage.
 * `guardWasmMalloc()` (installed by initBackend) makes such an allocation
 * throw a BackendMemoryError instead, before anything is written.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendMemoryError } from '../util/errors.js';

/** emscripten's getHeapMax() in tfjs-backend-wasm 4.22. */
export const WASM_HEAP_MAX_BYTES = 4294901760;

let guarded = false;

/**
 * Wraps the wasm module's `_malloc` so a failed allocation (0 returned, or
 * a request the 32-bit module cannot address) throws BackendMemoryError
 * naming the size and the live tensor memory. Idempotent; a no-op when the
 * wasm backend is not registered.
 */
export function guardWasmMalloc(): void {
  if (guarded) return;
  const backend = tf.findBackend('wasm') as unknown as {
    wasm?: { _malloc: (n: number) => number; asm?: { malloc?: (n: number) => number } };
  } | null;
  const mod = backend?.wasm;
  if (!mod) return;
  // emscripten's `Module._malloc` is a stub that replaces itself with the raw
  // export on first call (which would drop this wrapper): wrap the export.
  const malloc = mod.asm?.malloc ?? mod._malloc.bind(mod);
  mod._malloc = (n: number): number => {
    const p = n > 0 && n < WASM_HEAP_MAX_BYTES ? malloc(n) : 0;
    if (p === 0 && n > 0) {
      throw new BackendMemoryError(
        `the wasm backend could not allocate ${(n / 2 ** 20).toFixed(1)} MB: its heap holds at most ` +
          `${(WASM_HEAP_MAX_BYTES / 2 ** 30).toFixed(0)} GB and has no room left (${tf.memory().numTensors} tensors live). ` +
          'Options: data-parallel workers (fit option `workers`: each replica has its own heap and a share of the batch), ' +
          'a smaller batch or input, or @tensorflow/tfjs-node where it installs.',
      );
    }
    return p;
  };
  guarded = true;
}

/** True for the error an aborted emscripten module throws (also when relayed from a worker). */
export function isWasmAbort(e: unknown): boolean {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return /Aborted\(/.test(msg) && (e instanceof WebAssembly.RuntimeError || /RuntimeError|wasm/i.test(msg));
}

/**
 * Runs `f`; a wasm abort becomes a BackendMemoryError that says what was
 * running (`what()`, e.g. "training step at batch 32, input 423x128x3"),
 * how much tensor memory was live, and what to do. Other errors pass through.
 */
export function explainBackendAbort<T>(f: () => T, what: () => string): T {
  try {
    return f();
  } catch (e) {
    if (!isWasmAbort(e)) throw e;
    // tf.memory().numBytes is not the heap's use: tensors sharing a buffer
    // are counted once each, so it can exceed the heap. Count tensors instead.
    let live = '';
    try {
      live = `; ${tf.memory().numTensors} tensors were live`;
    } catch {
      /* the engine may be unusable after the abort */
    }
    throw new BackendMemoryError(
      `the wasm backend aborted during ${what()}${live}. Its heap holds at most ${(WASM_HEAP_MAX_BYTES / 2 ** 30).toFixed(0)} GB ` +
        'and this step most likely needed more; the wasm module cannot be used again in this process. ' +
        'Options: data-parallel workers (fit option `workers`, each replica has its own heap and a share of the batch), ' +
        'a smaller batch or input, or @tensorflow/tfjs-node where it installs. (original: ' +
        `${e instanceof Error ? e.message.split('\n')[0] : String(e)})`,
    );
  }
}
