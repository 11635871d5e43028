/**
 * The papers' published numbers, as data: `reproductions/<paper>/published.json`
 * holds every table cell and every figure given only in the text, each with
 * the exact quote it comes from (the tests check each value against its quote,
 * and each quote against the paper text when one is at hand).
 *
 * The paper texts are not redistributed with the repository: `source` is the
 * file name of a paper's text inside the folder named by $AUDIO_AUG_LAB_PAPERS
 * (the development machine kept them beside the repository); `paperTextPath`
 * finds it there, and nothing looks anywhere else.
 *
 * This module validates those files and flattens them into one record per
 * cell: { table, row, column, value, unit, citation } — what
 * `npx audio-aug-lab published <paper> --json` prints and what the harness
 * compares measurements with.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AudioAugLabError, MissingFileError } from '../util/errors.js';

export const PAPERS = ['wei2018', 'mushtaq2020', 'hu2020'] as const;
export type PaperId = (typeof PAPERS)[number];

const Column = z.object({ id: z.string(), label: z.string(), unit: z.string() });
const Row = z.object({
  id: z.string(),
  label: z.string(),
  otherAuthors: z.boolean(),
  quote: z.string(),
  values: z.array(z.number().nullable()),
});
const Table = z.object({ table: z.string(), caption: z.string(), columns: z.array(Column), rows: z.array(Row) });
const CellRef = z.object({ table: z.string(), row: z.string(), column: z.string() });
const Difference = z.object({
  table: z.string(),
  /** Same column, two rows ... */
  column: z.string().optional(),
  /** ... or same row, two columns. */
  row: z.string().optional(),
  from: z.string(),
  to: z.string(),
});
const TextFigure = z.object({
  id: z.string(),
  where: z.string(),
  quote: z.string(),
  value: z.number(),
  unit: z.string(),
  about: z.string(),
  kind: z.enum(['result', 'setting']).optional(),
  approximate: z.boolean().optional(),
  sameAs: CellRef.optional(),
  difference: Difference.optional(),
});
const Check = z.object({
  id: z.string(),
  table: z.string(),
  kind: z.enum(['mean', 'weightedMean', 'sampleVariance']),
  of: z.array(z.string()),
  weights: z.array(z.number()).optional(),
  column: z.string(),
  scale: z.number().optional(),
  inputHalfUnit: z.number(),
  outputHalfUnit: z.number(),
  why: z.string(),
});
export const PublishedSchema = z.object({
  paper: z.string(),
  reference: z.string(),
  /** File name of the paper text in $AUDIO_AUG_LAB_PAPERS (a name, not a path). */
  source: z.string().regex(/^[^/\\]+\.md$/, 'source must be the file name of the paper text (<paper>-*.md) inside $AUDIO_AUG_LAB_PAPERS, not a path'),
  note: z.string().optional(),
  tables: z.array(Table),
  text: z.array(TextFigure),
  checks: z.array(Check),
});
export type Published = z.infer<typeof PublishedSchema>;
export type PublishedTable = z.infer<typeof Table>;
export type PublishedCheck = z.infer<typeof Check>;
export type TextFigureT = z.infer<typeof TextFigure>;

/** One published number. */
export interface PublishedCell {
  paper: string;
  table: string;
  row: string;
  column: string;
  value: number;
  unit: string;
  citation: string;
  quote: string;
  otherAuthors?: boolean;
  kind?: 'result' | 'setting';
  approximate?: boolean;
}

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository's `reproductions/` folder. */
/** The repository's root (where package.json lies). */
export const REPO_ROOT = join(HERE, '..', '..');
export const REPRODUCTIONS_DIR = join(REPO_ROOT, 'reproductions');

export function publishedPath(paper: string): string {
  return join(REPRODUCTIONS_DIR, paper, 'published.json');
}

/** The environment variable naming the folder of the paper texts. */
export const PAPERS_ENV = 'AUDIO_AUG_LAB_PAPERS';

/** Where the text of a paper is: `$AUDIO_AUG_LAB_PAPERS/<source>`, or null
 * when the variable is unset or the file is not in that folder. */
export function paperTextPath(paper: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = env[PAPERS_ENV];
  if (dir === undefined || dir === '') return null;
  const path = join(resolve(dir), loadPublished(paper).source);
  return existsSync(path) ? path : null;
}

export function loadPublished(paper: string): Published {
  const path = publishedPath(paper);
  if (!existsSync(path)) {
    throw new MissingFileError(`no published numbers for paper '${paper}' (known: ${PAPERS.join(', ')})`, path);
  }
  const parsed = PublishedSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AudioAugLabError('PUBLISHED_SCHEMA', `invalid at ${issue.path.join('.')}: ${issue.message}`, path);
  }
  const data = parsed.data;
  for (const t of data.tables) {
    for (const r of t.rows) {
      if (r.values.length !== t.columns.length) {
        throw new AudioAugLabError(
          'PUBLISHED_SCHEMA',
          `${t.table} row '${r.id}' has ${r.values.length} values for ${t.columns.length} columns`,
          path,
        );
      }
    }
  }
  return data;
}

/** Every published number of a paper, one record per cell (table cells
 * first, then figures given only in the text under table "text"). */
export function publishedCells(paper: string, opts: { includeSettings?: boolean } = {}): PublishedCell[] {
  const pub = loadPublished(paper);
  const out: PublishedCell[] = [];
  for (const t of pub.tables) {
    for (const r of t.rows) {
      t.columns.forEach((c, j) => {
        const v = r.values[j];
        if (v === null) return;
        out.push({
          paper,
          table: t.table,
          row: r.id,
          column: c.id,
          value: v,
          unit: c.unit,
          citation: `${paper} ${t.table}, row '${r.id}', column '${c.id}'`,
          quote: r.quote,
          otherAuthors: r.otherAuthors,
          kind: 'result',
        });
      });
    }
  }
  for (const f of pub.text) {
    if (f.kind === 'setting' && !opts.includeSettings) continue;
    out.push({
      paper,
      table: 'text',
      row: f.id,
      column: 'value',
      value: f.value,
      unit: f.unit,
      citation: `${paper} ${f.where}: "${f.quote}"`,
      quote: f.quote,
      kind: f.kind ?? 'result',
      approximate: f.approximate,
    });
  }
  return out;
}

/** Look one table cell up; undefined when the paper prints no such cell. */
export function publishedCell(pub: Published, table: string, row: string, column: string): number | null | undefined {
  const t = pub.tables.find((x) => x.table === table);
  const r = t?.rows.find((x) => x.id === row);
  const j = t?.columns.findIndex((c) => c.id === column) ?? -1;
  if (!t || !r || j < 0) return undefined;
  return r.values[j];
}
