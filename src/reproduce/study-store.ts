/**
 * Stored study runs: what a finished study measured on real audio, kept in
 * the repository (`reproductions/<paper>/runs/<study>/`) so that a reader
 * can check every number without rerunning anything.
 *
 * A stored run holds
 * - `jobs.json.gz`: every job (arm, seed, fold) with its metrics, training
 *   curve (loss, accuracy, validation loss and accuracy, learning rate per
 *   epoch), notes, duration, backend and code version, and each arm's config
 *   as run;
 * - `scores.csv.gz`: one line per test clip per job: arm, seed, fold, clip,
 *   true class index, the class the float32 model predicts (from its
 *   full-precision scores), the class the int8 copy predicts, the class the
 *   model with population batch-norm statistics predicts, and the float
 *   model's score of every class (4 decimals, space separated:
 *   what the pooled EER is computed from; near-uniform scores of an
 *   untrained model can tie once rounded, so accuracy uses the stored class);
 * - `summary.json`: everything the report shows, computed from the two
 *   files above by `summarizeStoredRun` (per-clip scores -> per-seed values
 *   -> mean and 95% interval over seeds -> seed-paired claim verdicts), so
 *   test/reproduce/stored-runs.test.ts recomputes it and compares;
 * - the report (report.md, .csv, .json, charts) and provenance.json
 *   (scripts/store-study-run.ts writes them).
 *
 * Definitions (the README repeats them beside the results):
 * - only seeds whose every test fold is finished count (a partial run may
 *   hold others; they are left out until their folds finish);
 * - accuracy of a seed: the mean over its test folds of the % of the fold's
 *   clips whose predicted class (highest full-precision score; ties: the
 *   lowest class index, as tf.argMax and numpy's argmax) is their label;
 * - accuracyPopulationBN, quantized acc: the same with the population-BN
 *   model's and the int8 copy's predicted classes; int8 accuracy change =
 *   quantized acc - accuracy (percentage points);
 * - EER pooled (arms whose metrics list 'eer'): per-class one-vs-rest EER by
 *   the official DCASE 2016 procedure on the seed's pooled out-of-fold float
 *   scores (all folds' test clips together: about two positives per class
 *   per fold leave per-fold EERs mostly ties), mean over classes;
 * - sizes (metric 'int8', ./int8-metrics.ts) are properties of the model,
 *   taken from the jobs' metrics, not from scores.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { perClassEerTable } from '../metrics/tagging.js';
import { keptEpoch, type EpochRecord, type Monitor } from '../train/history.js';
import { InvalidParameterError, MissingFileError } from '../util/errors.js';
import { INT8_SUFFIX } from '../fusion/clip-scores.js';
import { POPULATION_BN_SUFFIX } from './default-hooks.js';
import type { JobResult } from './results.js';
import { summarize, type Summary } from './stats.js';
import { judgeClaim, type ClaimResult } from './study-claims.js';
import type { ClaimSpecT } from './study-file.js';

export const JOBS_FILE = 'jobs.json.gz';
export const SCORES_FILE = 'scores.csv.gz';
export const SUMMARY_FILE = 'summary.json';
const SCORES_HEADER = 'arm,seed,fold,clip,truth,pred,int8,populationBN,scores';

/** One epoch of a stored job's training curve: the trainer's own record (src/train/history.ts). */
export type StoredEpoch = EpochRecord;

export interface StoredJob {
  arm: string;
  seed: number;
  fold: number;
  metrics: Record<string, number>;
  history: StoredEpoch[];
  notes: string[];
  seconds: number;
  startedAt: string;
  framework: string;
  backend: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
}

export interface StoredArm {
  id: string;
  title: string;
  labels: string[];
  metrics: string[];
  config: unknown;
  /** The data the arm ran on, as the data source described it. */
  data: { dataset: string; status: string; detail: string };
}

export interface StoredJobs {
  study: string;
  title: string;
  paper: string | null;
  budget: string;
  claims: ClaimSpecT[];
  arms: StoredArm[];
  jobs: StoredJob[];
}

export interface StoredScore {
  arm: string;
  seed: number;
  fold: number;
  clip: string;
  truth: number;
  /** The class the float32 model predicts (argmax of its full-precision scores: the stored scores are rounded). */
  pred: number;
  int8: number | null;
  populationBN: number | null;
  scores: number[];
}

export interface StoredRun {
  jobs: StoredJobs;
  scores: StoredScore[];
}

