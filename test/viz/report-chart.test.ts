/**
 * The report's files come from two layers: the harness writes the data
 * (report.md/.csv/.json, in the reference digests) and the viz layer draws
 * the chart (report.vl.json/.svg/.png, and report-2.* ... when it takes
 * several pages); the CLI calls both. The chart is one a reader can use: one
 * unit per axis, no label cut, bounded height, published beside measured.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport, reportCoverage, writeReport, type Report, type ReportRow } from '../../src/reproduce/report.js';
import { summarize } from '../../src/reproduce/stats.js';
import type { Verdict } from '../../src/reproduce/verdict.js';
import {
  axisTitle,
  chartPageName,
  estimatedTextWidth,
  MAX_ROWS_PER_PAGE,
  pagePanels,
  reportChartPages,
  reportChartSpec,
  reportPanels,
  wrapLabel,
  writeReportCharts,
} from '../../src/viz/report-chart.js';
import { renderSvg } from '../../src/viz/render.js';

const smoke: Verdict = { kind: 'pipeline check only', text: 'pipeline check only', delta: null };
const noPub: Verdict = { kind: 'no published value', text: 'measured; the paper prints no number for this cell', delta: null };

function cell(p: Partial<ReportRow> & Pick<ReportRow, 'table' | 'row' | 'column'>): ReportRow {
  const values = p.values ?? [];
  return {
    experiment: p.row,
    published: null,
    unit: '',
    measured: values.length ? summarize(values) : null,
    values,
    seeds: values.map((_, i) => i + 1),
    verdict: values.length ? (p.published == null ? noPub : smoke) : { kind: 'not run', text: 'not run yet (no results)', delta: null },
    data: null,
    erratum: false,
    diagnostic: false,
    ...p,
  };
}

function reportOf(rows: ReportRow[], extra: Partial<Report> = {}): Report {
  return {
    paper: 'hand-made',
    budget: 'smoke',
    generatedAt: '2024-01-01T00:00:00.000Z',
    dataNote: 'a hand-made report',
    backends: ['cpu'],
    codeVersions: ['test'],
    sections: [],
    rows,
    coverage: reportCoverage(rows),
    ...extra,
  };
}

const LONG_ROW = 'CRNN extrapolation(alpha=1.5) with a longer name than any axis would show';

/** The mix the issue met: accuracy (%) beside class counts, EER columns, a variance in 1e-3, a size printed "M". */
const mixed = reportOf([
  cell({ table: 'Table 1', row: 'mixup', column: 'c', experiment: 'mixup-a', unit: 'EER', published: 0.1, values: [0.2, 0.3] }),
  cell({ table: 'Table 1', row: 'mixup', column: 'c', experiment: 'mixup-b', unit: 'EER', published: 0.1, values: [0.25, 0.3] }),
  cell({ table: 'Table 1', row: 'mixup', column: 'm', experiment: 'mixup-a', unit: 'EER', published: 0.2, values: [0.4, 0.3] }),
  cell({ table: 'Table 1', row: LONG_ROW, column: 'c', unit: 'EER', published: 0.12, values: [0.5] }),
  cell({ table: 'Table 1', row: 'mixup', column: 'Var', experiment: 'mixup-a', unit: '1e-3', published: 5.4, values: [40, 50] }),
  cell({ table: 'Table 1', row: 'DAE-DNN', column: 'c', experiment: null, unit: 'EER', published: 0.21, verdict: { kind: 'reference row', text: "other authors' system: shown, not run", delta: null } }),
  cell({ table: 'Table 2', row: 'mobnet', column: 'original size', unit: 'MB (printed "M")', published: 3.2, values: [0.2] }),
  cell({ table: 'measured', row: 'esc10-cnn7-naa', column: 'accuracy', unit: '%', values: [20, 30] }),
  cell({ table: 'measured', row: 'esc10-cnn7-naa', column: 'distinctPredictions', unit: 'classes', values: [2, 3], diagnostic: true }),
  cell({ table: 'measured', row: 'esc10-cnn7-naa', column: 'leakedSources', unit: 'recordings', values: [0, 0], diagnostic: true }),
  cell({ table: 'measured', row: 'not-yet', column: 'accuracy', unit: '%' }),
]);

