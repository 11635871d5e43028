// The main job end to end, as a user runs it on a fresh clone: the
// mushtaq2020 smoke budget on the embedded ESC-10 sample, through the CLI
// and worker processes; then the same jobs split over three shard processes
// (Slurm and Kubernetes variables) against one results directory.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/audio-aug-lab.mjs');
const ONLY = 'esc10-cnn7-none,esc10-cnn7-naa,control-zero-input';

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, AUDIO_AUG_LAB_DATA: join(tmpdir(), 'aal-no-data'), ...env },
    timeout: 600_000,
  });
}

function cliAsync(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, AUDIO_AUG_LAB_DATA: join(tmpdir(), 'aal-no-data'), ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    p.on('exit', (code) => resolve(code ?? 1));
  });
}

interface StoredResult {
  metrics: Record<string, number>;
  scores: { labels: string[]; clips: { scores: number[]; truth: number[] }[] };
  data: { status: string };
  backend: string;
  provenance: { gitCommit: string | null };
}

function results(dir: string): Map<string, StoredResult> {
  const base = join(dir, 'smoke', 'mushtaq2020');
  const out = new Map<string, StoredResult>();
  for (const exp of readdirSync(base).filter((d) => d !== 'report' && d !== 'work')) {
    for (const f of readdirSync(join(base, exp)).filter((x) => x.endsWith('.json'))) {
      out.set(`${exp}/${f}`, JSON.parse(readFileSync(join(base, exp, f), 'utf8')));
    }
  }
  return out;
}

let single: string;
let run: ReturnType<typeof cli>;

beforeAll(() => {
  single = mkdtempSync(join(tmpdir(), 'aal-single-'));
  run = cli(['reproduce', 'mushtaq2020', '--results', single, '--only', ONLY]);
}, 600_000);

describe('reproduce mushtaq2020 (smoke, embedded sample)', () => {
  it('runs on a fresh clone without data, says so in one line, and exits 0', () => {
    expect(run.status, run.stderr).toBe(0);
    const first = run.stdout.split('\n')[0];
    expect(first).toMatch(/embedded ESC-10 sample/);
    expect(first).toMatch(/pipeline check, not a reproduction/);
    expect(run.stdout).toMatch(/Smoke budget: this run checks that the pipeline works end to end\. It verifies nothing about the paper\./);
  });

  it('writes the report in markdown, CSV, JSON and SVG with a row per published and measured cell', () => {
    const dir = join(single, 'smoke', 'mushtaq2020', 'report');
    for (const f of ['report.md', 'report.csv', 'report.json', 'report.vl.json', 'report.svg', 'report.png']) expect(existsSync(join(dir, f)), f).toBe(true);
    const rep = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(rep.budget).toBe('smoke');
    const text = rep.rows.filter((r: { table: string }) => r.table === 'text');
    expect(text.map((r: { row: string }) => r.row).sort()).toEqual(['esc10-resnet152', 'esc50-densenet161', 'esc50-densenet161-loss', 'us8k-resnet152']);
    for (const r of text) expect(r.verdict.text).toMatch(/^not run: ImageNet-pretrained/);
    for (const r of rep.rows.filter((x: { measured: unknown }) => x.measured)) expect(r.verdict.kind).not.toMatch(/reproduced/);
    expect(readFileSync(join(dir, 'report.csv'), 'utf8').split('\n')[0]).toMatch(/^table,row,column,published,unit,measured_mean/);
    expect(readFileSync(join(dir, 'report.svg'), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(join(dir, 'report.png')).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('reports numbers that come from the run: accuracy recomputed from the stored scores, and a blind model at chance', () => {
    const all = results(single);
    expect(all.size).toBe(3);
    for (const [id, r] of all) {
      expect(r.data.status).toBe('sample');
      expect(r.backend).toMatch(/wasm|cpu|tensorflow/);
      let hits = 0;
      for (const c of r.scores.clips) {
        const p = c.scores.indexOf(Math.max(...c.scores));
        if (c.truth[p] === 1) hits++;
      }
      expect(r.metrics.accuracy, id).toBeCloseTo((100 * hits) / r.scores.clips.length, 10);
      const predicted = new Set(r.scores.clips.map((c) => c.scores.indexOf(Math.max(...c.scores))));
      expect(r.metrics.distinctPredictions, id).toBe(predicted.size);
      // The population-statistics accuracy is a share of the same test clips.
      const k = (r.metrics.accuracyPopulationBN * r.scores.clips.length) / 100;
      expect(Math.abs(k - Math.round(k)), id).toBeLessThan(1e-9);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThanOrEqual(r.scores.clips.length);
    }
    const control = all.get('control-zero-input/fold-1-seed-1.json')!;
    const n = control.scores.labels.length;
    // Zero inputs: every clip gets the same scores, so one class is predicted for all.
    const first = JSON.stringify(control.scores.clips[0].scores);
    expect(control.scores.clips.every((c) => JSON.stringify(c.scores) === first)).toBe(true);
    expect(control.metrics.accuracy).toBeCloseTo(100 / n, 10);
    // ... which the result says (a single predicted class flags a run that measures no skill).
    expect(control.metrics.distinctPredictions).toBe(1);
  });

  it('skips finished jobs on a rerun', () => {
    const again = cli(['reproduce', 'mushtaq2020', '--results', single, '--only', ONLY, '--no-report']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/3 job\(s\) already finished, skipped/);
  });
});

describe('shards', () => {
  it('three shard processes (Slurm and Kubernetes variables) on one results directory merge to the single-process report', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'aal-shards-'));
    const args = ['reproduce', 'mushtaq2020', '--results', shared, '--only', ONLY, '--no-report', '--parallel', '1'];
    const codes = await Promise.all([
      cliAsync(args, { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '3' }),
      cliAsync(args, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3' }),
      cliAsync(args, { JOB_COMPLETION_INDEX: '2', AUDIO_AUG_LAB_SHARDS: '3' }),
    ]);
    expect(codes).toEqual([0, 0, 0]);
    const merged = cli(['report', 'mushtaq2020', '--results', shared, '--json']);
    expect(merged.status, merged.stderr).toBe(0);
    const a = JSON.parse(readFileSync(join(single, 'smoke', 'mushtaq2020', 'report', 'report.json'), 'utf8'));
    const b = JSON.parse(merged.stdout);
    const strip = (rows: { table: string; row: string; column: string; measured: unknown; values: number[]; verdict: unknown }[]) =>
      rows.map(({ table, row, column, measured, values, verdict }) => ({ table, row, column, measured, values, verdict }));
    expect(strip(b.rows)).toEqual(strip(a.rows));
    const singleResults = results(single);
    const shardResults = results(shared);
    expect([...shardResults.keys()].sort()).toEqual([...singleResults.keys()].sort());
    for (const [k, r] of shardResults) expect(r.metrics).toEqual(singleResults.get(k)!.metrics);
  }, 600_000);
});
