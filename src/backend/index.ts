/**
 * Picks the compute backend once per process and registers the training
 * kernels it needs.
 *
 * Order: @tensorflow/tfjs-node-gpu, then WebGPU on a HARDWARE adapter
 * (@tensorflow/tfjs-backend-webgpu on Dawn's Node bindings, the npm package
 * `webgpu`; ./webgpu/), then @tensorflow/tfjs-node (all three optional;
 * loaded by a dynamic import through a variable so `tsc` passes without
 * them), else tfjs-backend-wasm, else the pure-JS cpu backend. One line
 * naming the choice and why goes to stderr, e.g.
 *   audio-aug-lab backend: wasm (tfjs 4.22.0, SIMD, 1 thread) — tensorflow-gpu: tfjs-node-gpu not installed; webgpu: vulkan: no Vulkan loader (libvulkan.so.1); tfjs-node not installed
 * For webgpu the line names the adapter (vendor, architecture, device,
 * driver, Vulkan or OpenGL) and its limits.
 *
 * A software WebGPU adapter (Mesa llvmpipe, SwiftShader, ...) is never
 * chosen automatically: it is slower than wasm. Forcing webgpu allows it.
 *
 * Overrides: `initBackend({ prefer })` tries that backend first and falls
 * back along the order above; the environment variable
 * AUDIO_AUG_LAB_BACKEND=cpu|wasm|tensorflow|webgpu (the CLI's `--backend`
 * sets it, so worker processes inherit it) forces one and fails loudly if
 * it cannot be loaded.
 *
 * Notes:
 * - Everything in audio-aug-lab imports tf as `import * as tf from
 *   '@tensorflow/tfjs'`. In Node that package registers only the cpu
 *   backend: its webgl backend registers itself only when
 *   `device_util.isBrowser()`, so nothing else competes with this choice.
 * - wasm multithreading is not used: tfjs-backend-wasm 4.22 turns it off
 *   under Node (WASM_HAS_MULTITHREAD_SUPPORT is false there) and getting it
 *   to work needs fragile patches for little gain. Parallelism comes from
 *   processes/workers sharing the thread budget in ./threads.ts.
 * - The training kernels in ./kernels/ (conv and depthwise-conv gradients,
 *   corrected pooling gradients) are registered on wasm and cpu whichever is
 *   chosen, so code that later switches with tf.setBackend still trains
 *   correctly.
 * - With the optional native addon (./native/, OpenBLAS) built, the
 *   convolutions and their gradients on wasm and cpu run through it, and the
 *   backend is named e.g. "wasm+openblas". AUDIO_AUG_LAB_NATIVE=0 turns it off.
 * - The fused layers of ./fused/ (batch norm in training mode, whole-sequence
 *   GRU) are installed for wasm and cpu unless AUDIO_AUG_LAB_FUSED=0.
 * - `computeLabel(info, workers)` names what trains, e.g. "wasm+openblas x2 workers".
 * - On webgpu the fused layers and native kernels are not used (they are
 *   wasm/cpu code); the models run through the stock tfjs-layers code and
 *   tfjs-backend-webgpu's kernels. dataSync does not work there in Node:
 *   read tensors with `await t.data()`.
 * - The GPU device is released on 'beforeExit' (and by releaseBackend()), so
 *   a process that chose webgpu exits when its work is done.
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '../util/errors.js';
import { nativeKernelsActive, registerTrainingKernels } from './kernels/register.js';
import { guardWasmMalloc } from './heap.js';
import { nativeStatus } from './native/index.js';
import { FUSED_ENV, fusedLayersInstalled, installFusedLayers } from './fused/layers.js';
import { releaseWebgpu, tryWebgpu } from './webgpu/index.js';

export type BackendName = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** Which backend is active. */
  name: BackendName;
  /** Human-readable description, recorded with every result. */
  description: string;
  /** Why this one (e.g. why tfjs-node was not used). */
  reason: string;
  /** The native (OpenBLAS) kernels are registered on the chosen backend. */
  native: boolean;
  /** The fused batch-norm / GRU layers are in use. */
  fused: boolean;
  /** webgpu only: the adapter is a software rasteriser (forced; slower than wasm). */
  software?: boolean;
}

