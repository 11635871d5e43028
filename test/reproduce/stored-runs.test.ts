/**
 * Every stored study run in the repository (reproductions/<paper>/runs/<study>/)
 * is recomputed from its stored per-clip scores and job records: the summary
 * (per-seed values, means, intervals, claim verdicts) and the report built
 * from it must be what is stored. A derived study (hu2020-int8) is
 * recomputed from its sources' stored runs. Runs nothing; no data needed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPRODUCTIONS_DIR } from '../../src/reproduce/published.js';
import { readStoredRun, summarizeStoredRun, SUMMARY_FILE } from '../../src/reproduce/study-store.js';
import { describeStoredRun, studyRunCsv, studyRunMarkdown } from '../../src/reproduce/study-run-report.js';
import { derivedRunContext, derivedSummaryFromStored, loadDerivedStudy } from '../../src/reproduce/study-derived.js';
import { STUDIES_DIR } from '../../src/reproduce/study-run.js';

const runDirs = readdirSync(REPRODUCTIONS_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(REPRODUCTIONS_DIR, d.name, 'runs')))
  .flatMap((d) => readdirSync(join(REPRODUCTIONS_DIR, d.name, 'runs')).map((s) => join(REPRODUCTIONS_DIR, d.name, 'runs', s)))
  .sort();
const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
const stored = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

describe('stored study runs', () => {
  it('the repository holds stored runs', () => {
    expect(runDirs.length).toBeGreaterThan(0);
  });

  for (const dir of runDirs) {
    const name = dir.slice(REPRODUCTIONS_DIR.length + 1);
    const derivedFile = join(STUDIES_DIR, `${dir.split('/').pop()}.json`);
    const isDerived = !existsSync(join(dir, 'scores.csv.gz'));
    it(`${name}: summary.json, report.md and report.csv are recomputed from the stored ${isDerived ? "sources' runs" : 'per-clip scores'}`, () => {
      let summary;
      let md;
      if (isDerived) {
        const d = loadDerivedStudy(derivedFile);
        const r = derivedSummaryFromStored(d, JSON.parse(stored(dir, SUMMARY_FILE)).budget);
        summary = r.summary;
        md = studyRunMarkdown(summary, derivedRunContext(d, r.missing));
      } else {
        const run = readStoredRun(dir);
        summary = summarizeStoredRun(run);
        md = studyRunMarkdown(summary, describeStoredRun(run));
      }
      expect(plain(summary)).toEqual(JSON.parse(stored(dir, SUMMARY_FILE)));
      expect(md).toBe(stored(dir, 'report.md'));
      expect(studyRunCsv(summary)).toBe(stored(dir, 'report.csv'));
    });

    it(`${name}: its charts cut no label (vega writes a cut label with an ellipsis)`, () => {
      const svgs = readdirSync(dir).filter((f) => f.endsWith('.svg'));
      expect(svgs).toContain('report.svg');
      for (const f of svgs) expect(stored(dir, f), f).not.toContain('…');
    });

    it(`${name}: provenance.json names the code, commands and ${isDerived ? 'source runs' : 'every input clip'}`, () => {
      const p = JSON.parse(stored(dir, 'provenance.json'));
      if (isDerived) {
        expect(p.sources.length).toBeGreaterThan(0);
        for (const s of p.sources) expect(Object.values(s.sha256).every((h) => /^[0-9a-f]{64}$/.test(h as string))).toBe(true);
        return;
      }
      const run = readStoredRun(dir);
      expect(p.codeVersions.length).toBeGreaterThan(0);
      expect(p.commands.length).toBeGreaterThan(0);
      for (const c of p.commands) expect(c.command).toMatch(/^npx audio-aug-lab reproduce --study /);
      expect(p.frameworkProfiles).toEqual([...new Set(run.jobs.jobs.map((j) => j.framework))]);
      expect(p.data.sha256.length).toBe(p.data.clips);
      // every clip scored is one of the clips hashed
      const hashed = new Set(p.data.sha256.map((c: { file: string }) => c.file.replace(/\.wav$/i, '')));
      // (offline copies tested under augment-then-random-folds are named <clip>#<method>)
      expect(run.scores.every((r) => hashed.has(r.clip.split('#')[0]))).toBe(true);
      expect(p.jobs.finished).toBe(run.jobs.jobs.length);
    });
  }
});
