/**
 * The command line's one error path, class by class, through the real entry
 * `main(argv)` (in this process, output captured): each failure gives its
 * exit code, ONE line on stderr `audio-aug-lab <command>: <file>: <what is
 * wrong>` (no stack trace), and writes no file. Inputs are generated WAVs
 * in a temp folder. The spawned-process checks (bin/audio-aug-lab.mjs,
 * signals) are in process.test.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWav, writeWav } from '../../src/audio/wav-file.js';
import { describeFailure } from '../../src/cli/command.js';
import { EMPTY_FILTERS_WARNING } from '../../src/features/mel.js';
import { readNpy } from '../../src/io/npy.js';
import { FileAccessError } from '../../src/util/errors.js';
import { cli, emptyWav, floatWav, tone, tree } from './cli-harness.js';

const tmp = mkdtempSync(join(tmpdir(), 'aal-cli-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SR = 16000;
const ok = floatWav(join(tmp, 'ok.wav'), [tone(8000, SR, [440, 1250])], SR);
const ok2 = floatWav(join(tmp, 'ok2.wav'), [tone(8000, SR, [300])], SR);
const nanSamples = tone(8000, SR, [440]);
nanSamples[100] = NaN;
const nan = floatWav(join(tmp, 'nan.wav'), [nanSamples], SR);
const infRight = tone(8000, SR, [440]);
infRight[4000] = Infinity;
const infStereo = floatWav(join(tmp, 'inf-stereo.wav'), [tone(8000, SR, [440]), infRight], SR);
const empty = emptyWav(join(tmp, 'empty.wav'), SR);
const NAN_LINE = (cmd: string) => `audio-aug-lab ${cmd}: ${nan}: channel 0, sample 100 (0.006 s) is NaN; audio samples must be finite`;
const EMPTY_LINE = (cmd: string) => `audio-aug-lab ${cmd}: ${empty}: has no samples (0 frames); an empty recording cannot be processed`;

/** Run a failing command: the exit code, exactly one stderr line, nothing written under tmp. */
async function fails(argv: string[], code: number, line: string | RegExp): Promise<string> {
  const before = tree(tmp);
  const r = await cli(argv);
  expect(r.err, `stderr of ${argv.join(' ')}`).toHaveLength(1);
  if (typeof line === 'string') expect(r.err[0]).toBe(line);
  else expect(r.err[0]).toMatch(line);
  expect(r.err[0]).not.toMatch(/\n|^\s+at |node:internal/);
  expect(r.code, r.err[0]).toBe(code);
  expect(tree(tmp), `files written by ${argv.join(' ')}`).toEqual(before);
  return r.err[0];
}

describe('unknown options: a usage line (exit 2), never a Node stack trace', () => {
  it.each([
    ['reproduce', ['mushtaq2020', '--bogus-flag'], '--bogus-flag'],
    ['published', ['wei2018', '--bogus'], '--bogus'],
    ['report', ['mushtaq2020', '--bogus'], '--bogus'],
    ['data', ['list', '--bogus'], '--bogus'],
    ['features', [ok, '--preset', 'wei2018', '--out', join(tmp, 'f'), '--bogus'], '--bogus'],
    ['augment', [ok, '--bogus'], '--bogus'],
    ['eer', ['--bogus'], '--bogus'],
  ])('%s', async (cmd, args, flag) => {
    await fails([cmd, ...args], 2, `audio-aug-lab ${cmd}: unknown option '${flag}' (see audio-aug-lab ${cmd} --help)`);
  });

  it('a missing option value and an unknown command', async () => {
    await fails(['augment', ok, '--name'], 2, /^audio-aug-lab augment: option '--name <value>' argument missing \(see audio-aug-lab augment --help\)$/);
    await fails(['frobnicate'], 2, /^audio-aug-lab: unknown command 'frobnicate' \(commands: features, augment, .*\) \(see audio-aug-lab --help\)$/);
  });
});

