/**
 * Single-label classification metrics (hu2020 ASC, mushtaq2020 ESC):
 * accuracy, per-class accuracy (recall), confusion matrix, multi-class log
 * loss, and accuracy per device group for hu2020 Table 1.
 *
 * Log loss follows scikit-learn's `log_loss` as the hu2020 code calls it
 * (`log_loss(y_onehot, preds)`, scikit-learn < 1.3 with `eps=1e-15`): clip
 * each probability to [eps, 1 - eps], renormalise each row to sum 1, then
 * the mean of -log p(true class). The renormalisation makes unnormalised
 * rows such as the two-stage products valid input. Because the clip comes
 * first, rows with values above 1 are distorted: the hu2020 code passes the
 * SUM of three models' outputs (task1a/10class/eval_fusion_vote_10class.py),
 * whose entries above 1 are clipped to 1 - eps before renormalising, so the
 * val loss it reports for such ensembles is not the loss of the averaged
 * probabilities (use averageEnsemble first for that). Keras'
 * `categorical_crossentropy` differs: it normalises first and clips with
 * epsilon 1e-7; pass `{ eps: 1e-7 }` for that clip level (the order then
 * only matters for rows that do not sum to 1).
 *
 * Device groups (hu2020 Table 1 columns A; B&C; s1-s3; s4-s6) are data
 * (`HU2020_DEVICE_GROUPS`). A group's accuracy is pooled over its clips;
 * the hu2020 code prints the mean of its devices' accuracies instead, which
 * is the same number when every device has the same clip count (330 each in
 * the TAU 2020 fold-1 evaluate set) — both are returned. The Avg column is
 * the overall accuracy over all clips, i.e. the groups weighted by clip
 * count (1:2:3:3 on that set).
 */
import { InvalidParameterError } from '../util/errors.js';
import { argmaxRows, type ScoreMatrix } from './score-matrix.js';

function checkLabels(y: ArrayLike<number>, nClasses: number, what: string): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isInteger(v) || v < 0 || v >= nClasses) {
      throw new InvalidParameterError(`${what}[${i}] = ${v} is not a class index in 0..${nClasses - 1}`);
    }
  }
}

function checkPair(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
  if (yTrue.length !== yPred.length) {
    throw new InvalidParameterError(`yTrue has ${yTrue.length} labels but yPred has ${yPred.length}`);
  }
}

/** Fraction of clips with yPred = yTrue (NaN for no clips). */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair(yTrue, yPred);
  if (yTrue.length === 0) return NaN;
  let c = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) c++;
  return c / yTrue.length;
}

/** Confusion matrix, rows = true class, columns = predicted class (scikit-learn convention). */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nClasses: number): number[][] {
  checkPair(yTrue, yPred);
  checkLabels(yTrue, nClasses, 'yTrue');
  checkLabels(yPred, nClasses, 'yPred');
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) m[yTrue[i]][yPred[i]]++;
  return m;
}

/** Per-class accuracy (recall): correct / clips of that class; NaN for a class with no clips. */
export function perClassAccuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nClasses: number): number[] {
  const m = confusionMatrix(yTrue, yPred, nClasses);
  return m.map((r, k) => {
    const n = r.reduce((a, b) => a + b, 0);
    return n > 0 ? r[k] / n : NaN;
  });
}

export interface LogLossOptions {
  /** Clip level (default 1e-15, scikit-learn < 1.3 default). */
  eps?: number;
}

/** Multi-class log loss (natural log), scikit-learn style; see the header. */
export function logLoss(yTrue: ArrayLike<number>, probs: ScoreMatrix, opts: LogLossOptions = {}): number {
  const eps = opts.eps ?? 1e-15;
  if (!(eps > 0 && eps < 0.5)) throw new InvalidParameterError(`logLoss: eps must be in (0, 0.5), got ${eps}`);
  if (yTrue.length !== probs.rows) {
    throw new InvalidParameterError(`logLoss: ${yTrue.length} labels for ${probs.rows} rows of probabilities`);
  }
  checkLabels(yTrue, probs.cols, 'yTrue');
  if (probs.rows === 0) return NaN;
  const K = probs.cols;
  let total = 0;
  for (let i = 0; i < probs.rows; i++) {
    let rowSum = 0;
    let pt = 0;
    for (let j = 0; j < K; j++) {
      const raw = probs.data[i * K + j];
      if (!Number.isFinite(raw)) throw new InvalidParameterError(`logLoss: probability [${i}, ${j}] = ${raw} is not finite`);
      const p = Math.min(Math.max(raw, eps), 1 - eps);
      rowSum += p;
      if (j === yTrue[i]) pt = p;
    }
    total += -Math.log(pt / rowSum);
  }
  return total / probs.rows;
}

/** Accuracy of argmax predictions of a score matrix. */
export function accuracyFromScores(yTrue: ArrayLike<number>, scores: ScoreMatrix): number {
  return accuracy(yTrue, argmaxRows(scores));
}

export interface DeviceGroup {
  name: string;
  devices: readonly string[];
}

/** hu2020 Table 1 columns: real source device A; real target devices B and C;
 * simulated seen devices s1-s3; simulated unseen devices s4-s6 (hu2020
 * section 5.3). Device codes as in TAU 2020 file names. */
export const HU2020_DEVICE_GROUPS: readonly DeviceGroup[] = [
  { name: 'A', devices: ['a'] },
  { name: 'B&C', devices: ['b', 'c'] },
  { name: 's1-s3', devices: ['s1', 's2', 's3'] },
  { name: 's4-s6', devices: ['s4', 's5', 's6'] },
];

