/**
 * `audio-aug-lab features`: the golden chirp WAV through the CLI (WAV
 * reader, preset, .npy writer) against librosa's log-mel, the output
 * layout and dtype, --help, and usage / input errors.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { outputName, run } from '../../src/cli/features.js';
import { readNpy } from '../../src/io/npy.js';
import { goldenWav, maxAbsDiff, fmt, readGolden } from './golden.js';

const LOGMEL_TOL_DB = 1e-3;
const REPO = join(import.meta.dirname, '../..');
const CHIRP = goldenWav('chirp_16k_4s.wav');
const dir = mkdtempSync(join(tmpdir(), 'features-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** run() with console output captured. */
async function runQuiet(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await run(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('features CLI', () => {
  it('chirp_16k_4s.wav, wei2018 centred, float64: matches librosa within 1e-3 dB', async () => {
    const out = join(dir, 'f64');
    const r = await runQuiet([CHIRP, '--preset', 'wei2018', '--center', '--pad-mode', 'constant', '--float64', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const ours = readNpy(join(out, 'chirp_16k_4s.npy'));
    const ref = readGolden('chirp_16k_4s', 'logmel_wei_constant_f64.npy');
    expect(ours.dtype).toBe('<f8');
    expect(ours.shape).toEqual(ref.shape);
    const d = maxAbsDiff(ours.data, ref.data);
    console.log(`[cli] features chirp_16k_4s.wav --preset wei2018 --center --float64 vs librosa: max |diff| ${fmt(d)} dB`);
    expect(d.max).toBeLessThanOrEqual(LOGMEL_TOL_DB);
  });

  it('default float32 output; the wei2018 preset itself is not centred (124 frames); reflect padding', async () => {
    const out = join(dir, 'f32');
    const r = await runQuiet([CHIRP, '--preset', 'wei2018', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const a = readNpy(join(out, 'chirp_16k_4s.npy'));
    expect(a.dtype).toBe('<f4');
    expect(a.shape).toEqual([128, 124]);
    // Non-centred frame t is centred frame t + 1 (hop 512 = nFft / 2).
    const ref = readGolden('chirp_16k_4s', 'logmel_wei_constant_f64.npy');
    let worst = 0;
    for (let m = 0; m < 128; m++) for (let t = 0; t < 124; t++) worst = Math.max(worst, Math.abs(a.data[m * 124 + t] - ref.data[m * 126 + t + 1]));
    console.log(`[cli] non-centred float32 frames vs centred librosa frames shifted by one: max |diff| ${worst.toExponential(3)} dB`);
    expect(worst).toBeLessThanOrEqual(LOGMEL_TOL_DB);

    const r2 = await runQuiet([CHIRP, '--preset', 'wei2018', '--center', '--pad-mode', 'reflect', '--out', join(dir, 'refl')]);
    expect(r2.code).toBe(0);
    const b = readNpy(join(dir, 'refl', 'chirp_16k_4s.npy'));
    const refR = readGolden('chirp_16k_4s', 'logmel_wei_reflect_f64.npy');
    expect(maxAbsDiff(b.data, refR.data).max).toBeLessThanOrEqual(LOGMEL_TOL_DB);
  });

  it('flags override the preset (n-mels, hop, htk, norm, fmin/fmax, power, window, n-fft, win-length)', async () => {
    const out = join(dir, 'ovr');
    const r = await runQuiet([
      CHIRP, '--preset', 'librosa', '--sr', '16000', '--n-fft', '512', '--win-length', '400', '--hop', '160',
      '--window', 'hamming', '--n-mels', '40', '--htk', '--norm', 'none', '--fmin', '50', '--fmax', '7000', '--power', '1',
      '--no-center', '--out', out,
    ]);
    expect(r.code, r.err).toBe(0);
    const a = readNpy(join(out, 'chirp_16k_4s.npy'));
    expect(a.shape).toEqual([40, 1 + Math.floor((64000 - 512) / 160)]);
  });

  it('usage errors exit 2, unreadable files exit 1 and name the file', async () => {
    expect((await runQuiet([CHIRP, '--out', dir])).code).toBe(2); // no preset
    expect((await runQuiet([CHIRP, '--preset', 'wei2018'])).code).toBe(2); // no out
    expect((await runQuiet(['--preset', 'wei2018', '--out', dir])).code).toBe(2); // no files
    expect((await runQuiet([CHIRP, '--preset', 'wei2018', '--out', dir, '--n-fft', '-3'])).code).toBe(2);
    expect((await runQuiet([CHIRP, '--preset', 'wei2018', '--out', dir, '--win-length', '4096'])).code).toBe(2);
    expect((await runQuiet([CHIRP, '--preset', 'wei2018', '--out', dir, '--window', 'kaiser'])).code).toBe(2);
    expect((await runQuiet([CHIRP, '--preset', 'wei2018', '--out', dir, '--bogus'])).code).toBe(2);
    expect((await runQuiet([CHIRP, CHIRP, '--preset', 'wei2018', '--out', dir])).code).toBe(2); // same output name
    const missing = join(dir, 'missing.wav');
    const r = await runQuiet([missing, CHIRP, '--preset', 'wei2018', '--out', join(dir, 'partial')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(missing);
    expect(readNpy(join(dir, 'partial', 'chirp_16k_4s.npy')).shape).toEqual([128, 124]); // the good file is still written
  });

  it('output names drop .wav in any case', () => {
    expect(outputName('/a/b/clip.WAV')).toBe('clip.npy');
    expect(outputName('x.y.wav')).toBe('x.y.npy');
    expect(outputName('noext')).toBe('noext.npy');
  });

  it('npx audio-aug-lab features --help (through bin/) documents every flag', () => {
    const r = spawnSync(process.execPath, [join(REPO, 'bin', 'audio-aug-lab.mjs'), 'features', '--help'], { encoding: 'utf8', cwd: REPO });
    expect(r.status, r.stderr).toBe(0);
    for (const flag of [
      '--preset', '--out', '--sr', '--n-fft', '--hop', '--win-length', '--window', '--n-mels', '--htk', '--no-htk', '--norm',
      '--fmin', '--fmax', '--center', '--no-center', '--pad-mode', '--power', '--float64', '--help',
    ]) {
      expect(r.stdout).toContain(flag);
    }
    for (const preset of ['wei2018', 'hu2020', 'librosa', 'mushtaq2020']) expect(r.stdout).toContain(preset);
  });
});
