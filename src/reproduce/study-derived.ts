/**
 * Derived studies: a study that trains nothing itself and judges a claim on
 * the models other studies trained. hu2020's compression claim ("dynamic
 * range quantization ... resulted in a minor ASC classification drop") is
 * one: every job of the studies it names quantizes its trained model to
 * int8 (their `metrics` list 'int8', ./int8-metrics.ts), so the derived
 * study reads their runs.
 *
 *   {
 *     "id": "hu2020-int8", "paper": "hu2020", "title": "...",
 *     "from": ["mushtaq2020-leakage.json", ...],     study files, relative to this one
 *     "claims": [ { "id": "...", "text": "...", "metric": "int8 accuracy change", "arm": "*", "within": 1 } ]
 *   }
 *
 * Arm `*` in a claim stands for every arm of every source study; each is
 * judged on its own, as `<study>/<arm>`. `reproduce --study` on a derived
 * study runs its sources in turn (finished jobs are skipped) and then
 * reports; its stored run holds no scores of its own, only the summary
 * computed from the sources' stored runs (`summarizeDerived`).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { z } from 'zod';
import { experimentError, formatPath, readJsonObject } from './experiment-file.js';
import { REPRODUCTIONS_DIR } from './published.js';
import { join } from 'node:path';
import { judgeClaim } from './study-claims.js';
import { ClaimSpec, loadStudy, type ClaimSpecT, type Study } from './study-file.js';
import { readStoredRun, summarizeStoredRun, type StudySummary } from './study-store.js';
import type { RunContext } from './study-run-report.js';

const DerivedFile = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  title: z.string().min(1),
  description: z.string().optional(),
  paper: z.string().optional(),
  from: z.array(z.string()).min(1),
  claims: z.array(ClaimSpec).default([]),
});

export interface DerivedStudy {
  id: string;
  title: string;
  description?: string;
  paper?: string;
  file: string;
  /** The source studies, loaded. */
  sources: Study[];
  /** Claims as written (arm `*` expanded by `summarizeDerived`). */
  claims: ClaimSpecT[];
}

/** Whether a study file is a derived study (it names `from`). */
export function isDerivedStudyFile(path: string): boolean {
  return 'from' in readJsonObject(resolve(path));
}

export function loadDerivedStudy(path: string): DerivedStudy {
  const file = resolve(path);
  const parsed = DerivedFile.safeParse(readJsonObject(file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    const what = issue.code === 'unrecognized_keys' ? 'unknown field (a derived study has id, title, description, paper, from, claims)' : issue.message;
    throw experimentError(file, `${formatPath(at as (string | number)[])}: ${what}`);
  }
  const d = parsed.data;
  if (d.id !== basename(file, '.json')) throw experimentError(file, `id: '${d.id}' does not match the file name (expected '${basename(file, '.json')}')`);
  if (d.paper !== undefined && !existsSync(join(REPRODUCTIONS_DIR, d.paper, 'experiments'))) throw experimentError(file, `paper: '${d.paper}' is not a paper under reproductions/`);
  const sources = d.from.map((f, i) => {
    const p = resolve(dirname(file), f);
    if (!existsSync(p)) throw experimentError(file, `from[${i}]: '${f}' does not exist (${p})`);
    if (isDerivedStudyFile(p)) throw experimentError(file, `from[${i}]: '${f}' is a derived study itself; name the studies that train`);
    return loadStudy(p);
  });
  d.claims.forEach((c, i) => {
    if (c.arm !== '*' || 'baseline' in c) throw experimentError(file, `claims[${i}]: a derived study's claims are bounds ('within') on every arm ('arm': '*')`);
  });
  return { id: d.id, title: d.title, ...(d.description ? { description: d.description } : {}), ...(d.paper ? { paper: d.paper } : {}), file, sources, claims: d.claims };
}

/** The derived study's summary from its sources' summaries: every source arm as `<study>/<arm>`, each claim judged per arm. */
export function summarizeDerived(study: DerivedStudy, sources: readonly StudySummary[], budget: string): StudySummary {
  const arms = sources.flatMap((s) => s.arms.map((a) => ({ ...a, id: `${s.study}/${a.id}` })));
  const claims = study.claims.flatMap((c) =>
    arms.map((a) => {
      const perSeed = new Map([[a.id, new Map(a.perSeed.map((p) => [p.seed, (p as unknown as Record<string, number | null>)[c.metric] ?? NaN]))]]);
      return judgeClaim({ ...c, id: `${c.id}:${a.id}`, arm: a.id }, perSeed);
    }),
  );
  return {
    study: study.id,
    title: study.title,
    paper: study.paper ?? null,
    budget,
    jobs: sources.reduce((n, s) => n + s.jobs, 0),
    arms,
    claims,
  };
}

/** What the derived study's report says about its data and training: those of its sources. */
export function derivedRunContext(d: DerivedStudy, missing: readonly Study[] = []): RunContext {
  const names = d.sources.filter((s) => !missing.includes(s)).map((s) => s.id).join(', ');
  const partial = missing.length ? `. PARTIAL: not yet judged on ${missing.map((s) => s.id).join(', ')} (no stored run yet)` : '';
  return {
    data: `the clips of the source studies (${names}); each source's report names them${partial}`,
    protocol: "each source study's (its report and study file say which)",
    framework: "each source study's",
    backend: "the source studies' (their provenance.json)",
    convergence: "each source study's (the int8 copy is made from the model each job kept)",
    noCounterpart:
      "hu2020 quantized its own TAU 2020 models; these are other models trained on other data, so no published number can be verified here. The study tests the paper's claim on these models instead.",
  };
}

/** Where a study's stored run lives: reproductions/<paper>/runs/<id>/ (studies with no paper: reproductions/studies/runs/<id>/). */
export function storedRunDir(study: { id: string; paper?: string }): string {
  return join(REPRODUCTIONS_DIR, study.paper ?? 'studies', 'runs', study.id);
}

/**
 * The derived study's summary from the stored runs of those sources that
 * have one (reproductions/<paper>/runs/<source>/); the others are named in
 * `missing` (a partial derived run says so).
 */
export function derivedSummaryFromStored(d: DerivedStudy, budget: string): { summary: StudySummary; used: Study[]; missing: Study[] } {
  const used = d.sources.filter((s) => existsSync(join(storedRunDir(s), 'scores.csv.gz')));
  const missing = d.sources.filter((s) => !used.includes(s));
  return { summary: summarizeDerived(d, used.map((s) => summarizeStoredRun(readStoredRun(storedRunDir(s)))), budget), used, missing };
}