describe('file-system errors name the path the user gave', () => {
  it('augment --out into a folder that does not exist (no temp name, nothing written)', async () => {
    const out = join(tmp, 'no-such-dir', 'x.wav');
    await fails(['augment', ok, '--name', 'trim', '--out', out], 1,
      `audio-aug-lab augment: ${out}: cannot write: the output folder ${join(tmp, 'no-such-dir')} does not exist`);
  });

  it('augment --out an existing folder; a missing input', async () => {
    const folder = join(tmp, 'folder.wav');
    mkdirSync(folder);
    await fails(['augment', ok, '--name', 'trim', '--out', folder], 1, `audio-aug-lab augment: ${folder}: is a folder; the output must be a file name`);
    rmSync(folder, { recursive: true });
    const missing = join(tmp, 'nope.wav');
    await fails(['augment', missing, '--name', 'trim', '--out', join(tmp, 'y.wav')], 1, `audio-aug-lab augment: ${missing}: audio file does not exist`);
  });

  it('features --out an existing file', async () => {
    await fails(['features', ok, '--preset', 'wei2018', '--out', ok2], 1,
      `audio-aug-lab features: ${ok2}: exists and is not a folder; the output must be a folder`);
  });

  it('eer --scores a folder, and an empty scores file', async () => {
    const truth = join(tmp, 'truth.csv');
    writeFileSync(truth, 'a.wav,cm\n');
    await fails(['eer', '--scores', tmp, '--truth', truth], 1, `audio-aug-lab eer: ${tmp}: is a folder; the CSV file must be a file`);
    const emptyCsv = join(tmp, 'empty.csv');
    writeFileSync(emptyCsv, '');
    await fails(['eer', '--scores', emptyCsv, '--truth', truth], 1, `audio-aug-lab eer: ${emptyCsv}: no rows: the system output is empty`);
    rmSync(truth);
    rmSync(emptyCsv);
  });

  it('report --results a folder that does not exist: an error, and the folder is not created', async () => {
    const results = join(tmp, 'no-results');
    await fails(['report', 'mushtaq2020', '--results', results], 1, `audio-aug-lab report: ${results}: results folder does not exist`);
    expect(existsSync(results)).toBe(false);
    mkdirSync(results);
    await fails(['report', 'mushtaq2020', '--results', results], 1,
      `audio-aug-lab report: ${results}: no smoke results of mushtaq2020 in this folder (expected smoke/mushtaq2020/<experiment>/fold-*.json; ` +
        `run: audio-aug-lab reproduce mushtaq2020 --budget smoke --results ${results})`);
    rmSync(results, { recursive: true });
  });

  it('a failed WAV write names the target, not the temporary file', () => {
    const target = join(tmp, 'gone', 'x.wav');
    let err: unknown;
    try {
      writeWav(target, [new Float64Array(4)], SR);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FileAccessError);
    expect((err as Error).message).toBe(`${target}: cannot write the WAV file: its folder does not exist`);
  });
});

describe('bad audio is rejected when loaded, naming the file, channel and sample', () => {
  const ENTRIES = ['trim', 'time_shift', 'gaussian_noise_hu2020', 'gaussian_noise_snr', 'drc', 'time_stretch'];

  it.each(ENTRIES)('augment --name %s: NaN and empty input, no file written', async (name) => {
    await fails(['augment', nan, '--name', name, '--out', join(tmp, 'o.wav')], 1, NAN_LINE('augment'));
    await fails(['augment', empty, '--name', name, '--out', join(tmp, 'o.wav')], 1, EMPTY_LINE('augment'));
  });

  it('an infinite sample in the second channel of a stereo file', async () => {
    await fails(['augment', infStereo, '--name', 'trim', '--out', join(tmp, 'o.wav')], 1,
      `audio-aug-lab augment: ${infStereo}: channel 1, sample 4000 (0.250 s) is Infinity; audio samples must be finite`);
  });

  it('features: one bad file is the error line; in a batch, one line per failed file and the rest written', async () => {
    const out = join(tmp, 'feat');
    await fails(['features', nan, '--preset', 'wei2018', '--out', out], 1, NAN_LINE('features'));
    await fails(['features', empty, '--preset', 'wei2018', '--out', out], 1, EMPTY_LINE('features'));
    const missing = join(tmp, 'missing.wav');
    const r = await cli(['features', nan, ok, empty, missing, '--preset', 'wei2018', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      NAN_LINE('features'),
      EMPTY_LINE('features'),
      `audio-aug-lab features: ${missing}: audio file does not exist`,
      `audio-aug-lab features: 3 of 4 files failed (1 written to ${out})`,
    ]);
    expect(tree(out)).toEqual(['ok.npy']);
    rmSync(out, { recursive: true });
  });
});

