/**
 * Result files: one JSON per finished job at
 * `<resultsDir>/<budget>/<paper>/<experiment>/fold-<f>-seed-<s>.json`, with
 * metrics, raw per-clip scores, the config as run, seed, code version,
 * backend, the training framework profile, data status and duration.
 *
 * Nothing finished is overwritten or lost: a job is claimed by creating
 * `<file>.lock` exclusively (so shards and worker processes sharing a results
 * directory never run it twice), the result is written to a temp file and
 * renamed into place only if no result exists, and a rerun skips jobs whose
 * result exists. A lock left by a killed process is taken over when its
 * process is gone (same host) or it is older than the stale age.
 */
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import os from 'node:os';
import type { Job } from './experiments.js';
import type { Provenance } from './provenance.js';
import type { FrameworkName } from '../train/framework-profile.js';
import type { DataStatus } from '../data/sources/types.js';

/** Owned by the data layer (src/data/sources/types.ts). */
export type { DataStatus } from '../data/sources/types.js';

export interface JobResult {
  job: Job;
  /** Metric name -> value (e.g. 'EER c', 'Avg', 'accuracy'). */
  metrics: Record<string, number>;
  /** Per-clip scores: clip id -> score vector, with the label order. */
  scores?: { labels: string[]; clips: { id: string; scores: number[]; truth: number[]; group?: string }[] };
  history?: unknown[];
  config: unknown;
  data: DataStatus;
  backend: string;
  /**
   * Whose training semantics the job followed (src/train/framework-profile.ts;
   * also `config.framework`). Absent in files from before profiles: tfjs.
   */
  framework?: FrameworkName;
  provenance: Provenance;
  startedAt: string;
  seconds: number;
  notes?: string[];
}

export function resultPath(resultsDir: string, job: Job): string {
  const [paper, experiment, rest] = job.id.split('/');
  return join(resultsDir, job.budget, paper, experiment, `${rest}.json`);
}

export function readResult(path: string): JobResult | null {
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, 'utf8')) as JobResult;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Claim {
  release(): void;
}

/** Claim a job for this process; null when it is finished or claimed by a
 * live process. */
export function claimJob(resultsDir: string, job: Job, staleHours = 48): Claim | null {
  const path = resultPath(resultsDir, job);
  if (existsSync(path)) return null;
  mkdirSync(dirname(path), { recursive: true });
  const lock = `${path}.lock`;
  const me = JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, me);
      closeSync(fd);
      return { release: () => rmSync(lock, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder: { pid: number; host: string } | null = null;
      try {
        holder = JSON.parse(readFileSync(lock, 'utf8'));
      } catch {
        holder = null;
      }
      const ageHours = (Date.now() - statSync(lock).mtimeMs) / 3.6e6;
      const stale =
        (holder && holder.host === os.hostname() && !processAlive(holder.pid)) || ageHours > staleHours || (!holder && ageHours > 0.01);
      if (!stale) return null;
      rmSync(lock, { force: true });
    }
  }
  return null;
}

/** Write a result unless one exists (never overwrite a finished job). */
export function writeResult(resultsDir: string, result: JobResult): string {
  const path = resultPath(resultsDir, result.job);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(result, null, 1));
  try {
    linkSync(tmp, path); // fails if the result exists: never overwrite
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  return path;
}

/** Every result under resultsDir for a budget and paper. */
export function collectResults(resultsDir: string, budget: string, paper: string): JobResult[] {
  const base = join(resultsDir, budget, paper);
  if (!existsSync(base)) return [];
  const out: JobResult[] = [];
  for (const exp of readdirSync(base).sort()) {
    const dir = join(base, exp);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).filter((x) => /^fold-.*\.json$/.test(x)).sort()) {
      out.push(JSON.parse(readFileSync(join(dir, f), 'utf8')) as JobResult);
    }
  }
  return out;
}

export function displayPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r.startsWith('..') ? p : r;
}
