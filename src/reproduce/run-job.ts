/**
 * Run one job in this process: claim it, run the paper's pipeline (a
 * user-defined study's: the generic study pipeline, ./study-run.ts), write
 * its result file, release the claim. Shared by the in-process runner and
 * the worker processes.
 */
import { applyBudget, experimentOfJob, type Job } from './experiments.js';
import { claimJob, writeResult, type JobResult } from './results.js';
import { codeVersion } from './provenance.js';
import { pipelineFor } from './paper-pipelines.js';
import type { JobContext } from './paper-pipeline.js';
import { studyPipelineOfJob } from './study-run.js';

export type JobOutcome = { status: 'done'; path: string } | { status: 'skipped'; reason: string };

export async function runOneJob(job: Job, resultsDir: string, ctx: JobContext, backend: string): Promise<JobOutcome> {
  const claim = claimJob(resultsDir, job);
  if (!claim) return { status: 'skipped', reason: 'finished or running elsewhere' };
  try {
    // Every path that trains goes through initBackend: it registers the
    // gradient kernels stock tfjs lacks or gets wrong (memoised, cheap).
    const { initBackend } = await import('../backend/index.js');
    await initBackend({ quiet: true });
    const exp = experimentOfJob(job);
    const budgeted = applyBudget(exp, job.budget);
    if (ctx.framework) budgeted.framework = ctx.framework;
    const pipeline = job.study ? studyPipelineOfJob(job) : await pipelineFor(job.paper);
    const started = new Date();
    const t0 = performance.now();
    const out = await pipeline.runJob(job, budgeted, ctx);
    const result: JobResult = {
      job,
      metrics: out.metrics,
      scores: out.scores,
      history: out.history,
      notes: out.notes,
      config: budgeted,
      data: pipeline.dataStatus(exp, ctx),
      backend: (ctx.trainWorkers ?? 1) > 1 ? `${backend}; ${ctx.trainWorkers} data-parallel replicas` : backend,
      framework: budgeted.framework,
      provenance: codeVersion(),
      startedAt: started.toISOString(),
      seconds: (performance.now() - t0) / 1000,
    };
    return { status: 'done', path: writeResult(resultsDir, result) };
  } finally {
    claim.release();
  }
}
