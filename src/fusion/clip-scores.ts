/**
 * Per-clip scores of stored results as score matrices, and the plumbing
 * ensembles need: one result's rows (the float32 model's, or its int8 copy's
 * stored as `<clip>@int8` rows), rows of another result aligned to the same
 * clip order, and the average of several results' probabilities.
 */
import { InvalidParameterError } from '../util/errors.js';
import type { ScoreMatrix } from '../metrics/score-matrix.js';
import { averageEnsemble } from './average.js';

/** Suffix of the int8 model's per-clip rows in a result. */
export const INT8_SUFFIX = '@int8';

/** What a stored result must hold to be scored (the harness's JobResult fits). */
export interface ScoredResult {
  job: { id: string };
  scores?: { labels: string[]; clips: { id: string; scores: number[]; truth: number[]; group?: string }[] };
}

export interface ClipScores {
  labels: string[];
  ids: string[];
  /** Device code per clip. */
  devices: string[];
  truth: Int32Array;
  probs: ScoreMatrix;
}

/** The per-clip scores of a job result: the float32 model's rows, or the int8 model's (task 1b). */
export function clipScores(result: ScoredResult, variant: 'original' | 'int8' = 'original'): ClipScores {
  const s = result.scores;
  if (!s) throw new InvalidParameterError(`result ${result.job.id} has no per-clip scores`);
  const rows = s.clips.filter((c) => c.id.endsWith(INT8_SUFFIX) === (variant === 'int8'));
  if (rows.length === 0) throw new InvalidParameterError(`result ${result.job.id} has no ${variant} per-clip scores`);
  const cols = s.labels.length;
  const data = new Float64Array(rows.length * cols);
  const truth = new Int32Array(rows.length);
  rows.forEach((c, i) => {
    if (c.scores.length !== cols || c.truth.length !== cols) throw new InvalidParameterError(`clip ${c.id} of ${result.job.id} has ${c.scores.length} scores for ${cols} labels`);
    data.set(c.scores, i * cols);
    truth[i] = c.truth.indexOf(Math.max(...c.truth));
  });
  return {
    labels: [...s.labels],
    ids: rows.map((c) => (variant === 'int8' ? c.id.slice(0, -INT8_SUFFIX.length) : c.id)),
    devices: rows.map((c) => (variant === 'int8' ? '' : (c.group ?? ''))),
    truth,
    probs: { rows: rows.length, cols, data },
  };
}

/** `b` reordered to `a`'s clip order (the same clips must be present). */
export function alignTo(a: ClipScores, b: ClipScores, what: string): ClipScores {
  if (a.ids.length !== b.ids.length) throw new InvalidParameterError(`${what}: ${a.ids.length} vs ${b.ids.length} clips`);
  const index = new Map(b.ids.map((id, i) => [id, i]));
  const cols = b.probs.cols;
  const data = new Float64Array(a.ids.length * cols);
  const truth = new Int32Array(a.ids.length);
  a.ids.forEach((id, r) => {
    const i = index.get(id);
    if (i === undefined) throw new InvalidParameterError(`${what}: clip ${id} is missing`);
    data.set(b.probs.data.subarray(i * cols, (i + 1) * cols), r * cols);
    truth[r] = b.truth[i];
  });
  return { labels: b.labels, ids: [...a.ids], devices: a.devices, truth, probs: { rows: a.ids.length, cols, data } };
}

export function averageScores(list: ClipScores[], what: string): ClipScores {
  const first = list[0];
  const aligned = list.map((s, k) => {
    if (s.labels.join('|') !== first.labels.join('|')) throw new InvalidParameterError(`${what}: member ${k} has labels ${s.labels.join(', ')}`);
    const a = k === 0 ? s : alignTo(first, s, what);
    if (a.truth.some((t, i) => t !== first.truth[i])) throw new InvalidParameterError(`${what}: members disagree on the true labels`);
    return a;
  });
  return { ...first, probs: averageEnsemble(aligned.map((s) => s.probs)) };
}
