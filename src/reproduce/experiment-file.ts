/**
 * Reading experiment files: JSON, `extends`, and validation of every section
 * at load.
 *
 * `extends` names one base file or a list of them, relative to the file that
 * says it. Bases are partial experiments (they never carry an `id`) and may
 * extend bases in turn. A list is merged left to right, each entry with its
 * own chain, then the file itself on top: objects merge key by key, arrays and
 * everything else are replaced, except the top-level `choices`, which
 * concatenate (base first, then the file's own), so a choice shared by many
 * rows is written once. A cycle, a missing base, or a base reached twice
 * (through two entries of a list) is an error naming the file.
 *
 * The resolved object is then checked: the zod schema (strict objects: an
 * unknown field is an error), each augmentation's name against the catalogue,
 * its target (online augmentation acts on features and batches), each parameter
 * against the entry's spec, the entry's own cross-parameter checks (by
 * building it), and `p` only as `AugmentRef.p`. Errors name the file, the
 * JSON path, and the base file when the bad value came from a base:
 * `x.json: augment.online[0].params.alpha: must be >= 0, got -1 (set in bases/y.json)`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { z } from 'zod';
import { catalogue } from '../augment/catalogue.js';
import { checkParam } from '../augment/params.js';
import type { CatalogueEntry, ParamValue } from '../augment/types.js';
import { AudioAugLabError } from '../util/errors.js';
import { BUDGETS, ExperimentSchema, type BudgetName, type Experiment } from './experiment-schema.js';
import { featureExtractor, FEATURE_PRESETS } from '../features/extractors.js';
import { checkModelOptions, getModelEntry } from '../models/registry.js';

export type JsonPath = (string | number)[];
type JsonObject = Record<string, unknown>;

/** One contribution to a resolved experiment, in merge order. */
export interface Layer {
  /** The file it was read from (absolute). */
  file: string;
  /** Where it sits inside that file (`[]`, or e.g. `['experiments', 2]` in a study). */
  at: JsonPath;
  /** Its fields, without `extends`. */
  value: JsonObject;
}

/** `a.b[2].c` */
export function formatPath(path: JsonPath): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out ? `.${k}` : k;
  return out || '(root)';
}

/** A path as the user would type it: relative to the working directory when inside it. */
export function shownPath(file: string): string {
  const r = relative(process.cwd(), file);
  return r && !r.startsWith('..') ? r : file;
}

function isObject(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Deep merge: objects merge key by key, everything else is replaced. */
export function deepMerge<T>(base: T, override: unknown): T {
  if (!isObject(base) || !isObject(override)) return (override === undefined ? base : override) as T;
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out as T;
}

/** One layer on top of another: deepMerge, except that `choices` concatenate. */
export function mergeLayer(base: JsonObject, over: JsonObject): JsonObject {
  const { choices, ...rest } = over;
  const out = deepMerge(base, rest);
  if (choices !== undefined) out.choices = Array.isArray(base.choices) && Array.isArray(choices) ? [...base.choices, ...choices] : choices;
  return out;
}

export function experimentError(file: string, message: string): AudioAugLabError {
  return new AudioAugLabError('EXPERIMENT', message, shownPath(file));
}

/** A JSON file whose top level is an object. */
export function readJsonObject(file: string): JsonObject {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `not valid JSON (${(e as Error).message})`;
    throw experimentError(file, why);
  }
  if (!isObject(raw)) throw experimentError(file, 'the top level must be a JSON object');
  return raw;
}

/** The layers of `own` (found at `at` in `file`): its bases' layers (each
 * with its own chain, in list order), then its own. `stack` is the chain of
 * files being resolved (cycle check); `seen` maps each base merged so far to
 * the file that extended it (a base is merged once). */
