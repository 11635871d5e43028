#!/usr/bin/env node
// The project's test command (`npm test`): type-check everything, run vitest,
// and end with the plain line `N passed, N failed[, N skipped]` that CI reads
// (vitest's own summary is not read by CI). Extra arguments go to vitest,
// e.g. `npm test -- test/features`.
//
// Skipped tests are never silent: a test that needs material the repository
// does not ship (AUDIO_AUG_LAB_DATA, AUDIO_AUG_LAB_PAPERS) carries its reason
// in its title (test/helpers/requires.ts, after SKIP_MARK); the skipped tests
// are listed by reason before the closing line, and the closing line names
// the reasons with their counts. A skip without a reason is reported as such.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, existsSync } from 'node:fs';

const args = process.argv.slice(2);
const report = '.vitest-report.json';

const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' });
const typecheckOk = tsc.status === 0;
console.log(typecheckOk ? 'typecheck: ok' : 'typecheck: FAILED');

rmSync(report, { force: true });
const vitest = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args],
  { stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
let skipped = 0;
// The separator test/helpers/requires.ts puts between a test's title and its skip reason.
const SKIP_MARK = ' — skipped: ';
const reasons = new Map();
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests ?? 0;
  failed = (r.numFailedTests ?? 0) + (r.numRuntimeErrorTestSuites ?? 0);
  skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A test file that failed to load has no test results: count it as a failure.
  for (const suite of r.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
    for (const t of suite.assertionResults ?? []) {
      if (t.status !== 'pending' && t.status !== 'skipped' && t.status !== 'todo') continue;
      const titles = [...(t.ancestorTitles ?? []), t.title];
      const marked = titles.find((x) => x.includes(SKIP_MARK));
      const reason = marked ? marked.slice(marked.indexOf(SKIP_MARK) + SKIP_MARK.length) : 'no reason given';
      const file = String(suite.name ?? '').replace(/^.*?\/test\//, 'test/');
      if (!reasons.has(reason)) reasons.set(reason, []);
      reasons.get(reason).push(`${file} > ${titles.map((x) => x.split(SKIP_MARK)[0]).join(' > ')}`);
    }
  }
} else {
  failed += 1;
}
if (!typecheckOk) failed += 1;
if (reasons.size > 0) {
  console.log('skipped tests, by reason:');
  for (const [reason, tests] of reasons) {
    console.log(`  ${reason} (${tests.length}):`);
    for (const t of tests) console.log(`    - ${t}`);
  }
}
const why = [...reasons].map(([reason, tests]) => `${tests.length}: ${reason}`).join('; ');
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped (${why})` : ''}`);
process.exit(failed === 0 && vitest.status === 0 && typecheckOk ? 0 : 1);
