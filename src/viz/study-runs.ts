/**
 * The stored study runs (reproductions/<paper>/runs/<study>/, written by
 * scripts/store-study-run.ts) as the notebooks show them: the report's
 * markdown (read as stored: every number in it is recomputed from the
 * stored per-clip scores by test/reproduce/stored-runs.test.ts) and its
 * charts. Nothing here trains or recomputes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listStudies, storedRunDir, REPRODUCTIONS_DIR } from '../reproduce/index.js';

export interface StoredStudyRun {
  study: string;
  dir: string;
  /** report.md as stored. */
  markdown: string;
  /** The charts stored beside it (report, claims, curves), SVG text. */
  svgs: { name: string; svg: string }[];
  /** finding.md: what the run shows and what it does not, written by whoever stored it (null when absent). */
  finding: string | null;
}

/** The stored runs of a paper's studies (ids), in name order. */
export function storedStudyRuns(paper: string): string[] {
  const dir = join(REPRODUCTIONS_DIR, paper, 'runs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'report.md')))
    .sort();
}

/**
 * A study's stored run, or a sentence saying it is not stored yet (with the
 * command that runs it) when it is not.
 */
export function storedStudyRun(study: string): StoredStudyRun | string {
  const listed = listStudies().find((s) => !('error' in s) && ('study' in s ? s.study.id === study : s.derived.id === study));
  if (!listed || 'error' in listed) return `No study '${study}' in reproductions/studies/.`;
  const meta = 'study' in listed ? listed.study : listed.derived;
  const dir = storedRunDir(meta);
  if (!existsSync(join(dir, 'report.md'))) {
    return (
      `The study '${study}' has no stored run yet (${dir}). Run it with: npx tsx scripts/make-study-folder.ts out/esc-fold4 --from DATA_ROOT --link (DATA_ROOT: a data root holding esc50/) ` +
      `&& npx audio-aug-lab reproduce --study reproductions/studies/${study}.json --data-dir out/esc-fold4 --budget full`
    );
  }
  const svgs = ['report', 'claims', 'curves'].filter((n) => existsSync(join(dir, `${n}.svg`))).map((name) => ({ name, svg: readFileSync(join(dir, `${name}.svg`), 'utf8') }));
  const finding = existsSync(join(dir, 'finding.md')) ? readFileSync(join(dir, 'finding.md'), 'utf8') : null;
  return { study, dir, markdown: readFileSync(join(dir, 'report.md'), 'utf8'), svgs, finding };
}