export function resolveLayers(
  file: string,
  own: JsonObject,
  at: JsonPath = [],
  stack: string[] = [file],
  seen: Map<string, string> = new Map(),
): Layer[] {
  const { extends: ext, ...value } = own;
  const layers: Layer[] = [];
  const list = ext === undefined ? [] : Array.isArray(ext) ? ext : [ext];
  const where = formatPath([...at, 'extends']);
  if (list.length === 0 && ext !== undefined) throw experimentError(file, `${where}: an empty list (leave 'extends' out instead)`);
  list.forEach((rel, i) => {
    const here = Array.isArray(ext) ? `${where}[${i}]` : where;
    if (typeof rel !== 'string' || rel === '') {
      throw experimentError(file, `${here}: must be the relative path of a base file, or a list of them (got ${JSON.stringify(rel)})`);
    }
    const target = resolve(dirname(file), rel);
    if (stack.includes(target)) {
      const cycle = [...stack.slice(stack.indexOf(target)), target].map(shownPath).join(' -> ');
      throw experimentError(file, `${here}: '${rel}' makes a cycle (${cycle})`);
    }
    if (!existsSync(target)) throw experimentError(file, `${here}: base file '${rel}' does not exist (${shownPath(target)})`);
    if (seen.has(target)) {
      throw experimentError(
        file,
        `${here}: '${rel}' is already merged (extended by ${shownPath(seen.get(target)!)}); a base is merged once, so extend it in one place`,
      );
    }
    seen.set(target, file);
    const base = readJsonObject(target);
    if ('id' in base) {
      throw experimentError(target, `id: a base file does not name an experiment (it is extended by ${shownPath(file)}); remove 'id'`);
    }
    layers.push(...resolveLayers(target, base, [], [...stack, target], seen));
  });
  layers.push({ file, at, value });
  return layers;
}

/** The layers merged into one object. */
export function mergeLayers(layers: readonly Layer[]): JsonObject {
  return layers.reduce<JsonObject>((acc, l) => mergeLayer(acc, l.value), {});
}

