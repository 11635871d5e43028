/**
 * The side-by-side report: for every published cell of a paper (and every
 * measured cell without a published number), published | measured mean +/- sd
 * over seeds (n) | delta | verdict, as markdown, CSV and JSON. A user-defined
 * study (`reproduce --study`) has no paper: its report lists each arm's
 * measured values only (mean, 95% interval over seeds, n) and says so at the
 * top. The chart of
 * measured vs published (vega-lite, SVG, PNG) is drawn by the viz layer
 * (src/viz/report-chart.ts); the harness renders nothing.
 *
 * Every report opens with one line (`coverage`, also in the JSON) saying how
 * many of its cells have a published counterpart and why the others do not:
 * measured results of experiments the paper prints no number for, measured
 * diagnostics (the pipeline's reportExtraKeys: rows marked `diagnostic`),
 * published cells that are other authors' systems or cannot run here, a user
 * study. A measured cell the paper has no column for still carries its unit
 * (METRIC_UNITS below, else the unit of the paper's column of that name), so
 * that a chart never puts two units on one axis.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyBudget, loadExperiments } from './experiments.js';
import type { BudgetName, Experiment } from './experiment-schema.js';
import { loadPublished, publishedCell, type Published } from './published.js';
import { paperReportSections, renderReportSections, type ReportSections } from './report-sections.js';
import { collectResults, type DataStatus, type JobResult } from './results.js';
import { summarize, type Summary } from './stats.js';
import { judge, loadTolerances, toleranceFor, type Verdict } from './verdict.js';

export interface ReportRow {
  table: string;
  row: string;
  column: string;
  experiment: string | null;
  published: number | null;
  unit: string;
  measured: Summary | null;
  /** Per-seed values behind `measured`, in the order of `seeds`. */
  values: number[];
  seeds: number[];
  verdict: Verdict;
  data: DataStatus | null;
  erratum: boolean;
  /** A value measured beside the results to judge the run (the pipeline's reportExtraKeys: train accuracy, leaked
   * recordings, distinct predictions, the official EER mean, ...): no paper prints it; in the table, not in the chart. */
  diagnostic: boolean;
}

/** How many cells of a report have a published counterpart, and why the others do not (the report's first line). */
export interface ReportCoverage {
  /** Every cell (row) of the report. */
  cells: number;
  /** Cells with a published value. */
  published: number;
  /** Of those, the cells measured here too: the only ones set side by side. */
  publishedMeasured: number;
  /** Published cells not measured here, by why (other authors' systems, cannot run here, not run yet). */
  publishedOnly: { cells: number; why: string }[];
  /** Cells with no published value, by why (measured results and diagnostics the paper prints no number for, not run). */
  unpublished: { cells: number; why: string }[];
  /** The line report.md opens with. */
  text: string;
}

export interface Report {
  paper: string;
  budget: BudgetName;
  generatedAt: string;
  rows: ReportRow[];
  dataNote: string;
  backends: string[];
  codeVersions: string[];
  /** Paper-specific sections (e.g. mushtaq2020's NAA/TAA grid and leakage gaps), markdown, rendered from the
   * paper's reproductions/<paper>/report-sections.json or a study's declaration (./report-sections.ts). */
  sections: string[];
  /** A user-defined study's report (`paper` is the study id): its title and file; no row has a published value. */
  study?: { title: string; file: string };
  /** How many cells have a published counterpart and why the others do not (reportCoverage). */
  coverage: ReportCoverage;
}

/** What a user-defined study's report is built from instead of a paper's files. */
export interface StudyReportSource {
  /** The study's arms (resolved and validated, ./study-file.ts). */
  experiments: readonly Experiment[];
  title: string;
  /** The study file, as shown to the user. */
  file: string;
  /** Its report sections, if it declares any (checked with parseReportSections, ./report-sections.ts). */
  sections?: ReportSections;
}

/** The verdict text of a study's measured cells. */
export const STUDY_VERDICT_TEXT = 'measured (a user study: no published counterpart)';

function groupBySeed(results: JobResult[]): Map<number, JobResult[]> {
  const m = new Map<number, JobResult[]>();
  for (const r of results) {
    if (!m.has(r.job.seed)) m.set(r.job.seed, []);
    m.get(r.job.seed)!.push(r);
  }
  return m;
}