type Panel = { title: { text: string }; data: { values: { label: string; column: string; unit: string; kind: string }[] }; facet?: { column: { header: { labelLimit: number } } }; spec?: Unit; columns?: string[] } & Partial<Unit>;
type Unit = { encoding: { y: { axis: { labelLimit: number; labelExpr: string } } }; layer: { encoding: { x: { axis: { title: string } } } }[] };
const panelsOf = (spec: Record<string, unknown>) => spec.vconcat as Panel[];
const unitSpec = (p: Panel): Unit => (p.spec ?? p) as Unit;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'aal-report-chart-'));
  dirs.push(d);
  return d;
};
const svgHeight = (svg: string) => Number(/^<svg[^>]*\sheight="([\d.]+)"/.exec(svg)![1]);

describe('report files', () => {
  it('the harness writes only the data files', () => {
    const dir = tmp();
    expect(writeReport(mixed, dir).map((f) => f.slice(dir.length + 1))).toEqual(['report.md', 'report.csv', 'report.json']);
    expect(readdirSync(dir).sort()).toEqual(['report.csv', 'report.json', 'report.md']);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(mixed)));
  });

  it('the viz layer draws the chart of measured vs published beside them', async () => {
    const dir = tmp();
    expect((await writeReportCharts(mixed, dir)).map((f) => f.slice(dir.length + 1))).toEqual(['report.vl.json', 'report.svg', 'report.png']);
    const spec = JSON.parse(readFileSync(join(dir, 'report.vl.json'), 'utf8'));
    expect(spec).toEqual(reportChartSpec(mixed));
    const svg = readFileSync(join(dir, 'report.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(readFileSync(join(dir, 'report.png')).subarray(1, 4).toString('latin1')).toBe('PNG');
    // vega cuts a label with an ellipsis: none here, even for the long row
    expect(svg.includes('…')).toBe(false);
    for (const line of wrapLabel(LONG_ROW)) expect(svg.includes(`${line}</tspan>`), line).toBe(true);
  });
});

