/**
 * Training progress: on a terminal, one line redrawn in place (epoch, bar,
 * loss, metric, rate, ETA); elsewhere (CI logs, notebooks, files) one plain
 * line per epoch. `mode: 'none'` prints nothing.
 */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

/**
 * The validation part of an epoch's log line, Keras' names
 * (" val_loss 0.1234 val_acc 0.961 val_top1 0.250"); empty without
 * validation, no val_top1 where the epoch has none. Shared by the progress
 * line and the study runner's job log.
 */
export function validationText(v: { valLoss?: number | null; valAcc?: number | null; valTop1?: number | null }): string {
  if (v.valLoss === null || v.valLoss === undefined) return '';
  const top1 = typeof v.valTop1 === 'number' ? ` val_top1 ${v.valTop1.toFixed(3)}` : '';
  return ` val_loss ${v.valLoss.toFixed(4)} val_acc ${(v.valAcc ?? NaN).toFixed(3)}${top1}`;
}

export interface EpochLine {
  epoch: number;
  epochs: number;
  loss: number;
  acc: number;
  valLoss?: number;
  valAcc?: number;
  /** Validation top-1 accuracy (differs from valAcc for binary cross-entropy). */
  valTop1?: number;
  lr: number;
  seconds: number;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class Progress {
  private readonly mode: Exclude<ProgressMode, 'auto'>;
  private readonly out: NodeJS.WriteStream;
  private lastDraw = 0;

  constructor(mode: ProgressMode = 'auto', out: NodeJS.WriteStream = process.stderr) {
    this.out = out;
    this.mode = mode === 'auto' ? (out.isTTY && !process.env.CI ? 'bar' : 'lines') : mode;
  }

  /** Called after each batch; draws at most 10 times a second. */
  batch(epoch: number, epochs: number, done: number, total: number, loss: number, acc: number, startedAt: number): void {
    if (this.mode !== 'bar') return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < total) return;
    this.lastDraw = now;
    const width = 24;
    const filled = Math.round((done / total) * width);
    const elapsed = (now - startedAt) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
    const line =
      `epoch ${epoch + 1}/${epochs} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}` +
      ` loss ${loss.toFixed(4)} acc ${acc.toFixed(3)} ETA ${fmtTime(eta)}`;
    this.out.write(`\r${line}\x1b[K`);
  }

  epoch(e: EpochLine): void {
    if (this.mode === 'none') return;
    const line = `epoch ${e.epoch + 1}/${e.epochs} loss ${e.loss.toFixed(4)} acc ${e.acc.toFixed(3)}${validationText(e)} lr ${e.lr.toPrecision(3)} (${fmtTime(e.seconds)})`;
    this.out.write(this.mode === 'bar' ? `\r${line}\x1b[K\n` : `${line}\n`);
  }

  message(text: string): void {
    if (this.mode !== 'none') this.out.write(`${text}\n`);
  }
}
