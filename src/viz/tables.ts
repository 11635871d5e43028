/**
 * Tables for notebooks: rows go into a danfojs DataFrame (so a reader can
 * keep working with them: sort, filter, describe) and a DataFrame is shown as
 * a plain HTML table (`frameHtml`), which Jupyter and nbconvert's HTML export
 * display without JavaScript. Builders for the tables the notebooks show:
 * a paper's published table, its errata, the augmentation catalogue, and a
 * harness report (published | measured | delta | verdict with provenance).
 */
import * as dfd from 'danfojs';
import { catalogueRows } from '../augment/catalogue.js';
import type { CatalogueEntry } from '../augment/types.js';
import type { Finding, Published, Report } from '../reproduce/index.js';
import { InvalidParameterError } from '../util/errors.js';
import { escapeHtml } from './audio.js';

export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

/** A DataFrame from rows; `columns` fixes the order (default: first row's keys).
 * Missing values become null. */
export function frame(rows: readonly Row[], columns?: readonly string[]): dfd.DataFrame {
  const cols = columns ? [...columns] : rows.length ? Object.keys(rows[0]) : [];
  if (cols.length === 0) throw new InvalidParameterError('frame: no columns (empty rows and no column list)');
  const data = rows.map((r) => cols.map((c) => (r[c] === undefined ? null : r[c])));
  return new dfd.DataFrame(data, { columns: cols });
}

export interface FrameHtmlOptions {
  caption?: string;
  /** Significant digits for non-integer numbers (default 4). */
  digits?: number;
  /** A note under the table (provenance, licence...). */
  note?: string;
  /** Cell text for null / NaN (default ''). */
  missing?: string;
}

function formatCell(v: unknown, digits: number, missing: string): string {
  if (v === null || v === undefined) return missing;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? missing : String(v);
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(digits)));
  }
  return String(v);
}

/** A DataFrame as an HTML table (numbers right-aligned). */
export function frameHtml(df: dfd.DataFrame, opts: FrameHtmlOptions = {}): string {
  const digits = opts.digits ?? 4;
  const missing = opts.missing ?? '';
  const cols = df.columns as string[];
  const values = df.values as unknown[][];
  const th = cols.map((c) => `<th style="text-align:left;padding:2px 8px;border-bottom:1px solid #999">${escapeHtml(c)}</th>`).join('');
  const body = values
    .map(
      (row) =>
        '<tr>' +
        row
          .map((v) => `<td style="text-align:${typeof v === 'number' ? 'right' : 'left'};padding:2px 8px;border-bottom:1px solid #eee">${escapeHtml(formatCell(v, digits, missing))}</td>`)
          .join('') +
        '</tr>',
    )
    .join('');
  return [
    '<div class="audio-aug-lab-table" style="margin:6px 0">',
    '<table style="border-collapse:collapse;font-size:0.85em">',
    opts.caption ? `<caption style="text-align:left;font-weight:600;padding:4px 0">${escapeHtml(opts.caption)}</caption>` : '',
    `<thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`,
    opts.note ? `<div style="font-size:0.75em;color:#555;max-width:60em">${escapeHtml(opts.note)}</div>` : '',
    '</div>',
  ].join('');
}

/** Rows of a table as printed in the paper: one column per printed column
 * (label and unit), plus whether the row is another authors' system. */
export function publishedTableFrame(pub: Published, table: string): dfd.DataFrame {
  const t = pub.tables.find((x) => x.table === table);
  if (!t) throw new InvalidParameterError(`${pub.paper} has no table '${table}' (tables: ${pub.tables.map((x) => x.table).join(', ')})`);
  const head = t.columns.map((c) => (c.unit && !c.label.includes(c.unit) ? `${c.label} (${c.unit})` : c.label));
  const rows = t.rows.map((r) => {
    const row: Row = { system: r.label };
    t.columns.forEach((_, j) => {
      row[head[j]] = r.values[j];
    });
    row['other authors'] = r.otherAuthors ? 'yes' : '';
    return row;
  });
  return frame(rows, ['system', ...head, 'other authors']);
}

/** Figures the paper gives only in its text. */
export function publishedTextFrame(pub: Published, opts: { includeSettings?: boolean } = {}): dfd.DataFrame {
  const rows = pub.text
    .filter((f) => opts.includeSettings || f.kind !== 'setting')
    .map((f) => ({ where: f.where, value: f.value, unit: f.unit, about: f.about, quote: f.quote }));
  return frame(rows, ['where', 'value', 'unit', 'about', 'quote']);
}

/** Errata: the inconsistencies found within the published numbers, with
 * the explanation kept in reproductions/<paper>/errata.json when given. */
export function errataFrame(findings: readonly Finding[], explanations: Readonly<Record<string, string>> = {}): dfd.DataFrame {
  const rows = findings.map((f) => ({
    level: f.level,
    table: f.table,
    row: f.row,
    column: f.column,
    printed: f.printed,
    computed: f.computed,
    explanation: explanations[f.id] ?? f.message,
  }));
  return frame(rows, ['level', 'table', 'row', 'column', 'printed', 'computed', 'explanation']);
}

/** The augmentation catalogue (name, target, paper, section, defaults). */
export function catalogueFrame(entries?: readonly CatalogueEntry[]): dfd.DataFrame {
  const rows = catalogueRows(entries).map(([name, target, paper, section, params]) => ({ name, target, paper, section, 'params (defaults)': params }));
  return frame(rows, ['name', 'target', 'paper', 'section', 'params (defaults)']);
}

/** A harness report as a table: published | measured mean +/- sd (n) | delta | verdict. */
export function reportFrame(rep: Report, filter: (r: Report['rows'][number]) => boolean = () => true): dfd.DataFrame {
  const rows = rep.rows.filter(filter).map((r) => ({
    table: r.table,
    row: r.row,
    column: r.column,
    published: r.published,
    unit: r.unit,
    'measured mean': r.measured?.mean ?? null,
    sd: r.measured && r.measured.n >= 2 ? r.measured.sd : null,
    n: r.measured?.n ?? 0,
    delta: r.verdict.delta,
    verdict: r.verdict.text,
  }));
  return frame(rows, ['table', 'row', 'column', 'published', 'unit', 'measured mean', 'sd', 'n', 'delta', 'verdict']);
}

/** The provenance line every shown result carries. */
export function reportProvenance(rep: Report): string {
  return (
    `Budget: ${rep.budget}${rep.budget === 'smoke' ? ' (checks the pipeline only; verifies nothing about the paper)' : ''}. ` +
    `Data: ${rep.dataNote}. Backend: ${rep.backends.join(', ') || 'n/a'}. Code version: ${rep.codeVersions.join(', ') || 'n/a'}. ` +
    `Report generated ${rep.generatedAt}.`
  );
}
