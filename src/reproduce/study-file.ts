/**
 * User-defined studies: one JSON file that declares a set of experiments
 * ("arms") sharing their defaults, run like a paper's rows
 * (`reproduce --study FILE`). The format (reproductions/studies/README.md):
 *
 *   {
 *     "id": "example-esc",              the file's name without .json
 *     "title": "...",
 *     "description": "...",             optional
 *     "extends": "path/base.json",      optional, one base file or a list
 *     "seeds": [1, 2, 3],               optional, shared by every arm
 *     "folds": [1, 2, 3, 4, 5],         optional, shared by every arm
 *     "budgets": { "smoke": {...}, "quick": {...}, "full": {...} },   optional, shared
 *     "defaults": { ...a partial experiment... },
 *     "experiments": [ { "id": "none" }, { "id": "mixup", "augment": {...} } ]
 *   }
 *
 * Arm i is the merge of the bases, the top-level seeds/folds/budgets, the
 * defaults and experiments[i], in that order (objects key by key, arrays
 * replaced, `choices` concatenated: ./experiment-file.ts), validated by the
 * same schema and catalogue checks as a paper's experiment files. Its
 * `paper` is the study id (the name its jobs and result files are filed
 * under; a `paper` inherited from a paper's base file is replaced), so the
 * study id may not be a paper's name. An arm without a title is titled by
 * its id. Errors name the study file and the JSON path where the bad value
 * was set (`experiments[1].augment.online[0].params.alpha`,
 * `defaults.training.epochs`, or a base file).
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import type { Experiment } from './experiment-schema.js';
import {
  checkReferences,
  experimentError,
  formatPath,
  mergeLayers,
  readJsonObject,
  resolveLayers,
  validateExperiment,
  type Layer,
} from './experiment-file.js';
import { REPRODUCTIONS_DIR } from './published.js';

const Json = z.record(z.string(), z.unknown());
const ID = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * A claim a study tests (./study-claims.ts gives the verdicts):
 * - a comparison: `arm` is better than `baseline` on `metric` ('higher' or
 *   'lower' is better), judged on the seed-paired difference arm - baseline;
 * - a bound: `metric` of `arm` (a value that is itself a paired difference,
 *   e.g. 'int8 accuracy change') stays within +-`within`, judged on its
 *   interval over seeds.
 */
/** What every claim names. */
const CLAIM_FIELDS = { id: z.string().regex(ID), text: z.string().min(1), metric: z.string().min(1), arm: z.string() };
const ComparisonClaim = z.strictObject({ ...CLAIM_FIELDS, baseline: z.string(), direction: z.enum(['higher', 'lower']) });
const BoundClaim = z.strictObject({ ...CLAIM_FIELDS, within: z.number().positive() });
export const ClaimSpec = z.union([ComparisonClaim, BoundClaim]);
export type ClaimSpecT = z.infer<typeof ClaimSpec>;

/** One claim of a study file: a bound when it has `within`, else a comparison; errors name claims[i].<field>. */
export function parseClaim(file: string, raw: unknown, i: number): ClaimSpecT {
  const bound = typeof raw === 'object' && raw !== null && 'within' in raw;
  const r = (bound ? BoundClaim : ComparisonClaim).safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const at = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
  const what =
    issue.code === 'unrecognized_keys'
      ? `unknown field (a claim has id, text, metric, arm and either baseline + direction or within)`
      : issue.message;
  throw experimentError(file, `${formatPath(['claims', i, ...(at as (string | number)[])])}: ${what}`);
}

/** The study file's own fields; the arms are checked as experiments after merging. */
const StudyFile = z.strictObject({
  id: z.string().regex(ID),
  title: z.string().min(1),
  description: z.string().optional(),
  extends: z.union([z.string(), z.array(z.string())]).optional(),
  seeds: z.unknown().optional(),
  folds: z.unknown().optional(),
  budgets: z.unknown().optional(),
  defaults: Json.default({}),
  experiments: z.array(Json).min(1),
  /** The paper whose claims the study tests (its runs are stored under reproductions/<paper>/runs/<id>/). */
  paper: z.string().optional(),
  /** Claims under test (./study-claims.ts), checked one by one below (`parseClaim`). */
  claims: z.array(z.unknown()).optional(),
});

/** Fields a study may give at its top level (shared by every arm, as if in `defaults`). */
const SHARED = ['seeds', 'folds', 'budgets'] as const;

