/**
 * `maxClipsPerClass` for single-label sources (ESC-50, a user's folder): at
 * most k clips per class, taken from the class's source recordings in turn
 * (sources in a seeded order, each source's clips by id), so a capped run
 * keeps as many recordings, and so as many source-grouped folds, as it can.
 * Keeps the input order of the chosen clips. TAU's per-scene cap, which
 * takes devices in turn, is `capPerScene` in tau2020.ts.
 */
import { InvalidParameterError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';

export function capPerClass<T extends { id: string; labels: string[]; sourceId: string }>(clips: readonly T[], k: number, salt: string): T[] {
  if (!(Number.isInteger(k) && k >= 1)) throw new InvalidParameterError(`maxClipsPerClass must be a positive integer, got ${k}`);
  const byLabel = new Map<string, Map<string, T[]>>();
  for (const c of clips) {
    const label = c.labels[0] ?? '';
    let sources = byLabel.get(label);
    if (!sources) byLabel.set(label, (sources = new Map()));
    const list = sources.get(c.sourceId) ?? [];
    list.push(c);
    sources.set(c.sourceId, list);
  }
  const chosen = new Set<string>();
  for (const label of [...byLabel.keys()].sort()) {
    const sources = byLabel.get(label)!;
    const order = [...sources.keys()].sort();
    new Rng(`cap|${salt}|${label}`).shuffle(order);
    const queues = order.map((s) => [...sources.get(s)!].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
    let taken = 0;
    while (taken < k && queues.some((q) => q.length > 0)) {
      for (const q of queues) {
        const c = q.shift();
        if (!c) continue;
        chosen.add(c.id);
        if (++taken === k) break;
      }
    }
  }
  return clips.filter((c) => chosen.has(c.id));
}