function getAt(x: unknown, path: JsonPath): unknown {
  let cur = x;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** The layer that set the value at `path` of the merged object (undefined
 * when none did: a missing field, or a default). */
export function sourceLayer(layers: readonly Layer[], path: JsonPath): { layer: Layer; path: JsonPath } | undefined {
  if (path[0] === 'choices' && typeof path[1] === 'number') {
    let i = path[1];
    for (const layer of layers) {
      const c = layer.value.choices;
      if (!Array.isArray(c)) continue;
      if (i < c.length) return { layer, path: ['choices', i, ...path.slice(2)] };
      i -= c.length;
    }
    return undefined;
  }
  for (let i = layers.length - 1; i >= 0; i--) if (getAt(layers[i].value, path) !== undefined) return { layer: layers[i], path };
  return undefined;
}

/** What is being validated: the merged object, its layers, and where the
 * experiment itself lives (the file the error is reported against). */
export interface ValidationContext {
  file: string;
  /** Where the experiment sits in `file` (`[]`, or `['experiments', i]` in a study). */
  at: JsonPath;
  layers: readonly Layer[];
  /** Added to messages about values set outside the experiment's own object (e.g. "experiment 'b'"). */
  label?: string;
}

/** An error at `path` of the resolved experiment, said where the value was set. */
export function problemAt(ctx: ValidationContext, path: JsonPath, message: string): AudioAugLabError {
  const src = sourceLayer(ctx.layers, path);
  if (src && src.layer.file !== ctx.file) {
    const inBase = src.layer.at.length ? ` at ${formatPath(src.layer.at)}` : '';
    return experimentError(ctx.file, `${formatPath([...ctx.at, ...path])}: ${message} (set in ${shownPath(src.layer.file)}${inBase})`);
  }
  const at = src ? src.layer.at : ctx.at;
  const own = formatPath(at) === formatPath(ctx.at);
  const label = !own && ctx.label ? ` (${ctx.label})` : '';
  return experimentError(ctx.file, `${formatPath([...at, ...(src ? src.path : path)])}: ${message}${label}`);
}

function describeValue(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** A zod issue in words, with the value it was about. */
function issueText(issue: z.core.$ZodIssue, value: unknown): { path: JsonPath; message: string } {
  const path = issue.path as JsonPath;
  const got = getAt(value, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return { path: [...path, issue.keys[0]], message: `unknown field${issue.keys.length > 1 ? ` (also: ${issue.keys.slice(1).join(', ')})` : ''}` };
    case 'invalid_type':
      if (got === undefined) return { path, message: `required (${issue.expected})` };
      return { path, message: `must be ${issue.expected === 'int' ? 'an integer' : `${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`} (got ${describeValue(got)})` };
    case 'too_small':
    case 'too_big': {
      const op = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      const what = issue.origin === 'array' ? 'the number of items' : issue.origin === 'string' ? 'the length' : 'the value';
      const n = Array.isArray(got) ? got.length : describeValue(got);
      return { path, message: `${what} must be ${op} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)} (got ${n})` };
    }
    case 'invalid_value':
      return { path, message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${describeValue(got)})` };
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options)) {
        return { path, message: `must be one of ${(issue.options as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${describeValue(got)})` };
      }
      return { path, message: `${issue.message} (got ${describeValue(got)})` };
    case 'invalid_format':
      return { path, message: `${issue.message} (got ${describeValue(got)})` };
    default:
      return { path, message: issue.message };
  }
}

/**
 * Parameters a pipeline computes from the data at run time, so a config
 * leaves them out; the load-time check builds the entry with a stand-in of
 * the right shape. spectrum_correction's coefficients come from the
 * training clips (nFft/2 + 1 factors).
 */
const RUN_TIME_PARAMS: Record<string, (given: Record<string, unknown>, entry: CatalogueEntry) => Record<string, ParamValue>> = {
  spectrum_correction: (given, entry) => {
    const nFft = typeof given.nFft === 'number' ? given.nFft : (entry.params.find((s) => s.name === 'nFft')!.default as number);
    return { coefficients: new Array<number>(Math.max(0, Math.floor(nFft / 2) + 1)).fill(1) };
  },
};

/** A catalogue message without the entry's name; `parameter 'x' ...` becomes
 * a path to the parameter. */
function paramMessage(entry: string, message: string): { param?: string; message: string } {
  const m = message.startsWith(`${entry}: `) ? message.slice(entry.length + 2) : message;
  const p = /^parameter '([A-Za-z0-9_]+)(\[\d+\])?' (.*)$/s.exec(m);
  return p ? { param: p[1], message: `${p[2] ? `item ${p[2].slice(1, -1)} ` : ''}${p[3]}` } : { message: m };
}

/** Each augmentation's name, target, parameters and probability. */
function checkAugmentations(exp: Experiment, ctx: ValidationContext): void {
  for (const list of ['offline', 'online'] as const) {
    exp.augment[list].forEach((ref, i) => {
      const at: JsonPath = ['augment', list, i];
      const entry = catalogue.find((c) => c.name === ref.name);
      if (!entry) throw problemAt(ctx, [...at, 'name'], `unknown augmentation '${ref.name}' (known: ${catalogue.map((c) => c.name).join(', ')})`);
      if (list === 'online' && entry.target === 'waveform') {
        throw problemAt(ctx, [...at, 'name'], `'${ref.name}' acts on waveforms; augment.online acts on features and batches (put it in augment.offline)`);
      }
      if (list === 'offline' && ref.p !== undefined) {
        throw problemAt(ctx, [...at, 'p'], 'offline augmentation makes one copy of every training clip per entry; p is not used there (leave it out)');
      }
      for (const [key, v] of Object.entries(ref.params)) {
        if (key === 'p') throw problemAt(ctx, [...at, 'params', 'p'], `the probability is given once, as ${formatPath([...ctx.at, ...at, 'p'])}, not as a parameter`);
        const spec = entry.params.find((s) => s.name === key);
        if (!spec) {
          const known = entry.params.filter((s) => s.name !== 'p').map((s) => s.name);
          throw problemAt(ctx, [...at, 'params', key], `'${ref.name}' has no parameter '${key}' (known: ${known.join(', ') || 'none'})`);
        }
        try {
          checkParam(entry.name, spec, v as ParamValue);
        } catch (e) {
          throw problemAt(ctx, [...at, 'params', key], paramMessage(entry.name, (e as Error).message).message);
        }
      }
      const runTime = RUN_TIME_PARAMS[entry.name];
      const given = runTime ? { ...runTime(ref.params, entry), ...ref.params } : ref.params;
      try {
        entry.create(given as Record<string, ParamValue>);
      } catch (e) {
        const m = paramMessage(entry.name, (e as Error).message);
        throw problemAt(ctx, m.param && m.param in ref.params ? [...at, 'params', m.param] : [...at, 'params'], m.message);
      }
    });
  }
}

/** An experiment as run under a budget: its overrides merged in (features, model, training, data; augmentation parameters by name). */
export function budgeted(exp: Experiment, budget: BudgetName): Experiment & { maxClipsPerClass?: number } {
  const o = exp.budgets[budget] ?? {};
  const merged = deepMerge(exp, { training: o.training, seeds: o.seeds, folds: o.folds, features: o.features, model: o.model, dataset: o.dataset }) as Experiment;
  const params = o.augmentParams ?? {};
  const tune = (refs: Experiment['augment']['online']) => refs.map((r) => (params[r.name] ? { ...r, params: { ...r.params, ...params[r.name] } } : r));
  if (Object.keys(params).length) merged.augment = { offline: tune(merged.augment.offline), online: tune(merged.augment.online) };
  return { ...merged, maxClipsPerClass: o.maxClipsPerClass };
}

/** Each budget's run checked too: its augmentation parameters, its features (a runnable row), its model's name. */
function checkBudgets(exp: Experiment, ctx: ValidationContext): void {
  const names = new Set([...exp.augment.offline, ...exp.augment.online].map((r) => r.name));
  for (const b of BUDGETS) {
    for (const name of Object.keys(exp.budgets[b]?.augmentParams ?? {})) {
      if (!names.has(name)) throw problemAt(ctx, ['budgets', b, 'augmentParams', name], `no augmentation '${name}' in augment.offline or augment.online`);
    }
    const x = budgeted(exp, b);
    checkAugmentations(x, { ...ctx, label: `${ctx.label ? `${ctx.label}, ` : ''}budget ${b}` });
    if (exp.kind !== 'train' || exp.notRunnable) continue;
    if (FEATURE_PRESETS.includes(x.features.preset)) {
      try {
        featureExtractor(x.features);
      } catch (e) {
        const key = /features\.options\.(\w+)/.exec((e as Error).message)?.[1];
        throw problemAt(ctx, key && exp.budgets[b]?.features?.options?.[key] !== undefined ? ['budgets', b, 'features', 'options', key] : key ? ['features', 'options', key] : ['features'], (e as Error).message.replace(/^features\.options\.\w+:? ?/, ''));
      }
    }
    try {
      getModelEntry(x.model.name);
    } catch (e) {
      throw problemAt(ctx, ['model', 'name'], (e as Error).message);
    }
    try {
      checkModelOptions(x.model.name, x.model.options as Record<string, unknown>);
    } catch (e) {
      const key = /model\.options\.(\w+)/.exec((e as Error).message)?.[1];
      const inBudget = key !== undefined && exp.budgets[b]?.model?.options?.[key] !== undefined;
      throw problemAt(ctx, key ? (inBudget ? ['budgets', b, 'model', 'options', key] : ['model', 'options', key]) : ['model', 'options'], (e as Error).message.replace(/^model\.options\.\w+:? ?/, ''));
    }
  }
}

/** The schema, then the augmentations; the experiment as parsed (defaults filled in). */
export function validateExperiment(value: JsonObject, ctx: ValidationContext): Experiment {
  const parsed = ExperimentSchema.safeParse(value);
  if (!parsed.success) {
    const { path, message } = issueText(parsed.error.issues[0], value);
    throw problemAt(ctx, path, message);
  }
  const exp = parsed.data;
  const dup = exp.choices.findIndex((c, i) => exp.choices.indexOf(c) !== i);
  if (dup >= 0) throw problemAt(ctx, ['choices', dup], `the same choice as choices[${exp.choices.indexOf(exp.choices[dup])}] (write it once)`);
  if (exp.kind === 'ensemble' && !exp.members?.length) throw problemAt(ctx, ['members'], "required for kind 'ensemble' (the member experiments' ids)");
  checkAugmentations(exp, ctx);
  checkBudgets(exp, ctx);
  return exp;
}

/** One experiment file, resolved and validated (its id and paper not yet checked against its place). */
export function readExperimentFile(file: string): Experiment {
  const layers = resolveLayers(file, readJsonObject(file));
  return validateExperiment(mergeLayers(layers), { file, at: [], layers });
}

/** `members` and `twoStageWith` name experiments of the same set; ids are unique. */
export function checkReferences(exps: readonly Experiment[], fileOf: (e: Experiment) => { file: string; at: JsonPath }, where: string): void {
  const ids = new Set<string>();
  for (const e of exps) {
    const { file, at } = fileOf(e);
    if (ids.has(e.id)) throw experimentError(file, `${formatPath([...at, 'id'])}: '${e.id}' is used twice in ${where}`);
    ids.add(e.id);
  }
  for (const e of exps) {
    const { file, at } = fileOf(e);
    (e.members ?? []).forEach((m, i) => {
      if (!ids.has(m)) throw experimentError(file, `${formatPath([...at, 'members', i])}: no experiment '${m}' in ${where}`);
    });
    if (e.twoStageWith !== undefined && !ids.has(e.twoStageWith)) {
      throw experimentError(file, `${formatPath([...at, 'twoStageWith'])}: no experiment '${e.twoStageWith}' in ${where}`);
    }
  }
}
