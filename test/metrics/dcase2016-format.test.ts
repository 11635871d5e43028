import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DCASE2016_LABELS,
  Dcase2016FormatError,
  alignDcase2016,
  evaluateDcase2016,
  formatSystemOutput,
  parseGroundTruth,
  parseSystemOutput,
  readGroundTruth,
  readSystemOutput,
  writeGroundTruth,
  writeSystemOutput,
} from '../../src/metrics/dcase2016-format.js';
import { REFERENCE_MANIFEST_DATA, describeNeeds, needsData } from '../helpers/requires.js';

/** The committed synthetic example in the official formats, with eers.json from its NumPy generator. */
const SYNTHETIC = join(REFERENCE_MANIFEST_DATA, 'dcase2016-task4-format-example');
/** The official example (challenge baseline output, fold-1 truth), from the data root. */
const OFFICIAL = needsData('dcase2016-task4-eval-example', 'the official DCASE 2016 task 4 example system output');
const GOLDEN = join(import.meta.dirname, '../golden/librosa-0.9.2');

/** Official per-label EERs of the example pair, from its README. */
function officialFromReadme(dir: string): { perLabel: Record<string, number>; mean: number } {
  const text = readFileSync(join(dir, 'README.md'), 'utf8');
  const perLabel: Record<string, number> = {};
  for (const m of text.matchAll(/\b([bcfmopv]) (0\.\d+)/g)) perLabel[m[1]] = Number(m[2]);
  const mean = Number(/mean (0\.\d+)/.exec(text)?.[1]);
  return { perLabel, mean };
}

interface GeneratedEers {
  chunks: number;
  perLabel: Record<string, { positives: number; negatives: number; eer: number; how: string }>;
  mean: number;
}

describe('synthetic DCASE 2016 task 4 format example (data-manifests/reference)', () => {
  const generated = (): GeneratedEers => JSON.parse(readFileSync(join(SYNTHETIC, 'eers.json'), 'utf8')) as GeneratedEers;

  it('gives the per-label EERs and mean that its NumPy generator computed with the official procedure', () => {
    const g = generated();
    expect(Object.keys(g.perLabel).sort()).toEqual([...DCASE2016_LABELS].sort());
    const system = readSystemOutput(join(SYNTHETIC, 'results_fold1.csv'));
    const truth = readGroundTruth(join(SYNTHETIC, 'fold1_evaluate.csv'));
    expect(truth.rows.length).toBe(g.chunks);
    expect(system.rows.length).toBe(g.chunks * 7);
    const ev = evaluateDcase2016(system, truth);
    let worst = 0;
    for (const r of ev.perLabel) {
      const d = Math.abs(r.eer - g.perLabel[r.label].eer);
      worst = Math.max(worst, d);
      console.log(`${r.label} (${r.name}): ${r.eer} generator ${g.perLabel[r.label].eer} (${g.perLabel[r.label].how}) |diff| ${d.toExponential(2)}`);
      expect(d).toBeLessThanOrEqual(1e-12);
    }
    console.log(`mean ${ev.mean} generator ${g.mean}; worst per-label |diff| ${worst.toExponential(2)}`);
    expect(Math.abs(ev.mean - g.mean)).toBeLessThanOrEqual(1e-12);
    // the example exercises both ends of the official rule: interpolation, and a vertical ROC segment
    expect(new Set(Object.values(g.perLabel).map((r) => r.how)).size).toBe(2);
  });

  it('positive counts agree with the label strings (S ignored)', () => {
    const g = generated();
    const truth = readGroundTruth(join(SYNTHETIC, 'fold1_evaluate.csv'));
    for (const l of DCASE2016_LABELS) {
      expect(truth.rows.filter((r) => r.labels.includes(l)).length, l).toBe(g.perLabel[l].positives);
      expect(g.perLabel[l].positives + g.perLabel[l].negatives).toBe(truth.rows.length);
    }
    expect(truth.rows.some((r) => r.labelString.includes('S'))).toBe(true);
    expect(truth.rows.every((r) => !r.labels.includes('S') && !r.labels.includes('U'))).toBe(true);
  });
});