/**
 * A score to 4 decimals, shortest text (scores are probabilities in [0, 1]:
 * the many near-zero scores of a softmax over 38 classes become "0", which
 * keeps the stored runs within the repository's size budget; resolution
 * 1e-4 is ample for the pooled EER, and accuracy uses the predicted class
 * taken from the full-precision scores).
 */
export function compactNumber(v: number): string {
  if (!Number.isFinite(v)) throw new InvalidParameterError(`a score is ${v}`);
  const s = String(Number(v.toFixed(4)));
  return s === '-0' ? '0' : s;
}

const argmax = (v: readonly number[]) => v.reduce((b, x, i) => (x > v[b] ? i : b), 0);

/** A stored run from a study's job results (the harness's result files). */
export function storedRunFromResults(
  meta: { study: string; title: string; paper: string | null; budget: string; claims: ClaimSpecT[]; arms: { id: string; title: string; metrics: string[] }[] },
  results: readonly JobResult[],
): StoredRun {
  const arms: StoredArm[] = [];
  const jobs: StoredJob[] = [];
  const scores: StoredScore[] = [];
  for (const arm of meta.arms) {
    const own = results.filter((r) => r.job.experiment === arm.id).sort((a, b) => a.job.seed - b.job.seed || a.job.fold - b.job.fold);
    if (own.length === 0) continue;
    const labels = own[0].scores?.labels;
    if (!labels) throw new InvalidParameterError(`${meta.study}/${arm.id}: the results carry no per-clip scores`);
    const d = own[0].data;
    arms.push({ id: arm.id, title: arm.title, labels, metrics: arm.metrics, config: own[0].config, data: { dataset: d.dataset, status: d.status, detail: d.detail } });
    for (const r of own) {
      const h = (r.history ?? []) as Record<string, number | null>[];
      jobs.push({
        arm: arm.id,
        seed: r.job.seed,
        fold: r.job.fold,
        metrics: r.metrics,
        history: h.map((e) => ({
          epoch: e.epoch as number,
          loss: e.loss as number,
          acc: e.acc as number,
          valLoss: (e.valLoss as number | null) ?? null,
          valAcc: (e.valAcc as number | null) ?? null,
          ...(e.valTop1 === undefined ? {} : { valTop1: (e.valTop1 as number | null) ?? null }),
          lr: e.lr as number,
          seconds: e.seconds as number,
        })),
        notes: r.notes ?? [],
        seconds: r.seconds,
        startedAt: r.startedAt,
        framework: r.framework ?? 'tfjs',
        backend: r.backend,
        gitCommit: r.provenance.gitCommit,
        gitDirty: r.provenance.gitDirty,
      });
      const clips = r.scores?.clips ?? [];
      const byId = new Map(clips.map((c) => [c.id, c]));
      for (const c of clips) {
        if (c.group !== undefined) continue;
        const q = byId.get(`${c.id}${INT8_SUFFIX}`);
        const p = byId.get(`${c.id}${POPULATION_BN_SUFFIX}`);
        const rounded = c.scores.map((v) => Number(compactNumber(v)));
        scores.push({
          arm: arm.id,
          seed: r.job.seed,
          fold: r.job.fold,
          clip: c.id,
          truth: argmax(c.truth),
          pred: argmax(c.scores),
          int8: q ? argmax(q.scores) : null,
          populationBN: p ? argmax(p.scores) : null,
          scores: rounded,
        });
      }
    }
  }
  return { jobs: { study: meta.study, title: meta.title, paper: meta.paper, budget: meta.budget, claims: meta.claims, arms, jobs }, scores };
}

function scoresCsv(rows: readonly StoredScore[]): string {
  const out = [SCORES_HEADER];
  for (const r of rows) {
    if (/[,\n]/.test(r.clip)) throw new InvalidParameterError(`clip id '${r.clip}' holds a comma or a line break`);
    out.push([r.arm, r.seed, r.fold, r.clip, r.truth, r.pred, r.int8 ?? '', r.populationBN ?? '', r.scores.map(compactNumber).join(' ')].join(','));
  }
  return `${out.join('\n')}\n`;
}

