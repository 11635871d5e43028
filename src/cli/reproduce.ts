/**
 * `npx audio-aug-lab reproduce <paper> ...` — the project's main job: rerun
 * a paper's experiments and print, cell by cell, what was measured next to
 * what was published, with a verdict.
 */
import { parseArgs } from 'node:util';
import { resolve, join } from 'node:path';
import { existsSync } from 'node:fs';
import { BUDGETS, type BudgetName } from '../reproduce/experiment-schema.js';
import { availableJobs, jobsFor, resolveShard, shardJobs } from '../reproduce/experiments.js';
import { pipelineFor } from '../reproduce/pipelines/index.js';
import { runJobs } from '../reproduce/runner.js';
import { buildReport, reportMarkdown, writeReport } from '../reproduce/report.js';
import { buildPlan, planTable } from '../reproduce/plan.js';
import { PAPERS } from '../reproduce/published.js';
import { InvalidParameterError } from '../util/errors.js';
import type { JobContext } from '../reproduce/pipelines/types.js';

export const summary = 'rerun a paper (smoke | quick | full) and report published vs measured, cell by cell';

const HELP = `usage: audio-aug-lab reproduce <paper> [options]

  <paper>             ${PAPERS.join(' | ')}
  --budget NAME       smoke (fixtures/sample, minutes: checks the pipeline only),
                      quick (reduced epochs on real data), full (the paper's schedule).
                      Default: smoke unless --data-dir holds the verified dataset (then quick).
  --plan              print the runnability matrix and compute estimate, run nothing
  --only ID[,ID]      run only these experiments (ids in reproductions/<paper>/experiments/)
  --seeds N[,N]       run only these seeds of each experiment (all folds of each; the
                      report aggregates the seeds that are complete)
  --shard i/n         run slice i of n of the job list (also from SLURM_ARRAY_TASK_ID/COUNT,
                      or JOB_COMPLETION_INDEX with AUDIO_AUG_LAB_SHARDS); merge with 'report'
  --data-dir DIR      the dataset root (else the data root of 'audio-aug-lab data', else
                      fixtures built from ../shared/data or the embedded sample)
  --results DIR       results directory (default ./results); finished jobs are skipped
  --work-dir DIR      fixtures and feature caches (default <results>/work)
  --parallel N        worker processes (default: thread budget / threads per job)
  --threads-per-job N threads each job trains with as data-parallel replicas (default 1;
                      results are bit-identical only for the same N)
  --in-process        run jobs in this process (no workers)
  --no-cache          recompute features instead of reading the feature cache
  --no-report         do not write the report files
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      budget: { type: 'string' },
      plan: { type: 'boolean', default: false },
      only: { type: 'string' },
      seeds: { type: 'string' },
      shard: { type: 'string' },
      'data-dir': { type: 'string' },
      results: { type: 'string', default: 'results' },
      'work-dir': { type: 'string' },
      parallel: { type: 'string' },
      'threads-per-job': { type: 'string' },
      'in-process': { type: 'boolean', default: false },
      'no-cache': { type: 'boolean', default: false },
      'no-report': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const paper = positionals[0];
  if (!paper || !(PAPERS as readonly string[]).includes(paper)) {
    console.error(paper ? `unknown paper '${paper}'\n` : '', HELP);
    return 2;
  }
  const resultsDir = resolve(values.results!);
  const ctx: Omit<JobContext, 'log'> = {
    dataDir: values['data-dir'] ? resolve(values['data-dir']) : undefined,
    workDir: resolve(values['work-dir'] ?? join(resultsDir, 'work')),
    noCache: values['no-cache'],
  };
  if (ctx.dataDir && !existsSync(ctx.dataDir)) throw new InvalidParameterError(`--data-dir ${ctx.dataDir} does not exist`);
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const pipeline = await pipelineFor(paper);
  const { initBackend } = await import('../backend/index.js');
  const backend = await initBackend();

  let budget: BudgetName;
  if (values.budget) {
    if (!(BUDGETS as string[]).includes(values.budget)) throw new InvalidParameterError(`--budget must be one of ${BUDGETS.join(', ')}`);
    budget = values.budget as BudgetName;
  } else {
    budget = pipeline.defaultBudget?.({ ...ctx, log }) ?? 'smoke';
  }
  const note = pipeline.describeData?.({ ...ctx, log }, budget);
  if (note) console.log(note);

  const selection = {
    only: values.only?.split(',').map((s) => s.trim()).filter(Boolean),
    seeds: values.seeds?.split(',').map((s) => {
      const n = Number(s.trim());
      if (!Number.isInteger(n)) throw new InvalidParameterError(`--seeds: '${s}' is not an integer seed`);
      return n;
    }),
  };
  const { threadBudget } = await import('../backend/threads.js');
  const total = threadBudget();
  const threadsPerJob = values['threads-per-job'] ? Number(values['threads-per-job']) : 1;
  if (!(Number.isInteger(threadsPerJob) && threadsPerJob >= 1 && threadsPerJob <= total)) {
    throw new InvalidParameterError(`--threads-per-job must be an integer from 1 to the thread budget (${total})`);
  }
  const parallel = values.parallel ? Number(values.parallel) : Math.max(1, Math.floor(total / threadsPerJob));
  if (!(parallel >= 1)) throw new InvalidParameterError('--parallel must be >= 1');
  if (parallel * threadsPerJob > total) {
    throw new InvalidParameterError(`--parallel ${parallel} x --threads-per-job ${threadsPerJob} exceeds the thread budget of ${total}`);
  }
  ctx.trainWorkers = threadsPerJob;
  if (values.plan) {
    const { measureConvGflops } = await import('../reproduce/throughput.js');
    const gflops = measureConvGflops(1);
    console.log(planTable(buildPlan(paper, budget, pipeline, { ...ctx, log }, gflops, selection), budget, backend.description, gflops, parallel));
    return 0;
  }

  const shard = resolveShard(values.shard);
  const jobs = shardJobs(availableJobs(jobsFor(paper, budget, selection), pipeline, { ...ctx, log }, budget, log), shard);
  log(
    `reproduce ${paper}: ${jobs.length} job(s), budget ${budget}, shard ${shard.index + 1}/${shard.count} (${shard.source}), ` +
      `${values['in-process'] ? 'in-process' : `${parallel} worker process(es)`} x ${threadsPerJob} thread(s) within a thread budget of ${total}`,
  );
  const summaryRun = await runJobs({
    jobs,
    resultsDir,
    ctx,
    parallel,
    threadsPerJob,
    inProcess: values['in-process'],
    backend: backend.description,
    log,
  });
  const report = buildReport(paper, budget, resultsDir, pipeline);
  console.log(reportMarkdown(report));
  if (!values['no-report']) {
    const files = await writeReport(report, join(resultsDir, budget, paper, 'report'));
    log(`report: ${files.join(', ')}`);
  }
  if (summaryRun.failed.length) {
    for (const f of summaryRun.failed) console.error(`failed: ${f.id}: ${f.error}`);
    return 1;
  }
  if (summaryRun.interrupted) return 130;
  if (budget === 'full' && report.rows.some((r) => r.verdict.kind === 'not reproduced')) return 3;
  return 0;
}
