/**
 * Helpers for the data-source tests: temporary folders, a context whose data
 * root is an empty folder (so a dataset fetched into the user's data root is
 * never found), and small generated WAV files.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { writeWav } from '../../../src/audio/wav-file.js';
import type { SourceBudget, SourceContext } from '../../../src/data/sources/types.js';
import { Rng } from '../../../src/util/rng.js';

/** A fresh temporary folder, removed after the file's tests. */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), `aal-${prefix}-`));
    made.push(d);
    return d;
  };
}

/** Point AUDIO_AUG_LAB_DATA at an empty folder for the file's tests (restored afterwards). */
export function emptyDataRoot(): { root: () => string } {
  let saved: string | undefined;
  let root = '';
  beforeAll(() => {
    saved = process.env.AUDIO_AUG_LAB_DATA;
    root = mkdtempSync(join(tmpdir(), 'aal-empty-data-root-'));
    process.env.AUDIO_AUG_LAB_DATA = root;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.AUDIO_AUG_LAB_DATA;
    else process.env.AUDIO_AUG_LAB_DATA = saved;
    rmSync(root, { recursive: true, force: true });
  });
  return { root: () => root };
}

export function context(workDir: string, budget: SourceBudget, dataDir?: string): SourceContext & { lines: string[] } {
  const lines: string[] = [];
  return { workDir, budget, ...(dataDir !== undefined ? { dataDir } : {}), log: (l: string) => lines.push(l), lines };
}

/** A short mono WAV of seeded noise at `path` (folders created). */
export function noiseWav(path: string, seed: number, samples = 800, sr = 8000): void {
  mkdirSync(dirname(path), { recursive: true });
  const rng = new Rng(seed);
  const x = new Float32Array(samples);
  for (let i = 0; i < samples; i++) x[i] = rng.uniform(-0.5, 0.5);
  writeWav(path, [x], sr);
}

export function writeText(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
