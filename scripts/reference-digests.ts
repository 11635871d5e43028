/**
 * Record or check the reference digests of the three papers' smoke runs
 * (src/reproduce/digests.ts says what they hold and leave out).
 *
 *   npx tsx scripts/reference-digests.ts check  [--results DIR]
 *   npx tsx scripts/reference-digests.ts record [--results DIR]
 *
 * Without --results the smoke runs are made afresh in a temporary folder
 * (about 2-3 minutes on 2 cores); with it, the finished smoke results in DIR
 * are read. `record` is for a commit that says why the results changed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compareDigests, digestRun, type PaperDigest } from '../src/reproduce/digests.js';
import { REPO_ROOT } from '../src/reproduce/published.js';
import { runSmoke, SMOKE_PAPERS } from '../src/reproduce/smoke-run.js';

export const DIGEST_DIR = join(REPO_ROOT, 'reproductions', 'reference-digests');

const [mode, ...rest] = process.argv.slice(2);
if (mode !== 'check' && mode !== 'record') {
  process.stderr.write('usage: npx tsx scripts/reference-digests.ts check|record [--results DIR]\n');
  process.exit(2);
}
const given = rest[0] === '--results' ? resolve(rest[1]) : null;
const dir = given ?? mkdtempSync(join(tmpdir(), 'aal-digests-'));
let failed = 0;
try {
  for (const paper of SMOKE_PAPERS) {
    if (!given) runSmoke(paper, dir);
    const d = digestRun(dir, 'smoke', paper, { repoRoot: REPO_ROOT, resultsDir: dir });
    const file = join(DIGEST_DIR, `smoke-${paper}.json`);
    if (mode === 'record') {
      writeFileSync(file, `${JSON.stringify(d, null, 1)}\n`);
      process.stdout.write(`${paper}: recorded ${Object.keys(d.jobs).length} jobs and ${Object.keys(d.report).length} report files in ${file}\n`);
    } else {
      const ref = JSON.parse(readFileSync(file, 'utf8')) as PaperDigest;
      const diffs = compareDigests(ref, d);
      if (ref.backend !== d.backend) process.stdout.write(`${paper}: recorded on '${ref.backend}', this run on '${d.backend}'\n`);
      process.stdout.write(diffs.length ? `${paper}: ${diffs.length} difference(s)\n  ${diffs.join('\n  ')}\n` : `${paper}: identical (${Object.keys(d.jobs).length} jobs, report)\n`);
      failed += diffs.length;
    }
  }
} finally {
  if (!given) rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
