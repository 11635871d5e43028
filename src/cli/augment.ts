/**
 * `audio-aug-lab augment <wav> --name NAME [--param k=v ...] [--seed N]
 *  --out FILE [--float]`: apply one waveform entry of the augmentation
 * catalogue to a WAV file and write the result as WAV (16-bit PCM, or
 * 32-bit float with --float) or, when FILE ends in `.npy`, as float64
 * samples (shape [n] for mono, [channels, n] otherwise).
 * `augment --list` prints the catalogue (name, target, paper, section,
 * parameters with defaults).
 *
 * The entry is applied once, whatever its probability p (p matters in
 * pipelines). Spectrogram, image and batch entries act on feature maps or
 * minibatches, not on a WAV file: they are refused with a message saying so.
 *
 * List parameters take their numbers from a file too (`--param
 * coefficients=FILE.npy|FILE.json`): spectrum_correction needs nFft/2 + 1 of
 * them. `augment --spectrum-coefficients --source A.wav,... --reference
 * B.wav,... [--reference C.wav,...] --out FILE` computes such a file as
 * hu2020 section 3 describes: the reference spectrum is the mean of the
 * reference devices' average magnitude spectra, and the coefficients are
 * reference / source (src/augment/waveform/spectrum-correction.ts).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { loadAudio } from '../audio/load.js';
import { writeWav } from '../audio/wav-file.js';
import { readNpy, writeNpy } from '../io/npy.js';
import { Rng } from '../util/rng.js';
import { AudioAugLabError, AudioFormatError, InvalidParameterError, NonFiniteError, UsageError, fileAccessError } from '../util/errors.js';
import { formatCatalogue, getEntry, listCatalogue, parseParams } from '../augment/catalogue.js';
import { averageMagnitudeSpectrum, correctionCoefficients, referenceSpectrum } from '../augment/waveform/spectrum-correction.js';
import type { AugmentationTarget, CatalogueEntry, ParamValue } from '../augment/types.js';
import type { Waveform } from '../audio/types.js';
import { exitCodesHelp, parseCommandArgs, runCommand } from './command.js';
import { checkInputFile, checkOutputFile, writeOutput } from './files.js';

export const summary = 'apply one catalogue augmentation to a WAV file, or list the catalogue (--list)';

const HELP = `usage: audio-aug-lab augment <wav> --name NAME [--param k=v ...] [--seed N] --out FILE [--float]
       audio-aug-lab augment --list [--json]
       audio-aug-lab augment --spectrum-coefficients --source A.wav[,A.wav...]
             --reference B.wav[,B.wav...] [--reference C.wav,...] [--param nFft=N ...] --out FILE

Applies the waveform augmentation NAME (see --list) to <wav> with the given
parameters (others take their defaults) and a seeded random generator, and
writes the result. The same seed gives bit-identical output.

options:
  --name NAME       catalogue entry (waveform target), e.g. time_stretch
  --param k=v       parameter, repeatable (e.g. --param rate=0.8); camelCase or
                    librosa's snake_case (n_steps=2); lists as 0.5,1.5, or from a
                    file: k=FILE.npy (1-D) or k=FILE.json (an array of numbers)
  --seed N          seed of the random generator (non-negative integer, default 0)
  --out FILE        output: .wav (16-bit PCM, or float with --float) or .npy (float64);
                    the folder must exist
  --float           write a 32-bit float WAV instead of 16-bit PCM
  --list            print the catalogue: name, target, paper, section, params=defaults
  --json            with --list: print the catalogue as JSON
  -h, --help        show this help

spectrum_correction (hu2020 section 3) needs per-bin coefficients, nFft/2 + 1
numbers: --param coefficients=FILE.npy. --spectrum-coefficients computes that
file from recordings: the average STFT magnitude of the --source clips (device
A) and of each --reference device's clips (one --reference per device, its clips
comma-separated); coefficients = mean of the reference spectra / source spectrum.
All clips at one sample rate; --param nFft, hopLength, padMode as for the entry.

examples:
  audio-aug-lab augment in.wav --name time_stretch --param rate=0.8 --seed 1 --out slow.wav
  audio-aug-lab augment in.wav --name pitch_shift --param nSteps=2 --out up2.npy
  audio-aug-lab augment --spectrum-coefficients --source a1.wav,a2.wav --reference b1.wav,b2.wav --reference c1.wav,c2.wav --out coeff.npy
  audio-aug-lab augment a3.wav --name spectrum_correction --param coefficients=coeff.npy --out a3-corrected.wav

${exitCodesHelp()}`;

/** Printed after the catalogue table of --list. */
const LIST_NOTES = `
notes:
  list parameters also take a file: --param NAME=FILE.npy (1-D) or NAME=FILE.json (an array)
  spectrum_correction: --param coefficients=FILE with nFft/2 + 1 values (1025 for nFft 2048),
    made by: audio-aug-lab augment --spectrum-coefficients --source A.wav,... --reference B.wav,... --out FILE
    (see audio-aug-lab augment --help)`;

