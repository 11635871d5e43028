/**
 * The layering of src/ (issue 14, "Layers in order"; src/README.md says the
 * same in words): every import of src/**\/*.ts, read with the TypeScript
 * parser (./import-graph.ts; type-only imports count too), must
 *  - go from a layer to itself or to a layer in its row of MAY_IMPORT below:
 *    the lower layers never import reproduce/, viz/ or cli/, reproduce/
 *    never imports viz/ or cli/;
 *  - reach the harness from viz/ only through src/reproduce/index.ts, its
 *    public API;
 *  - form no cycle between files.
 * A new arrow between layers is a design change: change MAY_IMPORT and
 * src/README.md together.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph, type ImportEdge } from './import-graph.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Layer -> the other layers its files may import (util is the floor). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  util: [],
  io: ['util'],
  audio: ['util'],
  metrics: ['util'],
  backend: ['util'],
  features: ['audio', 'util'],
  augment: ['audio', 'features', 'util'],
  data: ['audio', 'util'],
  models: ['backend', 'util'],
  train: ['augment', 'backend', 'models', 'util'],
  quantize: ['models', 'util'],
  fusion: ['metrics', 'util'],
  reproduce: ['util', 'io', 'audio', 'metrics', 'backend', 'features', 'augment', 'data', 'models', 'train', 'quantize', 'fusion'],
  viz: ['util', 'io', 'audio', 'metrics', 'backend', 'features', 'augment', 'data', 'models', 'train', 'quantize', 'fusion', 'reproduce'],
  cli: ['util', 'io', 'audio', 'metrics', 'backend', 'features', 'augment', 'data', 'models', 'train', 'quantize', 'fusion', 'reproduce', 'viz'],
  /** src/index.ts, the package's entry: the library, not the harness. */
  '(entry)': ['util', 'audio', 'features', 'augment', 'metrics', 'fusion', 'data', 'train'],
};

/** The only file of reproduce/ that viz/ may import. */
const HARNESS_API = 'src/reproduce/index.ts';

/**
 * Known violations, each `from -> to` with the reason. Empty when the
 * layering holds; an entry that no longer occurs fails the test, so the list
 * cannot go stale.
 */
const ALLOWED: readonly { from: string; to: string; why: string }[] = [];

function layerOf(file: string): string {
  const parts = file.split('/');
  return parts.length === 2 ? '(entry)' : parts[1];
}

/** Why an edge breaks the layering, or null. */
function violation(e: ImportEdge): string | null {
  const a = layerOf(e.from);
  const b = layerOf(e.to);
  if (!(a in MAY_IMPORT)) return `${e.from} is in layer '${a}', which src/README.md and MAY_IMPORT do not describe`;
  if (a === b) return null;
  if (!MAY_IMPORT[a].includes(b)) return `${e.from}:${e.line} imports ${e.to}: layer ${a} may import only ${MAY_IMPORT[a].join(', ') || 'nothing outside itself'}`;
  if (a === 'viz' && b === 'reproduce' && e.to !== HARNESS_API) return `${e.from}:${e.line} imports ${e.to}: viz reaches the harness only through ${HARNESS_API}`;
  return null;
}

const edges = importGraph(ROOT);
const allowedKey = (from: string, to: string) => `${from} -> ${to}`;
const allowed = new Set(ALLOWED.map((x) => allowedKey(x.from, x.to)));

describe('layering of src/', () => {
  it('reads the imports of every source file', () => {
    // a parser that found nothing would pass every check below
    expect(edges.length).toBeGreaterThan(500);
    expect(edges.some((e) => e.from === 'src/reproduce/report.ts' && e.to === 'src/reproduce/results.ts')).toBe(true);
    expect(edges.some((e) => e.typeOnly)).toBe(true);
  });

  it('imports only downwards (lower layers never import reproduce, viz or cli; viz uses the public harness API)', () => {
    const bad = edges.filter((e) => violation(e) && !allowed.has(allowedKey(e.from, e.to))).map((e) => violation(e)!);
    expect(bad, bad.join('\n')).toEqual([]);
  });

  it('lists only violations that still occur', () => {
    const occurring = new Set(edges.filter((e) => violation(e)).map((e) => allowedKey(e.from, e.to)));
    const stale = ALLOWED.filter((x) => !occurring.has(allowedKey(x.from, x.to))).map((x) => allowedKey(x.from, x.to));
    expect(stale, `no longer violations, remove from ALLOWED:\n${stale.join('\n')}`).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles = importCycles(edges).map((c) => {
      const inside = edges.filter((e) => c.includes(e.from) && c.includes(e.to)).map((e) => `  ${e.from}:${e.line} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`);
      return `cycle of ${c.length} files:\n${inside.join('\n')}`;
    });
    expect(cycles, cycles.join('\n')).toEqual([]);
  });
});