/**
 * The unit of a measured value that no published column gives one to, by the
 * name the pipelines report it under (default-hooks.ts, int8-metrics.ts,
 * pipelines/*.ts). A name not listed takes the unit of the paper's table
 * column of that name (hu2020's 3-class models report Table 1's columns),
 * else none.
 */
export const METRIC_UNITS: Readonly<Record<string, string>> = {
  accuracy: '%',
  trainAccuracy: '%',
  accuracyPopulationBN: '%',
  loss: 'nats',
  leakedSources: 'recordings',
  distinctPredictions: 'classes',
  'original acc': '%',
  'quantized acc': '%',
  'original acc (in-sample LR)': '%',
  'quantized acc (in-sample LR)': '%',
  'average-fusion acc': '%',
  'quantized agreement': '%',
  'int8 accuracy change': 'pp',
  'int8 agreement': '%',
  'original size': 'MB',
  'original size (weights only)': 'MB',
  'quantized size': 'KB',
  'dcase2020 size': 'KB',
  'dcase2020 size quantized': 'KB',
  'original log loss': 'nats',
  'quantized log loss': 'nats',
  parameters: 'parameters',
  AvgOfficial: 'EER',
  'EER pooled': 'EER',
  nanCells: 'cells',
};

/** The unit of a measured value `column` that has no published cell (METRIC_UNITS, else the paper's column of that name). */
export function measuredUnit(column: string, pub: Published): string {
  if (Object.hasOwn(METRIC_UNITS, column)) return METRIC_UNITS[column];
  for (const t of pub.tables) {
    const c = t.columns.find((x) => x.id === column);
    if (c) return c.unit;
  }
  return '';
}

/** The columns an experiment's aggregate is reported under. */
function cellsOf(exp: Experiment, pub: ReturnType<typeof loadPublished>): { table: string; row: string; column: string; unit: string; published: number | null }[] {
  const out: { table: string; row: string; column: string; unit: string; published: number | null }[] = [];
  for (const r of exp.regenerates) {
    if (r.table === 'text') {
      const f = pub.text.find((t) => t.id === r.row);
      out.push({ table: 'text', row: r.row, column: r.metric ?? exp.metrics[0], unit: f?.unit ?? '', published: f?.value ?? null });
      continue;
    }
    const t = pub.tables.find((x) => x.table === r.table);
    if (!t) continue;
    for (const c of t.columns) {
      const v = publishedCell(pub, r.table, r.row, c.id);
      if (v === undefined) continue;
      out.push({ table: r.table, row: r.row, column: c.id, unit: c.unit, published: v });
    }
  }
  if (exp.regenerates.length === 0) {
    for (const m of exp.metrics) out.push({ table: 'measured', row: exp.id, column: m, unit: measuredUnit(m, pub), published: null });
  }
  return out;
}

/**
 * What a report needs from a paper's pipeline. PaperPipeline
 * (./paper-pipeline.ts) provides it; declared here so that the report does
 * not import the pipelines (which import the report's row type).
 */
export interface ReportHooks {
  /** One seed's fold results -> values keyed by published column id (or metric name). */
  aggregate(exp: Experiment, results: JobResult[]): Record<string, number>;
  /** Aggregate keys shown as extra measured rows (e.g. the official EER mean). */
  reportExtraKeys?: string[];
}

/** `names` as a short list: the first `max`, then how many more. */
function listed(names: readonly string[], max = 6): string {
  return names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', ');
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * How many of `rows` have a published counterpart and why the others do not,
 * counted from the rows themselves (their published value, measurement,
 * verdict and `diagnostic` mark), with the line the report opens with. A
 * study's rows never have one (`study` names its file).
 */