describe('the report chart', () => {
  const pages = reportChartPages(mixed);
  const panels = pages.flatMap(panelsOf);

  it('puts one unit on each axis and titles it with that unit, never "value"', () => {
    expect(panels.length).toBeGreaterThan(3);
    for (const p of panels) {
      const units = new Set(p.data.values.map((v) => v.unit.replace(/\s*\(printed.*\)/, '')));
      expect(units.size, p.title.text).toBe(1);
      const [unit] = units;
      for (const l of unitSpec(p).layer) {
        expect(l.encoding.x.axis.title).not.toMatch(/\bvalue\b/);
        expect(l.encoding.x.axis.title, p.title.text).toContain(unit === '%' ? '%' : unit);
      }
    }
    const titles = panels.map((p) => unitSpec(p).layer[0].encoding.x.axis.title);
    expect(titles).toEqual(expect.arrayContaining(['EER', 'Var (1e-3)', 'original size (MB)', 'accuracy (%)']));
    expect(axisTitle('%', ['accuracy'])).toBe('accuracy (%)');
    expect(axisTitle('', ['weird'])).toBe('weird (unit not recorded)');
  });

  it('charts results only: diagnostics (class counts, leaked recordings) and cells with no value stay in the table', () => {
    const columns = new Set(panels.flatMap((p) => p.data.values.map((v) => v.column)));
    expect(columns.has('distinctPredictions')).toBe(false);
    expect(columns.has('leakedSources')).toBe(false);
    expect(panels.flatMap((p) => p.data.values.map((v) => v.label))).not.toContain('not-yet');
    const subtitle = (pages[0].title as { subtitle: string[] }).subtitle.join(' ');
    expect(subtitle).toContain('2 cells of diagnostics (distinctPredictions, leakedSources)');
    expect(subtitle).toContain('1 cell with no value yet');
  });

  it('sets published beside measured on the same row, told apart by one legend', () => {
    const eer = panels.find((p) => p.title.text.startsWith('Table 1: EER'))!;
    const kinds = eer.data.values.filter((v) => v.column === 'c' && v.label.startsWith('mixup [mixup-a]')).map((v) => v.kind);
    expect(kinds.sort()).toEqual(['measured (mean, 95% interval)', 'published']);
    // the other authors' row has only its published mark
    expect(eer.data.values.filter((v) => v.label === 'DAE-DNN').map((v) => v.kind)).toEqual(['published']);
    const enc = unitSpec(eer).encoding as unknown as { color: { scale: { domain: string[] } }; yOffset: { field: string } };
    expect(enc.color.scale.domain).toEqual(['measured (mean, 95% interval)', 'published']);
    expect(enc.yOffset.field).toBe('kind');
    // a table row regenerated by two experiments gets two labels, not one merged row
    expect(new Set(eer.data.values.filter((v) => v.label.startsWith('mixup')).map((v) => v.label))).toEqual(new Set(['mixup [mixup-a]', 'mixup [mixup-b]']));
  });

  it('never cuts a label: long labels are wrapped and every label limit fits the longest line', () => {
    for (const p of panels) {
      const u = unitSpec(p);
      const lines = p.data.values.flatMap((v) => v.label.split('\n'));
      const widest = Math.max(...lines.map((l) => estimatedTextWidth(l, 10)));
      expect(u.encoding.y.axis.labelLimit, p.title.text).toBeGreaterThanOrEqual(widest);
      expect(u.encoding.y.axis.labelExpr).toContain('split(datum.label');
      if (p.facet) {
        const headers = Math.max(...p.data.values.map((v) => estimatedTextWidth(v.column, 11)));
        expect(p.facet.column.header.labelLimit).toBeGreaterThanOrEqual(headers);
      }
    }
    const long = panels.flatMap((p) => p.data.values.map((v) => v.label)).find((l) => l.startsWith('CRNN extrapolation'))!;
    expect(long.split('\n').length).toBeGreaterThan(1);
    expect(long.replace(/\n/g, ' ')).toBe(LONG_ROW);
  });

  it('wraps at spaces where it can, after a hyphen where it must, and loses no character', () => {
    for (const text of [LONG_ROW, 'CRNN mixup(alpha=0.0) [crnn-mixup-alpha-0.0-evalset]', 'a'.repeat(75), 'short']) {
      const lines = wrapLabel(text, 30);
      expect(lines.every((l) => l.length <= 30), text).toBe(true);
      expect(lines.join('').replace(/ /g, '')).toBe(text.replace(/ /g, ''));
    }
    expect(wrapLabel('CRNN mixup(alpha=0.0) [crnn-mixup-alpha-0.0-evalset]', 30)).toEqual(['CRNN mixup(alpha=0.0)', '[crnn-mixup-alpha-0.0-evalset]']);
    expect(wrapLabel('x'.repeat(70), 30)).toEqual(['x'.repeat(30), 'x'.repeat(30), 'x'.repeat(10)]);
  });
});

