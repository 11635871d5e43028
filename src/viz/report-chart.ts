/**
 * The report's chart: measured (mean and 95% interval) beside published for
 * the cells of a harness report, as vega-lite specs (report.vl.json), SVG and
 * PNG. The harness (src/reproduce/report.ts) writes the report's data; the CLI
 * calls writeReportCharts beside it, so rendering stays in the viz layer.
 *
 * What a reader can use, and why it is drawn this way:
 * - One unit per axis. Cells are grouped into panels by table and unit (the
 *   unit the paper prints, or the one the report gives a measured value:
 *   METRIC_UNITS in report.ts); a panel's x axis is titled with that unit
 *   ("accuracy (%)", "Var (1e-3)", "EER"), never "value". A table with
 *   several columns of one unit is one panel of small multiples, one column
 *   each, on one shared x scale.
 * - Only results are charted: cells with a published value (measured or not)
 *   and measured results of the experiments. Diagnostics (rows the report
 *   marks `diagnostic`: class counts, leaked recordings, train accuracy, the
 *   official EER mean, ...) stay in report.md: they are counts or checks of
 *   the run, not results, and beside the results they would only shrink them.
 *   Cells with neither value have nothing to draw. The subtitle says what was
 *   left out.
 * - Labels are never cut: a row label is wrapped onto lines of at most
 *   LABEL_WRAP characters, and every label limit (axis, facet header, legend)
 *   is set from the longest line it must show, by the width vega assumes when
 *   it has no canvas (0.8 x font size per character), so vega truncates
 *   nothing.
 * - Bounded height: panels are packed into pages of at most MAX_ROWS_PER_PAGE
 *   rows and about MAX_PAGE_HEIGHT pixels (a long panel continues on the next
 *   page); page 1 is report.svg, page k report-k.svg.
 * - Published and measured side by side: on each row the published value (red
 *   diamond) sits just below the measured mean (blue dot, with its 95%
 *   interval as a line), one legend for both.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report, ReportRow } from '../reproduce/index.js';
import { renderSvg, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './render.js';

/** At most this many rows (y categories summed over the panels) on one page. */
export const MAX_ROWS_PER_PAGE = 40;
/** A page's estimated height stays under this many pixels (the rendered SVG stays under about 1200). */
export const MAX_PAGE_HEIGHT = 1150;
/** Row labels are wrapped onto lines of at most this many characters. */
export const LABEL_WRAP = 30;
/** A panel shows at most this many columns side by side; more go on to a further panel. */
export const MAX_COLUMNS_PER_PANEL = 8;

const MEASURED = 'measured (mean, 95% interval)';
const PUBLISHED = 'published';
const LABEL_FONT = 10;
const HEADER_FONT = 11;
const COLORS = { [MEASURED]: '#4c78a8', [PUBLISHED]: '#e45756' };
const SHAPES = { [MEASURED]: 'circle', [PUBLISHED]: 'diamond' };

/** The width (px) vega gives a text when it has no canvas to measure it (vega-scenegraph's estimate). */
export function estimatedTextWidth(text: string, fontSize: number): number {
  return Math.ceil(0.8 * fontSize * text.length);
}

/** `text` on lines of at most `width` characters, broken at a space where one is in the second half of the line, else after '-', '|', '/', ',' or ')', else inside a word. */
export function wrapLabel(text: string, width: number = LABEL_WRAP): string[] {
  const lines: string[] = [];
  let rest = text.trim();
  while (rest.length > width) {
    const space = rest.slice(0, width + 1).lastIndexOf(' ');
    let cut = space >= width / 2 ? space : -1;
    for (let i = width; cut < 0 && i > 0; i--) if ('-|/,)'.includes(rest[i - 1])) cut = i;
    if (cut <= 0) cut = space > 0 ? space : width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) lines.push(rest);
  return lines;
}

/** A unit as the report gives it, without printing notes ('MB (printed "M")' -> 'MB'), so equal units share a panel. */
export function unitKey(unit: string): string {
  return unit.replace(/\s*\(printed[^)]*\)/g, '').trim();
}

/** The x-axis title of a panel: "<column> (<unit>)" for one column, the unit for several (each column is headed). */
export function axisTitle(unit: string, columns: readonly string[]): string {
  const u = unitKey(unit);
  if (!u) return `${columns.join(', ')} (unit not recorded)`;
  if (columns.length === 1) return `${columns[0]} (${u})`;
  return u === '%' ? 'percent (%)' : u;
}