export function reportCoverage(rows: readonly ReportRow[], study?: { file: string }): ReportCoverage {
  const cells = (n: number) => (n === 1 ? 'cell' : 'cells');
  const published = rows.filter((r) => r.published !== null);
  const publishedMeasured = published.filter((r) => r.measured !== null).length;
  const notMeasured = published.filter((r) => r.measured === null);
  const add = (list: { cells: number; why: string }[], n: number, why: string) => {
    if (n > 0) list.push({ cells: n, why });
  };
  const publishedOnly: ReportCoverage['publishedOnly'] = [];
  const reference = notMeasured.filter((r) => r.verdict.kind === 'reference row').length;
  const unconfigured = notMeasured.filter((r) => r.verdict.kind !== 'reference row' && r.experiment === null).length;
  // An experiment that cannot run here says why in its verdict ('not run: <reason>'); the rest have no result yet.
  const cannotRun = notMeasured.filter((r) => r.verdict.kind === 'not run' && r.experiment !== null && r.verdict.text.startsWith('not run: '));
  add(publishedOnly, reference, `${cells(reference)} of other authors' systems (shown, not run)`);
  add(publishedOnly, cannotRun.length, `${cells(cannotRun.length)} that cannot run here (${listed([...new Set(cannotRun.map((r) => r.experiment!))])}; each row says why)`);
  add(publishedOnly, unconfigured, `${cells(unconfigured)} with no experiment configured yet`);
  const pending = notMeasured.length - reference - unconfigured - cannotRun.length;
  add(publishedOnly, pending, `${cells(pending)} not run yet or not complete`);

  const unpublished: ReportCoverage['unpublished'] = [];
  const none = rows.filter((r) => r.published === null);
  const results = none.filter((r) => r.measured !== null && !r.diagnostic);
  const diagnostics = none.filter((r) => r.measured !== null && r.diagnostic);
  const experiments = [...new Set(results.map((r) => r.experiment ?? r.row))];
  const result = results.length === 1 ? 'measured result' : 'measured results';
  add(
    unpublished,
    results.length,
    study
      ? `${result} of ${plural(experiments.length, 'arm', 'arms')} (${listed([...new Set(results.map((r) => r.column))])})`
      : `${result} of ${plural(experiments.length, 'experiment', 'experiments')} the paper prints no number for (${listed(experiments)})`,
  );
  const diagnostic = `measured ${diagnostics.length === 1 ? 'diagnostic' : 'diagnostics'}`;
  const diagnosticNames = listed([...new Set(diagnostics.map((r) => r.column))]);
  add(unpublished, diagnostics.length, study ? `${diagnostic} (${diagnosticNames})` : `${diagnostic} the paper prints no number for (${diagnosticNames})`);
  const empty = none.length - results.length - diagnostics.length;
  add(unpublished, empty, study ? `${cells(empty)} not run yet or not complete` : `${cells(empty)} neither published nor measured`);

  const parts = (list: { cells: number; why: string }[]) => list.map((x) => `${x.cells} ${x.why}`).join('; ');
  let text: string;
  if (study) {
    text =
      `A user-defined study (${study.file}): no cell has a published counterpart (0 of ${rows.length}: a user study, nothing published to compare with)` +
      (rows.length ? `; its cells: ${parts(unpublished)}. ` : '. ') +
      'Every number below was measured here; nothing is compared with a paper.';
  } else {
    const head = `${published.length} of ${rows.length} ${cells(rows.length)} ${published.length === 1 ? 'has' : 'have'} a published counterpart`;
    const measuredHere =
      published.length === 0
        ? ''
        : publishedMeasured === 0
          ? `; none of them is measured here: ${parts(publishedOnly)}`
          : `; ${publishedMeasured} of them ${publishedMeasured === 1 ? 'is' : 'are'} measured here` +
            (notMeasured.length ? ` and ${notMeasured.length} ${notMeasured.length === 1 ? 'is' : 'are'} not: ${parts(publishedOnly)}` : '');
    const rest = rows.length - published.length;
    const others = rest === 0 ? '' : ` The ${rest === rows.length ? '' : 'other '}${rest} ${rest === 1 ? 'has' : 'have'} no published value: ${parts(unpublished)}.`;
    text = rows.length === 0 ? 'The report has no cells: nothing published, nothing configured.' : `${head}${measuredHere}.${others}`;
  }
  return { cells: rows.length, published: published.length, publishedMeasured, publishedOnly, unpublished, text };
}

