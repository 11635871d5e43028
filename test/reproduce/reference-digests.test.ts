/**
 * Every smoke run of the three papers against the reference digests recorded
 * in reproductions/reference-digests/ (src/reproduce/digests.ts says what a
 * digest holds and leaves out). A change of the harness that changes any
 * metric, per-clip score, training curve, note or report line fails here.
 * Re-record (`npx tsx scripts/reference-digests.ts record`) only in a commit
 * that says why the results changed.
 *
 * Digests hold for the backend they were recorded on (the summation order of
 * the OpenBLAS core and the wasm kernels): on another backend the comparison
 * is skipped, with the reason.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareDigests, digestRun, type PaperDigest } from '../../src/reproduce/digests.js';
import { REPO_ROOT } from '../../src/reproduce/published.js';
import { runSmoke, smokeBackendLine, SMOKE_PAPERS } from '../../src/reproduce/smoke-run.js';
import { SKIP_MARK } from '../helpers/requires.js';

const DIGESTS = join(REPO_ROOT, 'reproductions', 'reference-digests');
const reference = (paper: string) => JSON.parse(readFileSync(join(DIGESTS, `smoke-${paper}.json`), 'utf8')) as PaperDigest;
const dir = mkdtempSync(join(tmpdir(), 'aal-digest-test-'));
const backend = smokeBackendLine(dir);
const recordedOn = reference('mushtaq2020').backend;
const sameBackend = backend === recordedOn;

describe('reference digests of the smoke runs', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are recorded for every paper, each on one backend', () => {
    for (const paper of SMOKE_PAPERS) {
      const d = reference(paper);
      expect(Object.keys(d.jobs).length).toBeGreaterThan(0);
      expect(Object.keys(d.report).sort()).toEqual(['report.csv', 'report.json', 'report.md']);
      expect(d.backend).not.toContain('|');
    }
  });

  const title = (paper: string) =>
    sameBackend
      ? `${paper}: a fresh smoke run is bit-identical to its digest`
      : `${paper}: a fresh smoke run is bit-identical to its digest${SKIP_MARK}digests recorded on '${recordedOn}', this machine runs '${backend}'`;
  describe.skipIf(!sameBackend)('fresh runs', () => {
    beforeAll(() => {
      for (const paper of SMOKE_PAPERS) runSmoke(paper, dir);
    }, 900_000);
    for (const paper of SMOKE_PAPERS) {
      it(title(paper), () => {
        const d = digestRun(dir, 'smoke', paper, { repoRoot: REPO_ROOT, resultsDir: dir });
        expect(compareDigests(reference(paper), d)).toEqual([]);
      });
    }
  });
});
