// An interrupted harness run: SIGTERM while a job is running stops the
// workers (no orphan processes), keeps every finished result untouched, and a
// rerun finishes the rest, skipping what was done.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/audio-aug-lab.mjs');
const ONLY = 'esc10-cnn7-none,esc10-cnn9-none,control-zero-input';

function finished(dir: string): string[] {
  const base = join(dir, 'smoke', 'mushtaq2020');
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((d) => d !== 'report' && d !== 'work')
    .flatMap((d) => readdirSync(join(base, d)).filter((f) => /^fold-.*\.json$/.test(f)).map((f) => join(base, d, f)));
}

function descendants(pid: number): number[] {
  let out: string;
  try {
    out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const rows = out.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const kids: number[] = [];
  const walk = (p: number): void => {
    for (const [c, pp] of rows) {
      if (pp === p) {
        kids.push(c);
        walk(c);
      }
    }
  };
  walk(pid);
  return kids;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('interrupted harness run', () => {
  it('SIGTERM mid-run keeps finished results, leaves no worker behind, and a rerun completes the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aal-interrupt-'));
    const args = [BIN, 'reproduce', 'mushtaq2020', '--results', dir, '--only', ONLY, '--parallel', '1', '--no-report'];
    const env = { ...process.env, AUDIO_AUG_LAB_DATA: join(tmpdir(), 'aal-no-data') };
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait for the first finished job, then for the next worker to start.
    const t0 = Date.now();
    while (finished(dir).length === 0 && Date.now() - t0 < 300_000) await new Promise((r) => setTimeout(r, 200));
    expect(finished(dir).length).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1500));
    const workers = descendants(child.pid!);
    const done = finished(dir);
    const before = new Map(done.map((f) => [f, readFileSync(f, 'utf8')]));
    child.kill('SIGTERM');
    const code = await exited;
    expect(code, stderr).toBe(143); // SIGTERM: 128 + 15 (SIGINT gives 130)
    expect(stderr).toMatch(/finished results are kept/);
    await new Promise((r) => setTimeout(r, 500));
    for (const pid of workers) expect(alive(pid), `worker ${pid} outlived the harness`).toBe(false);
    for (const [f, text] of before) expect(readFileSync(f, 'utf8')).toBe(text);
    expect(finished(dir).length).toBeLessThan(3);

    const rerun = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err2 = '';
    rerun.stderr.on('data', (d) => (err2 += d));
    const code2 = await new Promise<number | null>((resolve) => rerun.on('exit', (c) => resolve(c)));
    expect(code2, err2).toBe(0);
    expect(err2).toMatch(new RegExp(`${before.size} job\\(s\\) already finished, skipped`));
    expect(finished(dir)).toHaveLength(3);
    for (const [f, text] of before) expect(readFileSync(f, 'utf8')).toBe(text);
  }, 600_000);
});
