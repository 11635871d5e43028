/**
 * Verdicts: measured next to published, cell by cell.
 *
 * A verdict about a published number is only given when the run used the
 * real dataset, verified against its manifest's checksums, under the `full`
 * budget. Otherwise the row says why not ("different data", "smoke budget
 * verifies the pipeline only", ...), never a pass or fail.
 *
 * With several seeds the comparison uses the 95% interval of the mean,
 * widened by the metric's tolerance (reproductions/<paper>/tolerances.json,
 * which states the reasoning); a single run uses the tolerance alone.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { REPRODUCTIONS_DIR } from './published.js';
import type { Summary } from './stats.js';
import type { BudgetName } from './experiment-schema.js';
import type { DataStatus } from './results.js';

export const ToleranceSchema = z.object({
  paper: z.string(),
  tolerances: z.array(
    z.object({
      /** Column ids it applies to (e.g. ["c","m","f","v","p","b","o"]). */
      columns: z.array(z.string()),
      /** Absolute tolerance in the column's printed unit. */
      full: z.number(),
      quick: z.number(),
      why: z.string(),
    }),
  ),
});
export type Tolerances = z.infer<typeof ToleranceSchema>;

export function loadTolerances(paper: string): Tolerances {
  const path = join(REPRODUCTIONS_DIR, paper, 'tolerances.json');
  if (!existsSync(path)) return { paper, tolerances: [] };
  return ToleranceSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

export function toleranceFor(t: Tolerances, column: string, budget: BudgetName): number | null {
  const entry = t.tolerances.find((x) => x.columns.includes(column));
  if (!entry || budget === 'smoke') return null;
  return budget === 'full' ? entry.full : entry.quick;
}

export type VerdictKind =
  | 'reproduced'
  | 'not reproduced'
  | 'indicative: within tolerance'
  | 'indicative: outside tolerance'
  | 'different data'
  | 'pipeline check only'
  | 'reference row'
  | 'not run'
  | 'no published value';

export interface Verdict {
  kind: VerdictKind;
  text: string;
  delta: number | null;
}

export function judge(args: {
  published: number | null;
  measured: Summary | null;
  budget: BudgetName;
  data: DataStatus | null;
  tolerance: number | null;
  notRun?: string;
  reference?: boolean;
  /** Results exist but no seed has all its folds (e.g. "3 of 5 folds of seed 1 finished"). */
  incomplete?: string;
}): Verdict {
  const { published, measured, budget, data, tolerance } = args;
  if (args.reference) return { kind: 'reference row', text: "other authors' system: shown, not run", delta: null };
  if (args.notRun) return { kind: 'not run', text: `not run: ${args.notRun}`, delta: null };
  if (!measured || measured.n === 0) {
    return { kind: 'not run', text: args.incomplete ? `not complete yet (${args.incomplete})` : 'not run yet (no results)', delta: null };
  }
  const delta = published === null ? null : measured.mean - published;
  if (published === null) return { kind: 'no published value', text: 'measured; the paper prints no number for this cell', delta };
  if (budget === 'smoke') {
    return { kind: 'pipeline check only', text: 'smoke budget: checks the pipeline, verifies nothing about the paper', delta };
  }
  if (!data || data.status !== 'verified') {
    return {
      kind: 'different data',
      text: `different data (${data?.status ?? 'unknown'}: ${data?.detail ?? 'no data status'}): no verdict`,
      delta,
    };
  }
  const tol = tolerance ?? 0;
  const lo = measured.ci95[0] - tol;
  const hi = measured.ci95[1] + tol;
  const inside = published >= lo && published <= hi;
  const dir = measured.mean > published ? 'higher' : 'lower';
  if (budget === 'quick') {
    return inside
      ? { kind: 'indicative: within tolerance', text: `quick budget: within +/-${tol} (indicative only)`, delta }
      : { kind: 'indicative: outside tolerance', text: `quick budget: measured ${dir}, outside +/-${tol} (indicative only)`, delta };
  }
  return inside
    ? { kind: 'reproduced', text: `reproduced: published value inside the 95% interval +/- ${tol}`, delta }
    : { kind: 'not reproduced', text: `not reproduced: measured ${dir}, published value outside the 95% interval +/- ${tol}`, delta };
}
