import { describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatFixedLikePython, run } from '../../src/cli/eer.js';
import { REFERENCE_MANIFEST_DATA, itNeeds, needsData } from '../helpers/requires.js';

const ROOT = join(import.meta.dirname, '../..');
/** The committed synthetic example in the official formats (eers.json: its EERs from the NumPy generator). */
const EXAMPLE = join(REFERENCE_MANIFEST_DATA, 'dcase2016-task4-format-example');
const SCORES = join(EXAMPLE, 'results_fold1.csv');
const TRUTH = join(EXAMPLE, 'fold1_evaluate.csv');
/** The official example (challenge baseline output and fold-1 truth), from the data root. */
const OFFICIAL = needsData('dcase2016-task4-eval-example', 'the official DCASE 2016 task 4 example system output');

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await run(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

function spawnEer(scores: string, truth: string): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [join(ROOT, 'bin/audio-aug-lab.mjs'), 'eer', '--scores', scores, '--truth', truth], {
    encoding: 'utf8',
    cwd: ROOT,
  });
}

describe('audio-aug-lab eer', () => {
  it('prints the official table layout for the synthetic example (spawned CLI)', () => {
    const r = spawnEer(SCORES, TRUTH);
    expect(r.status).toBe(0);
    // the EERs of eers.json (NumPy generator) printed with Python's '%.3f'
    const expected = [
      '  File-wise evaluation, over 1 folds',
      '     Tag                  | EER     ',
      '     ===============================================',
      '     adult female speech  | 0.298 ',
      '     adult male speech    | 0.250 ',
      '     broadband noise      | 0.400 ',
      '     child speech         | 0.202 ',
      '     other                | 0.321 ',
      '     percussive sound     | 0.324 ',
      '     video game/tv        | 0.077 ',
      '     ===============================================',
      '     Mean error           | 0.267 ',
    ].join('\n');
    expect(String(r.stdout).trimEnd()).toBe(expected.trimEnd());
  });

  it('--json gives full-precision per-label EERs equal to those of the NumPy generator (eers.json)', async () => {
    const r = await capture(['--scores', SCORES, '--truth', TRUTH, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { perLabel: Array<{ label: string; eer: number }>; meanError: number };
    const g = JSON.parse(readFileSync(join(EXAMPLE, 'eers.json'), 'utf8')) as { perLabel: Record<string, { eer: number }>; mean: number };
    const worst = Math.max(...j.perLabel.map((l) => Math.abs(l.eer - g.perLabel[l.label].eer)));
    console.log(`CLI --json vs eers.json: worst |diff| ${worst.toExponential(2)}`);
    expect(j.perLabel).toHaveLength(7);
    expect(worst).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(j.meanError - g.mean)).toBeLessThanOrEqual(1e-12);
  });

  itNeeds(OFFICIAL, 'prints the official table for the official example (spawned CLI)', () => {
    const r = spawnEer(join(OFFICIAL.path!, 'results_fold1.csv'), join(OFFICIAL.path!, 'fold1_evaluate.csv'));
    expect(r.status).toBe(0);
    const expected = [
      '  File-wise evaluation, over 1 folds',
      '     Tag                  | EER     ',
      '     ===============================================',
      '     adult female speech  | 0.278 ',
      '     adult male speech    | 0.213 ',
      '     broadband noise      | 0.131 ',
      '     child speech         | 0.197 ',
      '     other                | 0.233 ',
      '     percussive sound     | 0.233 ',
      '     video game/tv        | 0.063 ',
      '     ===============================================',
      '     Mean error           | 0.192 ',
    ].join('\n');
    expect(String(r.stdout).trimEnd()).toBe(expected.trimEnd());
  });

  itNeeds(OFFICIAL, '--json gives full-precision per-label EERs equal to the official values', async () => {
    const r = await capture(['--scores', join(OFFICIAL.path!, 'results_fold1.csv'), '--truth', join(OFFICIAL.path!, 'fold1_evaluate.csv'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { perLabel: Array<{ label: string; eer: number }>; meanError: number };
    const official: Record<string, number> = {
      b: 0.131292164, c: 0.196869852, f: 0.277813923, m: 0.212643678, o: 0.232686981, p: 0.232679739, v: 0.062745098,
    };
    const worst = Math.max(...j.perLabel.map((l) => Math.abs(l.eer - official[l.label])));
    console.log(`CLI --json vs official README (9 decimals): worst |diff| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(5e-10);
    expect(Math.abs(j.meanError - 0.192390205)).toBeLessThanOrEqual(5e-10);
  });

  it('several folds: --scores/--truth pairs, per-label nanmean over folds', async () => {
    const one = JSON.parse((await capture(['--scores', SCORES, '--truth', TRUTH, '--json'])).out);
    const r = await capture(['--scores', SCORES, '--truth', TRUTH, '--scores', SCORES, '--truth', TRUTH]);
    expect(r.out).toMatch(/over 2 folds/);
    const two = JSON.parse((await capture(['--scores', SCORES, '--truth', TRUTH, '--scores', SCORES, '--truth', TRUTH, '--json'])).out);
    expect(two.folds).toHaveLength(2);
    two.perLabel.forEach((l: { eer: number }, k: number) => expect(l.eer).toBeCloseTo(one.perLabel[k].eer, 15));
    expect(two.meanError).toBeCloseTo(one.meanError, 15);
  });

  it('--help, usage errors (exit 2) and invalid files (error naming file and line)', async () => {
    const h = await capture(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/usage: audio-aug-lab eer --scores SYSTEM\.csv --truth TRUTH\.csv/);
    expect((await capture(['--scores', SCORES])).code).toBe(2);
    expect((await capture(['--bogus'])).code).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'eer-cli-'));
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'x.wav,c,1\r\nx.wav,c,2\r\n');
    expect(await capture(['--scores', bad, '--truth', TRUTH])).toMatchObject({ code: 1, err: `audio-aug-lab eer: ${bad}: line 2: duplicate score for file x.wav, label c (first given on line 1)` });
    const spawned = spawnSync(process.execPath, [join(ROOT, 'bin/audio-aug-lab.mjs'), 'eer', '--scores', bad, '--truth', TRUTH], { encoding: 'utf8', cwd: ROOT });
    expect(spawned.status).toBe(1);
    expect(spawned.stderr).toMatch(/line 2: duplicate score/);
  });

  it('formats like Python (ties to even on the exact binary value)', () => {
    expect(formatFixedLikePython(0.125, 2)).toBe('0.12');
    expect(formatFixedLikePython(0.375, 2)).toBe('0.38');
    expect(formatFixedLikePython(0.0625, 3)).toBe('0.062');
    expect(formatFixedLikePython(0.0015, 3)).toBe('0.002'); // 0.0015 is slightly above in binary
    expect(formatFixedLikePython(2.5, 0)).toBe('2');
    expect(formatFixedLikePython(NaN, 3)).toBe('nan');
  });
});
