/**
 * Paper- or study-specific report sections, declared as data and rendered
 * from the report's rows. A paper's declaration is
 * `reproductions/<paper>/report-sections.json`: a list of sections, each a
 * `## title` and blocks separated by blank lines:
 *
 * - `text`: a paragraph (its lines);
 * - `grid`: a table of experiment ids (rows x columns; null: a blank cell),
 *   shown once per metric in `shownFor` (each with an optional caption
 *   paragraph before it), each followed by the paired gaps `gaps.pairs`
 *   (b - a by seed, with a 95% interval);
 * - `table`: one row per experiment (label, value, optional paired gap to a
 *   reference experiment `gapTo`);
 * - `warning`: shown when some experiment's `metric` is below `anySeedBelow`
 *   for a seed; `{experiments}` in its text lists them;
 * - any block may carry `when: { budget: [...] }` (shown only at those budgets).
 *
 * Every text the sections print comes from the declaration; this file only
 * formats cells (mean [95% interval] (n)) and gaps. Checked with a zod schema
 * at load; errors name the file and the JSON path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AudioAugLabError } from '../util/errors.js';
import { formatPath, shownPath, type JsonPath } from './experiment-file.js';
import { BUDGETS, type BudgetName } from './experiment-schema.js';
import { REPRODUCTIONS_DIR } from './published.js';
import { summarize, type Summary } from './stats.js';

/** What the sections read from a report row (ReportRow in ./report.ts has these and more). */
export interface SectionRow {
  experiment: string | null;
  column: string;
  measured: Summary | null;
  /** Per-seed values behind `measured`, in the order of `seeds`. */
  values: number[];
  seeds: number[];
}

const Lines = z.array(z.string()).min(1);
const Id = z.string().min(1);

const When = z.strictObject({
  /** Shown only at these budgets. */
  budget: z.array(z.enum(BUDGETS)).min(1),
});

const Grid = z.strictObject({
  /** The header's first cell (above the row labels). */
  corner: z.string(),
  columns: z.array(z.string()).min(1),
  /** One experiment id per column; null leaves the cell blank. */
  rows: z.array(z.strictObject({ label: z.string(), experiments: z.array(Id.nullable()) })).min(1),
  /** One line after each table: `<label>, <pair label>: <b - a>; ...`. */
  gaps: z
    .strictObject({
      label: z.string(),
      pairs: z.array(z.strictObject({ label: z.string(), a: Id, b: Id })).min(1),
    })
    .optional(),
  /** The metric (report column) of each table drawn from the grid, with a caption paragraph before it. */
  shownFor: z.array(z.strictObject({ metric: Id, caption: Lines.optional() })).min(1),
});

const Table = z.strictObject({
  metric: Id,
  /** Header: the label column, the value column, and the gap column when a row has `gapTo`. */
  columns: z.array(z.string()).min(2).max(3),
  rows: z.array(z.strictObject({ label: z.string(), experiment: Id, gapTo: Id.optional() })).min(1),
});

const Warning = z.strictObject({
  metric: Id,
  /** Shown when some experiment has a seed whose value is below this. */
  anySeedBelow: z.number(),
  /** `{experiments}` is replaced by the ids, comma-separated. */
  text: Lines,
});

const BLOCK_KINDS = ['text', 'grid', 'table', 'warning'] as const;

const Block = z
  .strictObject({
    text: Lines.optional(),
    grid: Grid.optional(),
    table: Table.optional(),
    warning: Warning.optional(),
    when: When.optional(),
  })
  .superRefine((b, ctx) => {
    const kinds = BLOCK_KINDS.filter((k) => b[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `a block has exactly one of ${BLOCK_KINDS.join(', ')} (got ${kinds.length ? kinds.join(', ') : 'none'})` });
    }
    if (b.grid) {
      const n = b.grid.columns.length;
      b.grid.rows.forEach((r, i) => {
        if (r.experiments.length !== n) {
          ctx.addIssue({ code: 'custom', path: ['grid', 'rows', i, 'experiments'], message: `${r.experiments.length} cells for ${n} columns` });
        }
      });
    }
    if (b.table && b.table.columns.length < 3) {
      const i = b.table.rows.findIndex((r) => r.gapTo !== undefined);
      if (i >= 0) ctx.addIssue({ code: 'custom', path: ['table', 'rows', i, 'gapTo'], message: 'a gap needs a third entry in table.columns (its header)' });
    }
  });