/** Device code of a TAU Urban Acoustic Scenes 2020 Mobile file name,
 * `audio/<scene>-<city>-<location>-<segment>-<device>.wav` -> `<device>`. */
export function tauDeviceFromFilename(path: string): string {
  const base = path.split('/').pop() ?? path;
  const stem = base.replace(/\.[^.]*$/, '');
  const parts = stem.split('-');
  if (parts.length < 2) throw new InvalidParameterError(`cannot read a device code from TAU file name '${path}'`);
  return parts[parts.length - 1];
}

export interface DeviceGroupAccuracy {
  name: string;
  devices: string[];
  /** Clips in the group. */
  n: number;
  correct: number;
  /** Pooled accuracy: correct / n (NaN for no clips). */
  accuracy: number;
  /** Mean of the per-device accuracies (the hu2020 code's printout). */
  meanOfDevices: number;
  /** Share of all clips: n / total (the group's weight in `overall`). */
  weight: number;
}

export interface DeviceAccuracyReport {
  groups: DeviceGroupAccuracy[];
  /** Accuracy per device code. */
  perDevice: Record<string, { n: number; correct: number; accuracy: number }>;
  /** Overall accuracy over all clips (hu2020 Table 1 Avg). */
  overall: number;
  n: number;
  /** Clips whose device is in no group (they still count in `overall`). */
  ungrouped: number;
}

/** Accuracy per device and device group, and the overall accuracy. */
export function accuracyByDeviceGroup(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  devices: readonly string[],
  groups: readonly DeviceGroup[] = HU2020_DEVICE_GROUPS,
): DeviceAccuracyReport {
  checkPair(yTrue, yPred);
  if (devices.length !== yTrue.length) {
    throw new InvalidParameterError(`${devices.length} device codes for ${yTrue.length} clips`);
  }
  const seenIn = new Map<string, string>();
  for (const g of groups) {
    for (const d of g.devices) {
      const other = seenIn.get(d);
      if (other !== undefined) throw new InvalidParameterError(`device '${d}' is in groups '${other}' and '${g.name}'`);
      seenIn.set(d, g.name);
    }
  }
  const perDevice: Record<string, { n: number; correct: number; accuracy: number }> = {};
  let correctAll = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const d = devices[i];
    const e = (perDevice[d] ??= { n: 0, correct: 0, accuracy: NaN });
    e.n++;
    if (yTrue[i] === yPred[i]) {
      e.correct++;
      correctAll++;
    }
  }
  for (const e of Object.values(perDevice)) e.accuracy = e.n > 0 ? e.correct / e.n : NaN;
  const total = yTrue.length;
  let grouped = 0;
  const groupStats = groups.map((g) => {
    let n = 0;
    let correct = 0;
    const accs: number[] = [];
    for (const d of g.devices) {
      const e = perDevice[d];
      if (!e) continue;
      n += e.n;
      correct += e.correct;
      accs.push(e.accuracy);
    }
    grouped += n;
    return {
      name: g.name,
      devices: [...g.devices],
      n,
      correct,
      accuracy: n > 0 ? correct / n : NaN,
      meanOfDevices: accs.length > 0 ? accs.reduce((a, b) => a + b, 0) / accs.length : NaN,
      weight: total > 0 ? n / total : NaN,
    };
  });
  return {
    groups: groupStats,
    perDevice,
    overall: total > 0 ? correctAll / total : NaN,
    n: total,
    ungrouped: total - grouped,
  };
}

/**
 * Average of group accuracies weighted by their clip counts — equal to the
 * overall accuracy when the group accuracies are pooled. With the TAU 2020
 * fold-1 evaluate counts (330, 660, 990, 990) this is (A + 2 B&C + 3 s1-s3
 * + 3 s4-s6) / 9, the rule hu2020 Table 1's Avg column follows (except rows
 * (1) and (5)). Use it to check a published row from its group columns.
 */
export function weightedGroupAverage(groupAccuracies: readonly number[], groupCounts: readonly number[]): number {
  if (groupAccuracies.length !== groupCounts.length || groupCounts.length === 0) {
    throw new InvalidParameterError(`${groupAccuracies.length} group accuracies for ${groupCounts.length} group counts`);
  }
  let s = 0;
  let n = 0;
  groupCounts.forEach((c, k) => {
    if (!(c >= 0)) throw new InvalidParameterError(`group count ${k} = ${c} must be >= 0`);
    s += c * groupAccuracies[k];
    n += c;
  });
  if (!(n > 0)) throw new InvalidParameterError('group counts sum to 0');
  return s / n;
}

/** Clip counts of the hu2020 device groups in the TAU 2020 fold-1 evaluate set (330 per device). */
export const TAU2020_FOLD1_EVALUATE_GROUP_COUNTS: readonly number[] = [330, 660, 990, 990];

/**
 * hu2020's Table 1 columns of one score matrix: accuracy (%) per device
 * group (A, B & C, S1-S3, S4-S6, keyed by group name), the log loss
 * ('val loss') and the overall accuracy (%, 'Avg').
 */
export function deviceGroupMetrics(truth: ArrayLike<number>, probs: ScoreMatrix, devices: readonly string[]): Record<string, number> {
  const rep = accuracyByDeviceGroup(truth, argmaxRows(probs), devices);
  const out: Record<string, number> = {};
  for (const g of rep.groups) out[g.name] = 100 * g.accuracy;
  out['val loss'] = logLoss(truth, probs);
  out.Avg = 100 * rep.overall;
  return out;
}
