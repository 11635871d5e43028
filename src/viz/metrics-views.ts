/**
 * Views of the metrics for the notebooks: a DCASE 2016 task 4 example in the
 * official file formats (by default the synthetic one committed in
 * `data-manifests/reference/dcase2016-task4-format-example`, with the EERs an
 * independent NumPy implementation of the official evaluation gives for it),
 * per-label EER tables, ROC inputs, and the distribution of the mixing weight
 * lambda ~ Beta(alpha, alpha).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as dfd from 'danfojs';
import { evaluateDcase2016, readGroundTruth, readSystemOutput, type Dcase2016Evaluation } from '../metrics/dcase2016-format.js';
import { Rng } from '../util/rng.js';
import { InvalidParameterError } from '../util/errors.js';
import { repoRoot } from './clips.js';
import type { RocInput } from './charts.js';
import { BASE_CONFIG, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './render.js';
import { frame } from './tables.js';

export interface Dcase2016Example {
  dir: string;
  evaluation: Dcase2016Evaluation;
  /** label -> EER, and `mean`, from the folder's `eers.json` (computed
   * outside the library); null when the folder has none. */
  reference: Record<string, number> | null;
}

/** The synthetic DCASE 2016 task 4 format example committed in the repository
 * (README.md there: how it was generated, why it is synthetic). */
export function dcase2016ExampleDir(): string {
  return join(repoRoot(), 'data-manifests', 'reference', 'dcase2016-task4-format-example');
}

function referenceEers(dir: string): Record<string, number> | null {
  const file = join(dir, 'eers.json');
  if (!existsSync(file)) return null;
  const j = JSON.parse(readFileSync(file, 'utf8')) as { perLabel?: Record<string, { eer?: unknown }>; mean?: unknown };
  if (j.perLabel === undefined || typeof j.mean !== 'number') {
    throw new InvalidParameterError(`${file}: expected { perLabel: { <label>: { eer } }, mean }`);
  }
  const out: Record<string, number> = {};
  for (const [label, r] of Object.entries(j.perLabel)) {
    if (typeof r.eer !== 'number') throw new InvalidParameterError(`${file}: perLabel.${label}.eer is not a number`);
    out[label] = r.eer;
  }
  out.mean = j.mean;
  return out;
}

/** A system output (`results_fold1.csv`) scored against its truth
 * (`fold1_evaluate.csv`) in `dir` (default: the committed synthetic example),
 * or null when the two files are not there. */
export function dcase2016Example(dir: string = dcase2016ExampleDir()): Dcase2016Example | null {
  const system = join(dir, 'results_fold1.csv');
  const truth = join(dir, 'fold1_evaluate.csv');
  if (!existsSync(system) || !existsSync(truth)) return null;
  return { dir, evaluation: evaluateDcase2016(readSystemOutput(system), readGroundTruth(truth)), reference: referenceEers(dir) };
}

/** ROC curves with their EER points, one per label. */
export function rocInputs(evaluation: Dcase2016Evaluation): RocInput[] {
  return evaluation.perLabel.map((r) => ({ label: r.label, fpr: r.detail.fpr, tpr: r.detail.tpr, eer: r.eer, eerPoint: r.detail.eerPoint }));
}

/** Per-label EER table; with `reference` (label -> EER) also the reference and the difference. */
export function eerFrame(evaluation: Dcase2016Evaluation, reference?: Readonly<Record<string, number>>): dfd.DataFrame {
  const rows = evaluation.perLabel.map((r) => ({
    label: r.label,
    name: r.name,
    positives: r.nPositive,
    negatives: r.nNegative,
    EER: r.eer,
    ...(reference ? { reference: reference[r.label] ?? null, difference: reference[r.label] === undefined ? null : r.eer - reference[r.label] } : {}),
  }));
  rows.push({
    label: 'mean',
    name: 'mean over labels',
    positives: NaN,
    negatives: NaN,
    EER: evaluation.mean,
    ...(reference ? { reference: reference.mean ?? null, difference: reference.mean === undefined ? null : evaluation.mean - reference.mean } : {}),
  });
  return frame(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' && Number.isNaN(v) ? null : v]))));
}

/** Histogram of `n` draws of lambda ~ Beta(alpha, alpha) per alpha
 * (Rng.beta, the generator the mixing augmentations use). */
export function lambdaHistogramSpec(alphas: readonly number[], n = 4000, seed = 0, bins = 20): VegaLiteSpec {
  if (alphas.some((a) => !(a > 0))) throw new InvalidParameterError('lambdaHistogramSpec: every alpha must be > 0 (alpha = 0 means no mixing)');
  const rows: { alpha: string; from: number; to: number; share: number }[] = [];
  for (const alpha of alphas) {
    const rng = new Rng(`lambda:${seed}:${alpha}`);
    const counts = new Array<number>(bins).fill(0);
    for (let i = 0; i < n; i++) counts[Math.min(bins - 1, Math.floor(rng.beta(alpha, alpha) * bins))]++;
    counts.forEach((c, b) => rows.push({ alpha: `alpha = ${alpha}`, from: b / bins, to: (b + 1) / bins, share: c / n }));
  }
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: 'lambda ~ Beta(alpha, alpha)', subtitle: `${n} draws per alpha, ${bins} bins` },
    config: BASE_CONFIG,
    data: { values: rows },
    facet: { column: { field: 'alpha', type: 'nominal', title: null, sort: alphas.map((a) => `alpha = ${a}`) } },
    spec: {
      width: 110,
      height: 90,
      mark: { type: 'bar', color: '#4c78a8' },
      encoding: {
        x: { field: 'from', type: 'quantitative', title: 'lambda', scale: { domain: [0, 1] } },
        x2: { field: 'to' },
        y: { field: 'share', type: 'quantitative', title: 'share of draws' },
        y2: { datum: 0 },
      },
    },
  };
}
