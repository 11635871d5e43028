import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../../src/io/npy.js';
import { eer, eerDcase2016, rocCurve } from '../../src/metrics/eer.js';
import { EER_DIR, GOLDEN_DIR as GOLDEN } from '../features/golden.js';

// References: test/golden/librosa-0.9.2/eer (scores float64 as computed,
// labels 0/1 as uint8; see test/golden/README.md).

interface GoldenEer {
  eer: number;
  fpr: number[];
  tpr: number[];
  i: number;
  P1: [number, number];
  P2: [number, number];
}

const cases = readdirSync(EER_DIR)
  .filter((f) => f.endsWith('_eer.json'))
  .map((f) => f.slice(0, -'_eer.json'.length))
  .sort();

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let w = 0;
  for (let k = 0; k < a.length; k++) w = Math.max(w, Math.abs(a[k] - b[k]));
  return w;
}

describe('EER (official DCASE 2016 task 4 procedure) against the golden cases', () => {
  it('finds all 15 golden cases', () => {
    expect(cases.length).toBe(15);
  });

  const summary = JSON.parse(readFileSync(join(GOLDEN, 'eer_summary.json'), 'utf8')) as Record<string, number>;
  const manifest = JSON.parse(readFileSync(join(GOLDEN, 'eer_manifest.json'), 'utf8')) as {
    summary: Record<string, number>;
    outputs: Array<{ path: string; op: string; value?: GoldenEer }>;
  };

  let worstEer = 0;
  let worstRoc = 0;
  for (const name of cases) {
    it(`${name}: EER, ROC points, i, P1, P2 match to 1e-9`, () => {
      const labels = readNpy(join(EER_DIR, `${name}_labels.npy`)).data;
      const scores = readNpy(join(EER_DIR, `${name}_scores.npy`)).data;
      const gold = JSON.parse(readFileSync(join(EER_DIR, `${name}_eer.json`), 'utf8')) as GoldenEer;
      const r = eerDcase2016(labels, scores);
      const dEer = Math.abs(r.eer - gold.eer);
      expect(r.fpr.length).toBe(gold.fpr.length);
      expect(r.tpr.length).toBe(gold.tpr.length);
      const dRoc = Math.max(maxAbsDiff(r.fpr, gold.fpr), maxAbsDiff(r.tpr, gold.tpr));
      worstEer = Math.max(worstEer, dEer);
      worstRoc = Math.max(worstRoc, dRoc);
      console.log(`${name}: eer ${r.eer} (golden ${gold.eer}) |diff| ${dEer}, ROC max |diff| ${dRoc}, ${r.fpr.length} points`);
      expect(dEer).toBeLessThanOrEqual(1e-9); // tolerance 1e-9 (brief); in practice bit-identical
      expect(dRoc).toBeLessThanOrEqual(1e-9);
      expect(r.i).toBe(gold.i);
      expect(maxAbsDiff(r.P1, gold.P1)).toBeLessThanOrEqual(1e-9);
      expect(maxAbsDiff(r.P2, gold.P2)).toBeLessThanOrEqual(1e-9);
      // the summary files agree with the per-case file
      expect(Math.abs(summary[name] - r.eer)).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(manifest.summary[name] - r.eer)).toBeLessThanOrEqual(1e-9);
      const entry = manifest.outputs.find((o) => o.path === `eer/${name}_eer.json`);
      expect(entry?.value?.eer).toBeDefined();
      expect(Math.abs((entry?.value?.eer ?? NaN) - r.eer)).toBeLessThanOrEqual(1e-9);
    });
  }

  it('reproduces the summary mean over the seven fold-1 labels', () => {
    const labels = ['b', 'c', 'f', 'm', 'o', 'p', 'v'];
    const values = labels.map((l) => {
      const y = readNpy(join(EER_DIR, `dcase2016_fold1_${l}_labels.npy`)).data;
      const s = readNpy(join(EER_DIR, `dcase2016_fold1_${l}_scores.npy`)).data;
      return eer(y, s);
    });
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const d = Math.abs(mean - summary.dcase2016_fold1_mean);
    console.log(`fold-1 mean ${mean} golden ${summary.dcase2016_fold1_mean} |diff| ${d}; worst per-case EER diff ${worstEer}, ROC ${worstRoc}`);
    expect(d).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(manifest.summary.dcase2016_fold1_mean - mean)).toBeLessThanOrEqual(1e-9);
  });
});

describe('EER properties', () => {
  it('is NaN without positives or without negatives', () => {
    expect(eer([0, 0, 0], [0.1, 0.2, 0.3])).toBeNaN();
    expect(eer([1, 1], [0.1, 0.2])).toBeNaN();
    const r = eerDcase2016([1, 1], [0.1, 0.2]);
    expect(r.nPositive).toBe(2);
    expect(r.nNegative).toBe(0);
    expect(Number.isNaN(r.fpr[1])).toBe(true);
  });

  it('is invariant to a monotone transform of the scores and 1 - EER for negated scores when no ties', () => {
    const y = [0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0];
    const s = [0.1, 0.9, 0.35, 0.4, 0.8, 0.7, 0.2, 0.6, 0.05, 0.3, 0.55, 0.45];
    const e = eer(y, s);
    expect(eer(y, s.map((v) => Math.exp(3 * v) - 7))).toBe(e);
    expect(e).toBeGreaterThan(0);
    expect(e).toBeLessThan(0.5);
  });

  it('hand case: thresholds in decreasing order, collinear points dropped, sklearn 1.2 first threshold', () => {
    // scores 4 3 2 1, labels 1 1 0 0 -> one point per distinct score: fps 0 0 1 2, tps 1 2 2 2.
    // Second differences at the inner points: j=1 fps 1 (keep), j=2 fps 0 and tps 0 (drop).
    // Kept (0,1) (0,2) (2,2), then (0,0) in front with threshold max + 1 = 5 (sklearn 1.2).
    const roc = rocCurve([1, 1, 0, 0], [4, 3, 2, 1]);
    expect(Array.from(roc.thresholds)).toEqual([5, 4, 3, 1]);
    expect(Array.from(roc.fpr)).toEqual([0, 0, 0, 1]);
    expect(Array.from(roc.tpr)).toEqual([0, 0.5, 1, 1]);
    const full = rocCurve([1, 1, 0, 0], [4, 3, 2, 1], false);
    expect(full.fpr.length).toBe(5);
    expect(eer([1, 1, 0, 0], [4, 3, 2, 1])).toBe(0);
  });

  it('rejects bad input with a clear message', () => {
    expect(() => eer([0, 1], [0.1])).toThrow(/labels has 2 values but scores has 1/);
    expect(() => eer([0, 2], [0.1, 0.2])).toThrow(/0 or 1/);
    expect(() => eer([0, 1], [0.1, NaN])).toThrow(/non-finite/);
  });
});
