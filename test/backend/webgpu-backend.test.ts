/**
 * The webgpu backend's selection and lifecycle:
 * - forced (AUDIO_AUG_LAB_BACKEND=webgpu) it takes a software adapter and
 *   the one backend line names the adapter and its limits; the process
 *   exits by itself afterwards (the GPU instance is released);
 * - by default a software adapter is never chosen (here the OpenGL route
 *   gives Mesa llvmpipe; the automatic route is Vulkan only);
 * - a GPU error inside a step (here: a kernel that binds more storage
 *   buffers than the device allows, which tfjs answers with zeros) becomes
 *   a BackendMemoryError that names the step and the remedy, and the
 *   chunked AddN that replaces that kernel sums correctly.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BACKEND_ENV, type BackendInfo } from '../../src/backend/index.js';
import { isSoftwareAdapter, probeAdapter } from '../../src/backend/webgpu/adapter.js';
import { registerWebgpuTrainingKernels, unregisterWebgpuTrainingKernels } from '../../src/backend/webgpu/kernels.js';
import { explainGpuTrouble } from '../../src/backend/webgpu/memory.js';
import { BackendMemoryError } from '../../src/util/errors.js';
import { describeNeeds } from '../helpers/requires.js';
import { webgpuNeed } from './webgpu-helpers.js';

const ROOT = join(import.meta.dirname, '../..');
const gpu = await webgpuNeed();

function child(env: Record<string, string | undefined>) {
  const e = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/init-backend-child.ts')], {
    cwd: ROOT,
    env: e,
    encoding: 'utf8',
    timeout: 90_000,
  });
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('audio-aug-lab backend:'));
  return { status: r.status, signal: r.signal, lines, seconds: (performance.now() - t0) / 1000, out: JSON.parse(r.stdout || '{}') as { info?: BackendInfo; error?: string } };
}

describe('software adapters', () => {
  it('are recognised from the adapter info', () => {
    expect(isSoftwareAdapter({ vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version 4.5 (Core Profile) Mesa 22.3.6' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'google', architecture: '', device: 'SwiftShader Device (Subzero)', description: 'SwiftShader driver' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: 'lavapipe' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'microsoft', architecture: '', device: 'Microsoft Basic Render Driver', description: '' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100 80GB HBM3', description: 'NVIDIA: 550.54.15' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'amd', architecture: 'rdna-3', device: 'AMD Radeon RX 7900', description: 'radv', isFallbackAdapter: true })).toBe(true);
  });
});

describeNeeds(gpu, 'webgpu backend', () => {
  it('a software adapter is refused unless asked for by name', async () => {
    const auto = await probeAdapter({ allowSoftware: false, routes: ['opengl'] });
    console.log(`automatic, OpenGL route: ${auto.why}`);
    expect(auto.found).toBeNull();
    expect(auto.why).toMatch(/software adapter .*llvmpipe.*force it with AUDIO_AUG_LAB_BACKEND=webgpu/);
  });

  it('forced: one backend line naming the adapter and limits, and the process exits by itself', () => {
    const r = child({ [BACKEND_ENV]: 'webgpu' });
    console.log(`${r.lines.join('\n')}\n(child exited with ${r.status} after ${r.seconds.toFixed(1)} s)`);
    expect(r.signal, 'the child had to be killed: something kept it alive').toBeNull();
    expect(r.status).toBe(0);
    expect(r.out.info?.name).toBe('webgpu');
    expect(r.out.info?.software).toBe(true);
    expect(r.out.info?.native).toBe(false);
    expect(r.out.info?.fused).toBe(false);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(
      /^audio-aug-lab backend: webgpu \(tfjs-backend-webgpu 4\.22\.0, Dawn via webgpu [\d.]+; SOFTWARE adapter: vendor .*, architecture .*, device .*llvmpipe.*, driver .* \((opengl|vulkan)\); limits: buffer [\d.]+ (GiB|MiB), storage binding \d+ MiB, \d+ invocations\/workgroup, workgroup memory \d+ KiB, \d+ storage buffers\/stage\) — AUDIO_AUG_LAB_BACKEND=webgpu/,
    );
  });

  it('by default the software adapter is not chosen (the line says why webgpu was skipped)', () => {
    const r = child({ [BACKEND_ENV]: undefined });
    console.log(r.lines.join('\n'));
    expect(r.status).toBe(0);
    expect(r.out.info?.name).not.toBe('webgpu');
    expect(r.lines[0]).toMatch(/webgpu: /);
  });

  it('a GPU error inside a step names the step and the remedy; chunked AddN sums right', async () => {
    await tf.setBackend('webgpu');
    const terms = Array.from({ length: 40 }, (_, i) => i + 1);
    const step = async () => {
      const out = tf.tidy(() => tf.addN(terms.map((v) => tf.fill([3], v))));
      const d = await out.data();
      out.dispose();
      return Array.from(d);
    };
    const sum = (40 * 41) / 2;
    expect(await explainGpuTrouble(step, () => 'the test step')).toEqual([sum, sum, sum]);
    unregisterWebgpuTrainingKernels();
    try {
      const err = await explainGpuTrouble(step, () => 'the test step (40 inputs to AddN)').then(
        () => null,
        (e: unknown) => e,
      );
      console.log(`stock AddN of 40 inputs: ${(err as Error | null)?.message}`);
      expect(err).toBeInstanceOf(BackendMemoryError);
      expect((err as Error).message).toMatch(/the test step \(40 inputs to AddN\).*limit of the GPU.*Results of this step are not valid.*--backend wasm/);
    } finally {
      registerWebgpuTrainingKernels();
    }
    // The failed pipeline stays cached as invalid in tfjs; the replaced kernel does not use it.
    expect(await explainGpuTrouble(step, () => 'the test step again')).toEqual([sum, sum, sum]);
  });
});
