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