/** One panel of a page: the cells of one table in one unit, some of its rows. */
export interface ChartPanel {
  table: string;
  unit: string;
  columns: string[];
  /** Row labels (wrapped lines joined by '\n'), in report order. */
  labels: string[];
  /** Which part of the table's rows this is ("rows 41-80 of 104"), when split over pages. */
  part: string | null;
  /** One record per mark: the cell's label, column and unit (as the report gives it), measured or published, and where. */
  values: { label: string; column: string; unit: string; kind: string; value: number; lo: number | null; hi: number | null }[];
}

/** What the chart draws: cells with a published value or a measured result; not diagnostics. */
export function chartedRows(rep: Report): ReportRow[] {
  return rep.rows.filter((r) => r.diagnostic !== true && (r.published !== null || r.measured !== null));
}

function tableTitle(table: string, study: boolean): string {
  if (table === 'measured') return study ? 'measured' : 'measured only (the paper prints no number)';
  if (table === 'text') return 'figures from the text';
  return table;
}

const finite = (v: number | null | undefined): number | null => (v !== null && v !== undefined && Number.isFinite(v) ? v : null);

/** The panels of a report before paging: grouped by table, unit and (for measured-only cells) which columns an experiment reports. */
export function reportPanels(rep: Report): ChartPanel[] {
  const rows = chartedRows(rep);
  // A row of a table regenerated by more than one experiment is labelled with the experiment too.
  const experimentsOf = new Map<string, Set<string | null>>();
  for (const r of rows) {
    const k = `${r.table}\u0000${r.row}`;
    if (!experimentsOf.has(k)) experimentsOf.set(k, new Set());
    experimentsOf.get(k)!.add(r.experiment);
  }
  const labelOf = (r: ReportRow) => {
    const text = (experimentsOf.get(`${r.table}\u0000${r.row}`)?.size ?? 1) > 1 && r.experiment ? `${r.row} [${r.experiment}]` : r.row;
    return wrapLabel(text).join('\n');
  };
  const unitOf = (r: ReportRow) => unitKey(r.unit) || `\u0000${r.column}`;
  // Measured-only cells: an experiment's set of columns in a unit picks its panel, so that panels are not sparse.
  const signature = new Map<string, string>();
  for (const r of rows) {
    if (r.table !== 'measured') continue;
    const k = `${labelOf(r)}\u0000${unitOf(r)}`;
    signature.set(k, signature.has(k) ? `${signature.get(k)}\u0000${r.column}` : r.column);
  }
  const panels = new Map<string, ChartPanel>();
  for (const r of rows) {
    const label = labelOf(r);
    const u = unitOf(r);
    const key = `${r.table}\u0001${u}\u0001${r.table === 'measured' ? signature.get(`${label}\u0000${u}`) : ''}`;
    if (!panels.has(key)) panels.set(key, { table: r.table, unit: unitKey(r.unit), columns: [], labels: [], part: null, values: [] });
    const p = panels.get(key)!;
    if (!p.columns.includes(r.column)) p.columns.push(r.column);
    if (!p.labels.includes(label)) p.labels.push(label);
    const m = r.measured;
    if (m && finite(m.mean) !== null) {
      const ci = m.n >= 2 ? [finite(m.ci95[0]), finite(m.ci95[1])] : [null, null];
      p.values.push({ label, column: r.column, unit: r.unit, kind: MEASURED, value: m.mean, lo: ci[0], hi: ci[1] });
    }
    if (r.published !== null) p.values.push({ label, column: r.column, unit: r.unit, kind: PUBLISHED, value: r.published, lo: null, hi: null });
  }
  // Too many columns side by side: further panels of the same rows.
  return [...panels.values()].flatMap((p) => {
    if (p.columns.length <= MAX_COLUMNS_PER_PANEL) return [p];
    const out: ChartPanel[] = [];
    for (let i = 0; i < p.columns.length; i += MAX_COLUMNS_PER_PANEL) {
      const columns = p.columns.slice(i, i + MAX_COLUMNS_PER_PANEL);
      const values = p.values.filter((v) => columns.includes(v.column));
      out.push({ ...p, columns, labels: p.labels.filter((l) => values.some((v) => v.label === l)), values });
    }
    return out;
  });
}

const lineCount = (label: string) => label.split('\n').length;
/** Pixels per row: two sub-rows (measured, published) and room for a wrapped label's lines. */
const stepOf = (labels: readonly string[]) => Math.max(22, 11 * Math.max(1, ...labels.map(lineCount)) + 6);
/** A panel's height besides its rows: its title, column headers (several columns), x axis and the space to the next
 * panel (measured on the three papers' charts: about 83 px with one column, 105 px with several). */