export const ReportSectionsSchema = z.strictObject({
  /** What the file is, for its readers (not printed). */
  description: z.string().optional(),
  sections: z.array(z.strictObject({ title: z.string().min(1), blocks: z.array(Block).min(1) })).min(1),
});
export type ReportSections = z.infer<typeof ReportSectionsSchema>;
type SectionBlock = z.infer<typeof Block>;

function sectionsError(file: string, path: JsonPath, message: string): AudioAugLabError {
  return new AudioAugLabError('REPORT_SECTIONS', `${formatPath(path)}: ${message}`, shownPath(file));
}

/** Every experiment id a block names, with its path inside the block. */
function blockIds(b: SectionBlock): [JsonPath, string][] {
  const out: [JsonPath, string][] = [];
  b.grid?.rows.forEach((r, i) => r.experiments.forEach((id, j) => id !== null && out.push([['grid', 'rows', i, 'experiments', j], id])));
  b.grid?.gaps?.pairs.forEach((p, i) => out.push([['grid', 'gaps', 'pairs', i, 'a'], p.a], [['grid', 'gaps', 'pairs', i, 'b'], p.b]));
  b.table?.rows.forEach((r, i) => {
    out.push([['table', 'rows', i, 'experiment'], r.experiment]);
    if (r.gapTo !== undefined) out.push([['table', 'rows', i, 'gapTo'], r.gapTo]);
  });
  return out;
}

/**
 * A declaration checked against the schema (and, given `experiments`, every
 * experiment id it names against them). `file` and `at` (where the
 * declaration sits inside that file) name the place in errors.
 */
export function parseReportSections(
  value: unknown,
  where: { file: string; at?: JsonPath; experiments?: readonly string[]; experimentsIn?: string },
): ReportSections {
  const at = where.at ?? [];
  const parsed = ReportSectionsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path as JsonPath;
    if (issue.code === 'unrecognized_keys') {
      throw sectionsError(where.file, [...at, ...path, issue.keys[0]], `unknown field${issue.keys.length > 1 ? ` (also: ${issue.keys.slice(1).join(', ')})` : ''}`);
    }
    throw sectionsError(where.file, [...at, ...path], issue.message);
  }
  const decl = parsed.data;
  if (where.experiments) {
    const known = new Set(where.experiments);
    decl.sections.forEach((s, i) =>
      s.blocks.forEach((b, j) => {
        for (const [path, id] of blockIds(b)) {
          if (!known.has(id)) {
            throw sectionsError(where.file, [...at, 'sections', i, 'blocks', j, ...path], `no experiment '${id}'${where.experimentsIn ? ` in ${where.experimentsIn}` : ''}`);
          }
        }
      }),
    );
  }
  return decl;
}

/** Where a paper declares its report sections. */
export function reportSectionsPath(paper: string): string {
  return join(REPRODUCTIONS_DIR, paper, 'report-sections.json');
}

/** A declaration file, read and checked (see parseReportSections). */
export function loadReportSections(file: string, experiments?: readonly string[], experimentsIn?: string): ReportSections {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `not valid JSON (${(e as Error).message})`;
    throw new AudioAugLabError('REPORT_SECTIONS', why, shownPath(file));
  }
  return parseReportSections(raw, { file, experiments, experimentsIn });
}

/** A paper's declared sections, or null when it declares none. */
export function paperReportSections(paper: string, experiments?: readonly string[]): ReportSections | null {
  const file = reportSectionsPath(paper);
  if (!existsSync(file)) return null;
  return loadReportSections(file, experiments, shownPath(join(REPRODUCTIONS_DIR, paper, 'experiments')));
}

