/**
 * Finds a WebGPU adapter through Dawn's Node bindings (the optional npm
 * package `webgpu`, whose native module ships inside its tarball) and says
 * what it is: vendor, architecture, device, driver, the route Dawn took
 * (Vulkan or OpenGL ES/EGL) and whether it is a software rasteriser.
 *
 * Routes, in order:
 * - vulkan: the normal route on a Linux GPU (NVIDIA, AMD, Intel). Tried only
 *   when the Vulkan loader (libvulkan.so.1) is on the library path, so a
 *   machine without it pays nothing and prints nothing. In a container where
 *   the NVIDIA driver mounts its ICD file under /usr/local/nvidia but no
 *   loader search path lists it, VK_DRIVER_FILES is pointed at it (when
 *   neither VK_DRIVER_FILES nor VK_ICD_FILENAMES is set).
 * - opengl: Dawn's OpenGL ES backend over EGL (compatibility feature level),
 *   headless with EGL_PLATFORM=surfaceless (set when unset). Tried only when
 *   software adapters are acceptable (AUDIO_AUG_LAB_BACKEND=webgpu): on the
 *   machines we measured it gives Mesa's llvmpipe, which is slower than the
 *   wasm backend, and Dawn rejects Debian 12's Vulkan lavapipe.
 *
 * A software adapter (llvmpipe, lavapipe, softpipe, SwiftShader, WARP) is
 * never chosen automatically; see isSoftwareAdapter.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { importOptional } from './modules.js';

/** The parts of the WebGPU API this folder uses (no dependency on @webgpu/types). */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}

export interface GpuLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupsPerDimension: number;
  maxStorageBuffersPerShaderStage: number;
}

/** The limits the project uses, copied by name: Dawn's GPUSupportedLimits
 * has getters on its prototype, so spreading it copies nothing. */
export function copyLimits(l: GpuLimits): GpuLimits {
  return {
    maxBufferSize: l.maxBufferSize,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
  };
}

export interface GpuDeviceLike {
  destroy(): void;
  lost: Promise<{ reason: string; message: string }>;
  addEventListener(type: 'uncapturederror', cb: (ev: { error: { message: string; constructor: { name: string } } }) => void): void;
  features: { has(name: string): boolean };
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void;
  popErrorScope(): Promise<{ message: string; constructor: { name: string } } | null>;
}

