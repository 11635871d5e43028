/**
 * `audio-aug-lab features <wav...> --preset NAME --out DIR [options]`:
 * log-mel spectrogram of each WAV file, written as DIR/<name>.npy in
 * librosa's layout (n_mels, n_frames), float32 (float64 with --float64), so
 * numpy and other tools read them directly.
 *
 * Audio is loaded like librosa.load: mixed down to mono (mean of channels)
 * and resampled with resampy's kaiser_best filter when the file's rate
 * differs from the target rate (--sr, else the preset's rate; the hu2020
 * preset keeps each file's own rate unless --sr is given).
 *
 * --fmax above sr/2 is refused here although librosa allows it: the mel
 * filters above the Nyquist frequency cover no FFT bin, so their rows are
 * all zero and come out as constant -100 dB (the floor) rows that look like
 * data. The library's `mel` keeps librosa's behaviour and prints librosa's
 * "Empty filters detected" warning once (src/features/mel.ts); the command
 * line refuses the case it can tell is useless before computing anything.
 * (For hu2020 without --sr the rate is the file's, so the check is per file.)
 */
import { basename, join } from 'node:path';
import { loadAudio } from '../audio/load.js';
import { logMel, presetMelOptions, resolvePreset, type LogMelOverrides } from '../features/logmel.js';
import { melBasisFor } from '../features/spectrogram.js';
import { resolveStftParams } from '../features/stft.js';
import { PRESET_NAMES, presets, type PresetName } from '../features/presets.js';
import { WINDOW_NAMES, type WindowName } from '../features/window.js';
import { writeNpy } from '../io/npy.js';
import { AudioAugLabError, describeErrno, FileAccessError, InvalidParameterError, UsageError } from '../util/errors.js';
import { describeFailure, exitCodesHelp, parseCommandArgs, runCommand } from './command.js';
import { checkInputFile, checkOutputDir, makeOutputDir, writeOutput } from './files.js';

export const summary = 'log-mel features of WAV files with a paper preset, written as .npy (n_mels, n_frames)';

function describePreset(name: PresetName): string {
  const p = presets[name];
  const log = p.log.type === 'db' ? `power_to_db(ref ${p.log.ref}, amin ${p.log.amin}, top_db ${p.log.topDb ?? 'none'})` : `log(x + ${p.log.eps})`;
  return (
    `  ${name.padEnd(12)} sr ${p.sr ?? "file's own"}, n_fft ${p.nFft}, hop ${p.hopLength}, ${p.window}, ` +
    `center ${p.center}${p.center ? ` (${p.padMode})` : ''}, ${p.nMels} ${p.htk ? 'HTK' : 'Slaney'} mels, ` +
    `norm ${p.norm ?? 'none'}, power ${p.power}, ${log}`
  );
}

const HELP = `usage: audio-aug-lab features <wav...> --preset NAME --out DIR [options]

Computes the log-mel spectrogram of each WAV file (mixed down to mono) and
writes DIR/<file name without .wav>.npy with shape (n_mels, n_frames),
librosa's layout, as float32 (float64 with --float64).

presets:
${PRESET_NAMES.map(describePreset).join('\n')}

options (each overrides the preset's value; librosa's names in brackets):
  --preset NAME       one of ${PRESET_NAMES.join(', ')} (required)
  --out DIR           output folder, created if missing (required)
  --sr HZ             sample rate to compute at [sr]; a file at another rate
                      is resampled with resampy's kaiser_best filter.
                      Default: the preset's rate (hu2020: the file's own)
  --n-fft N           FFT size [n_fft]
  --hop N             hop length in samples [hop_length]
  --win-length N      window length <= n_fft, zero-padded centred [win_length]
  --window NAME       ${WINDOW_NAMES.join(' | ')} (periodic, as scipy get_window fftbins=True) [window]
  --n-mels N          number of mel bands [n_mels]
  --htk, --no-htk     HTK mel scale / Slaney mel scale [htk]
  --norm NAME         slaney (area normalisation) | none [norm]
  --fmin HZ           lowest mel filter edge [fmin]
  --fmax HZ           highest mel filter edge, default sr/2, at most sr/2 [fmax]
  --center, --no-center
                      centre frames by padding n_fft/2 on each side [center]
                      (wei2018 is not centred: 124 frames per 4 s)
  --pad-mode MODE     constant (zeros, librosa >= 0.9) | reflect [pad_mode]
  --power P           exponent of the magnitude, 1 or 2 usually [power]
  --float64           write float64 instead of float32
  -h, --help          show this help

Every input is checked when loaded: a file that is missing, empty (0 samples)
or holds a NaN/infinite sample is reported with its name and not written; the
other files are still written, and the exit code is 1.

${exitCodesHelp()}`;

type Values = {
  preset?: string;
  out?: string;
  sr?: string;
  'n-fft'?: string;
  hop?: string;
  'win-length'?: string;
  window?: string;
  'n-mels'?: string;
  htk?: boolean;
  norm?: string;
  fmin?: string;
  fmax?: string;
  center?: boolean;
  'pad-mode'?: string;
  power?: string;
  float64?: boolean;
  help?: boolean;
};

function intOption(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${v}'`);
  return n;
}

function numberOption(v: string | undefined, flag: string, min = 0, strict = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || (strict && n === min)) {
    throw new UsageError(`${flag} must be a number ${strict ? '>' : '>='} ${min}, got '${v}'`);
  }
  return n;
}