export function buildReport(paper: string, budget: BudgetName, resultsDir: string, pipeline: ReportHooks, study?: StudyReportSource): Report {
  const none: Published = { paper, reference: '', source: 'none.md', tables: [], text: [], checks: [] };
  const pub = study ? none : loadPublished(paper);
  const tol = study ? { paper, tolerances: [] } : loadTolerances(paper);
  const experiments = study ? study.experiments : loadExperiments(paper);
  const declared = study ? (study.sections ?? null) : paperReportSections(paper, experiments.map((e) => e.id));
  const all = collectResults(resultsDir, budget, paper);
  const errataIds = new Set<string>();
  const rows: ReportRow[] = [];
  const covered = new Set<string>();
  for (const exp of experiments) {
    // An ensemble row aggregates its members' stored results.
    const results = exp.kind === 'ensemble' ? all : all.filter((r) => r.job.experiment === exp.id);
    const budgeted = applyBudget(exp, budget);
    const bySeed = groupBySeed(results);
    const complete = [...bySeed.entries()]
      .sort((a, b) => a[0] - b[0])
      // Only seeds whose every fold is finished count: the config's folds, or
      // folds 1..n when the data at hand gave n (recorded as foldsInData).
      .filter(([, rs]) => {
        const n = rs.find((r) => Number.isInteger(r.metrics.foldsInData))?.metrics.foldsInData;
        const need = n === undefined ? budgeted.folds : budgeted.folds.filter((f) => f <= n);
        return need.every((f) => rs.some((r) => r.job.fold === f));
      });
    const incomplete =
      complete.length === 0 && bySeed.size > 0
        ? [...bySeed.entries()]
            .sort((a, b) => a[0] - b[0])
            .map(([seed, rs]) => `${new Set(rs.map((r) => r.job.fold)).size} of ${budgeted.folds.length} folds of seed ${seed} finished`)
            .join('; ')
        : undefined;
    const perSeed = complete.map(([, rs]) => pipeline.aggregate(exp, rs));
    const seedIds = complete.map(([seed]) => seed);
    const data = results[0]?.data ?? null;
    const extra = (pipeline.reportExtraKeys ?? [])
      .filter((k) => perSeed.some((p) => p[k] !== undefined) && !cellsOf(exp, pub).some((c) => c.column === k && c.table === 'measured'))
      .map((k) => ({ table: 'measured', row: exp.id, column: k, unit: measuredUnit(k, pub), published: null, diagnostic: true }));
    for (const { diagnostic, ...cell } of [...cellsOf(exp, pub).map((c) => ({ ...c, diagnostic: false })), ...extra]) {
      covered.add(`${cell.table}|${cell.row}|${cell.column}`);
      const key = cell.column;
      const kept = perSeed.map((s, i) => [seedIds[i], s[key]] as const).filter(([, v]) => v !== undefined && Number.isFinite(v));
      const values = kept.map(([, v]) => v);
      const seeds = kept.map(([sd]) => sd);
      const measured = values.length ? summarize(values) : null;
      const judged = judge({
        published: cell.published,
        measured,
        budget,
        data,
        tolerance: toleranceFor(tol, cell.column, budget),
        notRun: exp.notRunnable?.reason,
        reference: exp.kind === 'reference',
        incomplete,
      });
      const verdict = study && judged.kind === 'no published value' ? { ...judged, text: STUDY_VERDICT_TEXT } : judged;
      rows.push({
        ...cell,
        experiment: exp.id,
        measured,
        values,
        seeds,
        verdict,
        data,
        erratum: errataIds.has(`${cell.row}|${cell.column}`),
        diagnostic,
      });
    }
  }
  // Published cells that no experiment regenerates are listed too.
  for (const t of pub.tables) {
    for (const r of t.rows) {
      t.columns.forEach((c, j) => {
        if (r.values[j] === null || covered.has(`${t.table}|${r.id}|${c.id}`)) return;
        rows.push({
          table: t.table,
          row: r.id,
          column: c.id,
          experiment: null,
          published: r.values[j],
          unit: c.unit,
          measured: null,
          values: [],
          seeds: [],
          verdict: r.otherAuthors
            ? { kind: 'reference row', text: "other authors' system: shown, not run", delta: null }
            : { kind: 'not run', text: 'not run: no experiment configured for this row yet', delta: null },
          data: null,
          erratum: false,
          diagnostic: false,
        });
      });
    }
  }
  const statuses = [...new Set(all.map((r) => `${r.data.dataset}: ${r.data.status} (${r.data.detail})`))];
  return {
    paper,
    budget,
    generatedAt: new Date().toISOString(),
    rows,
    dataNote: statuses.length ? statuses.join('; ') : 'no results yet',
    backends: [...new Set(all.map((r) => r.backend))],
    codeVersions: [...new Set(all.map((r) => `${r.provenance.gitCommit?.slice(0, 10) ?? 'unknown'}${r.provenance.gitDirty ? '+dirty' : ''}`))],
    sections: declared ? renderReportSections(declared, rows, budget) : [],
    ...(study ? { study: { title: study.title, file: study.file } } : {}),
    coverage: reportCoverage(rows, study ? { file: study.file } : undefined),
  };
}

function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  return String(Number(v.toPrecision(digits)));
}