describe('features: fmax above sr/2 is an error, empty mel filters a warning', () => {
  it('--fmax above sr/2 with a known rate: usage error before any file is read', async () => {
    await fails(['features', ok, '--preset', 'wei2018', '--fmax', '99999', '--out', join(tmp, 'f')], 2,
      'audio-aug-lab features: --fmax 99999 Hz is above sr/2 = 8000 Hz: the mel filters above the Nyquist frequency cover no FFT bin ' +
        'and would give constant rows; use --fmax <= 8000 or a higher --sr (see audio-aug-lab features --help)');
  });

  it("--fmax above the file's own sr/2 (hu2020 keeps each file's rate): the file is named", async () => {
    await fails(['features', ok, '--preset', 'hu2020', '--fmax', '12000', '--out', join(tmp, 'f')], 1,
      `audio-aug-lab features: ${ok}: --fmax 12000 Hz is above sr/2 = 8000 Hz: the mel filters above the Nyquist frequency cover no FFT bin ` +
        'and would give constant rows; use --fmax <= 8000');
  });

  it("empty filters (too many mels for n_fft): librosa's warning, once, on stderr; the files are written", async () => {
    const out = join(tmp, 'many-mels');
    const r = await cli(['features', ok, ok2, '--preset', 'wei2018', '--n-mels', '512', '--out', out]);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.err).toEqual([`warning: ${EMPTY_FILTERS_WARNING}`]);
    expect(EMPTY_FILTERS_WARNING).toBe(
      'Empty filters detected in mel frequency basis. Some channels will produce empty responses. ' +
        'Try increasing your sampling rate (and fmax) or reducing n_mels.',
    );
    expect(tree(out)).toEqual(['ok.npy', 'ok2.npy']);
    rmSync(out, { recursive: true });
  });
});

describe('augment: output format, spectrum_correction from the command line', () => {
  it('--out with an extension other than .wav/.npy, and --float with .npy, are usage errors', async () => {
    await fails(['augment', ok, '--name', 'trim', '--out', join(tmp, 'x.mp3')], 2,
      `audio-aug-lab augment: --out ${join(tmp, 'x.mp3')}: the format follows the extension, one of .wav, .npy; got '.mp3' (see audio-aug-lab augment --help)`);
    await fails(['augment', ok, '--name', 'trim', '--float', '--out', join(tmp, 'x.npy')], 2,
      'audio-aug-lab augment: --float applies to .wav output only (.npy is float64) (see audio-aug-lab augment --help)');
  });

  it('spectrum_correction: coefficients from recordings (--spectrum-coefficients), then applied from the file', async () => {
    await fails(['augment', ok, '--name', 'spectrum_correction', '--out', join(tmp, 'sc.wav')], 2,
      /^audio-aug-lab augment: spectrum_correction needs --param coefficients=FILE\.npy\|FILE\.json /);
    const dir = join(tmp, 'spectrum');
    mkdirSync(dir);
    // device A: a bright source; reference devices B and C: the same scenes, darker
    const a = [floatWav(join(dir, 'a1.wav'), [tone(8000, SR, [300, 3000])], SR), floatWav(join(dir, 'a2.wav'), [tone(8000, SR, [500, 2500])], SR)];
    const b = [floatWav(join(dir, 'b1.wav'), [tone(8000, SR, [300])], SR), floatWav(join(dir, 'b2.wav'), [tone(8000, SR, [500])], SR)];
    const c = [floatWav(join(dir, 'c1.wav'), [tone(8000, SR, [300, 600])], SR)];
    const coeff = join(dir, 'coeff.npy');
    const made = await cli(['augment', '--spectrum-coefficients', '--source', a.join(','), '--reference', b.join(','), '--reference', c[0], '--out', coeff]);
    expect(made.code, made.err.join('\n')).toBe(0);
    expect(made.out[0]).toBe(`spectrum_correction coefficients: 1025 bins (nFft 2048, hop 1024, reflect) at 16000 Hz from 2 source clip(s) and 2 reference device(s) -> ${coeff}`);
    const values = readNpy(coeff);
    expect(values.shape).toEqual([1025]);
    // bin of 3000 Hz (nFft 2048 at 16 kHz: 7.8125 Hz per bin): the references have no energy there
    expect(values.data[384]).toBeLessThan(0.05);
    expect(values.data[Math.round(300 / 7.8125)]).toBeGreaterThan(0.3);

    const outWav = join(dir, 'corrected.wav');
    const applied = await cli(['augment', a[0], '--name', 'spectrum_correction', '--param', `coefficients=${coeff}`, '--out', outWav, '--float']);
    expect(applied.code, applied.err.join('\n')).toBe(0);
    expect(applied.out[0]).toContain('spectrum_correction coefficients=[1025 values]');
    const corrected = readWav(outWav);
    expect([corrected.nFrames, corrected.sampleRate]).toEqual([8000, SR]); // same length and rate as the input

    const short = join(dir, 'short.json');
    writeFileSync(short, '[1, 1, 1]');
    await fails(['augment', a[0], '--name', 'spectrum_correction', '--param', `coefficients=${short}`, '--out', join(dir, 'x.wav')], 1,
      /^audio-aug-lab augment: spectrum_correction: parameter 'coefficients' needs nFft\/2 \+ 1 = 1025 values/);
    const other = floatWav(join(dir, 'other-rate.wav'), [tone(4000, 8000, [300])], 8000);
    await fails(['augment', '--spectrum-coefficients', '--source', a[0], '--reference', other, '--out', join(dir, 'c2.npy')], 1,
      `audio-aug-lab augment: ${other}: is 8000 Hz but ${a[0]} is 16000 Hz; all clips must have one sample rate`);
  });

  it('--list documents the file form of list parameters and how to make spectrum_correction coefficients', async () => {
    const r = await cli(['augment', '--list']);
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toContain('spectrum_correction: --param coefficients=FILE with nFft/2 + 1 values');
    expect(text).toContain('audio-aug-lab augment --spectrum-coefficients --source A.wav,... --reference B.wav,... --out FILE');
  });
});