const panelOverhead = (p: ChartPanel) => (p.columns.length > 1 ? 110 : 90);
/** A page's height besides its panels: title, two subtitle lines and the legend (measured: about 58 px). */
const PAGE_OVERHEAD = 70;

/** Split the panels into pages of at most MAX_ROWS_PER_PAGE rows and about MAX_PAGE_HEIGHT pixels. */
export function pagePanels(panels: readonly ChartPanel[]): ChartPanel[][] {
  const pages: ChartPanel[][] = [];
  let page: ChartPanel[] = [];
  let rows = 0;
  let px = PAGE_OVERHEAD;
  const newPage = () => {
    if (page.length) pages.push(page);
    page = [];
    rows = 0;
    px = PAGE_OVERHEAD;
  };
  for (const p of panels) {
    const step = stepOf(p.labels);
    const overhead = panelOverhead(p);
    const fits = (n: number) => n <= MAX_ROWS_PER_PAGE - rows && px + overhead + n * step <= MAX_PAGE_HEIGHT;
    // A panel that fits on a page of its own is not split: it starts a new page when this one is too full.
    const whole = p.labels.length <= MAX_ROWS_PER_PAGE && PAGE_OVERHEAD + overhead + p.labels.length * step <= MAX_PAGE_HEIGHT;
    if (page.length && whole && !fits(p.labels.length)) newPage();
    let start = 0;
    while (start < p.labels.length) {
      const fit = Math.min(MAX_ROWS_PER_PAGE - rows, Math.floor((MAX_PAGE_HEIGHT - px - overhead) / step));
      const left = p.labels.length - start;
      // A long panel continues on a new page rather than leave a stub of a few rows at the bottom of this one.
      if (page.length && (fit < 1 || (fit < left && fit < 8))) {
        newPage();
        continue;
      }
      const take = Math.max(1, Math.min(fit, left));
      const labels = p.labels.slice(start, start + take);
      const part = take === p.labels.length ? null : `rows ${start + 1}-${start + take} of ${p.labels.length}`;
      page.push({ ...p, labels, part, values: p.values.filter((v) => labels.includes(v.label)) });
      rows += take;
      px += overhead + take * step;
      start += take;
    }
  }
  newPage();
  return pages;
}

function panelSpec(p: ChartPanel, study: boolean): VegaLiteSpec {
  const lines = p.labels.flatMap((l) => l.split('\n'));
  const labelLimit = Math.max(...lines.map((l) => estimatedTextWidth(l, LABEL_FONT))) + 8;
  const x = axisTitle(p.unit, p.columns);
  const title = `${tableTitle(p.table, study)}: ${x}${p.part ? ` (${p.part})` : ''}`;
  const several = p.columns.length > 1;
  const kindScale = { domain: [MEASURED, PUBLISHED] };
  const encoding = {
    y: {
      field: 'label',
      type: 'nominal',
      sort: p.labels,
      title: null,
      axis: { labelLimit, labelFontSize: LABEL_FONT, labelExpr: "split(datum.label, '\\n')" },
    },
    yOffset: { field: 'kind', type: 'nominal', scale: kindScale },
    color: { field: 'kind', type: 'nominal', scale: { ...kindScale, range: kindScale.domain.map((k) => COLORS[k as keyof typeof COLORS]) }, title: null },
  };
  const xAxis = { title: x, titleLimit: estimatedTextWidth(x, 11) + 20 };
  const layer = [
    {
      transform: [{ filter: 'isValid(datum.lo) && isValid(datum.hi)' }],
      mark: { type: 'rule', strokeWidth: 1.5 },
      encoding: { x: { field: 'lo', type: 'quantitative', axis: xAxis }, x2: { field: 'hi' } },
    },
    {
      mark: { type: 'point', filled: true, size: 45, opacity: 1 },
      encoding: {
        x: { field: 'value', type: 'quantitative', axis: xAxis },
        shape: { field: 'kind', type: 'nominal', scale: { ...kindScale, range: kindScale.domain.map((k) => SHAPES[k as keyof typeof SHAPES]) }, title: null },
      },
    },
  ];
  const data = { values: p.values };
  if (!several) {
    return { title: { text: title, anchor: 'start', fontSize: 12 }, data, width: 420, height: { step: stepOf(p.labels), for: 'position' }, encoding, layer };
  }
  const headerLimit = Math.max(...p.columns.map((c) => estimatedTextWidth(c, HEADER_FONT))) + 8;
  return {
    title: { text: title, anchor: 'start', fontSize: 12 },
    data,
    facet: { column: { field: 'column', type: 'nominal', sort: p.columns, title: null, header: { labelFontSize: HEADER_FONT, labelLimit: headerLimit } } },
    spec: { width: Math.max(110, headerLimit), height: { step: stepOf(p.labels), for: 'position' }, encoding, layer },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  };
}

