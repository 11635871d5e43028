/**
 * Provenance of a stored study run (reproductions/<paper>/runs/<study>/provenance.json):
 * the code version, the exact commands that ran its jobs, the framework
 * profile, backend line, CPU model, thread layout, wall time and the SHA-256
 * of every input clip.
 *
 * `reproduce --study` appends one line per invocation that ran jobs to
 * `<results>/<budget>/<study>/invocations.jsonl` (argv, working directory,
 * worker processes x threads per job, backend, start, end); a run resumed
 * three times has three lines, and its wall time is their sum.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { InvalidParameterError } from '../util/errors.js';

export const INVOCATIONS_FILE = 'invocations.jsonl';

export interface Invocation {
  argv: string[];
  cwd: string;
  parallel: number;
  threadsPerJob: number;
  backend: string;
  jobs: number;
  cpu: string;
  cores: number;
  node: string;
  startedAt: string;
  endedAt: string;
  seconds: number;
}

/** Start logging one invocation into `dir`; `finish()` appends its line. */
export function startInvocation(dir: string, o: Pick<Invocation, 'argv' | 'cwd' | 'parallel' | 'threadsPerJob' | 'backend' | 'jobs'>): { finish(): void } {
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  return {
    finish() {
      mkdirSync(dir, { recursive: true });
      const line: Invocation = {
        ...o,
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cores: os.availableParallelism(),
        node: process.version,
        startedAt,
        endedAt: new Date().toISOString(),
        seconds: (Date.now() - t0) / 1000,
      };
      appendFileSync(join(dir, INVOCATIONS_FILE), `${JSON.stringify(line)}\n`);
    },
  };
}

export function readInvocations(dir: string): Invocation[] {
  const f = join(dir, INVOCATIONS_FILE);
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l, i) => {
      try {
        return JSON.parse(l) as Invocation;
      } catch {
        throw new InvalidParameterError(`${f}: line ${i + 1} is not JSON`);
      }
    });
}

export function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
