/**
 * `npx audio-aug-lab reproduce <paper> ...` — the project's main job: rerun
 * a paper's experiments and print, cell by cell, what was measured next to
 * what was published, with a verdict. `reproduce --study FILE` runs a
 * user-defined study the same way (its arms x folds x seeds through the
 * generic runner, a report of measured values with no published side);
 * `reproduce --list` lists the papers' experiments and the studies.
 */
import { resolve, join } from 'node:path';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { BUDGETS, type BudgetName } from '../reproduce/experiment-schema.js';
import { applyBudget, availableJobs, jobsFor, loadExperiments, resolveShard, selectExperiments, shardJobs, type JobSelection, type Shard } from '../reproduce/experiments.js';
import { pipelineFor } from '../reproduce/paper-pipelines.js';
import { defaultJobCount, runJobs } from '../reproduce/runner.js';
import { buildReport, reportMarkdown, writeReport } from '../reproduce/report.js';
import { writeReportCharts } from '../viz/report-chart.js';
import { planText } from '../reproduce/plan.js';
import { PAPERS } from '../reproduce/published.js';
import { displayPath } from '../reproduce/results.js';
import { loadStudy, type Study } from '../reproduce/study-file.js';
import { startInvocation } from '../reproduce/study-provenance.js';
import { derivedRunContext, isDerivedStudyFile, loadDerivedStudy, summarizeDerived } from '../reproduce/study-derived.js';
import { storedRunFromResults, summarizeStoredRun } from '../reproduce/study-store.js';
import { collectResults } from '../reproduce/results.js';
import { describeStoredRun, studyRunMarkdown } from '../reproduce/study-run-report.js';
import { buildStudyReport, listStudies, STUDIES_DIR, studyBlockers, studyPipelineFor } from '../reproduce/study-run.js';
import { threadBudget } from '../backend/threads.js';
import { AudioAugLabError, FileAccessError, InvalidParameterError, MissingFileError, UsageError } from '../util/errors.js';
import type { JobContext } from '../reproduce/paper-pipeline.js';
import { EXIT, exitCodesHelp, parseCommandArgs, runCommand } from './command.js';
import { checkOutputDir } from './files.js';
import { FRAMEWORKS, isFrameworkName, type FrameworkName } from '../train/framework-profile.js';

export const summary = 'rerun a paper (smoke | quick | full) and report published vs measured, cell by cell; or run your own study (--study)';