/** A backend that can be asked for by name (`prefer`, AUDIO_AUG_LAB_BACKEND, `--backend`). */
export type ChoosableBackend = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const CHOOSABLE_BACKENDS: readonly ChoosableBackend[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

/** Short name of what computes, e.g. "wasm+openblas x2 workers" or "cpu". */
export function computeLabel(info: Pick<BackendInfo, 'name' | 'native'>, workers = 1): string {
  return `${info.name}${info.native ? '+openblas' : ''}${workers > 1 ? ` x${workers} workers` : ''}`;
}

/** computeLabel for the backend active now (whether or not initBackend chose it). */
export function activeComputeLabel(workers = 1): string {
  const name = tf.getBackend() as BackendName;
  return computeLabel({ name, native: nativeKernelsActive(name) }, workers);
}

export interface InitBackendOptions {
  /** Try this one first, then the default order. */
  prefer?: ChoosableBackend;
  /** Do not log the one-line summary. */
  quiet?: boolean;
}

export const BACKEND_ENV = 'AUDIO_AUG_LAB_BACKEND';

type Candidate = BackendName;
const DEFAULT_ORDER: Candidate[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

type Attempt = { ok: true; description: string; software?: boolean } | { ok: false; why: string };

const require = createRequire(import.meta.url);

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

function isNotInstalled(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

async function tryTensorflow(gpu: boolean): Promise<Attempt> {
  const pkg = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  let mod: { version?: Record<string, string> };
  try {
    const name = pkg; // through a variable: tsc must not resolve the optional package
    mod = (await import(name)) as typeof mod;
  } catch (e) {
    const short = pkg.split('/')[1];
    return { ok: false, why: isNotInstalled(e) ? `${short} not installed` : `${short} failed to load: ${firstLine(e)}` };
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    return { ok: false, why: `${pkg} loaded but registered its backend with another copy of tfjs-core` };
  }
  if (!(await tf.setBackend('tensorflow'))) {
    return { ok: false, why: `${pkg} backend failed to initialise` };
  }
  const version = mod.version?.[gpu ? 'tfjs-node-gpu' : 'tfjs-node'] ?? tf.version.tfjs;
  return { ok: true, description: `${gpu ? 'tensorflow-gpu' : 'tensorflow'} (${pkg.split('/')[1]} ${version}, libtensorflow)` };
}

/** Folder holding the tfjs-backend-wasm .wasm binaries, resolved on disk (AUDIO_AUG_LAB_WASM_DIR overrides: the GPU bundle carries them beside its script). */
export function wasmBinaryDir(): string {
  const dir = process.env.AUDIO_AUG_LAB_WASM_DIR;
  if (dir) return dir.endsWith(sep) ? dir : dir + sep;
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + sep;
}

let wasmLoaded: Promise<string | null> | undefined;

/**
 * Imports tfjs-backend-wasm (registering the 'wasm' backend factory; the
 * binary itself loads only on tf.setBackend('wasm')) and points it at its
 * .wasm files on disk. Resolves to null, or to why it failed.
 */
function loadWasmPackage(): Promise<string | null> {
  wasmLoaded ??= import('@tensorflow/tfjs-backend-wasm').then(
    (wasm) => {
      wasm.setWasmPaths(wasmBinaryDir());
      return null;
    },
    (e: unknown) => `tfjs-backend-wasm failed to load: ${firstLine(e)}`,
  );
  return wasmLoaded;
}

async function tryWasm(): Promise<Attempt> {
  const failed = await loadWasmPackage();
  if (failed) return { ok: false, why: failed };
  try {
    if (!(await tf.setBackend('wasm'))) return { ok: false, why: 'wasm backend failed to initialise' };
  } catch (e) {
    return { ok: false, why: `wasm backend failed: ${firstLine(e)}` };
  }
  guardWasmMalloc();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return { ok: true, description: `wasm (tfjs ${tf.version.tfjs}, ${simd ? 'SIMD' : 'no SIMD'}, 1 thread)` };
}

async function tryCpu(): Promise<Attempt> {
  if (!(await tf.setBackend('cpu'))) return { ok: false, why: 'cpu backend failed to initialise' };
  // The cpu backend prints a multi-line "install tfjs-node" banner on first
  // use; our own one-line log already says which backend runs and why.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return { ok: true, description: `cpu (tfjs ${tf.version.tfjs}, pure JavaScript)` };
}

function attempt(c: Candidate, allowSoftwareGpu: boolean): Promise<Attempt> {
  switch (c) {
    case 'tensorflow-gpu':
      return tryTensorflow(true);
    case 'webgpu':
      return tryWebgpu({ allowSoftware: allowSoftwareGpu });
    case 'tensorflow':
      return tryTensorflow(false);
    case 'wasm':
      return tryWasm();
    case 'cpu':
      return tryCpu();
  }
}

function parseEnvBackend(value: string | undefined): ChoosableBackend | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if ((CHOOSABLE_BACKENDS as readonly string[]).includes(v)) return v as ChoosableBackend;
  throw new InvalidParameterError(`${BACKEND_ENV} must be one of ${CHOOSABLE_BACKENDS.join(', ')}; got '${value}'`);
}

async function choose(opts: InitBackendOptions): Promise<BackendInfo> {
  const forced = parseEnvBackend(process.env[BACKEND_ENV]);
  let order: Candidate[];
  if (forced) {
    order = forced === 'tensorflow' ? ['tensorflow-gpu', 'tensorflow'] : [forced];
  } else if (opts.prefer) {
    const first: Candidate[] = opts.prefer === 'tensorflow' ? ['tensorflow-gpu', 'tensorflow'] : [opts.prefer];
    order = [...first, ...DEFAULT_ORDER.filter((c) => !first.includes(c))];
  } else {
    order = DEFAULT_ORDER;
  }
  const skipped: string[] = [];
  // A software WebGPU adapter only when webgpu was asked for by name.
  const allowSoftwareGpu = (forced ?? opts.prefer) === 'webgpu';
  for (const c of order) {
    const a = await attempt(c, allowSoftwareGpu);
    if (!a.ok) {
      skipped.push(a.why);
      continue;
    }
    // Register on both JS backends so a later tf.setBackend switch still
    // trains correctly (the wasm package is loaded for that even when not chosen).
    await loadWasmPackage();
    registerTrainingKernels('wasm');
    registerTrainingKernels('cpu');
    const jsBackend = c === 'wasm' || c === 'cpu';
    if (jsBackend && process.env[FUSED_ENV] !== '0') installFusedLayers();
    const native = jsBackend && nativeKernelsActive(c);
    const fused = jsBackend && fusedLayersInstalled();
    const extras = [native ? nativeStatus().reason : '', fused ? 'fused batch norm + GRU' : '']
      .filter(Boolean)
      .join('; ');
    let description = a.description;
    if (jsBackend) {
      description = `${c}${native ? '+openblas' : ''}` + a.description.slice(c.length);
      if (extras) description = description.replace(/\)$/, `; ${extras})`);
    }
    const tried = skipped.join('; ');
    let reason: string;
    if (forced) reason = `${BACKEND_ENV}=${forced}` + (tried ? ` (${tried})` : '');
    else if (opts.prefer && !c.startsWith(opts.prefer)) reason = `preferred ${opts.prefer} unavailable: ${tried}`;
    else if (opts.prefer) reason = `preferred ${opts.prefer}` + (tried ? ` (${tried})` : '');
    else reason = tried || 'first choice';
    if (c === 'webgpu') process.once('beforeExit', releaseWebgpu);
    return { name: c, description, reason, native, fused, ...(c === 'webgpu' ? { software: a.ok && a.software === true } : {}) };
  }
  const what = forced ? `${BACKEND_ENV}=${forced}` : 'no backend';
  throw new InvalidParameterError(`${what} could not be loaded: ${skipped.join('; ')}`);
}

let chosen: Promise<BackendInfo> | undefined;

/**
 * Picks and initialises the backend (once per process; later calls return
 * the same info whatever their options) and logs one line naming it.
 */
export function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  chosen ??= choose(opts).then(
    (info) => {
      if (!opts.quiet) process.stderr.write(`audio-aug-lab backend: ${info.description} — ${info.reason}\n`);
      return info;
    },
    (e: unknown) => {
      chosen = undefined; // a failed choice (e.g. a bad env var) may be retried after fixing it
      throw e;
    },
  );
  return chosen;
}

/**
 * Releases what the chosen backend holds outside the JavaScript heap that
 * would keep the process alive (the WebGPU device and instance). After it,
 * tensors on that backend are gone; the choice is forgotten, so
 * initBackend picks again.
 */
export function releaseBackend(): void {
  releaseWebgpu();
  chosen = undefined;
}
