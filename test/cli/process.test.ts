/**
 * The command line as a user runs it: `node bin/audio-aug-lab.mjs ...` in a
 * child process (about 2 s each, so few). The exit status is the process's
 * own, stderr carries one line and no Node stack trace, and a signal during
 * `reproduce` ends it with 130 (SIGINT) or 143 (SIGTERM), keeping what was
 * written. In-process (--in-process) the signal's default action ends the
 * process, which a shell reports as the same 130 / 143. (The worker-mode
 * SIGTERM run with a rerun is test/reproduce/interrupt.test.ts.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/audio-aug-lab.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'aal-cli-process-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function runBin(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderrLines: r.stderr.split('\n').filter((l) => l !== '') };
}

describe('bin/audio-aug-lab.mjs', () => {
  it('an unknown option: exit 2, one line, no stack trace (was ERR_PARSE_ARGS_UNKNOWN_OPTION, exit 1)', () => {
    const r = runBin(['reproduce', 'mushtaq2020', '--bogus-flag']);
    expect(r.status).toBe(2);
    expect(r.stderrLines).toEqual(["audio-aug-lab reproduce: unknown option '--bogus-flag' (see audio-aug-lab reproduce --help)"]);
  });

  it('--version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = runBin(['--version']);
    expect([r.status, r.stdout, r.stderrLines]).toEqual([0, `audio-aug-lab ${pkg.version}\n`, []]);
  });

  it('an input error exits 1 with one line; AUDIO_AUG_LAB_DEBUG=1 adds the stack', () => {
    const missing = join(tmp, 'missing.wav');
    const plain = runBin(['augment', missing, '--name', 'trim', '--out', join(tmp, 'x.wav')]);
    expect(plain.status).toBe(1);
    expect(plain.stderrLines).toEqual([`audio-aug-lab augment: ${missing}: audio file does not exist`]);
    const debug = runBin(['augment', missing, '--name', 'trim', '--out', join(tmp, 'x.wav')], { AUDIO_AUG_LAB_DEBUG: '1' });
    expect(debug.status).toBe(1);
    expect(debug.stderrLines[0]).toBe(plain.stderrLines[0]);
    expect(debug.stderrLines.slice(1).join('\n')).toMatch(/MissingFileError[\s\S]*at checkInputFile/);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

/** Start `reproduce`, wait until its jobs run, send `signal`; the exit code and stderr. */
async function interrupt(
  extra: string[],
  signal: NodeJS.Signals,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; results: string }> {
  const results = mkdtempSync(join(tmp, 'results-'));
  const args = [BIN, 'reproduce', 'mushtaq2020', '--only', 'esc10-cnn7-none,esc10-cnn9-none', '--results', results, '--no-report', ...extra];
  const env = { ...process.env, AUDIO_AUG_LAB_DATA: join(tmp, 'no-data') };
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (code, sig) => resolve([code, sig])));
  const t0 = Date.now();
  while (!/reproduce mushtaq2020: \d+ job\(s\)/.test(stderr) && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 100));
  expect(stderr).toMatch(/reproduce mushtaq2020: \d+ job\(s\)/);
  await new Promise((r) => setTimeout(r, 300)); // the first job is running
  child.kill(signal);
  const [code, sig] = await exited;
  return { code, signal: sig, stderr, results };
}

/** Files under a folder whose name marks an unfinished write. */
function partialFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tmp$|\.part$/.test(f)) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

describe('reproduce stopped by a signal', () => {
  it('SIGINT with worker processes: exit 130, no half-written result', async () => {
    const r = await interrupt(['--parallel', '1'], 'SIGINT');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('harness: SIGINT: stopping 1 worker(s); finished results are kept');
    expect(partialFiles(r.results)).toEqual([]);
  }, 180_000);

  it('SIGTERM with worker processes: exit 143', async () => {
    const r = await interrupt(['--parallel', '1'], 'SIGTERM');
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain('harness: SIGTERM: stopping 1 worker(s); finished results are kept');
    expect(partialFiles(r.results)).toEqual([]);
  }, 180_000);

  it('SIGTERM in-process: the process ends at once by the signal (a shell reports 143), no half-written result', async () => {
    const r = await interrupt(['--in-process'], 'SIGTERM');
    expect([r.code, r.signal], r.stderr).toEqual([null, 'SIGTERM']);
    expect(partialFiles(r.results)).toEqual([]);
  }, 180_000);
});
