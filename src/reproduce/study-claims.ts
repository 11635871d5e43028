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
 * Words about a claim on the data measured, never about a published number:
 * nothing here says "reproduced".
 */
import type { ClaimSpecT } from './study-file.js';
import { summarize, type Summary } from './stats.js';

export type ClaimVerdict = 'supports' | 'does not support' | 'inconclusive';

export interface ClaimResult {
  claim: ClaimSpecT;
  /** Seeds both arms have a value for, ascending. */
  seeds: number[];
  /** arm - baseline per seed (same order as seeds). */
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
export function judgeClaim(claim: ClaimSpecT, perSeed: ReadonlyMap<string, ReadonlyMap<number, number>>): ClaimResult {
  const a = perSeed.get(claim.arm) ?? new Map<number, number>();
  const b = perSeed.get(claim.baseline) ?? new Map<number, number>();
  const seeds = [...a.keys()].filter((s) => b.has(s) && Number.isFinite(a.get(s)!) && Number.isFinite(b.get(s)!)).sort((x, y) => x - y);
  const differences = seeds.map((s) => a.get(s)! - b.get(s)!);
  const difference = summarize(differences);
  return { claim, seeds, differences, difference, ...verdictOf(difference, claim.direction) };
}