describeNeeds(OFFICIAL, 'official DCASE 2016 task 4 example (fold 1)', () => {
  it('reproduces the official per-label EERs and mean (README values, printed to 9 decimals)', () => {
    const EXAMPLE = OFFICIAL.path!;
    const official = officialFromReadme(EXAMPLE);
    expect(Object.keys(official.perLabel).sort()).toEqual([...DCASE2016_LABELS].sort());
    const system = readSystemOutput(join(EXAMPLE, 'results_fold1.csv'));
    const truth = readGroundTruth(join(EXAMPLE, 'fold1_evaluate.csv'));
    expect(system.rows.length).toBe(1946 * 7);
    expect(truth.rows.length).toBe(1946);
    const ev = evaluateDcase2016(system, truth);
    let worst = 0;
    for (const r of ev.perLabel) {
      const d = Math.abs(r.eer - official.perLabel[r.label]);
      worst = Math.max(worst, d);
      console.log(`${r.label} (${r.name}): ${r.eer} official ${official.perLabel[r.label]} |diff| ${d.toExponential(2)}`);
      // README prints 9 decimals, so agreement is to rounding: 5e-10 <= 1e-9
      expect(d).toBeLessThanOrEqual(5e-10);
    }
    // full precision: the golden EERs computed from the same pair (eer_summary.json)
    const golden = JSON.parse(readFileSync(join(GOLDEN, 'eer_summary.json'), 'utf8')) as Record<string, number>;
    let worstGolden = 0;
    for (const r of ev.perLabel) worstGolden = Math.max(worstGolden, Math.abs(r.eer - golden[`dcase2016_fold1_${r.label}`]));
    worstGolden = Math.max(worstGolden, Math.abs(ev.mean - golden.dcase2016_fold1_mean));
    console.log(`from the CSV files vs golden eer_summary.json: worst |diff| ${worstGolden}`);
    expect(worstGolden).toBeLessThanOrEqual(1e-9);
    const dMean = Math.abs(ev.mean - official.mean);
    console.log(`mean ${ev.mean} official ${official.mean} |diff| ${dMean.toExponential(2)}; worst per-label ${worst.toExponential(2)}`);
    expect(dMean).toBeLessThanOrEqual(5e-10);
  });

  it('positive counts agree with the label strings (S and U ignored)', () => {
    const truth = readGroundTruth(join(OFFICIAL.path!, 'fold1_evaluate.csv'));
    const count = (l: string) => truth.rows.filter((r) => r.labels.includes(l)).length;
    // counts of each code in the truth file (cut -d, -f2 | fold -w1 | sort | uniq -c)
    expect({ b: count('b'), c: count('c'), f: count('f'), m: count('m'), o: count('o'), p: count('p'), v: count('v') }).toEqual({
      b: 19, c: 1214, f: 409, m: 174, o: 361, p: 765, v: 1181,
    });
    expect(truth.rows.some((r) => r.labelString.includes('S'))).toBe(true);
    expect(truth.rows.every((r) => !r.labels.includes('S') && !r.labels.includes('U'))).toBe(true);
  });
});

describe('reading and writing', () => {
  it('round-trips system output and truth through files, scores bit-exact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcase-'));
    const rows = [
      { file: 'a.wav', label: 'c', score: 0.1 + 0.2 },
      { file: 'a.wav', label: 'm', score: -4293.9355976722891 },
      { file: 'b.wav', label: 'c', score: 1e-300 },
      { file: 'b.wav', label: 'm', score: 7 },
    ];
    writeSystemOutput(join(dir, 's.csv'), rows);
    writeGroundTruth(join(dir, 't.csv'), [
      { file: 'a.wav', labelString: 'cS' },
      { file: 'b.wav', labelString: 'm' },
    ]);
    const s = readSystemOutput(join(dir, 's.csv'), { labels: ['c', 'm'] });
    expect(s.rows.map((r) => r.score)).toEqual(rows.map((r) => r.score));
    const t = readGroundTruth(join(dir, 't.csv'), { labels: ['c', 'm'] });
    expect(t.rows.map((r) => r.labels)).toEqual([['c'], ['m']]);
    const aligned = alignDcase2016(s, t, ['c', 'm']);
    expect(Array.from(aligned[0].targets)).toEqual([1, 0]);
    expect(Array.from(aligned[1].scores)).toEqual([-4293.9355976722891, 7]);
    expect(readFileSync(join(dir, 's.csv'), 'utf8')).toContain('\r\n');
  });

  it('tolerates LF, CRLF, a BOM, blank lines and spaces around fields', () => {
    const a = parseSystemOutput('\ufeffx.wav,c,1\r\n\r\ny.wav , m , -2.5e3\n', 's.csv');
    expect(a.rows.map((r) => [r.file, r.label, r.score, r.line])).toEqual([
      ['x.wav', 'c', 1, 1],
      ['y.wav', 'm', -2500, 3],
    ]);
    const t = parseGroundTruth('x.wav,\r\ny.wav,U\r\n', 't.csv');
    expect(t.rows.map((r) => r.labels)).toEqual([[], []]);
  });
});