/** The vega-lite specs of the chart, one per page (report.vl.json, report-2.vl.json, ...). */
export function reportChartPages(rep: Report): VegaLiteSpec[] {
  const study = rep.study !== undefined;
  const pages = pagePanels(reportPanels(rep));
  const charted = chartedRows(rep).length;
  const diagnostics = rep.rows.filter((r) => r.diagnostic === true);
  const empty = rep.rows.filter((r) => r.diagnostic !== true && r.published === null && r.measured === null).length;
  const left: string[] = [];
  const cells = (n: number) => `${n} ${n === 1 ? 'cell' : 'cells'}`;
  if (diagnostics.length) left.push(`${cells(diagnostics.length)} of diagnostics (${[...new Set(diagnostics.map((r) => r.column))].join(', ')})`);
  if (empty) left.push(`${cells(empty)} with no value yet`);
  const base = study
    ? `${rep.paper}: measured (95% interval), ${rep.budget} budget (a user study: nothing published to compare with)`
    : `${rep.paper}: measured (95% interval) vs published, ${rep.budget} budget`;
  const subtitle = [
    `${charted} of ${rep.rows.length} report cells charted, one unit per panel (its axis title)${study ? '' : '; published and measured side by side on each row'}.`,
    ...(left.length ? [`In report.md only: ${left.join('; ')}.`] : []),
  ];
  const legendLimit = estimatedTextWidth(MEASURED, 11) + 10;
  const config = {
    legend: { orient: 'top', labelFontSize: 11, labelLimit: legendLimit, symbolSize: 60 },
    title: { subtitleFontSize: 11, limit: 0, subtitleLimit: 0 },
    header: { labelFontSize: HEADER_FONT },
    concat: { spacing: 28 },
  };
  if (pages.length === 0) {
    return [
      {
        $schema: VEGA_LITE_SCHEMA,
        title: { text: base, subtitle, anchor: 'start' },
        data: { values: [{ text: 'nothing to chart: no cell has a published value or a measured result' }] },
        mark: { type: 'text', align: 'left', limit: 0 },
        encoding: { text: { field: 'text' } },
        width: 420,
        height: 40,
        config,
      },
    ];
  }
  return pages.map((panels, i) => ({
    $schema: VEGA_LITE_SCHEMA,
    title: { text: pages.length > 1 ? `${base}, page ${i + 1} of ${pages.length}` : base, subtitle, anchor: 'start' },
    vconcat: panels.map((p) => panelSpec(p, study)),
    resolve: { scale: { x: 'independent', y: 'independent', color: 'shared', shape: 'shared', yOffset: 'independent' } },
    config,
  }));
}

/** The first page's spec (report.vl.json). */
export function reportChartSpec(rep: Report): VegaLiteSpec {
  return reportChartPages(rep)[0];
}

/** The file name stem of page `i` (0-based): report, report-2, report-3, ... */
export function chartPageName(i: number): string {
  return i === 0 ? 'report' : `report-${i + 1}`;
}

/** Write report.vl.json, report.svg and report.png of `rep` into `dir` (beside
 * the report.md/.csv/.json that writeReport of src/reproduce/report.ts writes),
 * and report-2.*, report-3.*, ... when the chart takes several pages; pages
 * left from an earlier, longer chart are removed. Returns the paths written. */
export async function writeReportCharts(rep: Report, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const { Resvg } = await import('@resvg/resvg-js');
  const pages = reportChartPages(rep);
  const written: string[] = [];
  for (const [i, spec] of pages.entries()) {
    const stem = chartPageName(i);
    const svg = await renderSvg(spec);
    writeFileSync(join(dir, `${stem}.vl.json`), JSON.stringify(spec, null, 1));
    writeFileSync(join(dir, `${stem}.svg`), svg);
    // PNG from the same SVG (resvg, a prebuilt binary shipped in the npm package).
    writeFileSync(join(dir, `${stem}.png`), new Resvg(svg, { background: 'white', font: { loadSystemFonts: true } }).render().asPng());
    written.push(...['vl.json', 'svg', 'png'].map((ext) => join(dir, `${stem}.${ext}`)));
  }
  for (const f of readdirSync(dir)) {
    const m = /^report-(\d+)\.(vl\.json|svg|png)$/.exec(f);
    if (m && Number(m[1]) > pages.length) rmSync(join(dir, f));
  }
  return written;
}
