/**
 * Run a list of jobs: in worker processes (default) or in this process.
 * Parallelism comes from the one global thread budget: `parallel` workers
 * with `threadsPerJob` threads each never exceed it (the CLI computes both
 * from src/backend/threads.ts). Finished jobs are skipped; a failed job is
 * reported and the others go on; SIGINT/SIGTERM stops the workers (no
 * orphans) and keeps every finished result.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { Job } from './experiments.js';
import { resultPath } from './results.js';
import { runOneJob } from './run-job.js';
import type { JobContext } from './paper-pipeline.js';

export interface RunSummary {
  ran: string[];
  skipped: string[];
  failed: { id: string; error: string }[];
  interrupted: boolean;
}

export interface RunOptions {
  jobs: Job[];
  resultsDir: string;
  ctx: Omit<JobContext, 'log'>;
  parallel: number;
  threadsPerJob: number;
  inProcess?: boolean;
  backend?: string;
  log?: (line: string) => void;
}

/**
 * How many jobs run at once when `--parallel` is not given. On a GPU backend
 * (webgpu, hardware or a software adapter, and tfjs-node-gpu) one: every
 * worker process would open its own device on the same GPU (Dawn hands each
 * process the one adapter it picks; tfjs-node-gpu maps the whole GPU's
 * memory), so they would compete for its memory and queue and, on a
 * software adapter, for the CPU cores it already uses. Several GPUs: run one
 * reproduce per GPU with `--shard i/n`, each seeing one GPU (for
 * tfjs-node-gpu CUDA_VISIBLE_DEVICES; for webgpu, Dawn takes the first
 * high-performance adapter the Vulkan driver lists, so give each process its
 * own container or device list). On the CPU backends: the thread budget
 * divided by the threads each job uses.
 */
export function defaultJobCount(backend: { name: string }, threadBudget: number, threadsPerJob: number): { parallel: number; why: string } {
  if (backend.name === 'webgpu' || backend.name === 'tensorflow-gpu') {
    return { parallel: 1, why: `one job per GPU (${backend.name}); give --parallel to change it` };
  }
  const parallel = Math.max(1, Math.floor(threadBudget / threadsPerJob));
  return { parallel, why: `thread budget ${threadBudget} / ${threadsPerJob} thread(s) per job` };
}

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'job-worker.ts');

export async function runJobs(opts: RunOptions): Promise<RunSummary> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const summary: RunSummary = { ran: [], skipped: [], failed: [], interrupted: false };
  const pending = opts.jobs.filter((j) => {
    if (existsSync(resultPath(opts.resultsDir, j))) {
      summary.skipped.push(j.id);
      return false;
    }
    return true;
  });
  if (summary.skipped.length) log(`harness: ${summary.skipped.length} job(s) already finished, skipped`);
  if (opts.inProcess) {
    for (const job of pending) {
      try {
        const out = await runOneJob(job, opts.resultsDir, { ...opts.ctx, log }, opts.backend ?? 'unknown');
        (out.status === 'done' ? summary.ran : summary.skipped).push(job.id);
        log(`harness: ${job.id} ${out.status}`);
      } catch (e) {
        summary.failed.push({ id: job.id, error: (e as Error).message });
        log(`harness: ${job.id} FAILED: ${(e as Error).message}`);
      }
    }
    return summary;
  }

  const children = new Set<ChildProcess>();
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    summary.interrupted = true;
    log(`harness: ${signal}: stopping ${children.size} worker(s); finished results are kept`);
    for (const c of children) c.kill('SIGTERM');
  };
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);

  const queue = [...pending];
  const runOne = (job: Job) =>
    new Promise<void>((resolve) => {
      const child = fork(WORKER, [], {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, AUDIO_AUG_LAB_THREADS: String(opts.threadsPerJob) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.add(child);
      let reported = false;
      child.on('message', (m: { ok: boolean; outcome?: { status: string }; error?: string }) => {
        reported = true;
        if (m.ok) {
          (m.outcome?.status === 'done' ? summary.ran : summary.skipped).push(job.id);
          log(`harness: ${job.id} ${m.outcome?.status}`);
        } else {
          summary.failed.push({ id: job.id, error: m.error ?? 'unknown error' });
          log(`harness: ${job.id} FAILED: ${m.error}`);
        }
      });
      child.on('exit', (code, signal) => {
        children.delete(child);
        if (!reported && !stopping) {
          summary.failed.push({ id: job.id, error: `worker exited (${signal ?? `code ${code}`}) before reporting` });
        }
        resolve();
      });
      child.send({ job, resultsDir: opts.resultsDir, ctx: opts.ctx });
    });

  const lanes = Array.from({ length: Math.max(1, Math.min(opts.parallel, pending.length)) }, async () => {
    while (!stopping) {
      const job = queue.shift();
      if (!job) return;
      await runOne(job);
    }
  });
  try {
    await Promise.all(lanes);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  return summary;
}