/** An experiment's measured value: mean [95% interval] (n) with one decimal, or 'not run'. */
export function cellText(r: SectionRow | undefined): string {
  if (!r || !r.measured) return 'not run';
  const m = r.measured;
  const f = (v: number) => v.toFixed(1);
  return m.n >= 2 ? `${f(m.mean)} [${f(m.ci95[0])}, ${f(m.ci95[1])}] (n=${m.n})` : `${f(m.mean)} (n=1)`;
}

/** Paired (by seed) difference b - a, summarised with its 95% interval. */
export function gap(a: SectionRow | undefined, b: SectionRow | undefined): string {
  if (!a?.measured || !b?.measured) return 'not run';
  const diffs: number[] = [];
  a.seeds.forEach((seed, i) => {
    const j = b.seeds.indexOf(seed);
    if (j >= 0) diffs.push(b.values[j] - a.values[i]);
  });
  if (diffs.length === 0) return 'no common seeds';
  const s = summarize(diffs);
  const f = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
  return s.n >= 2 ? `${f(s.mean)} points [${f(s.ci95[0])}, ${f(s.ci95[1])}] (n=${s.n} seeds)` : `${f(s.mean)} points (n=1)`;
}

/** A markdown table row; an empty cell is written `| |`. */
function tableRow(cells: string[]): string {
  return `|${cells.map((c) => (c === '' ? ' ' : ` ${c} `)).join('|')}|`;
}

function tableHead(columns: string[]): string[] {
  return [tableRow(columns), `|${columns.map(() => '---').join('|')}|`];
}

/** A block's paragraphs (each a list of lines); none when it is not shown. */
function renderBlock(b: SectionBlock, rows: readonly SectionRow[], budget: BudgetName): string[][] {
  if (b.when && !b.when.budget.includes(budget)) return [];
  const cell = (id: string, metric: string) => rows.find((r) => r.experiment === id && r.column === metric);
  if (b.text) return [b.text];
  if (b.grid) {
    const g = b.grid;
    return g.shownFor.flatMap(({ metric, caption }) => {
      const at = (id: string) => cell(id, metric);
      const table = [...tableHead([g.corner, ...g.columns]), ...g.rows.map((r) => tableRow([r.label, ...r.experiments.map((id) => (id === null ? '' : cellText(at(id))))]))];
      const gaps = g.gaps ? [[`${g.gaps.label}, ${g.gaps.pairs.map((p) => `${p.label}: ${gap(at(p.a), at(p.b))}`).join('; ')}.`]] : [];
      return [...(caption ? [caption] : []), table, ...gaps];
    });
  }
  if (b.table) {
    const t = b.table;
    const withGap = t.columns.length === 3;
    const at = (id: string) => cell(id, t.metric);
    return [
      [
        ...tableHead(t.columns),
        ...t.rows.map((r) => tableRow([r.label, cellText(at(r.experiment)), ...(withGap ? [r.gapTo === undefined ? '' : gap(at(r.gapTo), at(r.experiment))] : [])])),
      ],
    ];
  }
  const w = b.warning!;
  const hit = [...new Set(rows.filter((r) => r.column === w.metric && r.experiment !== null && r.values.some((v) => v < w.anySeedBelow)).map((r) => r.experiment!))];
  return hit.length ? [w.text.map((l) => l.replaceAll('{experiments}', hit.join(', ')))] : [];
}

/** The declared sections as markdown, one string per section, from the report's rows. */
export function renderReportSections(decl: ReportSections, rows: readonly SectionRow[], budget: BudgetName): string[] {
  return decl.sections.map((s) => {
    const paragraphs = s.blocks.flatMap((b) => renderBlock(b, rows, budget));
    return [`## ${s.title}`, ...paragraphs.flatMap((p) => ['', ...p])].join('\n');
  });
}