describe('data: where and list agree; verify counts files outside the checksum list apart', () => {
  const root = join(tmp, 'data-root');
  const esc = join(root, 'esc50');
  const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

  it('a copy laid out as <root>/esc50/{audio,meta} (no extracted/): list says present at it, where prints it', async () => {
    mkdirSync(join(esc, 'audio'), { recursive: true });
    mkdirSync(join(esc, 'meta'));
    const clips = ['1-100-A-0.wav', '1-101-A-1.wav'].map((f) => floatWav(join(esc, 'audio', f), [tone(800, SR, [440])], SR));
    writeFileSync(join(esc, 'SHA256SUMS'), clips.map((p, i) => `${sha(p)}  audio/${['1-100-A-0.wav', '1-101-A-1.wav'][i]}\n`).join(''));
    floatWav(join(esc, 'audio', '9-999-A-9.wav'), [tone(800, SR, [220])], SR); // stray: not in SHA256SUMS

    const list = await cli(['data', 'list', '--data-root', root]);
    expect(list.code).toBe(0);
    expect(list.out.find((l) => l.startsWith('esc50 '))).toMatch(new RegExp(`present \\(not fetched by this tool\\) at ${esc}$`));
    expect(list.out.find((l) => l.startsWith('chime-home '))).toMatch(/absent$/);

    const where = await cli(['data', 'where', 'esc50', '--data-root', root]);
    expect(where.code).toBe(0);
    expect(where.out).toEqual([esc]);
    expect(existsSync(where.out[0])).toBe(true);

    const verify = await cli(['data', 'verify', 'esc50', '--data-root', root]);
    expect(verify.code).toBe(3);
    expect(verify.out).toContain('SHA256SUMS: 2/2 files match');
    expect(verify.out).toContain('audio: 1 *.wav file(s) not in the checksum list, not verified and not counted: audio/9-999-A-9.wav');
    expect(verify.out.join('\n')).toContain('PARTIAL SUBSET — 2 of the 2000 audio files of esc50 (0.1%)');
  });

  it('where prints nothing on stdout for an absent dataset (exit 1, the folder named) or an unknown id (exit 2)', async () => {
    const r = await cli(['data', 'where', 'chime-home', '--data-root', root]);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([
      `audio-aug-lab data: ${join(root, 'chime-home')}: chime-home is not under the data root ${root} (run: audio-aug-lab data fetch chime-home)`,
    ]);
    await fails(['data', 'where', 'nope', '--data-root', root], 2, /^audio-aug-lab data: no dataset 'nope' \(known: chime-home, esc50, /);
  });
});

describe('reproduce: every argument checked before the backend starts; --plan refuses what a run refuses', () => {
  // One stderr line and nothing on stdout: the backend line ("audio-aug-lab backend: ...")
  // and the data note would show otherwise.
  it.each([
    [['--budget', 'bogus'], "--budget must be one of smoke, quick, full, got 'bogus'"],
    [['--seeds', 'abc'], "--seeds: 'abc' is not a seed (a non-negative integer)"],
    [['--shard', '3/2'], "--shard must be i/n with 1 <= i <= n, got '3/2'"],
    [['--only', 'no-such-experiment'], /unknown experiment\(s\) for mushtaq2020: no-such-experiment/],
    [['--threads-per-job', '0'], "--threads-per-job must be a positive integer, got '0'"],
    [['--parallel', 'many'], "--parallel must be a positive integer, got 'many'"],
    [['--seeds', '99'], '--seeds 99: no selected experiment of mushtaq2020 has these seeds at budget smoke'],
    [['--plan', '--seeds', '99'], '--seeds 99: no selected experiment of mushtaq2020 has these seeds at budget smoke'],
    [['--plan', '--shard', '0/2'], "--shard must be i/n with 1 <= i <= n, got '0/2'"],
  ])('%j', async (args, message) => {
    const before = tree(tmp);
    const argv = ['reproduce', 'mushtaq2020', '--results', join(tmp, 'results'), ...(args as string[])];
    const r = await cli(argv, { AUDIO_AUG_LAB_DATA: join(tmp, 'no-data') });
    expect(r.code, r.err.join('\n')).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    if (typeof message === 'string') expect(r.err[0]).toBe(`audio-aug-lab reproduce: ${message} (see audio-aug-lab reproduce --help)`);
    else expect(r.err[0]).toMatch(message);
    expect(tree(tmp)).toEqual(before);
  });

  it('an unknown paper is a usage error; a --data-dir that does not exist an input error naming it', async () => {
    await fails(['reproduce', 'nobody2099'], 2, 'audio-aug-lab reproduce: unknown paper \'nobody2099\' (papers: wei2018, mushtaq2020, hu2020) (see audio-aug-lab reproduce --help)');
    const dir = join(tmp, 'no-such-data');
    await fails(['reproduce', 'mushtaq2020', '--data-dir', dir], 1, `audio-aug-lab reproduce: ${dir}: --data-dir does not exist`);
  });
});

describe('--version, help texts, debug stack, the error line itself', () => {
  it('--version prints the package.json version', async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    const r = await cli(['--version']);
    expect(r).toEqual({ code: 0, out: [`audio-aug-lab ${pkg.version}`], err: [] });
  });

  it('the root help and every command help list the exit codes', async () => {
    for (const argv of [['--help'], ...['features', 'augment', 'eer', 'data', 'published', 'reproduce', 'report'].map((c) => [c, '--help'])]) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      const text = r.out.join('\n');
      for (const needle of ['exit codes:', '  1    invalid input', '  2    usage error', '130  interrupted (SIGINT', '143 stopped (SIGTERM)']) {
        expect(text, `${argv.join(' ')}: ${needle}`).toContain(needle);
      }
    }
    expect((await cli(['reproduce', '--help'])).out.join('\n')).toContain('3    full budget: a measured cell did not reproduce');
  });

  it('AUDIO_AUG_LAB_DEBUG=1 adds the stack trace after the line', async () => {
    const r = await cli(['augment', nan, '--name', 'trim', '--out', join(tmp, 'o.wav')], { AUDIO_AUG_LAB_DEBUG: '1' });
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe(NAN_LINE('augment'));
    expect(r.err.length).toBeGreaterThan(2);
    expect(r.err.slice(1).join('\n')).toMatch(/NonFiniteError[\s\S]*\n\s+at /);
  });

  it('describeFailure: a Node error becomes a line with its path; anything else an internal error', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'in.csv'"), { code: 'ENOENT', path: 'in.csv' });
    expect(describeFailure('eer', enoent)).toEqual({ code: 1, line: 'audio-aug-lab eer: in.csv: does not exist' });
    const eacces = Object.assign(new Error('EACCES'), { code: 'EACCES', path: '/root/x' });
    expect(describeFailure('features', eacces).line).toBe('audio-aug-lab features: /root/x: permission denied');
    expect(describeFailure('data', new TypeError('x is undefined'))).toEqual({
      code: 1,
      line: 'audio-aug-lab data: internal error: x is undefined (AUDIO_AUG_LAB_DEBUG=1 prints the stack trace)',
    });
  });
});
