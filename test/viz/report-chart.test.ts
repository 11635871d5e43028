/**
 * The report's files come from two layers: the harness writes the data
 * (report.md/.csv/.json, in the reference digests) and the viz layer draws
 * the chart (report.vl.json/.svg/.png); the CLI calls both.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReport, type Report } from '../../src/reproduce/report.js';
import { summarize } from '../../src/reproduce/stats.js';
import { reportChartSpec, writeReportCharts } from '../../src/viz/report-chart.js';

const report: Report = {
  paper: 'wei2018',
  budget: 'smoke',
  generatedAt: '2024-01-01T00:00:00.000Z',
  dataNote: 'a hand-made report',
  backends: ['cpu'],
  codeVersions: ['test'],
  sections: [],
  rows: [
    {
      table: 'table2',
      row: 'mixup',
      column: 'c',
      experiment: 'mixup',
      published: 20.5,
      unit: '% EER',
      measured: summarize([22, 24]),
      values: [22, 24],
      seeds: [1, 2],
      verdict: { kind: 'pipeline check only', text: 'pipeline check only', delta: 2.5 },
      data: null,
      erratum: false,
    },
    {
      table: 'table2',
      row: 'none',
      column: 'c',
      experiment: null,
      published: 25,
      unit: '% EER',
      measured: null,
      values: [],
      seeds: [],
      verdict: { kind: 'not run', text: 'not run', delta: null },
      data: null,
      erratum: false,
    },
  ],
};

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'aal-report-chart-'));
  dirs.push(d);
  return d;
};

describe('report files', () => {
  it('the harness writes only the data files', () => {
    const dir = tmp();
    expect(writeReport(report, dir).map((f) => f.slice(dir.length + 1))).toEqual(['report.md', 'report.csv', 'report.json']);
    expect(readdirSync(dir).sort()).toEqual(['report.csv', 'report.json', 'report.md']);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toEqual(report);
  });

  it('the viz layer draws the chart of measured vs published beside them', async () => {
    const dir = tmp();
    expect((await writeReportCharts(report, dir)).map((f) => f.slice(dir.length + 1))).toEqual(['report.vl.json', 'report.svg', 'report.png']);
    const spec = JSON.parse(readFileSync(join(dir, 'report.vl.json'), 'utf8'));
    expect(spec).toEqual(reportChartSpec(report));
    expect(spec.data.values.map((v: { cell: string }) => v.cell)).toEqual(['mixup | c', 'none | c']);
    expect(readFileSync(join(dir, 'report.svg'), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(join(dir, 'report.png')).subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
