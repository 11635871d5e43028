/**
 * The 'webgpu' backend: @tensorflow/tfjs-backend-webgpu 4.22 (optional
 * dependency) on an adapter found by ./adapter.ts through Dawn's Node
 * bindings (optional dependency `webgpu`).
 *
 * How it is wired, and why:
 * - Node 20 has no `navigator`; tfjs-backend-webgpu registers its own
 *   backend factory at import time only when `navigator.gpu` exists, and its
 *   WebGPUBackend constructor checks for it. We import the package first
 *   (its kernels register unconditionally), then set `navigator.gpu` and
 *   Dawn's globals (GPUBufferUsage, ...), and register a factory of our own
 *   that builds WebGPUBackend on the adapter we chose. So tfjs never calls
 *   `requestAdapter` itself (it would not pass the compatibility feature
 *   level the OpenGL route needs, and it pushes a nested array
 *   ['bgra8unorm-storage'] into requiredFeatures, which Dawn rejects).
 * - Two stock kernels are wrong for training and are replaced on 'webgpu'
 *   (./kernels.ts): MaxPoolGrad (ties) and AvgPoolGrad ('same' borders);
 *   AddN is split into chunks the device can bind.
 * - The device asks for the adapter's own limits for buffer sizes and
 *   workgroups (as tfjs does), so large convolutions fit.
 * - Synchronous reads (dataSync) do not work in Node: tfjs-webgpu's readSync
 *   needs OffscreenCanvas. Code that must run on webgpu reads with
 *   `await t.data()`: the training loop, evaluation, the plan's throughput
 *   probe, hu2020's quantised evaluation (src/quantize/read.ts). A tensor
 *   made from values, or read asynchronously once, keeps a CPU copy, so a
 *   later dataSync of it works. Synchronous reads left in src/ (checked
 *   2026-12): none in training under either framework profile (the
 *   keras-2.2.4-tf1 batch-norm moving statistics are tensor ops with their
 *   debias state held as tensors: ../fused/moving-statistics.ts). Fine on
 *   webgpu: checkpoint.ts (fit prefetches the weights and the debias state
 *   first), fit.ts's restoreZeroDebias (tensors made from a checkpoint
 *   file). CPU-only by design: the other src/backend/fused/* ops, the
 *   data-parallel replicas (train/data-parallel.ts, replica-step.ts), the
 *   synchronous quantize functions and src/viz/models.ts (notebooks).
 * - Errors the device reports out of band (out of memory, validation, lost
 *   device) are collected here; `deviceTrouble()` returns and clears them, so
 *   the trainer can name the step that failed (./memory.ts).
 * - A Node process must not keep the GPU instance alive past its work:
 *   `releaseWebgpu()` disposes the backend, destroys the device and drops
 *   every reference (navigator.gpu included); initBackend calls it on
 *   'beforeExit'.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { copyLimits, describeAdapter, loadDawn, probeAdapter, type FoundAdapter, type GpuDeviceLike, type GpuLimits } from './adapter.js';
import { registerWebgpuTrainingKernels } from './kernels.js';
import { importOptional } from './modules.js';

export { describeAdapter, isSoftwareAdapter, probeAdapter, sharedLibraryFound } from './adapter.js';

export type WebgpuAttempt =
  | { ok: true; description: string; software: boolean; adapter: string }
  | { ok: false; why: string };

interface WebgpuPackage {
  WebGPUBackend: new (device: GpuDeviceLike, adapterInfo: unknown) => tf.KernelBackend;
}

const require = createRequire(import.meta.url);

interface Held {
  found: FoundAdapter;
  device: GpuDeviceLike;
  /** Out-of-band device errors not yet reported. */
  trouble: string[];
  lost: string | null;
}

let held: Held | null = null;

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

