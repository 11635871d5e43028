/**
 * The report's chart: measured (95% interval) vs published for every cell of
 * a harness report, as a vega-lite spec (report.vl.json), SVG and PNG. The
 * harness (src/reproduce/report.ts) writes the report's data; the CLI calls
 * writeReportCharts beside it, so rendering stays in the viz layer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../reproduce/index.js';
import { renderSvg } from './render.js';

/** vega-lite spec: measured (points with 95% interval bars) vs published
 * (ticks), one panel row per column unit. */
export function reportChartSpec(rep: Report): Record<string, unknown> {
  const data = rep.rows
    .filter((r) => r.measured || r.published !== null)
    .map((r) => ({
      cell: `${r.row} | ${r.column}`,
      unit: r.unit || 'value',
      published: r.published,
      measured: r.measured?.mean ?? null,
      lo: r.measured?.ci95[0] ?? null,
      hi: r.measured?.ci95[1] ?? null,
    }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: rep.study
      ? `${rep.paper}: measured (95% interval), ${rep.budget} budget (a user study: nothing published to compare with)`
      : `${rep.paper}: measured (95% interval) vs published, ${rep.budget} budget`,
    data: { values: data },
    facet: { row: { field: 'unit', type: 'nominal', title: null } },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 520,
      layer: [
        { mark: { type: 'rule', color: '#4c78a8' }, encoding: { y: { field: 'cell', type: 'nominal', sort: null, title: null }, x: { field: 'lo', type: 'quantitative', title: 'value' }, x2: { field: 'hi' } } },
        { mark: { type: 'point', filled: true, color: '#4c78a8' }, encoding: { y: { field: 'cell', type: 'nominal', sort: null }, x: { field: 'measured', type: 'quantitative' } } },
        { mark: { type: 'tick', color: '#e45756', thickness: 2 }, encoding: { y: { field: 'cell', type: 'nominal', sort: null }, x: { field: 'published', type: 'quantitative' } } },
      ],
    },
  };
}

/** Write report.vl.json, report.svg and report.png of `rep` into `dir` (beside
 * the report.md/.csv/.json that writeReport of src/reproduce/report.ts writes). Returns the paths written. */
export async function writeReportCharts(rep: Report, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const spec = reportChartSpec(rep);
  const svg = await renderSvg(spec);
  const files: [string, string][] = [
    ['report.vl.json', JSON.stringify(spec, null, 1)],
    ['report.svg', svg],
  ];
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  // PNG from the same SVG (resvg, a prebuilt binary shipped in the npm package).
  const { Resvg } = await import('@resvg/resvg-js');
  const png = new Resvg(svg, { background: 'white', font: { loadSystemFonts: true } }).render().asPng();
  writeFileSync(join(dir, 'report.png'), png);
  return [...files.map(([n]) => join(dir, n)), join(dir, 'report.png')];
}
