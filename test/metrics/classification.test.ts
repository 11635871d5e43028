import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  HU2020_DEVICE_GROUPS,
  accuracy,
  accuracyByDeviceGroup,
  accuracyFromScores,
  confusionMatrix,
  logLoss,
  perClassAccuracy,
  TAU2020_FOLD1_EVALUATE_GROUP_COUNTS,
  tauDeviceFromFilename,
  weightedGroupAverage,
} from '../../src/metrics/classification.js';
import { fromRows } from '../../src/metrics/score-matrix.js';
import { Rng } from '../../src/util/rng.js';
import { REFERENCE_DATA, itNeeds, needsData } from '../helpers/requires.js';

/** Synthetic fold-1 lists in the real format (20 evaluate files per device). */
const TAU_SYNTHETIC = join(REFERENCE_DATA, 'tau2020-mobile-format');
/** The real fold-1 lists (330 evaluate files per device), from the data root. */
const TAU_REAL = needsData('tau2020-mobile-meta', 'the real TAU 2020 Mobile fold-1 lists');

/** Device groups of an evaluate list with seeded predictions whose hit rate differs per device. */
function checkDeviceGroups(dir: string, perDevice: number): void {
  const lines = readFileSync(join(dir, 'fold1_evaluate.csv'), 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const rows = lines.slice(1).map((l) => l.split('\t'));
  expect(rows.length).toBe(9 * perDevice);
  const devices = rows.map((r) => tauDeviceFromFilename(r[0]));
  const scenes = [...new Set(rows.map((r) => r[1]))].sort();
  expect(scenes).toHaveLength(10);
  const yTrue = rows.map((r) => scenes.indexOf(r[1]));
  // seeded predictions with a different hit rate per device
  const rate: Record<string, number> = { a: 0.9, b: 0.8, c: 0.75, s1: 0.7, s2: 0.65, s3: 0.6, s4: 0.55, s5: 0.5, s6: 0.4 };
  const rng = new Rng(2020);
  const yPred = yTrue.map((y, i) => (rng.random() < rate[devices[i]] ? y : (y + 1 + rng.int(0, 9)) % 10));
  const r = accuracyByDeviceGroup(yTrue, yPred, devices, HU2020_DEVICE_GROUPS);
  expect(r.groups.map((g) => g.n)).toEqual([1, 2, 3, 3].map((k) => k * perDevice));
  expect(r.groups.map((g) => g.weight * 9)).toEqual([1, 2, 3, 3].map((w) => expect.closeTo(w, 12)));
  expect(r.ungrouped).toBe(0);
  const weighted = r.groups.reduce((s, g) => s + g.weight * g.accuracy, 0);
  expect(Math.abs(r.overall - weighted)).toBeLessThan(1e-12);
  expect(r.overall).toBe(accuracy(yTrue, yPred));
  // equal clip counts per device: pooled group accuracy = mean of device accuracies (the authors' printout)
  for (const g of r.groups) expect(Math.abs(g.accuracy - g.meanOfDevices)).toBeLessThan(1e-12);
  // the unweighted mean of the four groups is a different number
  const unweighted = r.groups.reduce((s, g) => s + g.accuracy, 0) / 4;
  console.log(`${dir}: overall ${r.overall.toFixed(4)} = 1:2:3:3 weighted ${weighted.toFixed(4)}; unweighted group mean ${unweighted.toFixed(4)}`);
  expect(Math.abs(unweighted - r.overall)).toBeGreaterThan(0.01);
}

describe('classification metrics, hand cases', () => {
  const yTrue = [0, 0, 1, 1, 1, 2];
  const yPred = [0, 1, 1, 1, 2, 2];

  it('accuracy, confusion matrix (rows true, columns predicted), per-class accuracy', () => {
    expect(accuracy(yTrue, yPred)).toBe(4 / 6);
    expect(confusionMatrix(yTrue, yPred, 3)).toEqual([
      [1, 1, 0],
      [0, 2, 1],
      [0, 0, 1],
    ]);
    expect(perClassAccuracy(yTrue, yPred, 3)).toEqual([0.5, 2 / 3, 1]);
    expect(perClassAccuracy([0, 0], [0, 1], 3)[2]).toBeNaN(); // class with no clips
  });

  it('log loss: natural log, clip to [1e-15, 1 - 1e-15], rows renormalised', () => {
    const p = fromRows([
      [0.7, 0.2, 0.1],
      [0.1, 0.1, 0.8],
    ]);
    expect(logLoss([0, 1], p)).toBeCloseTo(-(Math.log(0.7) + Math.log(0.1)) / 2, 14);
    // a zero probability on the true class is clipped to 1e-15 (sklearn < 1.3 default)
    expect(logLoss([1], fromRows([[1, 0]]))).toBeCloseTo(-Math.log(1e-15), 10);
    // Keras-like epsilon
    expect(logLoss([1], fromRows([[1, 0]]), { eps: 1e-7 })).toBeCloseTo(-Math.log(1e-7 / (1 - 1e-7 + 1e-7)), 10);
    // rows not summing to 1 are renormalised AFTER the clip, as scikit-learn 0.2x log_loss did:
    // products below 1 keep their ratios ...
    expect(logLoss([0], fromRows([[0.2, 0.1, 0.1]]))).toBeCloseTo(Math.log(2), 14);
    // ... but summed ensemble scores above 1 are first clipped to 1 - eps: [2, 1, 1] -> 1/3 each
    expect(logLoss([0], fromRows([[2, 1, 1]]))).toBeCloseTo(Math.log(3), 14);
    expect(accuracyFromScores([0, 2], p)).toBe(1);
  });

  it('rejects mismatched and invalid input', () => {
    expect(() => accuracy([0, 1], [0])).toThrow(/2 labels but yPred has 1/);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/yTrue\[1\] = 3/);
    expect(() => logLoss([0], fromRows([[NaN, 1]]))).toThrow(/not finite/);
  });
});