async function loadTfjsWebgpu(): Promise<WebgpuPackage | string> {
  try {
    return await importOptional<WebgpuPackage>('@tensorflow/tfjs-backend-webgpu'); // through a variable: tsc must not need the optional package
  } catch (e) {
    const code = (e as { code?: string } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return 'tfjs-backend-webgpu not installed';
    return `tfjs-backend-webgpu failed to load: ${firstLine(e)}`;
  }
}

function packageVersion(name: string): string {
  if (name === '@tensorflow/tfjs-backend-webgpu' && process.env.AUDIO_AUG_LAB_TFJS_WEBGPU_VERSION) return process.env.AUDIO_AUG_LAB_TFJS_WEBGPU_VERSION;
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

/**
 * Finds an adapter (hardware only unless allowSoftware), registers the
 * 'webgpu' backend on it and makes it active. On failure nothing is left
 * registered and the reason is returned.
 */
export async function tryWebgpu(opts: { allowSoftware: boolean }): Promise<WebgpuAttempt> {
  if (held !== null) {
    if (!(await tf.setBackend('webgpu'))) return { ok: false, why: 'webgpu backend failed to initialise' };
    return { ok: true, ...summary(held.found) };
  }
  const pkg = await loadTfjsWebgpu();
  if (typeof pkg === 'string') return { ok: false, why: pkg };
  // tfjs-backend-webgpu registers its own factory when navigator.gpu already
  // existed at its import (not in Node 20); ours replaces it.
  if (tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
  const probe = await probeAdapter({ allowSoftware: opts.allowSoftware });
  if (probe.found === null) return { ok: false, why: `webgpu: ${probe.why}` };
  const found = probe.found;
  const dawn = await loadDawn();
  if ('error' in dawn) return { ok: false, why: dawn.error };
  for (const [k, v] of Object.entries(dawn.mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  const nav = ((globalThis as unknown as { navigator?: Record<string, unknown> }).navigator ??= {});
  if (nav.gpu === undefined) {
    Object.defineProperty(nav, 'gpu', { value: found.gpu, configurable: true, writable: true });
  }
  const l = found.adapter.limits;
  let device: GpuDeviceLike;
  try {
    device = await found.adapter.requestDevice({
      requiredFeatures: found.adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
      // The adapter's own limits (as tfjs asks for): large convolutions need the
      // buffer sizes, and kernels with many inputs (AddN) bind one storage
      // buffer each.
      requiredLimits: { ...copyLimits(l) },
    });
  } catch (e) {
    return { ok: false, why: `webgpu: requestDevice failed on ${found.adapter.info.device}: ${firstLine(e)}` };
  }
  const h: Held = { found, device, trouble: [], lost: null };
  device.addEventListener('uncapturederror', (ev) => {
    if (h.trouble.length < 20) h.trouble.push(`${ev.error.constructor.name}: ${firstLine(ev.error.message)}`);
  });
  void device.lost.then((info) => {
    if (held === h && info.reason !== 'destroyed') h.lost = `device lost (${info.reason}): ${firstLine(info.message)}`;
  });
  held = h;
  tf.registerBackend('webgpu', () => new pkg.WebGPUBackend(device, found.adapter.info), 1);
  registerWebgpuTrainingKernels(l.maxStorageBuffersPerShaderStage); // corrected MaxPoolGrad / AvgPoolGrad, chunked AddN (./kernels.ts)
  try {
    if (!(await tf.setBackend('webgpu'))) {
      releaseWebgpu();
      return { ok: false, why: 'webgpu backend failed to initialise' };
    }
  } catch (e) {
    releaseWebgpu();
    return { ok: false, why: `webgpu backend failed: ${firstLine(e)}` };
  }
  return { ok: true, ...summary(found, probe.dawnVersion ?? '?') };
}

function summary(found: FoundAdapter, dawnVersion = packageVersion('webgpu')): { description: string; software: boolean; adapter: string } {
  const adapter = describeAdapter(found.adapter.info, found.adapter.limits, found.route);
  return {
    adapter,
    software: found.software,
    description:
      `webgpu (tfjs-backend-webgpu ${packageVersion('@tensorflow/tfjs-backend-webgpu')}, Dawn via webgpu ${dawnVersion}; ` +
      `${found.software ? 'SOFTWARE adapter: ' : ''}${adapter})`,
  };
}

/** Whether a webgpu device is held by this process. */
export function webgpuActive(): boolean {
  return held !== null;
}

/** The adapter in use, described as in the backend line, or null. */
export function webgpuAdapter(): { description: string; software: boolean } | null {
  return held ? { description: describeAdapter(held.found.adapter.info, held.found.adapter.limits, held.found.route), software: held.found.software } : null;
}

/** The held adapter's limits (what the device was created with), or null without a device. */
export function webgpuLimits(): GpuLimits | null {
  if (held === null) return null;
  return copyLimits(held.found.adapter.limits);
}

/** Errors the device reported out of band since the last call (and whether it was lost); clears them. */
export function deviceTrouble(): { errors: string[]; lost: string | null } {
  if (held === null) return { errors: [], lost: null };
  const out = { errors: held.trouble, lost: held.lost };
  held.trouble = [];
  return out;
}

export interface ScopedErrors {
  outOfMemory: string[];
  validation: string[];
  internal: string[];
  lost: string | null;
}

/**
 * Runs `f` inside WebGPU error scopes on the held device and returns what
 * the device reported meanwhile (out of memory, validation, internal, lost).
 * `f` must finish its GPU work before it resolves (reading a result with
 * `await data()` does: tfjs submits what it recorded before reading).
 * Without a held device it just runs `f`.
 */
export async function withDeviceErrors<T>(f: () => Promise<T>): Promise<{ result?: T; error?: unknown; errors: ScopedErrors }> {
  const errors: ScopedErrors = { outOfMemory: [], validation: [], internal: [], lost: null };
  const h = held;
  if (h === null) {
    try {
      return { result: await f(), errors };
    } catch (error) {
      return { error, errors };
    }
  }
  const scopes = ['internal', 'validation', 'out-of-memory'] as const;
  for (const s of scopes) h.device.pushErrorScope(s);
  let out: { result?: T; error?: unknown };
  try {
    out = { result: await f() };
  } catch (error) {
    out = { error };
  }
  for (const s of [...scopes].reverse()) {
    let e: { message: string } | null = null;
    try {
      e = await h.device.popErrorScope();
    } catch {
      /* the device was lost or destroyed meanwhile: reported below */
    }
    if (e) (s === 'out-of-memory' ? errors.outOfMemory : s === 'validation' ? errors.validation : errors.internal).push(firstLine(e.message));
  }
  const stray = deviceTrouble();
  for (const m of stray.errors) (m.startsWith('GPUOutOfMemoryError') ? errors.outOfMemory : m.startsWith('GPUValidationError') ? errors.validation : errors.internal).push(m);
  errors.lost = stray.lost;
  return { ...out, errors };
}

/**
 * Disposes the 'webgpu' backend (its buffers), destroys the device and drops
 * the GPU instance (navigator.gpu too), so the process can exit. Switches to
 * another registered backend if webgpu was active. Idempotent.
 */
export function releaseWebgpu(): void {
  if (held === null) return;
  const h = held;
  held = null;
  try {
    if (tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
  } catch {
    /* disposing a half-initialised backend may throw; the device goes below */
  }
  try {
    h.device.destroy();
  } catch {
    /* already destroyed */
  }
  const nav = (globalThis as unknown as { navigator?: Record<string, unknown> }).navigator;
  if (nav && nav.gpu === h.found.gpu) delete nav.gpu;
}
