/**
 * Provenance of a stored study run (reproductions/<paper>/runs/<study>/provenance.json):
 * the code version, the exact commands that ran its jobs, the framework
 * profile, backend line, CPU model, thread layout, wall time and the SHA-256
 * of every input clip.
 *
 * `reproduce --study` appends one line per invocation that ran jobs to
 * `<results>/<budget>/<study>/invocations.jsonl` (argv, working directory,
 * worker processes x threads per job, backend, start, end, and how many jobs
 * it finished, skipped as already finished, or lost to an error); a run
 * resumed three times has three lines, and its wall time is their sum. An
 * invocation that found every job finished and ran nothing is not logged.
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
  /** Jobs this invocation finished, skipped (already finished) and lost to an
   * error; whether a signal stopped it. Absent in lines written before they
   * were logged. */
  ran?: number;
  skipped?: number;
  failed?: number;
  interrupted?: boolean;
}

/** What an invocation did, from the runner's summary. */
export type InvocationOutcome = Required<Pick<Invocation, 'ran' | 'skipped' | 'failed' | 'interrupted'>>;

/** Whether an invocation did any work (a logged line without counts did). */
export function ranAnything(i: Pick<Invocation, 'ran' | 'failed' | 'interrupted'>): boolean {
  return i.ran === undefined || i.ran > 0 || (i.failed ?? 0) > 0 || i.interrupted === true;
}

/**
 * Start logging one invocation into `dir`; `finish(outcome)` appends its line
 * unless the outcome says it ran nothing (without an outcome, as when the run
 * threw, the line is written).
 */
export function startInvocation(dir: string, o: Pick<Invocation, 'argv' | 'cwd' | 'parallel' | 'threadsPerJob' | 'backend' | 'jobs'>): { finish(outcome?: InvocationOutcome): void } {
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  return {
    finish(outcome) {
      if (outcome && !ranAnything(outcome)) return;
      mkdirSync(dir, { recursive: true });
      const line: Invocation = {
        ...o,
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cores: os.availableParallelism(),
        node: process.version,
        startedAt,
        endedAt: new Date().toISOString(),
        seconds: (Date.now() - t0) / 1000,
        ...outcome,
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