describe('hu2020 Table 1 device groups', () => {
  it('reads device codes from TAU file names', () => {
    expect(tauDeviceFromFilename('audio/airport-barcelona-0-0-a.wav')).toBe('a');
    expect(tauDeviceFromFilename('audio/street_traffic-lyon-1160-43715-s6.wav')).toBe('s6');
  });

  it('TAU 2020 fold-1 evaluate format (synthetic lists): groups weighted 1:2:3:3 and Avg = overall accuracy', () => {
    checkDeviceGroups(TAU_SYNTHETIC, 20);
  });

  itNeeds(TAU_REAL, 'TAU 2020 fold-1 evaluate set (real list): groups weighted 1:2:3:3 and Avg = overall accuracy', () => {
    checkDeviceGroups(TAU_REAL.path!, 330);
  });

  it('the authors\' published run (task1a/eval_hybrid.py printout): device and group accuracies, Avg 0.819', () => {
    // correct clips per device = round(printed accuracy x 330); they sum to the confusion-matrix trace 2432
    const correct: Record<string, number> = { a: 290, b: 267, c: 288, s1: 270, s2: 254, s3: 272, s4: 274, s5: 261, s6: 256 };
    const devices: string[] = [];
    const yTrue: number[] = [];
    const yPred: number[] = [];
    for (const [d, c] of Object.entries(correct)) {
      for (let k = 0; k < 330; k++) {
        devices.push(d);
        yTrue.push(k % 10);
        yPred.push(k < c ? k % 10 : (k + 1) % 10);
      }
    }
    const r = accuracyByDeviceGroup(yTrue, yPred, devices);
    expect(r.groups.map((g) => Number(g.accuracy.toFixed(3)))).toEqual([0.879, 0.841, 0.804, 0.799]);
    expect(Number(r.overall.toFixed(3))).toBe(0.819);
    expect(r.overall * 2970).toBeCloseTo(2432, 9);
  });

  it('published hu2020 Table 1 rows: Avg is the 1:2:3:3 device-weighted mean except rows (1) and (5)', () => {
    // hu2020 Table 1 (the paper text, hu2020-*.md in $AUDIO_AUG_LAB_PAPERS): A, B&C, s1-s3, s4-s6, Avg (acc. %)
    const rows: number[][] = [
      [70.6, 61.6, 53.3, 44.3, 54.1], [78.5, 72.6, 68.8, 68.1, 70.2], [78.8, 72.1, 69.3, 69.5, 71.0],
      [80.3, 73.5, 71.4, 67.7, 71.6], [79.7, 74.8, 71.9, 70.7, 73.0], [83.0, 76.1, 73.6, 71.0, 74.6],
      [88.5, 79.8, 74.6, 70.6, 76.0], [87.3, 79.5, 75.7, 73.0, 76.9], [83.9, 78.6, 75.4, 72.8, 76.2],
      [87.6, 79.8, 76.4, 73.8, 77.5], [87.0, 81.5, 78.0, 76.9, 79.4], [89.1, 82.4, 78.5, 77.5, 80.2],
      [87.9, 84.1, 80.4, 79.9, 81.9],
    ];
    const off: number[] = [];
    rows.forEach((r, idx) => {
      const w = weightedGroupAverage(r.slice(0, 4), TAU2020_FOLD1_EVALUATE_GROUP_COUNTS);
      // each printed group value is rounded to 0.05, so the weighted mean is within 0.05 of exact,
      // plus 0.05 for the printed Avg: 0.1
      if (Math.abs(w - r[4]) > 0.1) off.push(idx);
      console.log(`row (${idx}): weighted ${w.toFixed(3)} printed ${r[4]}`);
    });
    expect(off).toEqual([1, 5]);
  });

  it('unequal device counts: pooled group accuracy differs from the mean of device accuracies', () => {
    const devices = ['b', 'b', 'b', 'b', 'c'];
    const r = accuracyByDeviceGroup([0, 0, 0, 0, 0], [0, 0, 0, 0, 1], devices);
    const bc = r.groups.find((g) => g.name === 'B&C')!;
    expect(bc.accuracy).toBe(0.8);
    expect(bc.meanOfDevices).toBe(0.5);
    expect(r.groups[0].n).toBe(0);
    expect(r.groups[0].accuracy).toBeNaN();
  });

  it('confusion matrix of the authors\' published two-stage run gives their per-class accuracies', () => {
    // MihawkHu/DCASE2020_task1 task1a/README.md / eval_hybrid.py printout
    const cm = [
      [220, 0, 0, 10, 0, 0, 50, 17, 0, 0],
      [0, 280, 6, 0, 0, 0, 0, 0, 0, 11],
      [0, 15, 254, 1, 0, 0, 0, 0, 0, 27],
      [10, 1, 2, 256, 0, 0, 25, 0, 0, 3],
      [0, 0, 0, 0, 282, 10, 0, 1, 4, 0],
      [0, 0, 0, 0, 48, 200, 0, 21, 28, 0],
      [38, 0, 0, 17, 0, 0, 240, 2, 0, 0],
      [16, 0, 0, 9, 7, 26, 37, 186, 16, 0],
      [0, 0, 0, 0, 14, 8, 0, 5, 270, 0],
      [0, 29, 23, 0, 1, 0, 0, 0, 0, 244],
    ];
    const yTrue: number[] = [];
    const yPred: number[] = [];
    cm.forEach((r, t) => r.forEach((c, p) => { for (let k = 0; k < c; k++) { yTrue.push(t); yPred.push(p); } }));
    expect(confusionMatrix(yTrue, yPred, 10)).toEqual(cm);
    const printed = [0.741, 0.943, 0.855, 0.862, 0.949, 0.673, 0.808, 0.626, 0.909, 0.822];
    const pc = perClassAccuracy(yTrue, yPred, 10);
    const worst = Math.max(...pc.map((v, k) => Math.abs(v - printed[k])));
    console.log(`per-class accuracy vs printed (3 decimals): worst |diff| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(5e-4);
    expect(Number(accuracy(yTrue, yPred).toFixed(3))).toBe(0.819);
  });
});
