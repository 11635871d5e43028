import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExperiments } from '../../src/reproduce/experiments.js';
import {
  loadReportSections,
  paperReportSections,
  parseReportSections,
  renderReportSections,
  type SectionRow,
} from '../../src/reproduce/report-sections.js';
import { summarize } from '../../src/reproduce/stats.js';

function row(experiment: string, column: string, seeds: number[], values: number[]): SectionRow {
  return { experiment, column, seeds, values, measured: values.length ? summarize(values) : null };
}

// a: 20 +/- 10 over seeds 1-3 (95% interval 20 -/+ 4.303 * 10 / sqrt(3));
// b - a on the common seeds 1 and 2: 2 and 4 (mean 3, interval 3 -/+ 12.706).
const rows: SectionRow[] = [
  row('a', 'accuracy', [1, 2, 3], [10, 20, 30]),
  row('b', 'accuracy', [1, 2, 4], [12, 24, 50]),
  row('c', 'accuracy', [3], [40]),
  row('d', 'accuracy', [5], [7]),
  row('a', 'other', [1, 2], [50, 50]),
  row('a', 'distinctPredictions', [1, 2, 3], [5, 2, 6]),
  row('b', 'distinctPredictions', [1, 2, 4], [4, 4, 3]),
  row('c', 'distinctPredictions', [3], [1]),
  // 'e' has no row at all: 'not run'.
];

const declaration = {
  sections: [
    {
      title: 'Grid',
      blocks: [
        {
          grid: {
            corner: 'set',
            columns: ['x', 'y'],
            rows: [
              { label: 'one', experiments: ['a', 'b'] },
              { label: 'two', experiments: ['c', null] },
              { label: 'three', experiments: ['e', 'd'] },
            ],
            gaps: { label: 'y - x', pairs: [{ label: 'one', a: 'a', b: 'b' }, { label: 'three', a: 'e', b: 'd' }] },
            shownFor: [{ metric: 'accuracy' }, { metric: 'other', caption: ['Caption line 1', 'line 2:'] }],
          },
        },
        { warning: { metric: 'distinctPredictions', anySeedBelow: 3, text: ['Warning: {experiments} collapsed.', 'Second line.'] } },
      ],
    },
    {
      title: 'Audit',
      blocks: [
        {
          table: {
            metric: 'accuracy',
            columns: ['arm', 'acc', 'gap'],
            rows: [
              { label: '(a)', experiment: 'a' },
              { label: '(c)', experiment: 'c', gapTo: 'a' },
              { label: '(d)', experiment: 'd', gapTo: 'a' },
              { label: '(a) vs (b)', experiment: 'a', gapTo: 'b' },
            ],
          },
        },
        { text: ['Only at smoke.'], when: { budget: ['smoke'] } },
        { text: ['Always.'] },
      ],
    },
  ],
};

const gridSection = `## Grid

| set | x | y |
|---|---|---|
| one | 20.0 [-4.8, 44.8] (n=3) | 28.7 [-19.6, 76.9] (n=3) |
| two | 40.0 (n=1) | |
| three | not run | 7.0 (n=1) |

y - x, one: +3.0 points [-9.7, +15.7] (n=2 seeds); three: not run.

Caption line 1
line 2:

| set | x | y |
|---|---|---|
| one | 50.0 [50.0, 50.0] (n=2) | not run |
| two | not run | |
| three | not run | not run |

y - x, one: not run; three: not run.`;

const auditTable = `## Audit

| arm | acc | gap |
|---|---|---|
| (a) | 20.0 [-4.8, 44.8] (n=3) | |
| (c) | 40.0 (n=1) | +10.0 points (n=1) |
| (d) | 7.0 (n=1) | no common seeds |
| (a) vs (b) | 20.0 [-4.8, 44.8] (n=3) | -3.0 points [-15.7, +9.7] (n=2 seeds) |`;

