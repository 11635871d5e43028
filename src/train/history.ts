/**
 * Training history, one record per epoch, written as CSV and JSON after every
 * epoch (atomically), so an interrupted run keeps the curve up to its last
 * epoch.
 */
import { renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface EpochRecord {
  epoch: number;
  loss: number;
  acc: number;
  valLoss: number | null;
  valAcc: number | null;
  /**
   * Validation top-1 accuracy (the highest-scoring output is the highest
   * target; Keras' categorical_accuracy) whatever the loss: for a sigmoid
   * tagger trained on single-label clips, valAcc is Keras' binary accuracy
   * over every output, which is near 1 - 1/classes from the first epochs.
   * Absent in histories written before it was recorded.
   */
  valTop1?: number | null;
  lr: number;
  seconds: number;
}

export function historyToCsv(history: EpochRecord[]): string {
  const cols: (keyof EpochRecord)[] = ['epoch', 'loss', 'acc', 'valLoss', 'valAcc', 'valTop1', 'lr', 'seconds'];
  const lines = [cols.join(',')];
  for (const h of history) lines.push(cols.map((c) => (h[c] === null || h[c] === undefined ? '' : String(h[c]))).join(','));
  return `${lines.join('\n')}\n`;
}

/** Write `<base>.csv` and `<base>.json`. */
export function writeHistory(base: string, history: EpochRecord[]): void {
  mkdirSync(dirname(base), { recursive: true });
  for (const [ext, text] of [
    ['csv', historyToCsv(history)],
    ['json', JSON.stringify(history, null, 1)],
  ] as const) {
    const path = `${base}.${ext}`;
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  }
}

/** The validation value early stopping watches (see EarlyStopping.monitor in fit.ts). */
export type Monitor = 'valLoss' | 'valAccuracy' | 'valTop1';

/**
 * The monitored value of one epoch in "lower is better" form: the
 * validation loss, or minus the validation accuracy under the accuracy
 * monitors. Null when the epoch has no such value (no validation set, or a
 * history written before valTop1 was recorded). The one rule that fit's
 * early stopping applies while training and that `keptEpoch` replays.
 */
export function monitoredValue(monitor: Monitor, r: Pick<EpochRecord, 'valLoss' | 'valAcc' | 'valTop1'>): number | null {
  const v = monitor === 'valAccuracy' ? r.valAcc : monitor === 'valTop1' ? r.valTop1 : r.valLoss;
  if (v === null || v === undefined) return null;
  return monitor === 'valLoss' ? v : -v;
}

/**
 * The epoch whose weights early stopping kept, replayed from a stored
 * history under fit's rule: epochs up to `startFromEpoch` are not watched,
 * and a later epoch becomes the best when its monitored value improves on
 * the best so far by more than `minDelta` (so ties keep the first). Without
 * `restoreBest`, or without any watched epoch, the last epoch's weights
 * are the ones kept.
 */
export function keptEpoch(
  history: readonly EpochRecord[],
  opts: { monitor?: Monitor; startFromEpoch?: number; minDelta?: number; restoreBest?: boolean } = {},
): number {
  const last = history.length ? history[history.length - 1]!.epoch : 0;
  if (opts.restoreBest === false) return last;
  const monitor = opts.monitor ?? 'valLoss';
  const minDelta = opts.minDelta ?? 0;
  let best: number | null = null;
  let bestEpoch: number | null = null;
  for (const r of history) {
    if (r.epoch <= (opts.startFromEpoch ?? 0)) continue;
    const m = monitoredValue(monitor, r);
    if (m === null) continue;
    if (best === null || m < best - minDelta) {
      best = m;
      bestEpoch = r.epoch;
    }
  }
  return bestEpoch ?? last;
}
