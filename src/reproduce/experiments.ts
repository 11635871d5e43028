/**
 * Loading experiment configs and turning them into jobs (experiment x fold x
 * seed) for a budget. The job list is sorted deterministically, so shard i
 * of n is the same slice on every machine.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidParameterError } from '../util/errors.js';
import type { BudgetName, Experiment } from './experiment-schema.js';
import { budgeted, checkReferences, deepMerge, experimentError, readExperimentFile, shownPath } from './experiment-file.js';
import { REPRODUCTIONS_DIR } from './published.js';
import { loadStudy } from './study-file.js';

export { deepMerge };

export function experimentsDir(paper: string): string {
  return join(REPRODUCTIONS_DIR, paper, 'experiments');
}

/**
 * A paper's experiments: every `*.json` directly in its experiments folder,
 * in file-name order, each resolved (`extends`) and validated
 * (./experiment-file.ts). Base files live in `experiments/bases/` and are
 * not experiments. Each id matches its file name, each paper its folder, and
 * `members` / `twoStageWith` name experiments of the same paper.
 */
export function loadExperiments(paper: string): Experiment[] {
  return loadExperimentDir(experimentsDir(paper), paper);
}

/** The experiments of `paper` in `dir` (loadExperiments with another folder). */
export function loadExperimentDir(dir: string, paper: string): Experiment[] {
  if (!existsSync(dir)) return [];
  const out: Experiment[] = [];
  const files = new Map<Experiment, string>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const path = join(dir, f);
    const exp = readExperimentFile(path);
    if (`${exp.id}.json` !== f) throw experimentError(path, `id: '${exp.id}' does not match the file name`);
    if (exp.paper !== paper) throw experimentError(path, `paper: '${exp.paper}' but the file is under ${paper}/`);
    files.set(exp, path);
    out.push(exp);
  }
  checkReferences(out, (e) => ({ file: files.get(e)!, at: [] }), shownPath(dir));
  return out;
}

/** An experiment as run under a budget. */
export type BudgetedExperiment = Experiment & { budget: BudgetName; maxClipsPerClass?: number };

/** The experiment as run under a budget (its overrides applied). */
export function applyBudget(exp: Experiment, budget: BudgetName): BudgetedExperiment {
  const { maxClipsPerClass, ...merged } = budgeted(exp, budget);
  return { ...(merged as Experiment), budget, maxClipsPerClass };
}

export interface Job {
  /** `<paper>/<experiment>/fold-<f>-seed-<s>`: also the result file's path. */
  id: string;
  paper: string;
  experiment: string;
  fold: number;
  seed: number;
  budget: BudgetName;
  /**
   * A user-defined study's job (`reproduce --study`): the study file
   * (absolute), where its experiment is found; `paper` is the study id.
   * Absent for a paper's jobs (their experiments are the paper's files).
   */
  study?: string;
}

/**
 * The experiments a job's `paper` names: the study file's arms for a
 * study's job, else the paper's experiment files.
 */
export function experimentsOfJob(job: Pick<Job, 'paper' | 'study'>): Experiment[] {
  if (job.study === undefined) return loadExperiments(job.paper);
  const study = loadStudy(job.study);
  if (study.id !== job.paper) throw new InvalidParameterError(`${job.study}: the study's id is now '${study.id}', not '${job.paper}' (the file changed after its jobs were made)`);
  return study.experiments;
}

/** The experiment a job runs (an error naming the paper or study file when it is gone). */
export function experimentOfJob(job: Pick<Job, 'paper' | 'study' | 'experiment'>): Experiment {
  const exp = experimentsOfJob(job).find((e) => e.id === job.experiment);
  if (!exp) throw new InvalidParameterError(job.study ? `${job.study}: no arm '${job.experiment}' in study ${job.paper}` : `no experiment ${job.experiment} for ${job.paper}`);
  return exp;
}

/**
 * Which experiments and seeds a run covers: `only` experiment ids (all when
 * absent) and `seeds` (each experiment's budgeted seeds when absent; a seed
 * an experiment does not have is skipped for it). Seeds are independent
 * replicates, so a seed subset still gives complete per-seed results; folds
 * are never subset here (a seed counts in the report only with all folds).
 */
export interface JobSelection {
  only?: string[];
  seeds?: number[];
  /**
   * A user-defined study (`reproduce --study`): select from its arms instead
   * of the paper's files (the `paper` argument is then the study id), and
   * file its jobs under its study file.
   */
  study?: { file: string; experiments: readonly Experiment[] };
}

/**
 * The experiments a selection names, in file order (unknown ids are an
 * error): from `from` when given (a study's arms), else the paper's files.
 */
export function selectExperiments(paper: string, only?: string[], from?: readonly Experiment[]): Experiment[] {
  const exps = (from ?? loadExperiments(paper)).filter((e) => !only || only.includes(e.id));
  if (only) {
    const missing = only.filter((id) => !exps.some((e) => e.id === id));
    if (missing.length) {
      throw new InvalidParameterError(`unknown ${from ? 'arm' : 'experiment'}(s) for ${paper}: ${missing.join(', ')} (${from ? 'arms' : 'experiments'}: ${(from ?? loadExperiments(paper)).map((e) => e.id).join(', ')})`);
    }
  }
  return exps;
}

/** The seeds of a budgeted experiment that a selection keeps. */
export function selectedSeeds(b: Experiment, seeds?: number[]): number[] {
  return seeds ? b.seeds.filter((s) => seeds.includes(s)) : b.seeds;
}

