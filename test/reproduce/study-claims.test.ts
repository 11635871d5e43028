/**
 * Claim verdicts (src/reproduce/study-claims.ts): the seed-paired difference
 * arm - baseline, its Student-t 95% interval, and the three words.
 */
import { describe, expect, it } from 'vitest';
import { boundVerdictOf, judgeClaim, verdictOf } from '../../src/reproduce/study-claims.js';
import { summarize } from '../../src/reproduce/stats.js';

const seeds = (xs: number[]) => new Map(xs.map((v, i) => [i + 1, v]));
const claim = { id: 'c', text: 'b beats a', metric: 'accuracy', arm: 'b', baseline: 'a', direction: 'higher' as const };

describe('claim verdicts', () => {
  it('pairs by seed: a constant gain with seed-to-seed noise shared by both arms supports the claim', () => {
    // Arm values vary a lot between seeds, but b is always a + 2: the paired interval is [2, 2].
    const r = judgeClaim(claim, new Map([['a', seeds([10, 30, 50, 20, 40])], ['b', seeds([12, 32, 52, 22, 42])]]));
    expect(r.seeds).toEqual([1, 2, 3, 4, 5]);
    expect(r.differences).toEqual([2, 2, 2, 2, 2]);
    expect(r.difference.ci95[0]).toBeCloseTo(2, 12);
    expect(r.verdict).toBe('supports');
  });

  it('a loss is "does not support", a mixed result "inconclusive"', () => {
    expect(judgeClaim(claim, new Map([['a', seeds([10, 11, 12])], ['b', seeds([8, 9, 9.5])]])).verdict).toBe('does not support');
    expect(judgeClaim(claim, new Map([['a', seeds([10, 11, 12])], ['b', seeds([12, 9, 13])]])).verdict).toBe('inconclusive');
    // direction 'lower' flips the words (EER)
    expect(judgeClaim({ ...claim, direction: 'lower' }, new Map([['a', seeds([10, 11, 12])], ['b', seeds([8, 9, 9.5])]])).verdict).toBe('supports');
  });

  it('only seeds both arms finished are paired; fewer than 2 is inconclusive', () => {
    const r = judgeClaim(claim, new Map([['a', new Map([[1, 10], [2, 11]])], ['b', new Map([[2, 15], [3, 16]])]]));
    expect(r.seeds).toEqual([2]);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/1 paired seed/);
  });

  it('the interval is the t interval (df = n - 1) of the differences', () => {
    const d = summarize([1, 2, 3]); // mean 2, sd 1: half-width 4.303 / sqrt 3 = 2.48, the interval holds 0
    expect(d.ci95[0]).toBeCloseTo(2 - 4.303 * (1 / Math.sqrt(3)), 10);
    expect(verdictOf(d, 'higher').verdict).toBe('inconclusive');
    expect(verdictOf(summarize([2, 3, 4]), 'higher').verdict).toBe('supports');
    expect(verdictOf(summarize([-1, 2, 3]), 'higher').verdict).toBe('inconclusive');
  });

  it('a bound claim supports when the interval lies inside +-m, not when it lies outside', () => {
    expect(boundVerdictOf(summarize([0.1, -0.2, 0, 0.1, -0.1]), 1).verdict).toBe('supports');
    expect(boundVerdictOf(summarize([-2, -2.5, -3, -2.2]), 1).verdict).toBe('does not support');
    expect(boundVerdictOf(summarize([0, -2, 1, -1.5]), 1).verdict).toBe('inconclusive');
    const r = judgeClaim({ id: 'q', text: 'int8 within 1', metric: 'int8 accuracy change', arm: 'x', within: 1 }, new Map([['x', seeds([0, 0.2, -0.1, 0.1, 0])]]));
    expect(r.differences).toEqual([0, 0.2, -0.1, 0.1, 0]);
    expect(r.verdict).toBe('supports');
  });
});