describe('declared report sections', () => {
  const decl = parseReportSections(declaration, { file: 'hand-made.json', experiments: ['a', 'b', 'c', 'd', 'e'] });

  it('render grids, paired gaps with their interval, a missing row as not run, and the warning when a seed is below the threshold', () => {
    expect(renderReportSections(decl, rows, 'quick')).toEqual([
      `${gridSection}\n\nWarning: a, c collapsed.\nSecond line.`,
      `${auditTable}\n\nAlways.`,
    ]);
  });

  it('leave the warning out when no seed is below the threshold, and show budget notes only at their budgets', () => {
    const healthy = rows.map((r) => (r.column === 'distinctPredictions' ? { ...r, values: r.values.map((v) => Math.max(v, 3)) } : r));
    expect(renderReportSections(decl, healthy, 'full')).toEqual([gridSection, `${auditTable}\n\nAlways.`]);
    expect(renderReportSections(decl, healthy, 'smoke')[1]).toBe(`${auditTable}\n\nOnly at smoke.\n\nAlways.`);
  });

  it('say not run everywhere when there are no results', () => {
    const [grid, audit] = renderReportSections(decl, [], 'quick');
    expect(grid).not.toMatch(/\d\.\d/);
    expect(grid).not.toContain('Warning');
    expect(audit).toContain('| (c) | not run | not run |');
  });

  describe('are checked at load, with errors naming the file and the JSON path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aal-report-sections-'));
    const write = (name: string, value: unknown): string => {
      const file = join(dir, name);
      writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
      return file;
    };
    const withBlock = (block: unknown) => ({ sections: [{ title: 't', blocks: [{ text: ['first'] }, block] }] });
    const cases: [string, unknown, string][] = [
      ['two-kinds.json', withBlock({ text: ['x'], warning: { metric: 'm', anySeedBelow: 1, text: ['w'] } }), 'sections[0].blocks[1]: a block has exactly one of text, grid, table, warning (got text, warning)'],
      ['no-kind.json', withBlock({ when: { budget: ['smoke'] } }), 'sections[0].blocks[1]: a block has exactly one of text, grid, table, warning (got none)'],
      ['unknown-field.json', withBlock({ warning: { metric: 'm', threshold: 3, anySeedBelow: 1, text: ['w'] } }), 'sections[0].blocks[1].warning.threshold: unknown field'],
      ['cells.json', withBlock({ grid: { corner: '', columns: ['x', 'y'], rows: [{ label: 'r', experiments: ['a'] }], shownFor: [{ metric: 'accuracy' }] } }), 'sections[0].blocks[1].grid.rows[0].experiments: 1 cells for 2 columns'],
      ['budget.json', withBlock({ text: ['x'], when: { budget: ['weekly'] } }), 'sections[0].blocks[1].when.budget[0]:'],
      ['gap-header.json', withBlock({ table: { metric: 'accuracy', columns: ['arm', 'acc'], rows: [{ label: 'r', experiment: 'a', gapTo: 'b' }] } }), 'sections[0].blocks[1].table.rows[0].gapTo: a gap needs a third entry'],
      ['unknown-id.json', withBlock({ table: { metric: 'accuracy', columns: ['arm', 'acc', 'gap'], rows: [{ label: 'r', experiment: 'a' }, { label: 's', experiment: 'b', gapTo: 'zz' }] } }), "sections[0].blocks[1].table.rows[1].gapTo: no experiment 'zz' in the hand-made set"],
      ['not-json.json', '{ "sections": [', 'not valid JSON'],
    ];
    for (const [name, value, message] of cases) {
      it(name, () => {
        const file = write(name, value);
        expect(() => loadReportSections(file, ['a', 'b'], 'the hand-made set')).toThrow(`${file}: ${message}`);
      });
    }
  });

  it("mushtaq2020's declaration names only its experiments and draws both claim tables, the collapse warning and the audit", () => {
    const ids = loadExperiments('mushtaq2020').map((e) => e.id);
    const mushtaq = paperReportSections('mushtaq2020', ids)!;
    const hand = [
      row('esc10-cnn7-taa', 'accuracy', [1, 2], [60, 70]),
      row('esc10-cnn7-naa', 'accuracy', [1, 2], [65, 80]),
      row('esc10-cnn7-taa', 'accuracyPopulationBN', [1], [75]),
      row('esc10-cnn7-naa', 'distinctPredictions', [1, 2], [8, 2]),
      row('leakage-a', 'accuracy', [1], [50]),
      row('leakage-b', 'accuracy', [1], [62]),
    ];
    const [claim, audit] = renderReportSections(mushtaq, hand, 'quick');
    expect(claim).toContain('| CNN7 | not run | 65.0 [1.5, 128.5] (n=2) | 72.5 [-22.8, 167.8] (n=2) |');
    expect(claim).toContain('NAA - TAA gap, CNN-7: +7.5 points [-24.3, +39.3] (n=2 seeds); CNN-9: not run.');
    expect(claim).toContain('| CNN7 | not run | 75.0 (n=1) | not run |');
    expect(claim).toContain('| 38-class subset, CNN-7 | not run | | not run |');
    expect(claim).toMatch(/\nWarning: esc10-cnn7-naa predicted fewer than 3 distinct classes per test fold/);
    expect(audit).toContain('| (b) random split by clip: takes of one recording on both sides | 62.0 (n=1) | +12.0 points (n=1) |');
    expect(audit).not.toContain('Smoke budget');
    expect(renderReportSections(mushtaq, hand, 'smoke')[1]).toMatch(/\n\n\(Smoke budget: too few clips/);
  });
});
