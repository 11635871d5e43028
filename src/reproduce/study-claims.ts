/**
 * Verdicts on a study's claims (reproductions/studies/*.json `claims`), the
 * rule stated beside the results in the README:
 *
 * - the difference arm - baseline is taken per seed (the same seed trains
 *   both arms on the same folds, so the pair shares everything but the
 *   arm), over the seeds both arms finished;
 * - its 95% interval is the Student-t interval of the mean of those
 *   differences (./stats.ts `summarize`);
 * - "supports" when the interval excludes 0 in the claimed direction,
 *   "does not support" when it excludes 0 the other way, "inconclusive"
 *   otherwise (an interval touching 0, or fewer than 2 paired seeds).
 *
 * A bound claim (`within: m`, on a metric that is itself a paired
 * difference, such as an int8 copy's accuracy minus its float32 model's on
 * the same clips) is judged on that metric's interval over seeds:
 * "supports" when the interval lies inside [-m, m], "does not support" when
 * it lies wholly outside, "inconclusive" otherwise.
 *
 * Words about a claim on the data measured, never about a published number:
 * nothing here says "reproduced".
 */
import type { ClaimSpecT } from './study-file.js';
import { summarize, type Summary } from './stats.js';

export type ClaimVerdict = 'supports' | 'does not support' | 'inconclusive';

export interface ClaimResult {
  claim: ClaimSpecT;
  /** Seeds both arms have a value for (a bound claim: the arm's seeds), ascending. */
  seeds: number[];
  /** arm - baseline per seed (a bound claim: the arm's value), same order as seeds. */
  differences: number[];
  difference: Summary;
  verdict: ClaimVerdict;
  /** Why, in one sentence. */
  reason: string;
}

/** The verdict of a difference interval for a claimed direction. */
export function verdictOf(diff: Summary, direction: 'higher' | 'lower'): { verdict: ClaimVerdict; reason: string } {
  if (diff.n < 2) return { verdict: 'inconclusive', reason: `${diff.n} paired seed${diff.n === 1 ? '' : 's'}: no interval` };
  const [lo, hi] = diff.ci95;
  const up = lo > 0;
  const down = hi < 0;
  if (!up && !down) return { verdict: 'inconclusive', reason: 'the 95% interval of the paired difference includes 0' };
  const claimed = direction === 'higher' ? up : down;
  return claimed
    ? { verdict: 'supports', reason: `the 95% interval of the paired difference excludes 0 in the claimed direction (${direction})` }
    : { verdict: 'does not support', reason: `the 95% interval of the paired difference excludes 0 against the claimed direction (${direction})` };
}

/**
 * The verdict of one claim from per-seed values of each arm
 * (arm id -> seed -> value of the claim's metric).
 */
/** The verdict of a bound claim: is the interval inside [-margin, margin]? */
export function boundVerdictOf(s: Summary, margin: number): { verdict: ClaimVerdict; reason: string } {
  if (s.n < 2) return { verdict: 'inconclusive', reason: `${s.n} seed${s.n === 1 ? '' : 's'}: no interval` };
  const [lo, hi] = s.ci95;
  if (lo >= -margin && hi <= margin) return { verdict: 'supports', reason: `the 95% interval lies within +-${margin}` };
  if (lo > margin || hi < -margin) return { verdict: 'does not support', reason: `the 95% interval lies wholly outside +-${margin}` };
  return { verdict: 'inconclusive', reason: `the 95% interval crosses +-${margin}` };
}

export function judgeClaim(claim: ClaimSpecT, perSeed: ReadonlyMap<string, ReadonlyMap<number, number>>): ClaimResult {
  if (!('baseline' in claim)) {
    const v = perSeed.get(claim.arm) ?? new Map<number, number>();
    const seeds = [...v.keys()].filter((s) => Number.isFinite(v.get(s)!)).sort((x, y) => x - y);
    const values = seeds.map((s) => v.get(s)!);
    const difference = summarize(values);
    return { claim, seeds, differences: values, difference, ...boundVerdictOf(difference, claim.within) };
  }
  const a = perSeed.get(claim.arm) ?? new Map<number, number>();
  const b = perSeed.get(claim.baseline) ?? new Map<number, number>();
  const seeds = [...a.keys()].filter((s) => b.has(s) && Number.isFinite(a.get(s)!) && Number.isFinite(b.get(s)!)).sort((x, y) => x - y);
  const differences = seeds.map((s) => a.get(s)! - b.get(s)!);
  const difference = summarize(differences);
  return { claim, seeds, differences, difference, ...verdictOf(difference, claim.direction) };
}