describe('validation errors name the file and line', () => {
  const err = (fn: () => unknown): Dcase2016FormatError => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(Dcase2016FormatError);
      return e as Dcase2016FormatError;
    }
    throw new Error('expected an error');
  };

  it('duplicate (file, label) in the system output', () => {
    const e = err(() => parseSystemOutput('a.wav,c,1\na.wav,m,2\na.wav,c,3\n', 'sys.csv'));
    expect(e.message).toBe('sys.csv: line 3: duplicate score for file a.wav, label c (first given on line 1)');
    expect(e.line).toBe(3);
  });

  it('duplicate file in the ground truth', () => {
    const e = err(() => parseGroundTruth('a.wav,c\nb.wav,m\na.wav,m\n', 'truth.csv'));
    expect(e.message).toBe('truth.csv: line 3: duplicate ground truth for file a.wav (first given on line 1)');
  });

  it('unknown labels in either file', () => {
    expect(err(() => parseSystemOutput('a.wav,x,1\n', 'sys.csv')).message).toMatch(/^sys\.csv: line 1: unknown label 'x' for file a\.wav/);
    expect(err(() => parseGroundTruth('a.wav,cq\n', 'truth.csv')).message).toMatch(/^truth\.csv: line 1: unknown label 'q' in label string 'cq'/);
  });

  it('non-numeric and non-finite scores, wrong field counts', () => {
    expect(err(() => parseSystemOutput('a.wav,c,1\na.wav,m,abc\n', 'sys.csv')).message).toBe(
      "sys.csv: line 2: score 'abc' for file a.wav, label m is not a finite number",
    );
    expect(err(() => parseSystemOutput('a.wav,c,nan\n', 'sys.csv')).message).toMatch(/line 1: score 'nan'/);
    expect(err(() => parseSystemOutput('a.wav,c,Infinity\n', 'sys.csv')).message).toMatch(/line 1: score 'Infinity'/);
    expect(err(() => parseSystemOutput('a.wav,c,1,2\n', 'sys.csv')).message).toMatch(/line 1: expected 3 fields/);
    expect(err(() => parseGroundTruth('a.wav\n', 'truth.csv')).message).toMatch(/line 1: expected 2 fields/);
  });

  it('a truth file missing from the system output, and a scored file missing from the truth', () => {
    const truth = parseGroundTruth('a.wav,c\nb.wav,m\n', 'truth.csv', { labels: ['c', 'm'] });
    const missing = parseSystemOutput('a.wav,c,1\na.wav,m,2\nb.wav,c,3\n', 'sys.csv', { labels: ['c', 'm'] });
    expect(err(() => alignDcase2016(missing, truth, ['c', 'm'])).message).toBe(
      "truth.csv: line 2: file b.wav of the ground truth has no score for label 'm' in sys.csv",
    );
    const extra = parseSystemOutput('a.wav,c,1\na.wav,m,2\nb.wav,c,3\nb.wav,m,4\nz.wav,c,5\n', 'sys.csv', { labels: ['c', 'm'] });
    expect(err(() => alignDcase2016(extra, truth, ['c', 'm'])).message).toBe(
      'sys.csv: line 5: file z.wav has scores but is not in the ground truth truth.csv',
    );
  });

  it('refuses to write a non-finite score', () => {
    expect(() => formatSystemOutput([{ file: 'a.wav', label: 'c', score: NaN }])).toThrow(/non-finite score NaN for file a\.wav/);
  });
});
