import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { availableJobs, jobsFor, resolveShard, shardJobs, loadExperiments, applyBudget, deepMerge, type Job } from '../../src/reproduce/experiments.js';
import { claimJob, resultPath, writeResult, collectResults, type JobResult } from '../../src/reproduce/results.js';
import { judge } from '../../src/reproduce/verdict.js';
import { summarize } from '../../src/reproduce/stats.js';
import { codeVersion } from '../../src/reproduce/provenance.js';
import { PAPERS } from '../../src/reproduce/published.js';

const job = (i: number): Job => ({ id: `mushtaq2020/x/fold-${i}-seed-1`, paper: 'mushtaq2020', experiment: 'x', fold: i, seed: 1, budget: 'smoke' });

function fakeResult(j: Job, metrics: Record<string, number>): JobResult {
  return {
    job: j,
    metrics,
    config: {},
    data: { dataset: 'esc50', status: 'sample', root: '/x', detail: 'test' },
    backend: 'cpu',
    provenance: codeVersion(),
    startedAt: new Date().toISOString(),
    seconds: 1,
  };
}

describe('experiment configs', () => {
  it('every paper\'s configs validate, and every regenerated cell exists in its published data', async () => {
    const { loadPublished } = await import('../../src/reproduce/published.js');
    for (const paper of PAPERS) {
      const pub = loadPublished(paper);
      for (const e of loadExperiments(paper)) {
        for (const r of e.regenerates) {
          if (r.table === 'text') expect(pub.text.some((t) => t.id === r.row), `${e.id}: text ${r.row}`).toBe(true);
          else expect(pub.tables.find((t) => t.table === r.table)?.rows.some((x) => x.id === r.row), `${e.id}: ${r.table} ${r.row}`).toBe(true);
        }
        for (const b of ['smoke', 'quick', 'full'] as const) expect(applyBudget(e, b).seeds.length).toBeGreaterThan(0);
      }
    }
  });

  it('budgets override by deep merge', () => {
    expect(deepMerge({ a: { b: 1, c: 2 }, d: [1, 2] }, { a: { b: 5 }, d: [3] })).toEqual({ a: { b: 5, c: 2 }, d: [3] });
    const e = loadExperiments('mushtaq2020').find((x) => x.id === 'esc10-cnn7-naa')!;
    expect(applyBudget(e, 'smoke').training.epochs).toBe(2);
    expect(applyBudget(e, 'full').training.epochs).toBe(e.training.epochs);
    expect(applyBudget(e, 'smoke').training.batchSize).toBe(e.training.batchSize);
  });

  it('skips rows that cannot run and lists jobs in a stable order', () => {
    const jobs = jobsFor('mushtaq2020', 'full');
    expect(jobs.some((j) => j.experiment === 'esc10-resnet152')).toBe(false);
    expect(jobsFor('mushtaq2020', 'full').map((j) => j.id)).toEqual(jobs.map((j) => j.id));
    // seed-major, then fold: a partial run holds whole seeds
    const keys = jobs.map((j) => j.seed * 1000 + j.fold);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    expect(() => jobsFor('mushtaq2020', 'smoke', ['nope'])).toThrow(/unknown experiment/);
  });

  it('--seeds keeps those seeds of each selected experiment, with all their folds', () => {
    const grid = ['esc10-cnn7-none', 'esc10-cnn9-naa'];
    const all = jobsFor('mushtaq2020', 'full', { only: grid });
    const some = jobsFor('mushtaq2020', 'full', { only: grid, seeds: [2, 4] });
    expect(all).toHaveLength(2 * 5 * 5);
    expect(some).toHaveLength(2 * 5 * 2);
    expect(new Set(some.map((j) => j.seed))).toEqual(new Set([2, 4]));
    expect(new Set(some.map((j) => j.fold))).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(some.every((j) => all.some((a) => a.id === j.id))).toBe(true);
    // The smoke budget has seed 1 only: asking for seed 3 alone selects nothing, and says so.
    expect(() => jobsFor('mushtaq2020', 'smoke', { only: grid, seeds: [3] })).toThrow(/--seeds 3: no selected experiment/);
  });
});

