import { describe, expect, it } from 'vitest';
import { averageEnsemble } from '../../src/fusion/average.js';
import { coarseLabels, parentIndex, twoStageFusion } from '../../src/fusion/two-stage.js';
import { TAU2020_3CLASS_LABELS, TAU2020_3CLASS_OF_SCENE, TAU2020_SCENES } from '../../src/data/loaders/tau2020.js';

/** hu2020's classes, given to fusion by its caller (fusion knows no dataset). */
const HU2020 = { fineClasses: TAU2020_SCENES, coarseClasses: TAU2020_3CLASS_LABELS, parentOf: TAU2020_3CLASS_OF_SCENE };
import { argmaxRows, fromRows } from '../../src/metrics/score-matrix.js';

describe('average ensemble', () => {
  it('element-wise mean, and weighted mean', () => {
    const a = fromRows([[0.6, 0.4], [0.2, 0.8]]);
    const b = fromRows([[0.2, 0.8], [0.4, 0.6]]);
    expect(Array.from(averageEnsemble([a, b]).data)).toEqual([0.4, 0.6000000000000001, 0.30000000000000004, 0.7]);
    const w = averageEnsemble([a, b], [3, 1]);
    expect(w.data[0]).toBeCloseTo(0.5, 15); // (3 * 0.6 + 0.2) / 4
    expect(w.data[3]).toBeCloseTo(0.75, 15); // (3 * 0.8 + 0.6) / 4
  });

  it('rejects mismatched shapes and bad weights', () => {
    const a = fromRows([[0.6, 0.4]]);
    expect(() => averageEnsemble([a, fromRows([[1, 0, 0]])])).toThrow(/matrix 1 is 1 x 3 but matrix 0 is 1 x 2/);
    expect(() => averageEnsemble([a, a], [1])).toThrow(/1 weights for 2 matrices/);
    expect(() => averageEnsemble([a], [-1])).toThrow(/weight 0 = -1/);
    expect(() => averageEnsemble([])).toThrow(/no matrices/);
  });
});

describe('hu2020 two-stage fusion', () => {
  it('parent mapping equals the authors\' prob_map (task1a/eval_hybrid.py) in alphabetical class order', () => {
    // prob_map[q] = prob_3class[parent] with parents 0 indoor, 1 outdoor, 2 transportation
    expect(Array.from(parentIndex(HU2020))).toEqual([0, 2, 2, 0, 1, 1, 0, 1, 1, 2]);
    expect([...TAU2020_SCENES]).toEqual([...TAU2020_SCENES].sort());
    expect([...TAU2020_3CLASS_LABELS]).toEqual(['indoor', 'outdoor', 'transportation']);
    // paper section 2.1 example: public square is outdoor, bus/tram/metro are transportation
    expect(TAU2020_3CLASS_OF_SCENE.public_square).toBe('outdoor');
    expect(['bus', 'tram', 'metro'].map((s) => TAU2020_3CLASS_OF_SCENE[s as 'bus'])).toEqual(['transportation', 'transportation', 'transportation']);
    expect(Array.from(coarseLabels([0, 1, 4, 9], HU2020))).toEqual([0, 2, 1, 2]);
  });

  it('hand case: score = p10(scene) x p3(parent), and the 3-class model can flip the decision', () => {
    // airport bus metro metro_st park pub_sq shop st_ped st_traf tram
    const p10 = fromRows([[0.3, 0.25, 0.05, 0.05, 0.05, 0.05, 0.1, 0.05, 0.05, 0.05]]);
    const p3 = fromRows([[0.1, 0.1, 0.8]]); // indoor, outdoor, transportation
    const f = twoStageFusion(p10, p3, HU2020);
    const expected = [0.3 * 0.1, 0.25 * 0.8, 0.05 * 0.8, 0.05 * 0.1, 0.05 * 0.1, 0.05 * 0.1, 0.1 * 0.1, 0.05 * 0.1, 0.05 * 0.1, 0.05 * 0.8];
    expect(Array.from(f.data)).toEqual(expected);
    expect(argmaxRows(p10)[0]).toBe(0); // airport alone
    expect(argmaxRows(f)[0]).toBe(1); // bus after fusion
    const n = twoStageFusion(p10, p3, { ...HU2020, normalize: true });
    const s = expected.reduce((a, b) => a + b, 0);
    expect(n.data[1]).toBeCloseTo(0.2 / s, 15);
    expect(Array.from(n.data).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
  });

  it('custom mapping as data, and clear errors', () => {
    const f = twoStageFusion(fromRows([[0.5, 0.5]]), fromRows([[0.9, 0.1]]), {
      fineClasses: ['cat', 'car'],
      coarseClasses: ['animal', 'vehicle'],
      parentOf: { cat: 'animal', car: 'vehicle' },
    });
    expect(Array.from(f.data)).toEqual([0.45, 0.05]);
    expect(() => twoStageFusion(fromRows([[1, 0]]), fromRows([[1, 0, 0]]), HU2020)).toThrow(/fine matrix has 2 columns for 10 classes/);
    expect(() => parentIndex({ fineClasses: ['x'], coarseClasses: ['a'], parentOf: { x: 'b' } })).toThrow(/parent 'b' of 'x' is not a coarse class/);
  });
});
