/**
 * The report's first line: how many cells have a published counterpart and
 * why the others do not (report.md and report.json), and the units and
 * diagnostic marks it gives measured cells so that charts keep one unit per
 * axis.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPublished } from '../../src/reproduce/published.js';
import { buildReport, measuredUnit, reportCoverage, reportMarkdown, writeReport, type Report, type ReportRow } from '../../src/reproduce/report.js';
import { summarize } from '../../src/reproduce/stats.js';
import type { Verdict } from '../../src/reproduce/verdict.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'aal-report-coverage-'));
  dirs.push(d);
  return d;
};

function row(p: Partial<ReportRow> & { verdict: Verdict }): ReportRow {
  const values = p.values ?? [];
  return {
    table: 'Table 1',
    row: 'r',
    column: 'c',
    experiment: 'e',
    published: null,
    unit: '%',
    measured: values.length ? summarize(values) : null,
    values,
    seeds: values.map((_, i) => i + 1),
    data: null,
    erratum: false,
    diagnostic: false,
    ...p,
  };
}

const v = (kind: Verdict['kind'], text: string = kind): Verdict => ({ kind, text, delta: null });
const noPub = v('no published value', 'measured; the paper prints no number for this cell');

// 3 published and measured; 2 other authors'; 1 that cannot run here; 1 published with no experiment;
// 1 published not run yet; 2 measured results of 2 experiments with no published value; 3 diagnostics; 1 empty.
const rows: ReportRow[] = [
  row({ row: 'a', published: 50, values: [40, 45], verdict: v('pipeline check only') }),
  row({ row: 'a', column: 'd', published: 60, values: [40, 45], verdict: v('pipeline check only') }),
  row({ row: 'b', experiment: 'b', published: 70, values: [70], verdict: v('pipeline check only') }),
  row({ row: 'other', experiment: 'ref', published: 80, verdict: v('reference row', "other authors' system: shown, not run") }),
  row({ row: 'other', column: 'd', experiment: 'ref', published: 81, verdict: v('reference row', "other authors' system: shown, not run") }),
  row({ table: 'text', row: 'pretrained', experiment: 'pretrained-net', published: 99, verdict: v('not run', 'not run: the weights are not obtainable here') }),
  row({ row: 'loose', experiment: null, published: 10, verdict: v('not run', 'not run: no experiment configured for this row yet') }),
  row({ row: 'later', experiment: 'later', published: 11, verdict: v('not run', 'not run yet (no results)') }),
  row({ table: 'measured', row: 'leak-a', experiment: 'leak-a', values: [20, 30], verdict: noPub }),
  row({ table: 'measured', row: 'leak-b', experiment: 'leak-b', values: [25, 30], verdict: noPub }),
  row({ table: 'measured', row: 'leak-a', experiment: 'leak-a', column: 'distinctPredictions', unit: 'classes', values: [2, 3], diagnostic: true, verdict: noPub }),
  row({ table: 'measured', row: 'leak-b', experiment: 'leak-b', column: 'distinctPredictions', unit: 'classes', values: [3, 3], diagnostic: true, verdict: noPub }),
  row({ table: 'measured', row: 'leak-b', experiment: 'leak-b', column: 'trainAccuracy', values: [90, 95], diagnostic: true, verdict: noPub }),
  row({ table: 'measured', row: 'never', experiment: 'never', verdict: v('not run', 'not run yet (no results)') }),
];

describe('the report says at the top how many cells have a published counterpart and why the others do not', () => {
  const c = reportCoverage(rows);

  it('counts every cell once', () => {
    expect(c.cells).toBe(14);
    expect(c.published).toBe(8);
    expect(c.publishedMeasured).toBe(3);
    expect(c.publishedOnly.map((x) => x.cells)).toEqual([2, 1, 1, 1]);
    expect(c.unpublished.map((x) => x.cells)).toEqual([2, 3, 1]);
    expect(c.publishedMeasured + c.publishedOnly.reduce((a, x) => a + x.cells, 0)).toBe(c.published);
    expect(c.published + c.unpublished.reduce((a, x) => a + x.cells, 0)).toBe(c.cells);
  });

  it('in one line that names the reasons', () => {
    expect(c.text).toBe(
      '8 of 14 cells have a published counterpart; 3 of them are measured here and 5 are not: ' +
        "2 cells of other authors' systems (shown, not run); 1 cell that cannot run here (pretrained-net; each row says why); " +
        '1 cell with no experiment configured yet; 1 cell not run yet or not complete. ' +
        'The other 6 have no published value: 2 measured results of 2 experiments the paper prints no number for (leak-a, leak-b); ' +
        '3 measured diagnostics the paper prints no number for (distinctPredictions, trainAccuracy); 1 cell neither published nor measured.',
    );
  });

  it('and says so when none has one, or none is measured', () => {
    const measuredOnly = rows.filter((r) => r.published === null);
    expect(reportCoverage(measuredOnly).text).toMatch(/^0 of 6 cells have a published counterpart\. The 6 have no published value: 2 measured results/);
    const publishedOnly = rows.filter((r) => r.published !== null && r.measured === null);
    expect(reportCoverage(publishedOnly).text).toMatch(/^5 of 5 cells have a published counterpart; none of them is measured here: 2 cells of other authors'/);
    expect(reportCoverage([]).text).toBe('The report has no cells: nothing published, nothing configured.');
  });

  it("a study's line says no cell has one, with the count", () => {
    const study = reportCoverage(rows.filter((r) => r.published === null), { file: 'my-study.json' });
    expect(study.text).toBe(
      'A user-defined study (my-study.json): no cell has a published counterpart (0 of 6: a user study, nothing published to compare with); ' +
        'its cells: 2 measured results of 2 arms (c); 3 measured diagnostics (distinctPredictions, trainAccuracy); 1 cell not run yet or not complete. ' +
        'Every number below was measured here; nothing is compared with a paper.',
    );
  });

  it('report.md opens with the line (before the smoke-budget line), report.json carries it', () => {
    const rep: Report = {
      paper: 'hand-made',
      budget: 'smoke',
      generatedAt: '2024-01-01T00:00:00.000Z',
      dataNote: 'a hand-made report',
      backends: ['cpu'],
      codeVersions: ['test'],
      sections: [],
      rows,
      coverage: c,
    };
    const md = reportMarkdown(rep).split('\n');
    expect(md[2]).toBe(`**${c.text}**`);
    expect(md[3]).toMatch(/^\*\*Smoke budget/);
    // the per-cell text stays
    expect(md.filter((l) => l.includes('measured; the paper prints no number for this cell'))).toHaveLength(5);
    const dir = tmp();
    writeReport(rep, dir);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).coverage).toEqual(c);
    const studyRep = { ...rep, study: { title: 'T', file: 'my-study.json' }, coverage: reportCoverage(rows, { file: 'my-study.json' }) };
    expect(reportMarkdown(studyRep).split('\n')[2]).toBe(`**${studyRep.coverage.text}**`);
  });
});

describe('measured cells with no published column carry a unit', () => {
  it('from the metric name, else from the paper column of that name, else none', () => {
    const hu = loadPublished('hu2020');
    expect(measuredUnit('accuracy', hu)).toBe('%');
    expect(measuredUnit('distinctPredictions', hu)).toBe('classes');
    expect(measuredUnit('original size', hu)).toBe('MB');
    expect(measuredUnit('B&C', hu)).toBe('%');
    expect(measuredUnit('val loss', hu)).toBe('nats');
    expect(measuredUnit('no such metric', hu)).toBe('');
  });

  for (const paper of ['mushtaq2020', 'wei2018', 'hu2020']) {
    it(`${paper}: every cell of its report has a unit, and its line adds up`, () => {
      const rep = buildReport(paper, 'smoke', tmp(), { aggregate: () => ({}) });
      expect(rep.rows.filter((r) => r.unit === '').map((r) => `${r.table}|${r.row}|${r.column}`)).toEqual([]);
      const c = rep.coverage;
      expect(c.cells).toBe(rep.rows.length);
      expect(c.published).toBe(rep.rows.filter((r) => r.published !== null).length);
      expect(c.published + c.unpublished.reduce((a, x) => a + x.cells, 0)).toBe(c.cells);
      expect(reportMarkdown(rep).split('\n')[2]).toBe(`**${c.text}**`);
      expect(c.text.startsWith(`${c.published} of ${c.cells} cells have a published counterpart`)).toBe(true);
    });
  }
});
