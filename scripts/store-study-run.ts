/**
 * Store a study run in the repository: reads the job results a
 * `reproduce --study` run left under <results>/<budget>/<study>/ and writes
 * reproductions/<paper>/runs/<study>/ (or --out): jobs.json.gz,
 * scores.csv.gz, summary.json (src/reproduce/study-store.ts), report.md,
 * report.csv, report.json, the charts (report, claims, curves: .svg and
 * .png) and provenance.json (commit, exact commands, framework profile,
 * backend line, CPU model, thread layout, wall time, SHA-256 of every input
 * clip). A partial run (not every arm x seed x fold finished) is stored as
 * what it is: the report counts its jobs, and provenance.json lists the
 * missing ones.
 *
 *   npx tsx scripts/store-study-run.ts --study FILE --results DIR --data-dir DIR [--budget full] [--out DIR]
 */
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { loadDataset } from '../src/data/sources/index.js';
import { datasetRequest } from '../src/reproduce/default-hooks.js';
import { applyBudget, jobsFor } from '../src/reproduce/experiments.js';
import { collectResults } from '../src/reproduce/results.js';
import { loadStudy } from '../src/reproduce/study-file.js';
import { readInvocations, sha256Of } from '../src/reproduce/study-provenance.js';
import { storedRunFromResults, summarizeStoredRun, SUMMARY_FILE, writeStoredRun } from '../src/reproduce/study-store.js';
import { describeStoredRun, studyRunCsv, studyRunMarkdown } from '../src/reproduce/study-run-report.js';
import { REPO_ROOT, REPRODUCTIONS_DIR } from '../src/reproduce/published.js';
import type { BudgetName } from '../src/reproduce/experiment-schema.js';
import { writeStudyRunCharts } from '../src/viz/study-run-charts.js';

const USAGE = 'usage: npx tsx scripts/store-study-run.ts --study FILE --results DIR --data-dir DIR [--budget full] [--out DIR]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { study: { type: 'string' }, results: { type: 'string' }, 'data-dir': { type: 'string' }, budget: { type: 'string', default: 'full' }, out: { type: 'string' } },
  });
  if (!values.study || !values.results || !values['data-dir']) {
    console.error(USAGE);
    return 2;
  }
  const study = loadStudy(values.study);
  const budget = values.budget as BudgetName;
  const paper = study.paper ?? 'studies';
  const out = values.out ?? join(REPRODUCTIONS_DIR, paper, 'runs', study.id);
  const runDir = join(values.results, budget, study.id);
  const results = collectResults(values.results, budget, study.id);
  if (results.length === 0) throw new Error(`${runDir}: no job results`);
  const run = storedRunFromResults(
    { study: study.id, title: study.title, paper: study.paper ?? null, budget, claims: study.claims, arms: study.experiments.map((e) => ({ id: e.id, title: e.title, metrics: e.metrics })) },
    results,
  );
  mkdirSync(out, { recursive: true });
  const files = writeStoredRun(out, run);
  const summary = summarizeStoredRun(run);
  writeFileSync(join(out, SUMMARY_FILE), `${JSON.stringify(summary, null, 1)}\n`);
  const ctx = describeStoredRun(run);
  writeFileSync(join(out, 'report.md'), studyRunMarkdown(summary, ctx));
  writeFileSync(join(out, 'report.csv'), studyRunCsv(summary));
  writeFileSync(join(out, 'report.json'), `${JSON.stringify({ context: ctx, summary }, null, 1)}\n`);
  files.push(join(out, SUMMARY_FILE), join(out, 'report.md'), join(out, 'report.csv'), join(out, 'report.json'));
  files.push(...(await writeStudyRunCharts(summary, run, out)));

  // Provenance: every input clip's SHA-256, the invocations, the code versions.
  const ctxData = { dataDir: values['data-dir'], workDir: join(values.results, 'work'), budget, log: () => {} };
  const clips = new Map<string, string>();
  for (const exp of study.experiments) {
    const data = loadDataset(datasetRequest(applyBudget(exp, budget)), ctxData);
    for (const c of data.clips) if (!clips.has(c.audioPath)) clips.set(c.audioPath, c.id);
  }
  const root = realpathSync(values['data-dir']);
  const clipList = [...clips.keys()].sort().map((p) => ({ file: relative(values['data-dir']!, p), sha256: sha256Of(realpathSync(p)) }));
  const invocations = readInvocations(runDir);
  const expected = jobsFor(study.id, budget, { study: { file: study.file, experiments: study.experiments } }).map((j) => j.id);
  const have = new Set(results.map((r) => r.job.id));
  const commits = [...new Set(results.map((r) => `${r.provenance.gitCommit ?? 'unknown'}${r.provenance.gitDirty ? ' (uncommitted changes)' : ''}`))];
  const provenance = {
    study: study.id,
    studyFile: relative(REPO_ROOT, study.file),
    paper: study.paper ?? null,
    budget,
    codeVersions: commits,
    commands: invocations.map((i) => ({
      command: `npx audio-aug-lab ${i.argv.join(' ')}`,
      cwd: i.cwd,
      threadLayout: `${i.parallel} worker process(es) x ${i.threadsPerJob} thread(s) per job`,
      backend: i.backend,
      cpu: i.cpu,
      cores: i.cores,
      node: i.node,
      jobsRun: i.jobs,
      startedAt: i.startedAt,
      endedAt: i.endedAt,
      wallSeconds: i.seconds,
    })),
    storedWith: `npx tsx scripts/store-study-run.ts --study ${relative(process.cwd(), study.file)} --results ${values.results} --data-dir ${values['data-dir']} --budget ${budget}`,
    frameworkProfiles: [...new Set(results.map((r) => r.framework ?? 'tfjs'))],
    backends: [...new Set(results.map((r) => r.backend))],
    cpu: os.cpus()[0]?.model ?? 'unknown',
    wallSeconds: invocations.reduce((a, i) => a + i.seconds, 0),
    jobSeconds: results.reduce((a, r) => a + r.seconds, 0),
    jobs: { finished: results.length, expected: expected.length, missing: expected.filter((id) => !have.has(id)) },
    data: { dir: values['data-dir'], resolved: root, clips: clipList.length, sha256: clipList },
  };
  writeFileSync(join(out, 'provenance.json'), `${JSON.stringify(provenance, null, 1)}\n`);
  files.push(join(out, 'provenance.json'));
  for (const f of files) console.log(relative(process.cwd(), f));
  if (!existsSync(join(out, 'report.md'))) return 1;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`store-study-run: ${(e as Error).message}`);
    process.exit(1);
  },
);