const TARGET_TEXT: Record<Exclude<AugmentationTarget, 'waveform'>, string> = {
  spectrogram: 'spectrogram feature maps (channel, frequency, time)',
  image: 'the spectrogram as an image (channel, frequency, time)',
  batch: 'minibatches of training items (several inputs with their labels)',
};

const OUTPUT_EXTENSIONS = ['.wav', '.npy'];

/** --out must end in .wav or .npy (the format follows the extension). */
function outputFormat(out: string, allowed: readonly string[] = OUTPUT_EXTENSIONS): string {
  const ext = extname(out).toLowerCase();
  if (!allowed.includes(ext)) {
    throw new UsageError(`--out ${out}: the format follows the extension, one of ${allowed.join(', ')}; got '${ext || '(none)'}'`);
  }
  return ext;
}

/** Numbers of a list parameter given as a file: .npy (1-D) or .json (array). */
function readNumberList(path: string, what: string): number[] {
  checkInputFile(path, `${what} file`);
  const bad = (message: string) => new AudioAugLabError('PARAMETER_FILE', `${what}: ${message}`, path);
  let values: number[];
  if (path.toLowerCase().endsWith('.npy')) {
    const a = readNpy(path);
    if (a.shape.length !== 1) throw bad(`expected a 1-D array, got shape (${a.shape.join(', ')})`);
    values = Array.from(a.data);
  } else {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw fileAccessError(e, path, 'read');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw bad(`not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'number')) throw bad('expected a JSON array of numbers');
    values = parsed as number[];
  }
  if (values.length === 0) throw bad('the file holds no values');
  const i = values.findIndex((v) => !Number.isFinite(v));
  if (i >= 0) throw new NonFiniteError(`${what}: value ${i} is ${values[i]}; the values must be finite`, path);
  return values;
}

/** `--param` pairs with list values read from FILE.npy / FILE.json. */
function expandFileParams(entry: CatalogueEntry, pairs: readonly string[]): string[] {
  return pairs.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) return pair;
    const value = pair.slice(eq + 1).trim();
    if (!/\.(npy|json)$/i.test(value)) return pair;
    const given = pair.slice(0, eq).trim();
    const camel = given.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
    const spec = entry.params.find((s) => s.name === given || s.name === camel);
    if (!spec || !Array.isArray(spec.default)) return pair; // parseParams says what is wrong
    return `${spec.name}=${readNumberList(value, `${entry.name} parameter '${spec.name}'`).join(',')}`;
  });
}

function commaList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** Mono clips at one sample rate (each file checked when loaded). */
function loadClips(files: readonly string[], sr: { value: number | null; from: string }): Float64Array[] {
  return files.map((f) => {
    const w = loadAudio(f, { mono: true });
    if (sr.value === null) {
      sr.value = w.sr;
      sr.from = f;
    } else if (w.sr !== sr.value) {
      throw new AudioFormatError(`is ${w.sr} Hz but ${sr.from} is ${sr.value} Hz; all clips must have one sample rate`, f);
    }
    return w.channels[0];
  });
}

async function spectrumCoefficients(values: {
  source?: string[];
  reference?: string[];
  param?: string[];
  out?: string;
}, positionals: string[]): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`--spectrum-coefficients takes --source/--reference files, not '${positionals[0]}'`);
  const source = commaList(values.source);
  const devices = (values.reference ?? []).map((r) => commaList([r])).filter((d) => d.length > 0);
  if (source.length === 0) throw new UsageError('--spectrum-coefficients needs --source A.wav[,A.wav...] (the device to correct)');
  if (devices.length === 0) throw new UsageError('--spectrum-coefficients needs --reference B.wav[,B.wav...] (one per reference device)');
  if (!values.out) throw new UsageError('--out FILE is required (.npy or .json)');
  const ext = outputFormat(values.out, ['.npy', '.json']);
  const entry = getEntry('spectrum_correction');
  const given = parseParams(entry, values.param ?? []);
  for (const k of Object.keys(given)) {
    if (!['nFft', 'hopLength', 'padMode'].includes(k)) throw new UsageError(`--spectrum-coefficients takes --param nFft, hopLength, padMode; got '${k}'`);
  }
  const param = (name: string): ParamValue => given[name] ?? entry.params.find((s) => s.name === name)!.default;
  const opts = { nFft: param('nFft') as number, hopLength: param('hopLength') as number, padMode: param('padMode') as 'reflect' | 'constant' };
  for (const f of [...source, ...devices.flat()]) checkInputFile(f, 'audio file');
  checkOutputFile(values.out);

  const sr = { value: null as number | null, from: '' };
  const sourceSpectrum = averageMagnitudeSpectrum(loadClips(source, sr), opts);
  const reference = referenceSpectrum(devices.map((clips) => averageMagnitudeSpectrum(loadClips(clips, sr), opts)));
  const c = correctionCoefficients(reference, sourceSpectrum);
  writeOutput(values.out, () => {
    if (ext === '.npy') writeNpy(values.out!, c, [c.length]);
    else writeTextAtomically(values.out!, `${JSON.stringify(Array.from(c))}\n`);
  });
  console.log(
    `spectrum_correction coefficients: ${c.length} bins (nFft ${opts.nFft}, hop ${opts.hopLength}, ${opts.padMode}) at ${sr.value} Hz ` +
      `from ${source.length} source clip(s) and ${devices.length} reference device(s) -> ${values.out}`,
  );
  console.log(`use: audio-aug-lab augment <wav at ${sr.value} Hz> --name spectrum_correction --param coefficients=${values.out} --out FILE`);
  return 0;
}

/** Write text atomically (temp file + rename), like writeNpy and writeWav. */
function writeTextAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

async function command(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      param: { type: 'string', multiple: true },
      seed: { type: 'string' },
      out: { type: 'string' },
      float: { type: 'boolean' },
      list: { type: 'boolean' },
      json: { type: 'boolean' },
      'spectrum-coefficients': { type: 'boolean' },
      source: { type: 'string', multiple: true },
      reference: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.list) {
    if (values.json) {
      const entries = listCatalogue().map((e) => ({
        name: e.name,
        target: e.target,
        papers: e.papers,
        summary: e.summary,
        params: e.params.map((s) => ({ name: s.name, default: s.default, description: s.description, min: s.min, max: s.max, choices: s.choices })),
      }));
      console.log(JSON.stringify(entries, null, 1));
    } else {
      console.log(formatCatalogue() + LIST_NOTES);
    }
    return 0;
  }
  if (values['spectrum-coefficients']) return spectrumCoefficients(values, positionals);
  if (values.source || values.reference) throw new UsageError('--source and --reference go with --spectrum-coefficients');

  if (positionals.length !== 1) throw new UsageError(`expected one input WAV file, got ${positionals.length}`);
  if (!values.name) throw new UsageError('--name NAME is required (see --list)');
  if (!values.out) throw new UsageError('--out FILE is required');
  const ext = outputFormat(values.out);
  const seedText = values.seed ?? '0';
  if (!/^\d+$/.test(seedText)) throw new UsageError(`--seed must be a non-negative integer, got '${seedText}'`);
  const seed = Number(seedText);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed is too large: ${seedText}`);
  if (values.float && ext !== '.wav') throw new UsageError('--float applies to .wav output only (.npy is float64)');
  const inputPath = positionals[0];
  const out = values.out;

  const entry = getEntry(values.name);
  if (entry.target !== 'waveform') {
    throw new InvalidParameterError(
      `'${entry.name}' acts on ${TARGET_TEXT[entry.target]}, not on a WAV file; ` +
        'use it in a pipeline (src/augment/pipeline.ts). Waveform entries: ' +
        listCatalogue()
          .filter((e) => e.target === 'waveform')
          .map((e) => e.name)
          .join(', '),
    );
  }
  checkInputFile(inputPath, 'audio file');
  checkOutputFile(out);
  const params = parseParams(entry, expandFileParams(entry, values.param ?? []));
  if (entry.name === 'spectrum_correction' && params.coefficients === undefined) {
    throw new UsageError(
      'spectrum_correction needs --param coefficients=FILE.npy|FILE.json (nFft/2 + 1 values; make one with ' +
        'audio-aug-lab augment --spectrum-coefficients --source A.wav --reference B.wav --out FILE.npy)',
    );
  }
  const transform = entry.create(params);

  const input = loadAudio(inputPath, { mono: false });
  const rng = new Rng(seed);
  const drawn = transform.draw(rng, input);
  const output = transform.apply(input, drawn) as Waveform;
  output.channels.forEach((ch, c) => {
    for (let i = 0; i < ch.length; i++) {
      if (!Number.isFinite(ch[i])) {
        throw new NonFiniteError(`${entry.name} produced a non-finite value (${ch[i]}) at channel ${c}, sample ${i}; nothing was written`, inputPath);
      }
    }
  });

  const n = output.channels[0]?.length ?? 0;
  if (ext === '.npy') {
    const nCh = output.channels.length;
    const data = new Float64Array(nCh * n);
    output.channels.forEach((ch, c) => data.set(ch, c * n));
    writeOutput(out, () => writeNpy(out, data, nCh === 1 ? [n] : [nCh, n]));
  } else {
    if (!Number.isInteger(output.sr)) {
      throw new InvalidParameterError(`${entry.name}: output sample rate ${output.sr} is not an integer; write .npy instead`);
    }
    if (!values.float) {
      let clipped = 0;
      for (const ch of output.channels) for (let i = 0; i < ch.length; i++) if (ch[i] > 1 || ch[i] < -1) clipped++;
      if (clipped > 0) console.error(`warning: ${clipped} samples outside [-1, 1] were clipped in the 16-bit WAV (use --float or .npy)`);
    }
    writeWav(out, output.channels, output.sr, { encoding: values.float ? 'float32' : 'pcm16' });
  }
  const given = Object.entries(params)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? (v.length > 8 ? `[${v.length} values]` : v.join(',')) : String(v)}`)
    .join(' ');
  console.log(
    `${entry.name}${given ? ` ${given}` : ''} seed=${seed}: ${inputPath} (${input.channels[0].length} samples) -> ${out} ` +
      `(${output.channels.length} ch, ${n} samples, ${output.sr} Hz)`,
  );
  console.log(`drawn: ${summariseDrawn(drawn)}`);
  return 0;
}

export function run(argv: string[]): Promise<number> {
  return runCommand('augment', command, argv);
}

/** The drawn parameters as short JSON (typed arrays shortened). */
function summariseDrawn(drawn: unknown): string {
  const text = JSON.stringify(drawn, (_k, v) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const arr = Array.from(v as unknown as ArrayLike<number>);
      return arr.length > 8 ? `[${arr.slice(0, 8).join(', ')}, ... (${arr.length})]` : arr;
    }
    return v;
  });
  if (text === undefined) return 'none';
  return text.length > 400 ? `${text.slice(0, 400)}...` : text;
}
