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
 *   npx tsx scripts/store-study-run.ts --study DERIVED_FILE [--budget full] [--out DIR]
 *
 * A derived study (hu2020-int8) is stored from its sources' stored runs.
 */
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { loadDataset } from '../src/data/sources/index.js';
import { datasetRequest } from '../src/reproduce/default-hooks.js';
import { applyBudget, jobsFor } from '../src/reproduce/experiments.js';
import { collectResults } from '../src/reproduce/results.js';
import { loadStudy } from '../src/reproduce/study-file.js';
import { ranAnything, readInvocations, sha256Of } from '../src/reproduce/study-provenance.js';
import { storedRunFromResults, SUMMARY_FILE, writeStoredRun } from '../src/reproduce/study-store.js';
import { describeStoredRun, studyRunCsv, studyRunMarkdown } from '../src/reproduce/study-run-report.js';
import { REPO_ROOT } from '../src/reproduce/published.js';
import { derivedRunContext, derivedSummaryFromStored, isDerivedStudyFile, loadDerivedStudy, storedRunDir } from '../src/reproduce/study-derived.js';
import { readStoredRun, summarizeStoredRun } from '../src/reproduce/study-store.js';
import type { BudgetName } from '../src/reproduce/experiment-schema.js';
import { writeStudyRunCharts } from '../src/viz/study-run-charts.js';

const USAGE =
  'usage: npx tsx scripts/store-study-run.ts --study FILE --results DIR --data-dir DIR [--budget full] [--out DIR]\n' +
  '       npx tsx scripts/store-study-run.ts --study DERIVED_FILE [--budget full] [--out DIR]   (from the sources\' stored runs)';

/**
 * A derived study (src/reproduce/study-derived.ts) stores no scores of its
 * own: its summary is computed from its sources' stored runs, and its
 * provenance names them with the SHA-256 of their stored files.
 */
async function storeDerived(file: string, budget: BudgetName, outGiven?: string): Promise<number> {
  const d = loadDerivedStudy(file);
  const out = outGiven ?? storedRunDir(d);
  const { summary, used, missing } = derivedSummaryFromStored(d, budget);
  if (used.length === 0) throw new Error(`${d.id}: none of its source studies has a stored run yet (${d.sources.map((x) => storedRunDir(x)).join(', ')})`);
  const sources = used.map((src) => ({ src, dir: storedRunDir(src) }));
  const runs = sources.map(({ dir }) => readStoredRun(dir));
  mkdirSync(out, { recursive: true });
  const ctx = derivedRunContext(d, missing);
  writeFileSync(join(out, SUMMARY_FILE), `${JSON.stringify(summary, null, 1)}\n`);
  writeFileSync(join(out, 'report.md'), studyRunMarkdown(summary, ctx));
  writeFileSync(join(out, 'report.csv'), studyRunCsv(summary));
  writeFileSync(join(out, 'report.json'), `${JSON.stringify({ context: ctx, summary }, null, 1)}\n`);
  const charts = await writeStudyRunCharts(summary, { jobs: { ...runs[0].jobs, arms: [], jobs: runs.flatMap((r, i) => r.jobs.jobs.map((j) => ({ ...j, arm: `${sources[i].src.id}/${j.arm}` }))) }, scores: [] }, out);
  const provenance = {
    study: d.id,
    studyFile: relative(REPO_ROOT, d.file),
    paper: d.paper ?? null,
    budget,
    trainsNothing: 'a derived study: every value comes from the stored runs below (their per-clip int8 and float32 predictions and job metrics)',
    sources: sources.map(({ src, dir }) => ({
      study: src.id,
      storedRun: relative(REPO_ROOT, dir),
      sha256: Object.fromEntries(['jobs.json.gz', 'scores.csv.gz', 'provenance.json'].map((f) => [f, sha256Of(join(dir, f))])),
    })),
    missingSources: missing.map((m) => ({ study: m.id, storedRun: relative(REPO_ROOT, storedRunDir(m)), why: 'no stored run yet' })),
    storedWith: `npx tsx scripts/store-study-run.ts --study ${relative(process.cwd(), d.file)} --budget ${budget}`,
  };
  writeFileSync(join(out, 'provenance.json'), `${JSON.stringify(provenance, null, 1)}\n`);
  for (const f of [SUMMARY_FILE, 'report.md', 'report.csv', 'report.json', 'provenance.json']) console.log(relative(process.cwd(), join(out, f)));
  for (const f of charts) console.log(relative(process.cwd(), f));
  return 0;
}

/**
 * When the jobs ran at several commits (a run resumed, or code committed
 * while it ran): the commits between the oldest and the newest that touched
 * src/, so a reader sees whether anything that trains or measures changed.
 */
function srcChanges(commits: string[]): string[] {
  const unique = [...new Set(commits)];
  if (unique.length < 2) return [];
  const git = (...a: string[]) => execFileSync('git', a, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  try {
    const ordered = git('rev-list', '--no-walk', '--topo-order', ...unique).split('\n');
    const [newest, oldest] = [ordered[0], ordered[ordered.length - 1]];
    const log = git('log', '--format=%h %s', `${oldest}..${newest}`, '--', 'src/');
    return log ? log.split('\n').map((l) => (l.length > 200 ? `${l.slice(0, 200)}...` : l)) : ['(no commit between them touched src/)'];
  } catch (e) {
    return [`(git could not compare the commits: ${(e as Error).message.split('\n')[0]})`];
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { study: { type: 'string' }, results: { type: 'string' }, 'data-dir': { type: 'string' }, budget: { type: 'string', default: 'full' }, out: { type: 'string' } },
  });
  if (values.study && isDerivedStudyFile(values.study)) return storeDerived(values.study, (values.budget ?? 'full') as BudgetName, values.out);
  if (!values.study || !values.results || !values['data-dir']) {
    console.error(USAGE);
    return 2;
  }
  const budget = values.budget as BudgetName;
  if (isDerivedStudyFile(values.study)) return storeDerived(values.study, budget, values.out);
  const study = loadStudy(values.study);
  const out = values.out ?? storedRunDir(study);
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
  const invocations = readInvocations(runDir).filter(ranAnything); // older logs also hold invocations that found everything finished
  const expected = jobsFor(study.id, budget, { study: { file: study.file, experiments: study.experiments } }).map((j) => j.id);
  const have = new Set(results.map((r) => r.job.id));
  const commits = [...new Set(results.map((r) => `${r.provenance.gitCommit ?? 'unknown'}${r.provenance.gitDirty ? ' (uncommitted changes)' : ''}`))];
  const provenance = {
    srcChangesBetweenCodeVersions: srcChanges(results.map((r) => r.provenance.gitCommit).filter((c): c is string => c !== null)),
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
      jobsScheduled: i.jobs,
      ...(i.ran !== undefined ? { jobsRun: i.ran, jobsSkipped: i.skipped, jobsFailed: i.failed, interrupted: i.interrupted } : {}),
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