export interface Study {
  id: string;
  title: string;
  description?: string;
  /** The study file (absolute). */
  file: string;
  /** The arms, resolved and validated, in file order (`paper` is the study id). */
  experiments: Experiment[];
  /** The paper whose claims it tests, when it says so. */
  paper?: string;
  claims: ClaimSpecT[];
}

export function loadStudy(path: string): Study {
  const file = resolve(path);
  const raw = readJsonObject(file);
  const parsed = StudyFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    const what = issue.code === 'unrecognized_keys' ? 'unknown field (a study has id, title, description, paper, claims, extends, seeds, folds, budgets, defaults, experiments)' : issue.message;
    throw experimentError(file, `${formatPath(at as (string | number)[])}: ${what}`);
  }
  const study = parsed.data;
  const name = basename(file, '.json');
  if (study.id !== name) throw experimentError(file, `id: '${study.id}' does not match the file name (expected '${name}')`);
  if (existsSync(join(REPRODUCTIONS_DIR, study.id, 'experiments'))) {
    throw experimentError(file, `id: '${study.id}' is the name of a paper in reproductions/; a study needs its own name (its results are filed under it)`);
  }

  const baseLayers = resolveLayers(file, study.extends === undefined ? {} : { extends: study.extends }).slice(0, -1);
  const shared: Record<string, unknown> = {};
  for (const k of SHARED) {
    if (raw[k] === undefined) continue;
    if (study.defaults[k] !== undefined) throw experimentError(file, `${k}: given both here and as defaults.${k}; give it once`);
    shared[k] = raw[k];
  }
  for (const k of ['extends', 'id'] as const) {
    if (k in study.defaults) throw experimentError(file, `defaults.${k}: ${k === 'id' ? 'each arm has its own id (experiments[i].id)' : "a study's bases are the top-level 'extends'"}`);
  }
  const layers: Layer[] = [...baseLayers, { file, at: [], value: shared }, { file, at: ['defaults'], value: study.defaults }];

  const experiments: Experiment[] = [];
  study.experiments.forEach((arm, i) => {
    const at = ['experiments', i];
    if (typeof arm.id !== 'string' || !ID.test(arm.id)) {
      throw experimentError(file, `${formatPath([...at, 'id'])}: each arm needs an id of lower-case letters, digits, '.', '_' or '-' (got ${JSON.stringify(arm.id)})`);
    }
    if ('extends' in arm) throw experimentError(file, `${formatPath([...at, 'extends'])}: the arms share the study's top-level 'extends'`);
    const armLayers = [...layers, { file, at, value: arm }];
    for (const l of armLayers.slice(baseLayers.length)) {
      if (l.value.paper !== undefined && l.value.paper !== study.id) {
        throw experimentError(file, `${formatPath([...l.at, 'paper'])}: a study's experiments belong to the study ('${study.id}'); leave 'paper' out`);
      }
    }
    const merged: Record<string, unknown> = { ...mergeLayers(armLayers), paper: study.id };
    if (merged.title === undefined) merged.title = arm.id;
    experiments.push(validateExperiment(merged, { file, at, layers: armLayers, label: `experiment '${arm.id}'` }));
  });
  checkReferences(experiments, (e) => ({ file, at: ['experiments', experiments.indexOf(e)] }), `study '${study.id}'`);
  if (study.paper !== undefined && !existsSync(join(REPRODUCTIONS_DIR, study.paper, 'experiments'))) {
    throw experimentError(file, `paper: '${study.paper}' is not a paper under reproductions/`);
  }
  const claims = (study.claims ?? []).map((c, i) => parseClaim(file, c, i));
  const armIds = new Set(experiments.map((e) => e.id));
  claims.forEach((c, i) => {
    const named = 'baseline' in c ? ([['arm', c.arm], ['baseline', c.baseline]] as const) : ([['arm', c.arm]] as const);
    for (const [k, v] of named) {
      if (!armIds.has(v)) throw experimentError(file, `claims[${i}].${k}: '${v}' is not an arm of the study (${[...armIds].join(', ')})`);
    }
    if ('baseline' in c && c.arm === c.baseline) throw experimentError(file, `claims[${i}]: arm and baseline are both '${c.arm}'`);
    if (claims.findIndex((d) => d.id === c.id) !== i) throw experimentError(file, `claims[${i}].id: '${c.id}' is given twice`);
  });
  return {
    id: study.id,
    title: study.title,
    ...(study.description ? { description: study.description } : {}),
    ...(study.paper ? { paper: study.paper } : {}),
    file,
    experiments,
    claims,
  };
}