export function jobsFor(paper: string, budget: BudgetName, selection: string[] | JobSelection = {}): Job[] {
  const sel: JobSelection = Array.isArray(selection) ? { only: selection } : selection;
  return experimentJobs(paper, selectExperiments(paper, sel.only, sel.study?.experiments), budget, sel.seeds, sel.study?.file);
}

/**
 * The jobs of the given experiments (a paper's, or a study's: `paper` is the
 * name jobs and result files are filed under). Rows that do not train
 * (reference, ensemble, not runnable) have no jobs. `study`: the study file
 * the experiments come from (recorded in each job).
 *
 * Order: seed-major (seed, then fold, then the experiments in their given
 * order). A run stopped part-way (a session's time, a killed machine) then
 * leaves whole seeds behind, every arm and fold of each, so the seed-paired
 * comparisons of a study can use them; an experiment-major order would leave
 * the first arms finished and the last ones empty, with nothing to pair.
 */
export function experimentJobs(paper: string, exps: readonly Experiment[], budget: BudgetName, seeds?: number[], study?: string): Job[] {
  const jobs: Job[] = [];
  const position = new Map<string, number>();
  for (const e of exps) {
    if (e.notRunnable || e.kind !== 'train') continue;
    position.set(e.id, position.size);
    const b = applyBudget(e, budget);
    for (const fold of b.folds) {
      for (const seed of selectedSeeds(b, seeds)) {
        jobs.push({ id: `${paper}/${e.id}/fold-${fold}-seed-${seed}`, paper, experiment: e.id, fold, seed, budget, ...(study !== undefined ? { study } : {}) });
      }
    }
  }
  if (seeds && jobs.length === 0 && exps.some((e) => !e.notRunnable && e.kind === 'train')) {
    throw new InvalidParameterError(`--seeds ${seeds.join(',')}: no selected experiment of ${paper} has these seeds at budget ${budget}`);
  }
  return jobs.sort((a, b) => a.seed - b.seed || a.fold - b.fold || position.get(a.experiment)! - position.get(b.experiment)!);
}

/**
 * Drops the jobs for folds the data at hand does not have
 * (`pipeline.foldsAvailable`), saying so once per experiment.
 */
export function availableJobs<C>(
  jobs: Job[],
  pipeline: { foldsAvailable?(exp: BudgetedExperiment, ctx: C): number | null },
  ctx: C,
  budget: BudgetName,
  log: (line: string) => void,
): Job[] {
  if (!pipeline.foldsAvailable) return jobs;
  const configs = new Map<string, Experiment>();
  const sources = new Map(jobs.map((j) => [j.paper, j] as const));
  for (const [paper, job] of sources) for (const e of experimentsOfJob(job)) configs.set(`${paper}/${e.id}`, e);
  const limit = new Map<string, number | null>();
  for (const j of jobs) {
    if (limit.has(j.experiment)) continue;
    limit.set(j.experiment, pipeline.foldsAvailable(applyBudget(configs.get(`${j.paper}/${j.experiment}`)!, budget), ctx));
  }
  const kept = jobs.filter((j) => {
    const n = limit.get(j.experiment);
    return n === null || n === undefined || j.fold <= n;
  });
  for (const [experiment, n] of limit) {
    const dropped = [...new Set(jobs.filter((j) => j.experiment === experiment && !kept.includes(j)).map((j) => j.fold))];
    if (dropped.length) log(`${experiment}: the data at hand gives ${n} folds; folds ${dropped.join(', ')} are not run`);
  }
  return kept;
}

export interface Shard {
  index: number;
  count: number;
  source: string;
}

/** Which shard this process runs: `--shard i/n` (1-based i), else Slurm array
 * variables (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT, task ids from
 * SLURM_ARRAY_TASK_MIN), else a Kubernetes Indexed Job (JOB_COMPLETION_INDEX,
 * 0-based, with the shard count in AUDIO_AUG_LAB_SHARDS), else 1/1. */
export function resolveShard(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Shard {
  if (flag) {
    const m = /^(\d+)\/(\d+)$/.exec(flag);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) {
      throw new InvalidParameterError(`--shard must be i/n with 1 <= i <= n, got '${flag}'`);
    }
    return { index: Number(m[1]) - 1, count: Number(m[2]), source: '--shard' };
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_COUNT !== undefined) {
    const min = Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
    const index = Number(env.SLURM_ARRAY_TASK_ID) - min;
    const count = Number(env.SLURM_ARRAY_TASK_COUNT);
    if (!(index >= 0 && index < count)) {
      throw new InvalidParameterError(`SLURM_ARRAY_TASK_ID ${env.SLURM_ARRAY_TASK_ID} is outside the array (min ${min}, count ${count})`);
    }
    return { index, count, source: 'slurm' };
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const count = Number(env.AUDIO_AUG_LAB_SHARDS);
    const index = Number(env.JOB_COMPLETION_INDEX);
    if (!(count >= 1)) {
      throw new InvalidParameterError('JOB_COMPLETION_INDEX is set: also set AUDIO_AUG_LAB_SHARDS to the Indexed Job\'s completions');
    }
    if (!(index >= 0 && index < count)) throw new InvalidParameterError(`JOB_COMPLETION_INDEX ${index} is outside 0..${count - 1}`);
    return { index, count, source: 'kubernetes' };
  }
  return { index: 0, count: 1, source: 'single' };
}

/** Round-robin slice of the sorted job list. */
export function shardJobs<T>(jobs: T[], shard: Shard): T[] {
  return jobs.filter((_, i) => i % shard.count === shard.index);
}