const HELP = `usage: audio-aug-lab reproduce <paper> [options]
       audio-aug-lab reproduce --study FILE [options]
       audio-aug-lab reproduce --list

  <paper>             ${PAPERS.join(' | ')}
  --study FILE        run a user-defined study instead of a paper: a JSON file of arms that
                      share their settings (format: reproductions/studies/README.md; example:
                      reproductions/studies/example-esc.json). Its data is its first arm's
                      dataset, e.g. 'folder': the folder given with --data-dir (WAV files and a
                      labels.csv with header file,label[,fold][,source]; or an ESC-50 layout).
                      Results go to <results>/<budget>/<study id>/<arm>/; the report shows the
                      measured values of each arm (a study has no published numbers)
  --list              list the papers with their experiment ids, and the studies in
                      reproductions/studies/ with their arms
  --budget NAME       smoke (fixtures/sample, minutes: checks the pipeline only),
                      quick (reduced epochs on real data), full (the paper's schedule).
                      Default: smoke unless --data-dir holds the verified dataset (then quick).
  --plan              print the runnability matrix and compute estimate, run nothing
  --only ID[,ID]      run only these experiments (ids in reproductions/<paper>/experiments/;
                      for a study, its arm ids)
  --seeds N[,N]       run only these seeds of each experiment (all folds of each; the
                      report aggregates the seeds that are complete)
  --shard i/n         run slice i of n of the job list (also from SLURM_ARRAY_TASK_ID/COUNT,
                      or JOB_COMPLETION_INDEX with AUDIO_AUG_LAB_SHARDS); merge with 'report'
  --data-dir DIR      the dataset root (else a dataset fetched by 'audio-aug-lab data' into
                      the data root, else the embedded ESC-10 sample or fixtures built from it);
                      for a study on dataset 'folder', the folder of WAV files
  --results DIR       results directory (default ./results); finished jobs are skipped
  --work-dir DIR      fixtures and feature caches (default <results>/work)
  --parallel N        worker processes (default: thread budget / threads per job;
                      1 on a GPU backend: one job per GPU)
  --threads-per-job N threads each job trains with as data-parallel replicas (default 1;
                      results are bit-identical only for the same N)
  --in-process        run jobs in this process (no workers)
  --framework NAME    train every job under this framework profile (${FRAMEWORKS.join(' | ')})
                      instead of its config's; results record it (use its own --results)
  --backend NAME      tensorflow | webgpu | wasm | cpu: force one (sets AUDIO_AUG_LAB_BACKEND;
                      webgpu also takes a software adapter). Default: the first that loads of
                      tfjs-node-gpu, webgpu on a hardware GPU, tfjs-node, wasm, cpu
  --no-cache          recompute features instead of reading the feature cache
  --no-report         do not write the report files

Every argument is checked before anything heavy starts (no backend, no data
loaded), and --plan refuses what a run would refuse. SIGINT or SIGTERM stops
the workers; every result already written is kept and a rerun skips it.

${exitCodesHelp(['3    full budget: a measured cell did not reproduce the published one'])}
`;

/** A library check of a command-line value, said as a usage error. */
function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof AudioAugLabError && !(e instanceof UsageError)) throw new UsageError(e.message);
    throw e;
  }
}

function positiveInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag} must be a positive integer, got '${text}'`);
  }
  return Number(text);
}

/** `first` then `items` joined by ', ', wrapped to lines of at most `width` characters, the later ones indented by `indent`. */
function wrapped(first: string, items: readonly string[], indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = first;
  for (const [i, item] of items.entries()) {
    const piece = `${item}${i < items.length - 1 ? ',' : ''}`;
    if (line.trim() && line.length + 1 + piece.length > width) {
      lines.push(line);
      line = `${indent}${piece}`;
    } else line = line.trim() ? `${line} ${piece}` : `${line}${piece}`;
  }
  lines.push(line);
  return lines;
}

/** `reproduce --list`: the papers with their experiment ids, the studies with their arms. 1 when a study file does not load. */
function list(): number {
  const lines = ['papers (audio-aug-lab reproduce <paper> [--only ID,...]):'];
  for (const paper of PAPERS) {
    const ids = loadExperiments(paper).map((e) => e.id);
    lines.push(...wrapped(`  ${paper} (${ids.length} experiments):`, ids, '    '));
  }
  const studies = listStudies();
  lines.push('', `studies (audio-aug-lab reproduce --study FILE [--only ARM,...]; ${displayPath(STUDIES_DIR)}/):`);
  if (studies.length === 0) lines.push('  (none)');
  let broken = 0;
  for (const s of studies) {
    if ('error' in s) {
      broken++;
      lines.push(`  ${displayPath(s.file)}: does not load: ${s.error}`);
      continue;
    }
    if ('derived' in s) {
      lines.push(`  ${s.derived.id}: ${s.derived.title} (${displayPath(s.file)})`, ...wrapped('    trains nothing; judges the models of:', s.derived.sources.map((x) => x.id), '      '));
      continue;
    }
    const arms = s.study.experiments.map((e) => e.id);
    lines.push(`  ${s.study.id}: ${s.study.title} (${displayPath(s.file)})`, ...wrapped(`    ${arms.length} arms:`, arms, '      '));
  }
  console.log(lines.join('\n'));
  return broken ? EXIT.error : 0;
}

/**
 * `reproduce --study DERIVED`: a derived study (src/reproduce/study-derived.ts)
 * runs each source study with the same options (finished jobs are skipped),
 * then reports its claims on their results.
 */
async function derived(file: string, argv: string[], values: { results?: string; budget?: string; plan?: boolean; only?: string }): Promise<number> {
  const d = loadDerivedStudy(file);
  if (values.only !== undefined) throw new UsageError(`${displayPath(d.file)} is a derived study (it trains nothing itself): --only is for its sources`);
  let worst = 0;
  for (const src of d.sources) {
    const args = argv.map((a, i) => (argv[i - 1] === '--study' ? src.file : a.startsWith('--study=') ? `--study=${src.file}` : a));
    console.log(`== ${d.id}: source study ${src.id} (${displayPath(src.file)})`);
    const code = await command(args);
    if (code !== 0 && code !== EXIT.notReproduced) worst = worst || code;
    if (code === EXIT.sigint || code === EXIT.sigterm) return code;
  }
  if (values.plan) return worst;
  const budget = (values.budget as BudgetName | undefined) ?? 'smoke';
  const resultsDir = resolve(values.results ?? 'results');
  const summaries = d.sources.map((src) =>
    summarizeStoredRun(
      storedRunFromResults(
        { study: src.id, title: src.title, paper: src.paper ?? null, budget, claims: src.claims, arms: src.experiments.map((e) => ({ id: e.id, title: e.title, metrics: e.metrics })) },
        collectResults(resultsDir, budget, src.id),
      ),
    ),
  );
  const summary = summarizeDerived(d, summaries, budget);
  console.log(
    studyRunMarkdown(summary, derivedRunContext(d)),
  );
  return worst;
}

async function command(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
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
      framework: { type: 'string' },
      backend: { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      'no-report': { type: 'boolean', default: false },
      study: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }

  // 1. Every argument, before anything heavy (no backend, no data).
  if (values.list) {
    const other = positionals[0] ?? (values.study !== undefined ? '--study' : undefined);
    if (other !== undefined) throw new UsageError(`--list takes no paper or study (got '${other}')`);
    return list();
  }
  const paperArg = positionals[0];
  if (paperArg !== undefined && values.study !== undefined) {
    throw new UsageError(`give a paper or --study FILE, not both (got '${paperArg}' and --study ${values.study})`);
  }
  if (paperArg === undefined && values.study === undefined) throw new UsageError(`give a paper (${PAPERS.join(', ')}) or --study FILE`);
  if (paperArg !== undefined && !(PAPERS as readonly string[]).includes(paperArg)) {
    throw new UsageError(`unknown paper '${paperArg}' (papers: ${PAPERS.join(', ')})`);
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  if (values.study === '') throw new UsageError('--study needs a study file');
  if (values.study !== undefined && existsSync(values.study) && isDerivedStudyFile(values.study)) return derived(values.study, argv, values);
  // A study file is read now (every field checked at load; errors name the file and the JSON path).
  const study: Study | null = values.study !== undefined ? loadStudy(values.study) : null;
  /** What jobs and results are filed under: the paper, or the study id. */
  const paper = study ? study.id : paperArg!;
  if (values.budget !== undefined && !(BUDGETS as string[]).includes(values.budget)) {
    throw new UsageError(`--budget must be one of ${BUDGETS.join(', ')}, got '${values.budget}'`);
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  if (values.only !== undefined && only!.length === 0) throw new UsageError('--only needs experiment ids (comma-separated)');
  if (only) asUsage(() => selectExperiments(paper, only, study?.experiments));
  const seeds = values.seeds?.split(',').map((s) => {
    const t = s.trim();
    if (!/^\d+$/.test(t) || !Number.isSafeInteger(Number(t))) throw new UsageError(`--seeds: '${s}' is not a seed (a non-negative integer)`);
    return Number(t);
  });
  const selection: JobSelection = { only, seeds, ...(study ? { study: { file: study.file, experiments: study.experiments } } : {}) };
  if (values.framework !== undefined && !isFrameworkName(values.framework)) {
    throw new UsageError(`--framework must be one of ${FRAMEWORKS.join(', ')}, got '${values.framework}'`);
  }
  const shard: Shard = asUsage(() => resolveShard(values.shard));
  const total = threadBudget();
  const threadsPerJob = positiveInt(values['threads-per-job'], '--threads-per-job') ?? 1;
  if (threadsPerJob > total) throw new UsageError(`--threads-per-job must be an integer from 1 to the thread budget (${total}), got ${threadsPerJob}`);
  const parallelGiven = positiveInt(values.parallel, '--parallel');
  let parallel = parallelGiven ?? Math.max(1, Math.floor(total / threadsPerJob));
  if (parallel * threadsPerJob > total) {
    throw new UsageError(`--parallel ${parallel} x --threads-per-job ${threadsPerJob} exceeds the thread budget of ${total}`);
  }
  const resultsDir = resolve(values.results!);
  const dataDirGiven = values['data-dir'];
  if (dataDirGiven !== undefined) {
    if (!existsSync(dataDirGiven)) throw new MissingFileError('--data-dir does not exist', dataDirGiven);
    if (!statSync(dataDirGiven).isDirectory()) throw new FileAccessError('--data-dir is not a folder', dataDirGiven, 'ENOTDIR');
  }
  if (!values.plan) checkOutputDir(values.results!);
  const ctx: Omit<JobContext, 'log'> = {
    dataDir: dataDirGiven ? resolve(dataDirGiven) : undefined,
    workDir: resolve(values['work-dir'] ?? join(resultsDir, 'work')),
    noCache: values['no-cache'],
    trainWorkers: threadsPerJob,
    framework: values.framework as FrameworkName | undefined,
  };
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const pipeline = study ? studyPipelineFor(study) : await pipelineFor(paper);
  const budget: BudgetName = (values.budget as BudgetName | undefined) ?? pipeline.defaultBudget?.({ ...ctx, log }) ?? 'smoke';
  // the plan and the run refuse the same selections (e.g. --seeds no experiment has)
  const selected = asUsage(() => jobsFor(paper, budget, selection));
  if (study && !values.plan) {
    // A study's data is the user's: refuse now, naming what is wrong, rather than fail every job.
    const arms = selectExperiments(paper, only, study.experiments).map((e) => applyBudget(e, budget));
    const blocked = studyBlockers(arms, pipeline, { ...ctx, log }, budget);
    if (blocked.length && !ctx.dataDir && arms.some((a) => a.dataset.id === 'folder')) {
      throw new UsageError(`${displayPath(study.file)}: dataset 'folder' is the folder given with --data-dir (WAV files and a labels.csv: file,label[,fold][,source]); give --data-dir DIR`);
    }
    if (blocked.length) {
      throw new InvalidParameterError(`${displayPath(study.file)}: ${blocked[0]}${blocked.length > 1 ? ` (and ${blocked.length - 1} more arm(s))` : ''}`);
    }
  }

  // 2. The work.
  const note = pipeline.describeData?.({ ...ctx, log }, budget);
  if (note) console.log(note);
  const { initBackend, BACKEND_ENV, CHOOSABLE_BACKENDS } = await import('../backend/index.js');
  if (values.backend !== undefined) {
    if (!(CHOOSABLE_BACKENDS as readonly string[]).includes(values.backend)) throw new UsageError(`--backend must be one of ${CHOOSABLE_BACKENDS.join(', ')}`);
    process.env[BACKEND_ENV] = values.backend; // worker processes inherit the choice
  }
  const backend = await initBackend();
  if (parallelGiven === undefined) parallel = defaultJobCount(backend, total, threadsPerJob).parallel; // one job per GPU
  if (values.plan) {
    console.log(await planText(paper, budget, pipeline, { ...ctx, log }, selection, backend, parallel));
    return 0;
  }

  const jobs = shardJobs(availableJobs(selected, pipeline, { ...ctx, log }, budget, log), shard);
  log(
    `reproduce ${paper}: ${jobs.length} job(s), budget ${budget}, shard ${shard.index + 1}/${shard.count} (${shard.source}), ` +
      `${values['in-process'] ? 'in-process' : `${parallel} worker process(es)`} x ${threadsPerJob} thread(s) within a thread budget of ${total}`,
  );
  // SIGINT / SIGTERM. With worker processes the runner stops the workers and
  // returns; the signal then decides the exit code (130 SIGINT, 143 SIGTERM).
  // In-process, a training step never hands control back to the event loop,
  // so no handler could run: the signal's default action ends the process at
  // once, which a shell reports as the same 130 / 143 (128 + signal number).
  // Either way every result already written is kept: results are written whole
  // (temp file + rename) or not at all.
  const caught: { signal: NodeJS.Signals | null } = { signal: null };
  const onSignal = (s: NodeJS.Signals) => {
    caught.signal ??= s;
  };
  if (!values['in-process']) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  // A study's runs log each invocation (the exact command, thread layout,
  // backend, start and end): provenance for a stored run (src/reproduce/study-provenance.ts).
  const invocation = study && jobs.length
    ? startInvocation(join(resultsDir, budget, paper), {
        argv: ['reproduce', ...argv],
        cwd: process.cwd(),
        parallel: values['in-process'] ? 1 : parallel,
        threadsPerJob,
        backend: backend.description,
        jobs: jobs.length,
      })
    : null;
  let summaryRun;
  try {
    summaryRun = await runJobs({
      jobs,
      resultsDir,
      ctx,
      parallel,
      threadsPerJob,
      inProcess: values['in-process'],
      backend: backend.description,
      log,
    });
    // one turn of the event loop, so a signal that came in as the last job ended is seen
    await new Promise((r) => setImmediate(r));
  } finally {
    invocation?.finish(
      summaryRun && { ran: summaryRun.ran.length, skipped: summaryRun.skipped.length, failed: summaryRun.failed.length, interrupted: summaryRun.interrupted || caught.signal !== null },
    );
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const report = study ? buildStudyReport(study, budget, resultsDir, pipeline) : buildReport(paper, budget, resultsDir, pipeline);
  console.log(reportMarkdown(report));
  if (!values['no-report']) {
    const reportDir = join(resultsDir, budget, paper, 'report');
    const files = [...writeReport(report, reportDir), ...(await writeReportCharts(report, reportDir))];
    // A study with claims: the claims' verdicts on the results so far, as its stored run will show them.
    if (study && study.claims.length && collectResults(resultsDir, budget, study.id).length) {
      const run = storedRunFromResults(
        { study: study.id, title: study.title, paper: study.paper ?? null, budget, claims: study.claims, arms: study.experiments.map((e) => ({ id: e.id, title: e.title, metrics: e.metrics })) },
        collectResults(resultsDir, budget, study.id),
      );
      const text = studyRunMarkdown(summarizeStoredRun(run), describeStoredRun(run));
      writeFileSync(join(reportDir, 'claims.md'), text);
      console.log(text);
      files.push(join(reportDir, 'claims.md'));
    }
    log(`report: ${files.join(', ')}`);
  }
  for (const f of summaryRun.failed) console.error(`failed: ${f.id}: ${f.error}`);
  if (summaryRun.interrupted || caught.signal) return caught.signal === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
  if (summaryRun.failed.length) return EXIT.error;
  if (budget === 'full' && report.rows.some((r) => r.verdict.kind === 'not reproduced')) return EXIT.notReproduced;
  return 0;
}

export function run(argv: string[]): Promise<number> {
  return runCommand('reproduce', command, argv);
}
