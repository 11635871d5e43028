/**
 * The shipped experiment files (reproductions/<paper>/experiments/, bases in
 * experiments/bases/): every one loads and validates, every base is used,
 * and no string value longer than 40 characters is written in two files
 * (issue #14: a shared choice or reason lives once, in a base).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { experimentsDir, loadExperiments } from '../../src/reproduce/experiments.js';
import { REPRODUCTIONS_DIR } from '../../src/reproduce/published.js';

const PAPERS = ['wei2018', 'mushtaq2020', 'hu2020'];

/** Every JSON file under each paper's experiments folder (bases included). */
function experimentFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(dir, { withFileTypes: true })) {
      if (f.isDirectory()) walk(join(dir, f.name));
      else if (f.name.endsWith('.json')) out.push(join(dir, f.name));
    }
  };
  for (const p of PAPERS) walk(experimentsDir(p));
  return out.sort();
}

function strings(x: unknown, out: string[] = []): string[] {
  if (typeof x === 'string') out.push(x);
  else if (Array.isArray(x)) x.forEach((v) => strings(v, out));
  else if (x && typeof x === 'object') Object.values(x).forEach((v) => strings(v, out));
  return out;
}

describe('shipped experiment files', () => {
  const files = experimentFiles();

  it('finds the three papers\' experiments and bases', () => {
    expect(files.length).toBeGreaterThan(53);
    for (const p of PAPERS) expect(existsSync(join(experimentsDir(p), 'bases')), p).toBe(true);
  });

  it('no string value longer than 40 characters appears in two files', () => {
    const where = new Map<string, Set<string>>();
    for (const f of files) {
      for (const s of strings(JSON.parse(readFileSync(f, 'utf8')))) {
        if (s.length <= 40) continue;
        if (!where.has(s)) where.set(s, new Set());
        where.get(s)!.add(relative(REPRODUCTIONS_DIR, f));
      }
    }
    const repeated = [...where].filter(([, set]) => set.size > 1).map(([s, set]) => `"${s.slice(0, 60)}..." in ${[...set].join(', ')}`);
    expect(repeated).toEqual([]);
  });

  it('every paper loads, each experiment validated (ids, members, augmentations)', () => {
    for (const p of PAPERS) {
      const exps = loadExperiments(p);
      expect(exps.length, p).toBeGreaterThan(10);
      for (const e of exps) {
        expect(e.paper).toBe(p);
        expect(new Set(e.choices).size, `${p}/${e.id}: a choice repeated`).toBe(e.choices.length);
      }
    }
  });

  it('every base file is extended by some file of its paper, and no base names an experiment', () => {
    for (const p of PAPERS) {
      const dir = experimentsDir(p);
      const bases = readdirSync(join(dir, 'bases')).filter((f) => f.endsWith('.json')).map((f) => join(dir, 'bases', f));
      const used = new Set<string>();
      for (const f of files.filter((x) => x.startsWith(dir))) {
        const ext = JSON.parse(readFileSync(f, 'utf8')).extends;
        for (const rel of ext === undefined ? [] : Array.isArray(ext) ? ext : [ext]) used.add(resolve(dirname(f), rel));
      }
      for (const b of bases) {
        expect(used.has(b), `${relative(REPRODUCTIONS_DIR, b)} is not extended by any file`).toBe(true);
        expect(JSON.parse(readFileSync(b, 'utf8')).id, b).toBeUndefined();
      }
    }
  });

});
