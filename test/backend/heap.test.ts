/**
 * The wasm heap's limit (4 GB): a failed allocation is a BackendMemoryError
 * thrown before anything is written (stock tfjs-wasm writes the tensor at
 * offset 0 over the module's data), and an emscripten abort during a
 * training step becomes an error that says what ran and what to do.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainBackendAbort, isWasmAbort } from '../../src/backend/heap.js';
import { BackendMemoryError } from '../../src/util/errors.js';

const ROOT = join(import.meta.dirname, '../..');

describe('wasm heap limit', () => {
  it('an allocation past 4 GB throws BackendMemoryError, earlier tensors stay intact, the backend keeps working', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/heap-exhaust.ts')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const out = JSON.parse(line) as {
      backend: string; error: { name: string; message: string } | null; made: number; offsets: number[]; intact: boolean; after: number[];
    };
    expect(out.backend).toBe('wasm');
    expect(out.error?.name).toBe('BackendMemoryError');
    expect(out.error?.message).toMatch(/could not allocate 256\.0 MB: its heap holds at most 4 GB and has no room left/);
    // 15 x 256 MB fit below 4 GB; the 16th does not.
    expect(out.made).toBeGreaterThanOrEqual(13);
    expect(out.made).toBeLessThan(16);
    expect(out.offsets.every((o) => o > 0)).toBe(true);
    expect(out.intact).toBe(true);
    expect(out.after).toEqual([4, 6]);
  });

  it('an emscripten abort becomes a BackendMemoryError naming what ran; other errors pass through', () => {
    const abort = new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');
    expect(isWasmAbort(abort)).toBe(true);
    expect(isWasmAbort(new Error('replica 1 failed: RuntimeError: Aborted()'))).toBe(true);
    expect(isWasmAbort(new Error('shapes do not match'))).toBe(false);
    let caught: unknown;
    try {
      explainBackendAbort(() => {
        throw abort;
      }, () => 'a training step (batch 32, input 423x128x3)');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(BackendMemoryError);
    expect((caught as Error).message).toMatch(/aborted during a training step \(batch 32, input 423x128x3\).*at most 4 GB.*workers/);
    expect(() => explainBackendAbort(() => { throw new RangeError('x'); }, () => 'y')).toThrow(RangeError);
    expect(explainBackendAbort(() => 7, () => 'z')).toBe(7);
  });
});
