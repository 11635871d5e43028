/**
 * Tests that need material the repository does not ship (the real datasets,
 * the paper texts) ask for it here, from an explicit variable, and are
 * skipped with their reason when it is absent, never silently:
 *
 *   AUDIO_AUG_LAB_DATA    a data root: `<root>/esc50/` (audio/, meta/),
 *                         `<root>/chime-home-meta/`, ... (the same variable the
 *                         CLI reads as its data root).
 *   AUDIO_AUG_LAB_PAPERS  a folder holding the papers' texts (`<paper>-*.md`);
 *                         they are not redistributed with the repository.
 *
 * A skipped test's title ends with `${SKIP_MARK}<reason>`; `npm test`
 * (scripts/test.mjs) groups the skipped tests by that reason in its closing
 * line, and counts a skip without one as "no reason given".
 *
 *   const esc = needsData('esc50/audio', 'the 304 ESC-50 fold-4 clips');
 *   itNeeds(esc, 'reads every clip', () => { ... esc.path ... });
 *
 * What the repository does ship for the same checks (small, synthetic lists
 * in the real formats) is in `test/reference-data/` (REFERENCE_DATA) and, for
 * what the library itself shows, `data-manifests/reference/`
 * (REFERENCE_MANIFEST_DATA); those tests run unconditionally.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'vitest';

export const SKIP_MARK = ' — skipped: ';

/** `test/reference-data/`: committed reference data for the tests (README.md there). */
export const REFERENCE_DATA = resolve(import.meta.dirname, '..', 'reference-data');

/** `data-manifests/reference/`: committed reference data the library's views read too. */
export const REFERENCE_MANIFEST_DATA = resolve(import.meta.dirname, '..', '..', 'data-manifests', 'reference');

export interface Need {
  /** The resolved path when present, else null. */
  path: string | null;
  /** Why a test is skipped when `path` is null. */
  reason: string;
}

function need(envVar: string, sub: string, what: string): Need {
  const root = process.env[envVar];
  if (root === undefined || root === '') {
    return { path: null, reason: `${envVar} not set (needs ${what})` };
  }
  const p = resolve(root, sub);
  if (!existsSync(p)) return { path: null, reason: `${envVar}/${sub} not found (needs ${what})` };
  return { path: p, reason: '' };
}

/** A path under $AUDIO_AUG_LAB_DATA, e.g. `needsData('esc50', 'the ESC-50 fold-4 clips')`. */
export function needsData(sub: string, what: string): Need {
  return need('AUDIO_AUG_LAB_DATA', sub, what);
}

/** The papers folder ($AUDIO_AUG_LAB_PAPERS), or a file in it matching `<paper>-*.md`. */
export function needsPaper(paper?: string): Need {
  const n = need('AUDIO_AUG_LAB_PAPERS', '.', 'the paper texts');
  if (n.path === null || paper === undefined) return n;
  const f = readdirSync(n.path).find((x) => x.startsWith(`${paper}-`) && x.endsWith('.md'));
  if (f === undefined) return { path: null, reason: `AUDIO_AUG_LAB_PAPERS has no ${paper}-*.md (needs the paper text)` };
  return { path: join(n.path, f), reason: '' };
}

function titled(title: string, needs: Need[]): { skip: boolean; title: string } {
  const missing = needs.filter((n) => n.path === null);
  if (missing.length === 0) return { skip: false, title };
  return { skip: true, title: `${title}${SKIP_MARK}${missing.map((n) => n.reason).join('; ')}` };
}

function asList(n: Need | Need[]): Need[] {
  return Array.isArray(n) ? n : [n];
}

/** `it` that runs only when every need is present; skipped with the reason otherwise. */
export function itNeeds(n: Need | Need[], title: string, fn: () => unknown, timeout?: number): void {
  const t = titled(title, asList(n));
  it.skipIf(t.skip)(t.title, fn, timeout);
}

/** `describe` that runs only when every need is present; its tests are skipped with the reason otherwise. */
export function describeNeeds(n: Need | Need[], title: string, fn: () => void): void {
  const t = titled(title, asList(n));
  describe.skipIf(t.skip)(t.title, fn);
}