function measuredText(r: ReportRow): string {
  if (!r.measured) return '';
  const m = r.measured;
  return m.n >= 2 ? `${fmt(m.mean)} +/- ${fmt(m.sd, 2)} (n=${m.n}; 95% CI ${fmt(m.ci95[0])} to ${fmt(m.ci95[1])})` : `${fmt(m.mean)} (n=1)`;
}

/** A study's report: one row per arm and measured value (mean, 95% interval over seeds, n), no published side. */
function studyMarkdown(rep: Report, study: NonNullable<Report['study']>): string[] {
  const lines = [
    `# ${rep.paper}: ${study.title} (${rep.budget} budget)`,
    '',
    `**${rep.coverage.text}**`,
    rep.budget === 'smoke' ? '**Smoke budget: this run checks that the study runs end to end. Its numbers mean little.**' : '',
    `Data: ${rep.dataNote}.`,
    `Backend: ${rep.backends.join(', ') || 'n/a'}. Code: ${rep.codeVersions.join(', ') || 'n/a'}. Generated ${rep.generatedAt}.`,
    '',
    '| arm | metric | measured mean | 95% interval | sd | n (seeds) | note |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rep.rows) {
    const m = r.measured;
    const interval = m && m.n >= 2 ? `${fmt(m.ci95[0])} to ${fmt(m.ci95[1])}` : m ? 'needs 2 seeds' : '';
    const n = m ? `${m.n} (${r.seeds.join(', ')})` : '0';
    // The line above says every row is measured only; the note is for rows without a full result.
    const note = r.verdict.kind === 'no published value' ? '' : r.verdict.text;
    lines.push(`| ${r.experiment ?? r.row} | ${r.column} | ${fmt(m?.mean)} | ${interval} | ${m && m.n >= 2 ? fmt(m.sd, 2) : ''} | ${n} | ${note} |`);
  }
  return lines;
}

export function reportMarkdown(rep: Report): string {
  if (rep.study) {
    const lines = [...studyMarkdown(rep, rep.study), ...rep.sections.flatMap((s) => ['', s])];
    return `${lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n')}\n`;
  }
  const lines = [
    `# ${rep.paper}: published vs measured (${rep.budget} budget)`,
    '',
    `**${rep.coverage.text}**`,
    rep.budget === 'smoke'
      ? '**Smoke budget: this run checks that the pipeline works end to end. It verifies nothing about the paper.**'
      : '',
    `Data: ${rep.dataNote}.`,
    `Backend: ${rep.backends.join(', ') || 'n/a'}. Code: ${rep.codeVersions.join(', ') || 'n/a'}. Generated ${rep.generatedAt}.`,
    '',
    '| table | row | column | experiment | published | measured mean +/- sd | delta | verdict |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rep.rows) {
    lines.push(
      `| ${r.table} | ${r.row} | ${r.column} | ${r.experiment ?? ''} | ${r.published ?? ''}${r.unit && r.published !== null ? ` ${r.unit}` : ''} | ${measuredText(r)} | ${fmt(r.verdict.delta, 3)} | ${r.verdict.text} |`,
    );
  }
  for (const section of rep.sections) lines.push('', section);
  return `${lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n')}\n`;
}

export function reportCsv(rep: Report): string {
  const head = 'table,row,column,published,unit,measured_mean,measured_sd,n,ci95_low,ci95_high,delta,verdict,experiment,data_status';
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = rep.rows.map((r) =>
    [
      r.table,
      r.row,
      r.column,
      r.published ?? '',
      r.unit,
      r.measured?.mean ?? '',
      r.measured?.sd ?? '',
      r.measured?.n ?? 0,
      r.measured?.ci95[0] ?? '',
      r.measured?.ci95[1] ?? '',
      r.verdict.delta ?? '',
      r.verdict.kind,
      r.experiment ?? '',
      r.data?.status ?? '',
    ]
      .map((v) => q(String(Number.isNaN(v) ? '' : v)))
      .join(','),
  );
  return `${[head, ...lines].join('\n')}\n`;
}

/** Write report.md, report.csv and report.json (the report's data; the
 * chart files are drawn by the viz layer: writeReportCharts in
 * src/viz/report-chart.ts). Returns the paths written. */
export function writeReport(rep: Report, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ['report.md', reportMarkdown(rep)],
    ['report.csv', reportCsv(rep)],
    ['report.json', JSON.stringify(rep, null, 1)],
  ];
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return files.map(([n]) => join(dir, n));
}