function parseScoresCsv(text: string, file: string): StoredScore[] {
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines[0] !== SCORES_HEADER) throw new InvalidParameterError(`${file}: expected the header '${SCORES_HEADER}'`);
  return lines.slice(1).map((l, i) => {
    const f = l.split(',');
    if (f.length !== 9) throw new InvalidParameterError(`${file}: line ${i + 2} has ${f.length} fields, expected 9`);
    const num = (s: string) => (s === '' ? null : Number(s));
    const scores = f[8].split(' ').map(Number);
    if (scores.some((v) => !Number.isFinite(v))) throw new InvalidParameterError(`${file}: line ${i + 2}: a score is not a number`);
    return { arm: f[0], seed: Number(f[1]), fold: Number(f[2]), clip: f[3], truth: Number(f[4]), pred: Number(f[5]), int8: num(f[6]), populationBN: num(f[7]), scores };
  });
}

/** Write jobs.json.gz and scores.csv.gz into `dir`. */
export function writeStoredRun(dir: string, run: StoredRun): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, Buffer][] = [
    [JOBS_FILE, gzipSync(JSON.stringify(run.jobs), { level: 9 })],
    [SCORES_FILE, gzipSync(scoresCsv(run.scores), { level: 9 })],
  ];
  for (const [name, buf] of files) writeFileSync(join(dir, name), buf);
  return files.map(([n]) => join(dir, n));
}

export function readStoredRun(dir: string): StoredRun {
  const jf = join(dir, JOBS_FILE);
  const sf = join(dir, SCORES_FILE);
  for (const f of [jf, sf]) if (!existsSync(f)) throw new MissingFileError('a stored run needs jobs.json.gz and scores.csv.gz', f);
  let jobs: StoredJobs;
  try {
    jobs = JSON.parse(gunzipSync(readFileSync(jf)).toString('utf8')) as StoredJobs;
  } catch (e) {
    throw new InvalidParameterError(`${jf}: not a gzip'd JSON file (${(e as Error).message})`);
  }
  return { jobs, scores: parseScoresCsv(gunzipSync(readFileSync(sf)).toString('utf8'), sf) };
}

/** The per-seed values of one arm, each a function of per-clip scores. */
export interface SeedValues {
  seed: number;
  folds: number[];
  clips: number;
  accuracy: number;
  accuracyPopulationBN: number | null;
  'quantized acc': number | null;
  'int8 accuracy change': number | null;
  /** % of clips whose int8 predicted class is the float32 model's. */
  'int8 agreement': number | null;
  'EER pooled': number | null;
}

export const SUMMARY_METRICS = ['accuracy', 'accuracyPopulationBN', 'quantized acc', 'int8 accuracy change', 'int8 agreement', 'EER pooled'] as const;
export type SummaryMetric = (typeof SUMMARY_METRICS)[number];

export interface ArmSummary {
  id: string;
  title: string;
  classes: number;
  seeds: number[];
  folds: number[];
  perSeed: SeedValues[];
  summary: Partial<Record<SummaryMetric, Summary>>;
  /** Model sizes (from the jobs' metrics; the same for every job of an arm). */
  sizes: Record<string, number> | null;
  /** Epochs trained per job (early stopping) and the epoch whose weights were kept (best monitored validation value). */
  epochs: { trained: Summary; best: Summary; max: number };
}

export interface StudySummary {
  study: string;
  title: string;
  paper: string | null;
  budget: string;
  jobs: number;
  arms: ArmSummary[];
  claims: ClaimResult[];
}

const SIZE_KEYS = ['parameters', 'original size', 'original size (weights only)', 'quantized size', 'dcase2020 size', 'dcase2020 size quantized'] as const;

function foldAccuracy(rows: readonly StoredScore[], pick: (r: StoredScore) => number | null): number | null {
  let right = 0;
  for (const r of rows) {
    const p = pick(r);
    if (p === null) return null;
    if (p === r.truth) right++;
  }
  return (100 * right) / rows.length;
}

function meanOrNull(xs: readonly (number | null)[]): number | null {
  if (xs.length === 0 || xs.some((x) => x === null)) return null;
  return (xs as number[]).reduce((a, b) => a + b, 0) / xs.length;
}

