/**
 * Composing augmentations. A `Pipeline` runs its steps in order; each step
 * is applied with its probability p (the step's own, or the transform's
 * `p`): one uniform draw per step decides, then the transform draws its
 * parameters and applies them. Everything comes from one seeded Rng, and the
 * record of what was applied and drawn is returned for logging / replay.
 *
 * Offline (`expandOffline`): expand a dataset before training, e.g. hu2020's
 * extra augmented copies. Every derived item keeps the id of the recording it
 * came from (`sourceId`), so a split by `sourceId` (`groupBySource`) can
 * never put a recording and its copy on different sides. Each copy has its
 * own generator, seeded from (seed, item id, copy number), so the result does
 * not depend on the order of the items.
 * Online mode, on every training batch, is ./online.ts.
 */
import { Rng } from '../util/rng.js';
import { InvalidParameterError, require_ } from '../util/errors.js';
import { checkProbability } from './params.js';
import type { Transform } from './types.js';

export interface PipelineStep<X> {
  transform: Transform<X, unknown>;
  /** Overrides transform.p when given. */
  p?: number;
}

export interface StepRecord {
  name: string;
  applied: boolean;
  /** The transform's drawn parameters (when applied). */
  drawn?: unknown;
}

export class Pipeline<X> {
  readonly steps: ReadonlyArray<{ transform: Transform<X, unknown>; p: number }>;

  constructor(steps: ReadonlyArray<Transform<X, unknown> | PipelineStep<X>>) {
    this.steps = steps.map((s) => {
      const step = 'transform' in s ? s : { transform: s };
      const p = step.p ?? step.transform.p;
      checkProbability(`pipeline step '${step.transform.name}'`, p);
      return { transform: step.transform, p };
    });
  }

  /** Apply the steps to x (x itself is never modified). */
  run(x: X, rng: Rng): { x: X; record: StepRecord[] } {
    const record: StepRecord[] = [];
    let cur = x;
    for (const { transform, p } of this.steps) {
      const u = rng.random();
      if (u < p) {
        const drawn = transform.draw(rng, cur);
        cur = transform.apply(cur, drawn);
        record.push({ name: transform.name, applied: true, drawn });
      } else {
        record.push({ name: transform.name, applied: false });
      }
    }
    return { x: cur, record };
  }

  /** Re-apply a record (same drawn parameters) to another input. */
  replay(x: X, record: readonly StepRecord[]): X {
    require_(record.length === this.steps.length, `pipeline replay: record has ${record.length} steps, pipeline ${this.steps.length}`);
    let cur = x;
    this.steps.forEach(({ transform }, i) => {
      const r = record[i];
      require_(r.name === transform.name, `pipeline replay: step ${i} is '${transform.name}', record says '${r.name}'`);
      if (r.applied) cur = transform.apply(cur, r.drawn);
    });
    return cur;
  }
}

// ---------------------------------------------------------------- offline

export interface DatasetItem<X> {
  id: string;
  /** The recording this item comes from; defaults to `id`. */
  sourceId?: string;
  x: X;
  y?: unknown;
}

export interface DerivedItem<X> {
  id: string;
  sourceId: string;
  x: X;
  y?: unknown;
  /** 0 for the original, 1..copies for augmented copies. */
  copy: number;
  record: StepRecord[];
}

export interface OfflineOptions {
  /** Augmented copies per item (>= 1). */
  copies: number;
  seed: number | string;
  /** Keep the original items in the output (default true). */
  keepOriginal?: boolean;
  /** Tag in the derived ids: `${id}#${tag}${k}` (default 'aug'). */
  tag?: string;
}

export function expandOffline<X>(items: readonly DatasetItem<X>[], pipeline: Pipeline<X>, opts: OfflineOptions): DerivedItem<X>[] {
  require_(Number.isInteger(opts.copies) && opts.copies >= 1, `expandOffline: copies must be an integer >= 1, got ${opts.copies}`);
  const tag = opts.tag ?? 'aug';
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.id)) throw new InvalidParameterError(`expandOffline: duplicate item id '${it.id}'`);
    seen.add(it.id);
  }
  const out: DerivedItem<X>[] = [];
  for (const it of items) {
    const sourceId = it.sourceId ?? it.id;
    if (opts.keepOriginal ?? true) out.push({ id: it.id, sourceId, x: it.x, y: it.y, copy: 0, record: [] });
    for (let k = 1; k <= opts.copies; k++) {
      const rng = new Rng(`offline|${String(opts.seed)}|${it.id}|${k}`);
      const { x, record } = pipeline.run(it.x, rng);
      const id = `${it.id}#${tag}${k}`;
      if (seen.has(id)) throw new InvalidParameterError(`expandOffline: derived id '${id}' collides with an existing id`);
      seen.add(id);
      out.push({ id, sourceId, x, y: it.y, copy: k, record });
    }
  }
  return out;
}

/** Items grouped by the recording they come from (split on the keys). */
export function groupBySource<T extends { id: string; sourceId?: string }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const key = it.sourceId ?? it.id;
    const g = groups.get(key);
    if (g) g.push(it);
    else groups.set(key, [it]);
  }
  return groups;
}