function choice<T extends string>(v: string | undefined, flag: string, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

/** Overrides from the command line (only the flags that were given). */
function overridesFrom(values: Values): LogMelOverrides {
  const norm = choice(values.norm, '--norm', ['slaney', 'none'] as const);
  return {
    sr: numberOption(values.sr, '--sr', 0, true),
    nFft: intOption(values['n-fft'], '--n-fft'),
    hopLength: intOption(values.hop, '--hop'),
    winLength: intOption(values['win-length'], '--win-length'),
    window: choice<WindowName>(values.window, '--window', WINDOW_NAMES),
    nMels: intOption(values['n-mels'], '--n-mels'),
    htk: values.htk,
    norm: norm === undefined ? undefined : norm === 'none' ? null : 'slaney',
    fmin: numberOption(values.fmin, '--fmin'),
    fmax: numberOption(values.fmax, '--fmax', 0, true),
    center: values.center,
    padMode: choice(values['pad-mode'], '--pad-mode', ['constant', 'reflect'] as const),
    power: numberOption(values.power, '--power', 0, true),
  };
}

/** Output name: the file name without a .wav extension (any case). */
export function outputName(path: string): string {
  return `${basename(path).replace(/\.wav$/i, '')}.npy`;
}

/** The Nyquist check of --fmax (see the file comment). */
function checkFmax(fmax: number | null | undefined, sr: number, file?: string): void {
  if (fmax === null || fmax === undefined || fmax <= sr / 2) return;
  const message =
    `--fmax ${fmax} Hz is above sr/2 = ${sr / 2} Hz: the mel filters above the Nyquist frequency cover no FFT bin ` +
    `and would give constant rows; use --fmax <= ${sr / 2}${file ? '' : ' or a higher --sr'}`;
  if (file) throw new InvalidParameterError(`${file}: ${message}`);
  throw new UsageError(message);
}

async function command(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs({
    args: argv,
    options: {
      preset: { type: 'string' },
      out: { type: 'string' },
      sr: { type: 'string' },
      'n-fft': { type: 'string' },
      hop: { type: 'string' },
      'win-length': { type: 'string' },
      window: { type: 'string' },
      'n-mels': { type: 'string' },
      htk: { type: 'boolean' },
      norm: { type: 'string' },
      fmin: { type: 'string' },
      fmax: { type: 'string' },
      center: { type: 'boolean' },
      'pad-mode': { type: 'string' },
      power: { type: 'string' },
      float64: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
    allowNegative: true,
  });
  const values = parsed.values as Values;
  const files = parsed.positionals;
  if (values.help) {
    console.log(HELP);
    return 0;
  }

  if (!values.preset) throw new UsageError('--preset is required');
  const presetName = choice(values.preset, '--preset', PRESET_NAMES) as PresetName;
  if (!values.out) throw new UsageError('--out DIR is required');
  if (files.length === 0) throw new UsageError('give at least one WAV file');
  const overrides = overridesFrom(values);
  const names = new Map<string, string>();
  for (const f of files) {
    const name = outputName(f);
    const other = names.get(name);
    if (other !== undefined) throw new UsageError(`'${other}' and '${f}' would both be written to ${name}`);
    names.set(name, f);
  }
  // Check the parameter combination once, before reading any audio. The
  // mel parameters need the rate, which for hu2020 without --sr is only
  // known per file (then they are checked per file).
  const knownSr = overrides.sr ?? presets[presetName].sr;
  try {
    const p = resolvePreset(presetName, { ...overrides, sr: knownSr ?? 48000 });
    resolveStftParams(p);
    if (knownSr !== null) {
      checkFmax(p.fmax, knownSr);
      melBasisFor(presetMelOptions(p));
    }
  } catch (e) {
    // a parameter combination the library rejects is a command-line mistake
    if (e instanceof AudioAugLabError && !(e instanceof UsageError)) throw new UsageError(e.message);
    throw e;
  }

  const outDir = values.out;
  checkOutputDir(outDir);
  let failures = 0;
  let written = 0;
  for (const file of files) {
    try {
      checkInputFile(file, 'audio file');
      const targetSr = overrides.sr ?? presets[presetName].sr ?? null;
      const wav = loadAudio(file, { sr: targetSr, mono: true });
      if (knownSr === null) checkFmax(overrides.fmax ?? presets[presetName].fmax, wav.sr, file);
      const lm = logMel(wav.channels[0], presetName, { ...overrides, sr: wav.sr });
      const data = values.float64 ? lm.data : Float32Array.from(lm.data);
      const outPath = join(outDir, outputName(file));
      if (written === 0) makeOutputDir(outDir);
      writeOutput(outPath, () => writeNpy(outPath, data, [lm.nMels, lm.nFrames]));
      written++;
      console.log(`${file} -> ${outPath} (${lm.nMels} x ${lm.nFrames}, ${wav.sr} Hz, ${values.float64 ? 'float64' : 'float32'})`);
    } catch (e) {
      // one input: the error is the command's; several: one line per failed file, then go on
      if (files.length === 1) throw namingFile(e, file);
      console.error(describeFailure('features', namingFile(e, file)).line);
      failures++;
    }
  }
  if (failures > 0) console.error(`audio-aug-lab features: ${failures} of ${files.length} files failed (${written} written to ${outDir})`);
  return failures > 0 ? 1 : 0;
}

/** An error while processing `file`, with the file named in its message. */
function namingFile(e: unknown, file: string): unknown {
  if (e instanceof AudioAugLabError) {
    if (e.file === file || e.message.startsWith(`${file}:`)) return e;
    return new AudioAugLabError(e.code, e.message, file);
  }
  const errno = describeErrno(e);
  if (errno) return new FileAccessError(errno.text, (e as NodeJS.ErrnoException).path ?? file, errno.errno);
  const wrapped = new AudioAugLabError('INTERNAL', `internal error: ${e instanceof Error ? e.message : String(e)}`, file);
  if (e instanceof Error && e.stack) wrapped.stack = e.stack;
  return wrapped;
}

export function run(argv: string[]): Promise<number> {
  return runCommand('features', command, argv);
}
