import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAPERS, PublishedSchema, loadPublished, paperTextPath, publishedCells } from '../../src/reproduce/published.js';
import { findInconsistencies, maxVarianceInBoxes, minVarianceInBoxes } from '../../src/reproduce/consistency.js';
import { run as publishedCli } from '../../src/cli/published.js';
import { itNeeds, needsPaper } from '../helpers/requires.js';

const ROOT = join(import.meta.dirname, '../..');
const fold = (s: string) => s.split(/\s+/).filter(Boolean).join(' ');
const NUMBER = /[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi;

/** The paper text, from $AUDIO_AUG_LAB_PAPERS (the only place the library looks). */
function paperText(paper: string): string {
  const path = paperTextPath(paper);
  if (path === null) throw new Error(`no text of ${paper} in $AUDIO_AUG_LAB_PAPERS`);
  return readFileSync(path, 'utf8');
}

for (const paper of PAPERS) {
  describe(`published numbers of ${paper}`, () => {
    const pub = loadPublished(paper);
    const text = needsPaper(paper);

    it('gives each table row the numbers at the end of its quoted line, and each text figure a value in its quote', () => {
      let cells = 0;
      for (const t of pub.tables) {
        for (const r of t.rows) {
          const printed = (r.quote.match(NUMBER) ?? []).map(Number);
          const expected = r.values.filter((v): v is number => v !== null);
          // The numbers of the row are the last ones on its line, in column order.
          expect(printed.slice(printed.length - expected.length), `${t.table} ${r.id}`).toEqual(expected);
          cells += expected.length;
        }
      }
      const tableCells = publishedCells(paper).filter((c) => c.table !== 'text').length;
      expect(tableCells).toBe(cells);
      for (const f of pub.text) {
        const nums = (f.quote.match(NUMBER) ?? []).map(Number);
        const fractions = [...f.quote.matchAll(/(\d+)\/(\d+)/g)].map((m) => Number(m[1]) / Number(m[2]));
        const inQuote = [...nums, ...fractions].some((n) => Math.abs(n - f.value) <= 1e-12 * Math.max(1, Math.abs(f.value)));
        expect(inQuote, `${f.id}: ${f.value} not in "${f.quote}"`).toBe(true);
      }
    });

    itNeeds(text, 'cites every table row by a line that is in the paper text', () => {
      expect(paperTextPath(paper)).toBe(text.path);
      const lines = new Set(paperText(paper).split('\n').map((l) => l.replace(/\r$/, '')));
      for (const t of pub.tables) {
        for (const r of t.rows) {
          // The quote is the row's own line in the paper text (a row printed over
          // two lines is quoted by the line carrying its numbers).
          expect(lines.has(r.quote), `${t.table} ${r.id}: quote not a line of the paper`).toBe(true);
        }
      }
    });

    itNeeds(text, 'quotes every text figure from the paper text', () => {
      const folded = fold(paperText(paper));
      for (const f of pub.text) expect(folded.includes(fold(f.quote)), `${f.id}: quote not in the paper`).toBe(true);
    });

    it('lists in errata.json exactly the inconsistencies the checker finds', () => {
      const errata = JSON.parse(readFileSync(join(ROOT, 'reproductions', paper, 'errata.json'), 'utf8'));
      const found = findInconsistencies(pub).map((f) => `${f.level} ${f.id}`).sort();
      const listed = errata.findings.map((f: { id: string; level: string }) => `${f.level} ${f.id}`).sort();
      for (const f of findInconsistencies(pub)) console.log(`${paper} [${f.level}] ${f.message}`);
      expect(found).toEqual(listed);
    });
  });
}

describe('where the paper texts are', () => {
  it('only in $AUDIO_AUG_LAB_PAPERS: no variable, or a folder without the file, gives null', () => {
    const empty = mkdtempSync(join(tmpdir(), 'aal-papers-'));
    for (const paper of PAPERS) {
      expect(paperTextPath(paper, {})).toBeNull();
      expect(paperTextPath(paper, { AUDIO_AUG_LAB_PAPERS: '' })).toBeNull();
      expect(paperTextPath(paper, { AUDIO_AUG_LAB_PAPERS: empty })).toBeNull();
    }
    const pub = loadPublished('hu2020');
    writeFileSync(join(empty, pub.source), 'text');
    expect(paperTextPath('hu2020', { AUDIO_AUG_LAB_PAPERS: empty })).toBe(join(empty, pub.source));
  });

  it('source is the file name of the text, <paper>-*.md, never a path', () => {
    for (const paper of PAPERS) expect(loadPublished(paper).source).toMatch(new RegExp(`^${paper}-[^/\\\\]+\\.md$`));
    const pub = loadPublished('wei2018');
    const parsed = PublishedSchema.safeParse({ ...pub, source: '../papers/wei2018-x.md' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0].message).toMatch(/file name of the paper text/);
  });
});

describe('published cells', () => {
  it('has every cell of wei2018 Table 1 and hu2020 Tables 1 and 2', () => {
    const wei = publishedCells('wei2018').filter((c) => c.table === 'Table 1');
    expect(wei).toHaveLength(13 * 9);
    const hu1 = publishedCells('hu2020').filter((c) => c.table === 'Table 1');
    expect(hu1).toHaveLength(13 * 6);
    const hu2 = publishedCells('hu2020').filter((c) => c.table === 'Table 2');
    expect(hu2).toHaveLength(4 * 4 + 2); // two ensembles print two original sizes each
    const best = hu1.find((c) => c.row === '(7)' && c.column === 'Avg')!;
    expect(best).toMatchObject({ value: 76.9, unit: '%' });
    const v = wei.find((c) => c.row === 'CRNN mixup(alpha=1.5)' && c.column === 'Var')!;
    expect(v).toMatchObject({ value: 4.11, unit: '1e-3' });
  });

  it('registers mushtaq2020\'s reported accuracies', () => {
    const mu = publishedCells('mushtaq2020');
    const values = mu.map((c) => c.value);
    expect(values).toEqual(expect.arrayContaining([99.04, 99.49, 97.57]));
  });

  it('rejects an unknown paper with a clear error', () => {
    expect(() => loadPublished('nobody2099')).toThrow(/no published numbers for paper 'nobody2099'/);
  });
});

describe('rounding intervals', () => {
  it('finds the extreme sample variances over boxes', () => {
    // Brute force on a grid for 3 inputs.
    const lo = [0.1, 0.15, 0.3];
    const hi = [0.2, 0.25, 0.35];
    let mn = Infinity;
    let mx = -Infinity;
    const steps = 40;
    for (let i = 0; i <= steps; i++)
      for (let j = 0; j <= steps; j++)
        for (let k = 0; k <= steps; k++) {
          const x = [lo[0] + ((hi[0] - lo[0]) * i) / steps, lo[1] + ((hi[1] - lo[1]) * j) / steps, lo[2] + ((hi[2] - lo[2]) * k) / steps];
          const m = (x[0] + x[1] + x[2]) / 3;
          const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / 2;
          mn = Math.min(mn, v);
          mx = Math.max(mx, v);
        }
    expect(Math.abs(minVarianceInBoxes(lo, hi) - mn)).toBeLessThan(1e-5);
    expect(maxVarianceInBoxes(lo, hi)).toBeCloseTo(mx, 12);
  });
});

describe('published CLI', () => {
  it('prints one JSON record per cell with table, row, column, value, unit and citation', async () => {
    const out: string[] = [];
    const orig = console.log;
    console.log = (s: string) => out.push(s);
    try {
      expect(await publishedCli(['hu2020', '--json'])).toBe(0);
    } finally {
      console.log = orig;
    }
    const records = JSON.parse(out.join('\n'));
    expect(records.length).toBe(publishedCells('hu2020').length);
    for (const r of records) expect(Object.keys(r).sort()).toEqual(['citation', 'column', 'paper', 'row', 'table', 'unit', 'value']);
    expect(records).toContainEqual(
      expect.objectContaining({ table: 'Table 1', row: '(7)', column: 'Avg', value: 76.9, unit: '%' }),
    );
  });
});