describe('a long report', () => {
  // 150 experiments, each with an accuracy: the old chart was one image of 150 rows (over 3,000 px).
  const many = reportOf(
    Array.from({ length: 150 }, (_, i) =>
      cell({ table: 'measured', row: `experiment-${String(i).padStart(3, '0')}`, column: 'accuracy', unit: '%', values: [i % 100, (i * 7) % 100] }),
    ),
  );

  it('is split into pages of at most MAX_ROWS_PER_PAGE rows that keep every row once, in order', () => {
    const pages = pagePanels(reportPanels(many));
    expect(pages.length).toBe(Math.ceil(150 / MAX_ROWS_PER_PAGE));
    for (const page of pages) expect(page.reduce((a, p) => a + p.labels.length, 0)).toBeLessThanOrEqual(MAX_ROWS_PER_PAGE);
    expect(pages.flat().flatMap((p) => p.labels)).toEqual(many.rows.map((r) => r.row));
    expect(pages[1][0].part).toBe(`rows ${MAX_ROWS_PER_PAGE + 1}-${2 * MAX_ROWS_PER_PAGE} of 150`);
  });

  it('writes report.svg, report-2.svg, ... each at most 1200 px tall, and removes pages a longer chart left', async () => {
    const dir = tmp();
    const files = (await writeReportCharts(many, dir)).map((f) => f.slice(dir.length + 1));
    const n = Math.ceil(150 / MAX_ROWS_PER_PAGE);
    expect(files).toEqual(Array.from({ length: n }, (_, i) => ['vl.json', 'svg', 'png'].map((e) => `${chartPageName(i)}.${e}`)).flat());
    for (let i = 0; i < n; i++) {
      const svg = readFileSync(join(dir, `${chartPageName(i)}.svg`), 'utf8');
      expect(svgHeight(svg), chartPageName(i)).toBeLessThanOrEqual(1200);
      expect(svg.includes('…')).toBe(false);
      expect(JSON.parse(readFileSync(join(dir, `${chartPageName(i)}.vl.json`), 'utf8')).title.text).toContain(`page ${i + 1} of ${n}`);
    }
    await writeReportCharts(mixed, dir);
    expect(readdirSync(dir).filter((f) => f.startsWith('report-'))).toEqual([]);
    expect(existsSync(join(dir, 'report.svg'))).toBe(true);
  }, 60_000);
});

describe("the three papers' charts", () => {
  // Each paper's report with no results yet, every configured cell then given two seeds of made-up values (and one
  // diagnostic per experiment): the shape of a finished run, for the layout only.
  for (const paper of ['mushtaq2020', 'wei2018', 'hu2020']) {
    it(`${paper}: every page at most 1200 px tall, no label cut, one unit per panel`, async () => {
      const empty = tmp();
      const base = buildReport(paper, 'quick', empty, { aggregate: () => ({}) });
      const rows = base.rows.flatMap((r) => {
        if (r.experiment === null || r.verdict.kind === 'reference row' || r.verdict.text.startsWith('not run: ')) return [r];
        const v = r.published ?? 50;
        const filled = { ...r, values: [v * 0.9, v * 1.2], seeds: [1, 2], measured: summarize([v * 0.9, v * 1.2]) };
        return r.column === base.rows.find((x) => x.experiment === r.experiment)!.column
          ? [filled, cell({ table: 'measured', row: r.experiment, column: 'distinctPredictions', unit: 'classes', values: [3, 4], diagnostic: true })]
          : [filled];
      });
      const rep = { ...base, rows, coverage: reportCoverage(rows) };
      const pages = reportChartPages(rep);
      for (const [i, spec] of pages.entries()) {
        const svg = await renderSvg(spec);
        expect(svgHeight(svg), `${paper} page ${i + 1}`).toBeLessThanOrEqual(1200);
        expect(svg.includes('…'), `${paper} page ${i + 1}`).toBe(false);
        for (const p of panelsOf(spec)) {
          expect(new Set(p.data.values.map((v) => v.unit.replace(/\s*\(printed.*\)/, ''))).size, p.title.text).toBe(1);
          expect(p.data.values.some((v) => v.column === 'distinctPredictions')).toBe(false);
        }
      }
      const charted = pages.flatMap(panelsOf).reduce((a, p) => a + p.data.values.length, 0);
      const expected = rows.filter((r) => !r.diagnostic).reduce((a, r) => a + (r.published !== null ? 1 : 0) + (r.measured ? 1 : 0), 0);
      expect(charted).toBe(expected);
    }, 60_000);
  }
});
