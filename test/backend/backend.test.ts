/**
 * initBackend: picks once, logs one line, registers the training kernels,
 * honours `prefer` and AUDIO_AUG_LAB_BACKEND (checked in child processes,
 * since the choice is made once per process).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { activeComputeLabel, BACKEND_ENV, computeLabel, initBackend, type BackendInfo } from '../../src/backend/index.js';
import { FUSED_ENV } from '../../src/backend/fused/layers.js';
import { NATIVE_ENV, nativeAddon } from '../../src/backend/native/index.js';
import { THREADS_ENV } from '../../src/backend/threads.js';

const ROOT = join(import.meta.dirname, '../..');

function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

/** Runs fixtures/init-backend-child.ts with the given env override and argv. */
function child(envBackend: string | undefined, prefer?: string, extra?: string, moreEnv: Record<string, string> = {}) {
  const env = { ...process.env, ...moreEnv };
  delete env[BACKEND_ENV];
  delete env[THREADS_ENV];
  if (envBackend !== undefined) env[BACKEND_ENV] = envBackend;
  const args = ['--import', 'tsx', join(import.meta.dirname, 'fixtures/init-backend-child.ts'), ...(prefer ? [prefer] : []), ...(extra ? [extra] : [])];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  const logLines = r.stderr.split('\n').filter((l) => l.startsWith('audio-aug-lab backend:'));
  return { status: r.status, stderr: r.stderr, logLines, out: JSON.parse(r.stdout || '{}') as { info?: BackendInfo; same?: boolean; active?: string; switchDiff?: number; error?: string; errorName?: string } };
}

describe('initBackend in this process', () => {
  it('picks wasm (preferred), logs one line once, memoises, registers kernels', async () => {
    // Capture stderr by replacing write (vi.spyOn does not see these writes under vitest's forks pool).
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => (written.push(String(chunk)), true)) as typeof write;
    let a: BackendInfo;
    let b: BackendInfo;
    try {
      a = await initBackend({ prefer: 'wasm' });
      b = await initBackend({ prefer: 'cpu' });
    } finally {
      process.stderr.write = write;
    }
    const lines = written.filter((l) => l.startsWith('audio-aug-lab backend:'));
    console.log(lines.join(''));
    expect(lines).toHaveLength(1);
    // e.g. "wasm+openblas (tfjs 4.22.0, SIMD, 1 thread; OpenBLAS 0.3.21 (Cooperlake); fused batch norm + GRU)"
    const native = nativeAddon() !== null && process.env[NATIVE_ENV] !== '0';
    const fused = process.env[FUSED_ENV] !== '0';
    expect(lines[0]).toMatch(
      new RegExp(
        `^audio-aug-lab backend: wasm${native ? '\\+openblas' : ''} \\(tfjs 4\\.22\\.0, (SIMD|no SIMD), 1 thread` +
          `${native ? '; OpenBLAS [^;)]+(\\([^)]*\\))?' : ''}${fused ? '; fused batch norm \\+ GRU' : ''}\\) — preferred wasm\n$`,
      ),
    );
    expect(b).toBe(a);
    expect(a.name).toBe('wasm');
    expect(a.native).toBe(native);
    expect(a.fused).toBe(fused);
    expect(computeLabel(a, 2)).toBe(`wasm${native ? '+openblas' : ''} x2 workers`);
    expect(computeLabel(a)).toBe(`wasm${native ? '+openblas' : ''}`);
    expect(activeComputeLabel(2)).toBe(`wasm${native ? '+openblas' : ''} x2 workers`);
    expect(tf.getBackend()).toBe('wasm');
    for (const k of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']) {
      expect(tf.getKernel(k, 'wasm'), k).toBeDefined();
    }
    // Only cpu and wasm are registered in Node: tfjs' webgl backend registers itself only in browsers.
    expect(tf.findBackendFactory('webgl')).toBeNull();
  });
});

describe('initBackend in child processes', () => {
  it('default order: tfjs-node when installed, else wasm, with the reason', () => {
    const r = child(undefined);
    expect(r.status, r.stderr).toBe(0);
    expect(r.logLines).toHaveLength(1);
    console.log(r.logLines[0]);
    if (tfjsNodeInstalled()) {
      expect(r.out.info?.name).toMatch(/^tensorflow/);
    } else {
      expect(r.out.info?.name).toBe('wasm');
      expect(r.out.info?.reason).toContain('tfjs-node not installed');
    }
    expect(r.out.same).toBe(true);
  });

  it(`${BACKEND_ENV}=cpu forces cpu; wasm initialised later still gets the fixed kernels`, () => {
    const r = child('cpu', 'wasm', 'switch');
    expect(r.status, r.stderr).toBe(0);
    expect(r.out.info).toMatchObject({ name: 'cpu', reason: `${BACKEND_ENV}=cpu` });
    expect(r.out.active).toBe('cpu');
    expect(r.logLines).toHaveLength(1);
    expect(r.logLines[0]).toMatch(new RegExp(`^audio-aug-lab backend: cpu(\\+openblas)? \\(tfjs 4\\.22\\.0, pure JavaScript.*\\) — ${BACKEND_ENV}=cpu$`));
    expect(r.stderr).not.toContain('Hi, looks like you are running TensorFlow.js');
    console.log(`wasm initialised after the choice: conv 'same' 1x3 stride 2 + maxpool 1x2 gradients vs cpu: ${r.out.switchDiff}`);
    expect(r.out.switchDiff).toBeLessThanOrEqual(1e-4);
  });

  it(`${NATIVE_ENV}=0 and ${FUSED_ENV}=0 turn the native kernels and the fused layers off (and the line says so)`, () => {
    const r = child(undefined, 'wasm', undefined, { [NATIVE_ENV]: '0', [FUSED_ENV]: '0' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.out.info).toMatchObject({ name: 'wasm', native: false, fused: false });
    expect(r.logLines[0]).toMatch(/^audio-aug-lab backend: wasm \(tfjs 4\.22\.0, (SIMD|no SIMD), 1 thread\) — preferred wasm$/);
    if (nativeAddon()) {
      const on = child(undefined, 'wasm');
      expect(on.out.info).toMatchObject({ name: 'wasm', native: true, fused: true });
      expect(on.logLines[0]).toContain('wasm+openblas (');
    }
  });

  it(`a bad ${BACKEND_ENV}, or an unavailable forced backend, is an error naming the variable`, () => {
    const bad = child('gpu');
    expect(bad.status).toBe(3);
    expect(bad.out.errorName).toBe('InvalidParameterError');
    expect(bad.out.error).toContain(BACKEND_ENV);
    if (!tfjsNodeInstalled()) {
      const tfn = child('tensorflow');
      expect(tfn.status).toBe(3);
      expect(tfn.out.error).toMatch(/AUDIO_AUG_LAB_BACKEND=tensorflow could not be loaded: .*tfjs-node not installed/);
    }
  });
});
