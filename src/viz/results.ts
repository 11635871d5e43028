/**
 * What the notebooks show beside the published numbers: reports built from
 * result files the harness stored (`npm run reproduce -- <paper> ...` writes
 * them to `<repo>/results/<budget>/<paper>/...`), and each paper's errata.
 * Nothing here runs an experiment: with no stored results the notebooks say
 * so and show the published numbers and errata only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUDGETS,
  buildReport,
  collectResults,
  findInconsistencies,
  loadPublished,
  pipelineFor,
  REPRODUCTIONS_DIR,
  type BudgetName,
  type Finding,
  type Published,
  type Report,
} from '../reproduce/index.js';
import { repoRoot } from './clips.js';
import { frameHtml, reportFrame, reportProvenance } from './tables.js';
import { comparisonSpec } from './charts.js';
import type { VegaLiteSpec } from './render.js';

/** `<repo>/results`, the harness's default results directory. */
export function defaultResultsDir(): string {
  return join(repoRoot(), 'results');
}

export interface StoredReport {
  budget: BudgetName;
  /** Number of result files (jobs) behind the report. */
  jobs: number;
  report: Report;
}

/**
 * Reports for every budget with stored results of `paper`, most thorough
 * budget first (full, quick, smoke). Empty when nothing is stored.
 */
export async function storedReports(paper: string, resultsDir: string = defaultResultsDir()): Promise<StoredReport[]> {
  const out: StoredReport[] = [];
  if (!existsSync(resultsDir)) return out;
  const order = [...BUDGETS].reverse();
  for (const budget of order) {
    const jobs = collectResults(resultsDir, budget, paper).length;
    if (jobs === 0) continue;
    const pipeline = await pipelineFor(paper);
    out.push({ budget, jobs, report: buildReport(paper, budget, resultsDir, pipeline) });
  }
  return out;
}

/** One line saying what is stored, for the notebook text. */
export function storedSummary(paper: string, stored: readonly StoredReport[], resultsDir: string = defaultResultsDir()): string {
  if (stored.length === 0) {
    return (
      `No harness results are stored for ${paper} in ${resultsDir}. ` +
      `Run \`npm run reproduce -- ${paper}\` (smoke budget by default; see --plan for what can run here) and rerun this notebook.`
    );
  }
  return stored.map((s) => `${paper}: ${s.jobs} stored job result(s) at the ${s.budget} budget (${s.report.dataNote})`).join('; ');
}

export interface Errata {
  published: Published;
  findings: Finding[];
  /** Finding id -> explanation, from reproductions/<paper>/errata.json. */
  explanations: Record<string, string>;
}

/** The paper's inconsistencies, recomputed from published.json, with the
 * explanations kept in errata.json. */
export function paperErrata(paper: string): Errata {
  const published = loadPublished(paper);
  const findings = findInconsistencies(published);
  const explanations: Record<string, string> = {};
  const file = join(REPRODUCTIONS_DIR, paper, 'errata.json');
  if (existsSync(file)) {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { findings?: { id: string; explanation?: string; harness?: string }[] };
    for (const f of data.findings ?? []) {
      if (f.explanation) explanations[f.id] = f.harness ? `${f.explanation} Harness: ${f.harness}` : f.explanation;
    }
  }
  return { published, findings, explanations };
}

/** A stored report as HTML: provenance line, then the table (rows with a
 * measurement or a published number, filtered by `filter`). */
export function storedReportHtml(s: StoredReport, filter: (r: Report['rows'][number]) => boolean = (r) => r.measured !== null || r.published !== null): string {
  return frameHtml(reportFrame(s.report, filter), {
    caption: `${s.report.paper}: published vs measured, ${s.budget} budget (${s.jobs} stored job results)`,
    note: reportProvenance(s.report),
  });
}

/** Bars: published vs measured mean with its 95% interval, for one column
 * unit (e.g. the EER cells) of a stored report. */
export function storedReportChart(s: StoredReport, filter: (r: Report['rows'][number]) => boolean, opts: { title?: string; valueTitle?: string } = {}): VegaLiteSpec {
  const rows = s.report.rows.filter(filter).map((r) => ({
    cell: `${r.row} | ${r.column}`,
    published: r.published,
    measured: r.measured?.mean ?? null,
    lo: r.measured && r.measured.n >= 2 ? r.measured.ci95[0] : null,
    hi: r.measured && r.measured.n >= 2 ? r.measured.ci95[1] : null,
  }));
  return comparisonSpec(rows, {
    title: opts.title ?? `${s.report.paper}: measured (${s.budget} budget) vs published`,
    subtitle: reportProvenance(s.report).slice(0, 200),
    valueTitle: opts.valueTitle,
  });
}
