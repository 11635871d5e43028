/**
 * Equal error rate exactly as the official DCASE 2016 task 4 evaluation
 * computes it (pafoster/dcase2016_task4 `evaluation_scripts/eer.py`
 * `compute_eer`, identical to the baseline's `src/eer.py`), which calls
 * scikit-learn's `roc_curve(y_true, y_score, drop_intermediate=True)`.
 * The reference values in `test/golden/librosa-0.9.2/eer/` were made
 * with scikit-learn 1.2.1, so the ROC here follows that version:
 *
 * 1. Sort scores in decreasing order; one ROC point per distinct score
 *    (ties form one step): cumulative true-positive count `tps` and
 *    false-positive count `fps = rank + 1 - tps` at the last index of each
 *    distinct score.
 * 2. `drop_intermediate`: keep the first and last point and every point
 *    where the second difference of `fps` or of `tps` is non-zero (i.e.
 *    drop the middle point of three collinear axis-aligned steps). Counts are
 *    integers, so this test is exact.
 * 3. Put (0, 0) in front, with threshold `thresholds[0] + 1` (scikit-learn
 *    1.2; from 1.3 on it is +Infinity — it does not change the EER).
 * 4. fpr = fps / fps[last], tpr = tps / tps[last].
 * Then the DCASE script puts one more (0, 0) in front of the points, takes
 * the first point i with fpr_i + 1e-6 >= 1 - tpr_i, and interpolates
 * linearly between point i-1 and point i (or returns fpr_{i-1} when the two
 * have |fpr2 - fpr1| < 1e-6). The arithmetic is done in the same order as
 * the Python code so the result is bit-identical in IEEE double.
 *
 * A label with no positives or no negatives has no ROC: the EER is NaN (the
 * official fold-mean then ignores it, see tagging.ts).
 */
import { InvalidParameterError, assertFinite } from '../util/errors.js';

/** The ROC curve as scikit-learn 1.2 `roc_curve(..., drop_intermediate=True)` returns it. */
export interface RocCurve {
  /** False-positive rates, starting with scikit-learn's own (0, 0) point. */
  fpr: Float64Array;
  /** True-positive rates, same length as fpr. */
  tpr: Float64Array;
  /** Score threshold of each point (score >= threshold counts as positive);
   * thresholds[0] = max score + 1 as in scikit-learn 1.2. */
  thresholds: Float64Array;
}

export interface EerResult extends RocCurve {
  /** The equal error rate (NaN when the labels have no positives or no negatives). */
  eer: number;
  /** The point (fpr, 1 - fnr) where the EER is read, for plotting: (eer, 1 - eer). */
  eerPoint: { fpr: number; tpr: number };
  /** Index i into the DCASE script's `Points = [(0,0)] + zip(fpr, tpr)`
   * (so point k of fpr/tpr is Points[k + 1]); -1 when the EER is NaN. */
  i: number;
  /** Points[i-1] and Points[i] as [fpr, tpr], the segment interpolated. */
  P1: [number, number];
  P2: [number, number];
  /** Number of positives and negatives. */
  nPositive: number;
  nNegative: number;
}

/** Tolerance of the DCASE script (`eps = 1E-6`). */
export const DCASE2016_EER_EPS = 1e-6;

function validate(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length) {
    throw new InvalidParameterError(`EER: labels has ${labels.length} values but scores has ${scores.length}`);
  }
  if (scores.length === 0) throw new InvalidParameterError('EER: no scores');
  assertFinite(scores, 'EER scores');
  for (let k = 0; k < labels.length; k++) {
    const v = labels[k];
    if (v !== 0 && v !== 1) {
      throw new InvalidParameterError(`EER: labels must be 0 or 1, got ${v} at index ${k}`);
    }
  }
}