describe('shards', () => {
  it('reads --shard, Slurm and Kubernetes Indexed Job variables', () => {
    expect(resolveShard('2/3', {})).toMatchObject({ index: 1, count: 3, source: '--shard' });
    expect(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '4' })).toMatchObject({ index: 1, count: 3, source: 'slurm' });
    expect(resolveShard(undefined, { JOB_COMPLETION_INDEX: '2', AUDIO_AUG_LAB_SHARDS: '3' })).toMatchObject({ index: 2, count: 3, source: 'kubernetes' });
    expect(resolveShard(undefined, {})).toMatchObject({ index: 0, count: 1 });
    expect(() => resolveShard('0/3', {})).toThrow(/--shard/);
    expect(() => resolveShard(undefined, { JOB_COMPLETION_INDEX: '0' })).toThrow(/AUDIO_AUG_LAB_SHARDS/);
  });

  it('gives every job to exactly one shard', () => {
    const jobs = Array.from({ length: 10 }, (_, i) => job(i));
    const parts = [0, 1, 2].map((index) => shardJobs(jobs, { index, count: 3, source: 'test' }));
    expect(parts.flat().map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(parts.map((p) => p.length)).toEqual([4, 3, 3]);
  });
});

describe('results', () => {
  it('never overwrites a finished result and lets only one process claim a job', () => {
    const dir = mkdtempSync(join(tmpdir(), 'res-'));
    const j = job(1);
    const claim = claimJob(dir, j)!;
    expect(claim).not.toBeNull();
    expect(claimJob(dir, j)).toBeNull(); // held by a live process (this one)
    writeResult(dir, fakeResult(j, { accuracy: 50 }));
    claim.release();
    writeResult(dir, fakeResult(j, { accuracy: 99 }));
    expect(JSON.parse(readFileSync(resultPath(dir, j), 'utf8')).metrics.accuracy).toBe(50);
    expect(claimJob(dir, j)).toBeNull(); // finished
    expect(collectResults(dir, 'smoke', 'mushtaq2020')).toHaveLength(1);
  });

  it('takes over the lock of a process that died', () => {
    const dir = mkdtempSync(join(tmpdir(), 'res-'));
    const j = job(2);
    const path = resultPath(dir, j);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    claimJob(dir, j)!.release();
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: Number(dead.stdout), host: (require('node:os') as typeof import('node:os')).hostname(), at: new Date().toISOString() }));
    expect(existsSync(`${path}.lock`)).toBe(true);
    const claim = claimJob(dir, j);
    expect(claim).not.toBeNull();
    claim!.release();
  });
});

describe('verdicts', () => {
  const five = summarize([76.1, 77.0, 76.5, 75.9, 76.8]);
  const verified = { dataset: 'tau', status: 'verified' as const, root: '/', detail: 'ok' };
  it('gives a verdict only for the full budget on verified data', () => {
    expect(judge({ published: 76.9, measured: five, budget: 'full', data: verified, tolerance: 1.5 }).kind).toBe('reproduced');
    expect(judge({ published: 80.5, measured: five, budget: 'full', data: verified, tolerance: 1.5 }).kind).toBe('not reproduced');
    expect(judge({ published: 80.5, measured: five, budget: 'full', data: verified, tolerance: 1.5 }).text).toMatch(/measured lower/);
    expect(judge({ published: 76.9, measured: five, budget: 'full', data: { ...verified, status: 'fixture' }, tolerance: 1.5 }).kind).toBe('different data');
    expect(judge({ published: 76.9, measured: five, budget: 'smoke', data: verified, tolerance: 1.5 }).kind).toBe('pipeline check only');
    expect(judge({ published: 76.9, measured: five, budget: 'quick', data: verified, tolerance: 3 }).kind).toBe('indicative: within tolerance');
    expect(judge({ published: 76.9, measured: null, budget: 'full', data: verified, tolerance: 1.5, notRun: 'weights' }).text).toBe('not run: weights');
    expect(judge({ published: 0.15, measured: null, budget: 'full', data: null, tolerance: null, reference: true }).kind).toBe('reference row');
  });

  it('uses the interval of the mean over seeds', () => {
    const s = summarize([1, 2, 3]);
    expect(s.mean).toBe(2);
    expect(s.sd).toBe(1);
    // t(0.975, 2) = 4.303: half-width 4.303 / sqrt(3)
    expect(s.ci95[1] - s.mean).toBeCloseTo(4.303 / Math.sqrt(3), 10);
    expect(summarize([5]).ci95).toEqual([5, 5]);
  });
});