/** Everything a stored run's report shows, from its per-clip scores and job records. */
export function summarizeStoredRun(run: StoredRun): StudySummary {
  const arms: ArmSummary[] = [];
  for (const arm of run.jobs.arms) {
    const rows = run.scores.filter((s) => s.arm === arm.id);
    const jobs = run.jobs.jobs.filter((j) => j.arm === arm.id);
    // A seed counts once every fold it should have is finished (a partial run
    // may hold seeds with some folds only): the config's folds, at most as
    // many as the data gave (the jobs' foldsInData).
    const cfgFolds = ((arm.config as { folds?: number[] } | undefined)?.folds ?? []).slice();
    const inData = jobs.find((j) => Number.isInteger(j.metrics.foldsInData))?.metrics.foldsInData;
    const needed = cfgFolds.filter((f) => inData === undefined || f <= inData);
    const seeds = [...new Set(rows.map((r) => r.seed))]
      .filter((seed) => needed.every((f) => rows.some((r) => r.seed === seed && r.fold === f)))
      .sort((a, b) => a - b);
    if (seeds.length === 0) continue; // no seed finished yet: nothing to summarize (the run's provenance lists its missing jobs)
    const perSeed: SeedValues[] = seeds.map((seed) => {
      const mine = rows.filter((r) => r.seed === seed);
      const folds = [...new Set(mine.map((r) => r.fold))].sort((a, b) => a - b);
      const byFold = folds.map((f) => mine.filter((r) => r.fold === f));
      const acc = meanOrNull(byFold.map((fr) => foldAccuracy(fr, (r) => r.pred)))!;
      const q = meanOrNull(byFold.map((fr) => foldAccuracy(fr, (r) => r.int8)));
      const agree = meanOrNull(byFold.map((fr) => foldAccuracy(fr.map((r) => ({ ...r, truth: r.pred })), (r) => r.int8)));
      const pop = meanOrNull(byFold.map((fr) => foldAccuracy(fr, (r) => r.populationBN)));
      let eerPooled: number | null = null;
      if (arm.metrics.includes('eer')) {
        const c = arm.labels.length;
        const targets = mine.flatMap((r) => Array.from({ length: c }, (_, k) => (k === r.truth ? 1 : 0)));
        eerPooled = perClassEerTable([{ scores: mine.flatMap((r) => r.scores), targets }], arm.labels).meanOfLabels;
      }
      return {
        seed,
        folds,
        clips: mine.length,
        accuracy: acc,
        accuracyPopulationBN: pop,
        'quantized acc': q,
        'int8 accuracy change': q === null ? null : q - acc,
        'int8 agreement': agree,
        'EER pooled': eerPooled,
      };
    });
    const summary: Partial<Record<SummaryMetric, Summary>> = {};
    for (const k of SUMMARY_METRICS) {
      const vs = perSeed.map((p) => p[k]);
      if (vs.length && vs.every((v) => v !== null)) summary[k] = summarize(vs as number[]);
    }
    const first = jobs[0]?.metrics;
    const sizes = first && SIZE_KEYS.every((k) => Number.isFinite(first[k])) ? Object.fromEntries(SIZE_KEYS.map((k) => [k, first[k]])) : null;
    const cfg = arm.config as { training?: { epochs?: number; earlyStopping?: { monitor?: Monitor; startFromEpoch?: number; restoreBest?: boolean } } } | undefined;
    // The epoch early stopping kept, replayed under fit's own rule.
    const kept = (j: StoredJob) => keptEpoch(j.history, cfg?.training?.earlyStopping ?? {});
    // Per seed like every other value: the mean over the seed's folds, for
    // the seeds counted above (a partial seed's jobs are left out).
    const perSeedMean = (f: (j: StoredJob) => number) =>
      seeds.map((seed) => meanOrNull(jobs.filter((j) => j.seed === seed && (needed.length === 0 || needed.includes(j.fold))).map(f))!);
    const trained = perSeedMean((j) => j.history.length);
    const best = perSeedMean(kept);
    arms.push({
      id: arm.id,
      title: arm.title,
      classes: arm.labels.length,
      seeds,
      folds: [...new Set(rows.filter((r) => seeds.includes(r.seed)).map((r) => r.fold))].sort((a, b) => a - b),
      perSeed,
      summary,
      sizes,
      epochs: { trained: summarize(trained), best: summarize(best), max: cfg?.training?.epochs ?? NaN },
    });
  }
  const perMetric = (metric: string) =>
    new Map(arms.map((a) => [a.id, new Map(a.perSeed.map((p) => [p.seed, (p as unknown as Record<string, number | null>)[metric] ?? NaN]))]));
  const claims = run.jobs.claims.map((c) => judgeClaim(c, perMetric(c.metric)));
  return { study: run.jobs.study, title: run.jobs.title, paper: run.jobs.paper, budget: run.jobs.budget, jobs: run.jobs.jobs.length, arms, claims };
}