/**
 * ROC curve as scikit-learn 1.2 `roc_curve(labels, scores, drop_intermediate)`
 * (positive label 1, no sample weights). With no negatives (or no
 * positives) fpr (or tpr) is all NaN, as scikit-learn returns it.
 */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>, dropIntermediate = true): RocCurve {
  validate(labels, scores);
  const n = scores.length;
  // Decreasing score order. Ties are one ROC step, so their order is irrelevant.
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => scores[b] - scores[a]);
  const fpsAll: number[] = [];
  const tpsAll: number[] = [];
  const thrAll: number[] = [];
  let tp = 0;
  for (let r = 0; r < n; r++) {
    const k = order[r];
    tp += labels[k];
    const last = r === n - 1 || scores[order[r + 1]] !== scores[k];
    if (last) {
      tpsAll.push(tp);
      fpsAll.push(r + 1 - tp);
      thrAll.push(scores[k]);
    }
  }
  let keep: number[];
  const m = fpsAll.length;
  if (dropIntermediate && m > 2) {
    keep = [0];
    for (let j = 1; j < m - 1; j++) {
      const d2f = fpsAll[j + 1] - 2 * fpsAll[j] + fpsAll[j - 1];
      const d2t = tpsAll[j + 1] - 2 * tpsAll[j] + tpsAll[j - 1];
      if (d2f !== 0 || d2t !== 0) keep.push(j);
    }
    keep.push(m - 1);
  } else {
    keep = Array.from({ length: m }, (_, j) => j);
  }
  const len = keep.length + 1;
  const fpr = new Float64Array(len);
  const tpr = new Float64Array(len);
  const thresholds = new Float64Array(len);
  const totalF = fpsAll[m - 1];
  const totalT = tpsAll[m - 1];
  thresholds[0] = thrAll[0] + 1;
  fpr[0] = totalF > 0 ? 0 : NaN;
  tpr[0] = totalT > 0 ? 0 : NaN;
  for (let j = 0; j < keep.length; j++) {
    const src = keep[j];
    fpr[j + 1] = totalF > 0 ? fpsAll[src] / totalF : NaN;
    tpr[j + 1] = totalT > 0 ? tpsAll[src] / totalT : NaN;
    thresholds[j + 1] = thrAll[src];
  }
  return { fpr, tpr, thresholds };
}

/**
 * EER of one label, as the official DCASE 2016 task 4 `compute_eer`.
 * `labels` are 0/1 ground truth, `scores` higher = more likely present.
 */
export function eerDcase2016(labels: ArrayLike<number>, scores: ArrayLike<number>): EerResult {
  const roc = rocCurve(labels, scores, true);
  let nPositive = 0;
  for (let k = 0; k < labels.length; k++) nPositive += labels[k];
  const nNegative = labels.length - nPositive;
  const nan: EerResult = {
    ...roc,
    eer: NaN,
    eerPoint: { fpr: NaN, tpr: NaN },
    i: -1,
    P1: [NaN, NaN],
    P2: [NaN, NaN],
    nPositive,
    nNegative,
  };
  if (nPositive === 0 || nNegative === 0) return nan;

  // Points = [(0,0)] + zip(fpr, tpr)
  const pf = [0, ...roc.fpr];
  const pt = [0, ...roc.tpr];
  const eps = DCASE2016_EER_EPS;
  let i = 0;
  for (; i < pf.length; i++) {
    if (pf[i] + eps >= 1 - pt[i]) break;
  }
  if (i === pf.length) i = pf.length - 1; // Python's loop variable keeps the last index
  const P1: [number, number] = [pf[i - 1], pt[i - 1]];
  const P2: [number, number] = [pf[i], pt[i]];
  let eer: number;
  if (Math.abs(P2[0] - P1[0]) < eps) {
    eer = P1[0];
  } else {
    const m = (P2[1] - P1[1]) / (P2[0] - P1[0]);
    const o = P1[1] - m * P1[0];
    eer = (1 - o) / (1 + m);
  }
  return { ...roc, eer, eerPoint: { fpr: eer, tpr: 1 - eer }, i, P1, P2, nPositive, nNegative };
}

/** Just the EER number (NaN when undefined). */
export function eer(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  return eerDcase2016(labels, scores).eer;
}
