/**
 * Reference digests of a finished run: what a run measured (metrics, per-clip
 * scores, training curves, notes) and what its report shows (report.md,
 * report.json, report.csv), with everything that legitimately differs between
 * two runs of the same code taken out: timestamps, durations, the code
 * version, the config as written (names may change while results must not),
 * and absolute paths (the repository and the results folder are replaced by
 * `<repo>` and `<results>`).
 *
 * The smoke runs of the three papers are stored as digests in
 * reproductions/reference-digests/ and every new run is compared with them
 * (test/reproduce/reference-digests.test.ts): a refactor of the harness must
 * leave every number bit-identical. They are re-recorded
 * (`npx tsx scripts/reference-digests.ts record`) only in a commit that says
 * why the results changed.
 *
 * Digests hold for one backend: the run's backend line (tfjs, SIMD, threads,
 * the OpenBLAS core it picked) is stored with them, and a run on another
 * backend sums in another order, so it is not compared.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectResults, type JobResult } from './results.js';

export interface JobDigest {
  metrics: Record<string, number | null>;
  scoresSha256: string | null;
  /** The training curve without its per-epoch wall times. */
  historySha256: string | null;
  notes: string[];
}

export interface PaperDigest {
  paper: string;
  budget: string;
  /** The backend line of the run the digests were taken from. */
  backend: string;
  jobs: Record<string, JobDigest>;
  /** Report file -> sha256 of its normalised text. */
  report: Record<string, string>;
}

export const REPORT_FILES = ['report.md', 'report.json', 'report.csv'] as const;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted, so the digest does not depend on key order. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      return Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]]));
    }
    return x;
  });
}

export interface PathNames {
  repoRoot: string;
  resultsDir: string;
}

function replaceAll(text: string, what: string, by: string): string {
  return what ? text.split(what).join(by) : text;
}

/** Absolute paths replaced by placeholders (longest first: the results folder may lie inside the repository). */
export function normalisePaths(text: string, paths: PathNames): string {
  const pairs: [string, string][] = [
    [paths.resultsDir, '<results>'],
    [paths.repoRoot, '<repo>'],
  ];
  pairs.sort((a, b) => b[0].length - a[0].length);
  return pairs.reduce((t, [p, name]) => replaceAll(t, p, name), text);
}

/** A report file's text without what differs between runs of the same code. */
export function normaliseReport(file: string, text: string, paths: PathNames): string {
  if (file.endsWith('.json')) {
    const r = JSON.parse(text) as Record<string, unknown>;
    delete r.generatedAt;
    delete r.codeVersions;
    return normalisePaths(canonicalJson(r), paths);
  }
  const out = text.replace(/Code: [0-9a-z+, -]+\. Generated [0-9T:.\-Z]+\./g, 'Code: <code>. Generated <time>.');
  return normalisePaths(out, paths);
}

export function jobDigest(r: JobResult, paths: PathNames): JobDigest {
  const history = r.history?.map((h) => {
    if (h && typeof h === 'object') {
      const { seconds: _s, ...rest } = h as Record<string, unknown>;
      return rest;
    }
    return h;
  });
  return {
    // JSON turns NaN into null; the digest keeps what the file holds.
    metrics: JSON.parse(JSON.stringify(r.metrics)) as Record<string, number | null>,
    scoresSha256: r.scores ? sha256(canonicalJson(r.scores)) : null,
    historySha256: history ? sha256(canonicalJson(history)) : null,
    notes: (r.notes ?? []).map((n) => normalisePaths(n, paths)),
  };
}

/** The digest of one paper's finished run under `resultsDir`. */
export function digestRun(resultsDir: string, budget: string, paper: string, paths: PathNames): PaperDigest {
  const results = collectResults(resultsDir, budget, paper);
  const jobs: Record<string, JobDigest> = {};
  for (const r of results) jobs[r.job.id] = jobDigest(r, paths);
  const report: Record<string, string> = {};
  const reportDir = join(resultsDir, budget, paper, 'report');
  for (const f of REPORT_FILES) {
    const p = join(reportDir, f);
    if (existsSync(p)) report[f] = sha256(normaliseReport(f, readFileSync(p, 'utf8'), paths));
  }
  const backends = [...new Set(results.map((r) => r.backend))];
  return { paper, budget, backend: backends.join(' | '), jobs, report };
}

/** Every difference between a reference digest and a new one, one line each (empty: identical). */
export function compareDigests(reference: PaperDigest, actual: PaperDigest): string[] {
  const out: string[] = [];
  const ids = [...new Set([...Object.keys(reference.jobs), ...Object.keys(actual.jobs)])].sort();
  for (const id of ids) {
    const a = reference.jobs[id];
    const b = actual.jobs[id];
    if (!a) {
      out.push(`${id}: a result the reference does not have`);
      continue;
    }
    if (!b) {
      out.push(`${id}: missing (the reference has it)`);
      continue;
    }
    const keys = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])].sort();
    for (const k of keys) {
      if (!Object.is(a.metrics[k], b.metrics[k])) out.push(`${id}: metric '${k}' ${String(a.metrics[k])} -> ${String(b.metrics[k])}`);
    }
    if (a.scoresSha256 !== b.scoresSha256) out.push(`${id}: per-clip scores differ`);
    if (a.historySha256 !== b.historySha256) out.push(`${id}: training curve differs`);
    if (canonicalJson(a.notes) !== canonicalJson(b.notes)) out.push(`${id}: notes differ: ${JSON.stringify(b.notes)}`);
  }
  for (const f of REPORT_FILES) {
    if (reference.report[f] !== actual.report[f]) out.push(`report/${f} differs`);
  }
  return out;
}