export interface GpuAdapterLike {
  info: GpuAdapterInfo;
  limits: GpuLimits;
  features: Iterable<string> & { has(name: string): boolean };
  requestDevice(desc?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<GpuDeviceLike>;
}

export interface GpuLike {
  requestAdapter(opts?: { featureLevel?: 'core' | 'compatibility'; powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

export type Route = 'vulkan' | 'opengl';

export interface FoundAdapter {
  gpu: GpuLike;
  adapter: GpuAdapterLike;
  route: Route;
  software: boolean;
}

export interface ProbeResult {
  /** The adapter to use, or null with `why`. */
  found: FoundAdapter | null;
  /** Why no adapter was chosen (every route's outcome, '; '-joined). */
  why: string;
  /** Version of the `webgpu` package, when it loaded. */
  dawnVersion: string | null;
}

const require = createRequire(import.meta.url);

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|software|basic render|\bwarp\b/i;

/** True for CPU rasterisers that expose WebGPU: Mesa llvmpipe / lavapipe / softpipe, SwiftShader, WARP. */
export function isSoftwareAdapter(info: Partial<GpuAdapterInfo>): boolean {
  if (info.isFallbackAdapter) return true;
  return [info.vendor, info.architecture, info.device, info.description].some((s) => typeof s === 'string' && SOFTWARE.test(s));
}

function mib(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : `${Math.round(n / 2 ** 20)} MiB`;
}

/**
 * "vendor nvidia, architecture hopper, device NVIDIA H100 ..., driver NVIDIA 550.x (vulkan);
 * limits: buffer 2.0 GiB, storage binding 128 MiB, 1024 invocations/workgroup, workgroup memory 32 KiB, 16 storage buffers/stage".
 */
export function describeAdapter(info: GpuAdapterInfo, limits: GpuLimits, route: Route): string {
  const v = (s: string) => (s && s.trim() !== '' ? s.trim() : '?');
  return (
    `vendor ${v(info.vendor)}, architecture ${v(info.architecture)}, device ${v(info.device)}, driver ${v(info.description)} (${route}); ` +
    `limits: buffer ${mib(limits.maxBufferSize)}, storage binding ${mib(limits.maxStorageBufferBindingSize)}, ` +
    `${limits.maxComputeInvocationsPerWorkgroup} invocations/workgroup, workgroup memory ${Math.round(limits.maxComputeWorkgroupStorageSize / 1024)} KiB, ` +
    `${limits.maxStorageBuffersPerShaderStage} storage buffers/stage`
  );
}

/** Whether a shared library of that exact soname is on the dynamic loader's path. */
export function sharedLibraryFound(soname: string): boolean {
  const dirs = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  dirs.push('/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64', '/usr/local/lib');
  if (dirs.some((d) => existsSync(join(d, soname)))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes(Buffer.from(soname));
  } catch {
    return false;
  }
}

const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/etc/xdg/vulkan/icd.d'];
/** Where the NVIDIA container toolkit puts the driver's Vulkan ICD file. */
export const NVIDIA_CONTAINER_ICD = '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json';

/** Points the Vulkan loader at the NVIDIA container ICD when nothing else names a driver. Returns what it set, if anything. */
export function defaultVulkanDriverFiles(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES) return null;
  const listed = ICD_DIRS.some((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
  if (listed || !existsSync(NVIDIA_CONTAINER_ICD)) return null;
  env.VK_DRIVER_FILES = NVIDIA_CONTAINER_ICD;
  return NVIDIA_CONTAINER_ICD;
}

let dawn: Promise<{ mod: DawnModule; version: string } | { error: string }> | undefined;

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/** Loads the `webgpu` package (optional dependency) once. */
export function loadDawn(): Promise<{ mod: DawnModule; version: string } | { error: string }> {
  dawn ??= (async () => {
    let version = '?';
    try {
      version = process.env.AUDIO_AUG_LAB_WEBGPU_VERSION ?? (require('webgpu/package.json') as { version: string }).version;
    } catch {
      /* the import below says why */
    }
    try {
      const mod = await importOptional<DawnModule>('webgpu'); // through a variable: tsc must not need the optional package
      return { mod, version };
    } catch (e) {
      const code = (e as { code?: string } | null)?.code;
      if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return { error: 'webgpu package not installed' };
      return { error: `webgpu package failed to load: ${firstLine(e)}` };
    }
  })();
  return dawn;
}

async function tryRoute(mod: DawnModule, route: Route): Promise<{ gpu: GpuLike; adapter: GpuAdapterLike } | string> {
  if (route === 'vulkan') {
    if (!sharedLibraryFound('libvulkan.so.1')) return 'vulkan: no Vulkan loader (libvulkan.so.1)';
    defaultVulkanDriverFiles();
  } else {
    if (!sharedLibraryFound('libEGL.so.1')) return 'opengl: no EGL library (libEGL.so.1)';
    process.env.EGL_PLATFORM ??= 'surfaceless';
  }
  try {
    const gpu = mod.create([`backend=${route}`]);
    const adapter = await gpu.requestAdapter(
      route === 'opengl' ? { featureLevel: 'compatibility', powerPreference: 'high-performance' } : { powerPreference: 'high-performance' },
    );
    if (adapter === null) return `${route}: no adapter`;
    return { gpu, adapter };
  } catch (e) {
    return `${route}: ${firstLine(e)}`;
  }
}

/**
 * Tries the routes in order and returns the first adapter that is a
 * hardware GPU, or (with allowSoftware) the first adapter at all.
 * `routes` defaults to ['vulkan'] without allowSoftware and
 * ['vulkan', 'opengl'] with it.
 */
export async function probeAdapter(opts: { allowSoftware: boolean; routes?: Route[] }): Promise<ProbeResult> {
  const loaded = await loadDawn();
  if ('error' in loaded) return { found: null, why: loaded.error, dawnVersion: null };
  const routes = opts.routes ?? (opts.allowSoftware ? ['vulkan', 'opengl'] : ['vulkan']);
  const why: string[] = [];
  for (const route of routes) {
    const r = await tryRoute(loaded.mod, route);
    if (typeof r === 'string') {
      why.push(r);
      continue;
    }
    const software = isSoftwareAdapter(r.adapter.info);
    if (software && !opts.allowSoftware) {
      why.push(`${route}: software adapter ${r.adapter.info.device || r.adapter.info.description} (slower than wasm; force it with AUDIO_AUG_LAB_BACKEND=webgpu)`);
      continue;
    }
    return { found: { ...r, route, software }, why: why.join('; '), dawnVersion: loaded.version };
  }
  return { found: null, why: why.join('; ') || 'no route tried', dawnVersion: loaded.version };
}
