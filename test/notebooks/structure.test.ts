/**
 * The notebooks as files: valid nbformat 4 JSON for the tslab kernel, stored
 * WITHOUT outputs, importing the library only by the package's own name
 * (paths that exist in src/), no paths relative to the working directory,
 * short code cells, narrative in markdown, and a README entry for each.
 * Executing them is `npm run notebooks` (scripts/notebooks.mjs).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const DIR = join(ROOT, 'notebooks');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.ipynb'))
  .sort();

/** Packages a notebook may import besides the library itself. */
// tslab, and Node's own modules for temporary folders and paths (the tour's study section).
const ALLOWED_PACKAGES = new Set(['tslab', 'node:fs', 'node:os', 'node:path']);
/** Longest code cell allowed: notebooks call the library, they do not implement. */
const MAX_CODE_LINES = 12;

interface Cell {
  cell_type: string;
  id?: string;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
  metadata: Record<string, unknown>;
}
interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: { kernelspec?: { name?: string; language?: string } };
  cells: Cell[];
}

const text = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);
const load = (f: string) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Notebook;

/** Module specifiers of import / export-from / require / dynamic import. */
export function importSpecifiers(code: string): string[] {
  const out: string[] = [];
  const patterns = [/\bimport\s+[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bexport\s+[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g, /\brequire\s*\(\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]/g];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[1]);
  return out;
}

describe('notebooks/ holds the four paper notebooks', () => {
  it('00 to 03 are present, with a README naming each', () => {
    for (const prefix of ['00-tour', '01-wei2018', '02-mushtaq2020', '03-hu2020']) expect(FILES.some((f) => f.startsWith(prefix)), prefix).toBe(true);
    const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
    for (const f of FILES) expect(readme, `README mentions ${f}`).toContain(f);
  });

  it('the import checker finds every form of import', () => {
    expect(importSpecifiers("import * as a from 'x';\nimport { b } from \"y\";\nimport 'z';\nconst c = require('w'); await import('v');")).toEqual(['x', 'y', 'z', 'w', 'v']);
  });
});

describe.each(FILES)('%s', (file) => {
  const nb = load(file);
  const code = nb.cells.filter((c) => c.cell_type === 'code');
  const markdown = nb.cells.filter((c) => c.cell_type === 'markdown');

  it('is nbformat 4 JSON for the tslab (TypeScript) kernel', () => {
    expect(nb.nbformat).toBe(4);
    expect(nb.nbformat_minor).toBeGreaterThanOrEqual(4);
    expect(nb.metadata.kernelspec?.name).toBe('tslab');
    expect(nb.metadata.kernelspec?.language).toBe('typescript');
    for (const c of nb.cells) {
      expect(['markdown', 'code']).toContain(c.cell_type);
      expect(typeof c.metadata).toBe('object');
    }
    if (nb.nbformat_minor >= 5) {
      const ids = nb.cells.map((c) => c.id);
      expect(ids.every((id) => typeof id === 'string' && /^[a-zA-Z0-9-_]{1,64}$/.test(id))).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('is stored without outputs or execution counts', () => {
    for (const c of code) {
      expect(c.outputs, text(c).slice(0, 60)).toEqual([]);
      expect(c.execution_count ?? null).toBeNull();
      expect(Object.keys(c.metadata).filter((k) => k === 'execution' || k === 'scrolled' || k === 'collapsed')).toEqual([]);
    }
  });

  it('imports the library by package name (existing modules) and nothing else but tslab', () => {
    const specs = code.flatMap((c) => importSpecifiers(text(c)));
    expect(specs.some((s) => s.startsWith('audio-aug-lab/'))).toBe(true);
    for (const s of specs) {
      if (ALLOWED_PACKAGES.has(s)) continue;
      expect(s, `${file} imports '${s}'`).toMatch(/^audio-aug-lab(\/[a-z0-9-]+)+\.js$/);
      const source = join(ROOT, 'src', `${s.slice('audio-aug-lab/'.length, -3)}.ts`);
      expect(existsSync(source), `${s} -> ${source}`).toBe(true);
    }
  });

  it('refers to no path relative to the working directory and no machine path', () => {
    for (const c of code) {
      const t = text(c);
      expect(t, t.slice(0, 80)).not.toMatch(/['"`]\.{1,2}\//);
      expect(t, t.slice(0, 80)).not.toMatch(/['"`]\/(work|home|tmp|usr)\//);
      expect(t).not.toMatch(/process\.chdir|process\.cwd/);
    }
  });

  it('keeps code cells short and the narrative in markdown', () => {
    for (const c of code) expect(text(c).split('\n').length, text(c).slice(0, 80)).toBeLessThanOrEqual(MAX_CODE_LINES);
    expect(nb.cells[0].cell_type).toBe('markdown');
    expect(text(nb.cells[0])).toMatch(/^# /);
    expect(markdown.length).toBeGreaterThanOrEqual(code.length / 2);
    expect(markdown.map(text).join('\n').split(/\s+/).length).toBeGreaterThan(300);
  });

  it('cites the paper (sections, or the review for mushtaq2020) in its markdown', () => {
    const prose = markdown.map(text).join('\n');
    if (file.startsWith('00-')) return; // the tour is about the library, not one paper
    expect((prose.match(/\b(section|sections|review|Table)\b/gi) ?? []).length).toBeGreaterThanOrEqual(3);
  });

  it('labels every in-notebook training run as a demo and never calls a result a reproduction', () => {
    for (const c of code) {
      if (/\bdemoRun\(/.test(text(c))) expect(text(c)).toMatch(/title:/);
    }
    const prose = markdown.map(text).join('\n');
    if (code.some((c) => /\bdemoRun\(/.test(text(c)))) expect(prose).toMatch(/demo training run \(not a reproduction\)/i);
  });
});
