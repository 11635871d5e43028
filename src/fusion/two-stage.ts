/**
 * hu2020 two-stage fusion (hu2020 section 2.1, "Two-Stage Classification
 * Procedure"): a coarse classifier (hu2020: 3 classes, indoor, outdoor,
 * transportation) and a fine one (hu2020: the 10 scenes) are combined as
 *
 *   score(x, q) = F2_q(x) * F1_p(x),   p = the parent class of fine class q,
 *
 * and the predicted class is the argmax over q. Fusion knows no dataset: the
 * caller gives both class lists (the matrices' column names) and the
 * fine -> coarse mapping. For hu2020 these are TAU2020_SCENES,
 * TAU2020_3CLASS_LABELS and TAU2020_3CLASS_OF_SCENE of
 * src/data/loaders/tau2020.ts: the paper's grouping (section 2.1 names
 * transportation as the super set of bus, tram and metro) and the one
 * hard-coded in the authors' code (MihawkHu/DCASE2020_task1
 * task1a/eval_hybrid.py `prob_map`, class orders alphabetical). The products
 * are not renormalised by default, as in the authors' code (their log loss
 * renormalises rows itself); pass `normalize: true` to get rows summing to 1.
 */
import { InvalidParameterError } from '../util/errors.js';
import type { ScoreMatrix } from '../metrics/score-matrix.js';

/** The class structure of a two-stage system: every fine class has one parent. */
export interface TwoStageClasses {
  /** Column names of the fine matrix. */
  fineClasses: readonly string[];
  /** Column names of the coarse matrix. */
  coarseClasses: readonly string[];
  /** fine class -> coarse class. */
  parentOf: Readonly<Record<string, string>>;
}

export interface TwoStageOptions extends TwoStageClasses {
  /** Renormalise each output row to sum 1 (default false, as the authors' code). */
  normalize?: boolean;
}

/** For each fine class, the column index of its parent in the coarse matrix. */
export function parentIndex({ fineClasses, coarseClasses, parentOf }: TwoStageClasses): Int32Array {
  return Int32Array.from(
    fineClasses.map((q) => {
      const p = parentOf[q];
      if (p === undefined) throw new InvalidParameterError(`two-stage fusion: class '${q}' has no parent class`);
      const j = coarseClasses.indexOf(p);
      if (j < 0) throw new InvalidParameterError(`two-stage fusion: parent '${p}' of '${q}' is not a coarse class (${coarseClasses.join(', ')})`);
      return j;
    }),
  );
}

/** score[i, q] = fine[i, q] * coarse[i, parent(q)]. */
export function twoStageFusion(fine: ScoreMatrix, coarse: ScoreMatrix, opts: TwoStageOptions): ScoreMatrix {
  const { fineClasses, coarseClasses } = opts;
  if (fine.cols !== fineClasses.length) {
    throw new InvalidParameterError(`two-stage fusion: fine matrix has ${fine.cols} columns for ${fineClasses.length} classes`);
  }
  if (coarse.cols !== coarseClasses.length) {
    throw new InvalidParameterError(`two-stage fusion: coarse matrix has ${coarse.cols} columns for ${coarseClasses.length} classes`);
  }
  if (fine.rows !== coarse.rows) {
    throw new InvalidParameterError(`two-stage fusion: fine has ${fine.rows} rows, coarse has ${coarse.rows}`);
  }
  const parent = parentIndex(opts);
  const Q = fine.cols;
  const P = coarse.cols;
  const out = new Float64Array(fine.rows * Q);
  for (let i = 0; i < fine.rows; i++) {
    let sum = 0;
    for (let q = 0; q < Q; q++) {
      const v = fine.data[i * Q + q] * coarse.data[i * P + parent[q]];
      out[i * Q + q] = v;
      sum += v;
    }
    if (opts.normalize) {
      if (!(sum > 0)) throw new InvalidParameterError(`two-stage fusion: row ${i} sums to ${sum}, cannot normalise`);
      for (let q = 0; q < Q; q++) out[i * Q + q] /= sum;
    }
  }
  return { rows: fine.rows, cols: Q, data: out };
}

/** Coarse label of each fine label index (e.g. to score the coarse model). */
export function coarseLabels(fineLabels: ArrayLike<number>, classes: TwoStageClasses): Int32Array {
  const parent = parentIndex(classes);
  return Int32Array.from(Array.from(fineLabels, (q) => parent[q]));
}
