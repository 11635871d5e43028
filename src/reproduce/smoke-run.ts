/**
 * The three papers' smoke runs as the reference digests record them: each
 * paper's `reproduce --budget smoke` in a child process, into one results
 * folder, with nothing of the user's environment that could change which
 * data a smoke run finds (no AUDIO_AUG_LAB_DATA, a private cache folder so a
 * dataset fetched into the user's data root is not picked up, one thread per
 * job). Used by scripts/reference-digests.ts and the digest test.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './published.js';

export const SMOKE_PAPERS = ['mushtaq2020', 'wei2018', 'hu2020'] as const;

/** The environment of a smoke run whose results go to `resultsDir`. */
export function smokeEnv(resultsDir: string): NodeJS.ProcessEnv {
  const cache = join(resultsDir, '.cache-home');
  mkdirSync(cache, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cache, AUDIO_AUG_LAB_THREADS: '2' };
  delete env.AUDIO_AUG_LAB_DATA;
  delete env.AUDIO_AUG_LAB_BACKEND;
  return env;
}

/** The backend line a smoke run in `resultsDir` would record (a child process starts the backend and says it). */
export function smokeBackendLine(resultsDir: string): string {
  const code = "const m = await import('./src/backend/index.ts'); const b = await m.initBackend({ quiet: true }); console.log(b.description); process.exit(0);";
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO_ROOT, env: smokeEnv(resultsDir), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not start the backend: ${r.stderr}`);
  return r.stdout.trim().split('\n').pop() ?? '';
}

export function runSmoke(paper: string, resultsDir: string, extraArgs: string[] = []): void {
  const env = smokeEnv(resultsDir);
  const args = ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'reproduce', paper, '--budget', 'smoke', '--results', resultsDir, '--parallel', '2', ...extraArgs];
  const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, env, encoding: 'utf8', maxBuffer: 64 * 1024 ** 2 });
  if (r.status !== 0) {
    throw new Error(`reproduce ${paper} --budget smoke exited ${r.status ?? r.signal}:\n${(r.stderr ?? '').slice(-4000)}`);
  }
}