describe('data with fewer folds than the config', () => {
  it('jobs beyond the folds the data gives are dropped, once said per experiment', () => {
    const jobs = jobsFor('mushtaq2020', 'full', { only: ['esc10-cnn7-none', 'esc10-cnn9-naa'], seeds: [1] });
    const lines: string[] = [];
    const ctx = { workDir: '/x', log: () => {} };
    const kept = availableJobs(jobs, { foldsAvailable: (e) => (e.id === 'esc10-cnn7-none' ? 3 : null) }, ctx, 'full', (l) => lines.push(l));
    expect(kept.filter((j) => j.experiment === 'esc10-cnn7-none').map((j) => j.fold)).toEqual([1, 2, 3]);
    expect(kept.filter((j) => j.experiment === 'esc10-cnn9-naa').map((j) => j.fold)).toEqual([1, 2, 3, 4, 5]);
    expect(lines).toEqual(['esc10-cnn7-none: the data at hand gives 3 folds; folds 4, 5 are not run']);
    expect(availableJobs(jobs, {}, ctx, 'full', (l) => lines.push(l))).toEqual(jobs);
  });

  it('the report counts a seed complete with folds 1..n when its results say the data gave n folds', async () => {
    const { buildReport } = await import('../../src/reproduce/report.js');
    const { pipelineFor } = await import('../../src/reproduce/paper-pipelines.js');
    const pipeline = await pipelineFor('mushtaq2020');
    const measured = (dir: string) =>
      buildReport('mushtaq2020', 'full', dir, pipeline).rows.find((r) => r.experiment === 'esc10-cnn7-none' && r.column === 'accuracy')!.values;
    const make = (foldsInData?: number) => {
      const dir = mkdtempSync(join(tmpdir(), 'aal-folds-'));
      for (const fold of [1, 2, 3]) {
        const j: Job = { id: `mushtaq2020/esc10-cnn7-none/fold-${fold}-seed-1`, paper: 'mushtaq2020', experiment: 'esc10-cnn7-none', fold, seed: 1, budget: 'full' };
        writeResult(dir, fakeResult(j, { accuracy: 60 + fold, loss: 1, ...(foldsInData ? { foldsInData } : {}) }));
      }
      return dir;
    };
    expect(measured(make(3))).toEqual([62]);
    // Without the record, 3 of the config's 5 folds is an incomplete seed, and the report says so.
    const dir = make();
    expect(measured(dir)).toEqual([]);
    const row = buildReport('mushtaq2020', 'full', dir, pipeline).rows.find((r) => r.experiment === 'esc10-cnn7-none' && r.column === 'accuracy')!;
    expect(row.verdict.text).toBe('not complete yet (3 of 5 folds of seed 1 finished)');
  });
});

describe('plan table', () => {
  it('ends with the total of the rows that run here, on one thread and on the parallel lanes', async () => {
    const { planTable } = await import('../../src/reproduce/plan.js');
    const row = (experiment: string, status: 'runs here' | 'needs dataset', hours: number) => ({
      experiment, title: experiment, cells: '(measured only)', status, detail: '', jobs: 3, samplePasses: 1000, trainFlops: 1e12, hours,
    });
    const text = planTable([row('a', 'runs here', 0.5), row('b', 'runs here', 1), row('c', 'needs dataset', 9)], 'quick', 'wasm', 40, 2);
    expect(text.split('\n').pop()).toBe(
      'total for the 2 rows that run here: 6 jobs, 2.0T FLOPs, about 1.5 h on one thread, 45 min with 2 jobs in parallel (an estimate from one probe layer, not the models themselves).',
    );
  });
});

describe('mushtaq2020 report sections', () => {
  it('show the population-BN accuracy beside the paper-protocol one, and warn about runs that predict almost one class', async () => {
    const { buildReport } = await import('../../src/reproduce/report.js');
    const { pipelineFor } = await import('../../src/reproduce/paper-pipelines.js');
    const pipeline = await pipelineFor('mushtaq2020');
    const dir = mkdtempSync(join(tmpdir(), 'aal-sections-'));
    for (const [exp, distinct, popAcc] of [['esc10-cnn7-none', 1, 50], ['esc10-cnn7-taa', 7, 30]] as const) {
      for (const fold of [1, 2, 3]) {
        const j: Job = { id: `mushtaq2020/${exp}/fold-${fold}-seed-1`, paper: 'mushtaq2020', experiment: exp, fold, seed: 1, budget: 'quick' };
        writeResult(dir, fakeResult(j, { accuracy: 10, loss: 2, foldsInData: 3, distinctPredictions: distinct, accuracyPopulationBN: popAcc }));
      }
    }
    const text = buildReport('mushtaq2020', 'quick', dir, pipeline).sections.join('\n');
    expect(text).toContain('| CNN7 | 10.0 (n=1) | 10.0 (n=1) | not run |');
    expect(text).toContain('| CNN7 | 50.0 (n=1) | 30.0 (n=1) | not run |');
    expect(text).toMatch(/Warning: esc10-cnn7-none predicted fewer than 3 distinct classes/);
    expect(text).not.toMatch(/Warning: [^\n]*esc10-cnn7-taa/);
  });
});
