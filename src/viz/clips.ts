/**
 * Where the notebooks get real audio, and the attribution that must travel
 * with it.
 *
 * Source, in order: the real ESC-50 clips under the data root named by
 * $AUDIO_AUG_LAB_DATA (`$AUDIO_AUG_LAB_DATA/esc50`: `meta/esc50-fold4-dev.csv`,
 * `LICENSE-ESC-50.txt`, `audio/`; on the development machine the 304 fold-4
 * clips of 38 classes at 44.1 kHz), else the embedded
 * ESC-10 sample committed in the repository (`data-manifests/samples/esc10`:
 * 2 clips per ESC-10 class, 22.05 kHz). Nothing is looked for next to the
 * repository. The sample's path is computed from this file's location, not
 * from the working directory, so notebooks find it whatever folder Jupyter
 * starts the kernel in. `AUDIO_AUG_LAB_NOTEBOOK_DATA=sample` forces the
 * sample (to check the fallback); `=data` requires the data-root copy.
 *
 * Attribution: ESC-50 is CC BY-NC 3.0 (non-commercial), its ESC-10 subset CC
 * BY 3.0; each clip is derived from a Freesound recording whose author must
 * be credited. The per-clip lines are read from ESC-50's LICENSE file (or the
 * sample's ATTRIBUTION.txt, which copies those lines), keyed
 * `[<fold>-<src_file>-<take>.ogg]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DATA_ROOT_ENV } from '../data/data-root.js';
import { loadEsc50, type Esc50Record } from '../data/loaders/esc50.js';
import { loadAudio } from '../audio/load.js';
import type { Waveform } from '../audio/types.js';
import { InvalidParameterError, MissingFileError } from '../util/errors.js';
import { escapeHtml } from './audio.js';

/** The repository root (this file is src/viz/clips.ts). */
export function repoRoot(): string {
  return resolve(import.meta.dirname, '..', '..');
}

/** `$AUDIO_AUG_LAB_DATA[/sub]` as an absolute path, or null when the variable
 * is unset: the real datasets, laid out `<root>/esc50/`, `<root>/chime-home-meta/`, ... */
export function dataRootDir(sub = '', env: NodeJS.ProcessEnv = process.env): string | null {
  const root = env[DATA_ROOT_ENV];
  if (root === undefined || root === '') return null;
  return resolve(root, sub);
}

/** The embedded ESC-10 sample. */
export function sampleDir(): string {
  return join(repoRoot(), 'data-manifests', 'samples', 'esc10');
}

export const DATA_CHOICE_ENV = 'AUDIO_AUG_LAB_NOTEBOOK_DATA';

export interface EscClipSource {
  kind: 'data' | 'sample';
  root: string;
  records: Esc50Record[];
  /** Text holding the per-clip attribution lines. */
  licenceText: string;
  licenceFile: string;
  /** One sentence for the notebook: which clips these are. */
  description: string;
}

function openDataRoot(env: NodeJS.ProcessEnv): EscClipSource | null {
  const root = dataRootDir('esc50', env);
  if (root === null) return null;
  const meta = join(root, 'meta', 'esc50-fold4-dev.csv');
  const licence = join(root, 'LICENSE-ESC-50.txt');
  if (!existsSync(meta) || !existsSync(licence)) return null;
  return {
    kind: 'data',
    root,
    records: loadEsc50({ root, metadataFile: meta }),
    licenceText: readFileSync(licence, 'utf8'),
    licenceFile: licence,
    description: `real ESC-50 clips (the rows of meta/esc50-fold4-dev.csv, 44.1 kHz) from ${root} ($AUDIO_AUG_LAB_DATA/esc50)`,
  };
}

function openSample(): EscClipSource | null {
  const root = sampleDir();
  const meta = join(root, 'meta.csv');
  const licence = join(root, 'ATTRIBUTION.txt');
  if (!existsSync(meta) || !existsSync(licence)) return null;
  return {
    kind: 'sample',
    root,
    records: loadEsc50({ root, metadataFile: meta }),
    licenceText: readFileSync(licence, 'utf8'),
    licenceFile: licence,
    description: 'the embedded ESC-10 sample (2 clips per class, 22.05 kHz) in data-manifests/samples/esc10',
  };
}

/** Open the notebooks' clip source (see the header for the order). */
export function openEscClips(env: NodeJS.ProcessEnv = process.env): EscClipSource {
  const choice = env[DATA_CHOICE_ENV];
  if (choice !== undefined && choice !== '' && choice !== 'data' && choice !== 'sample') {
    throw new InvalidParameterError(`${DATA_CHOICE_ENV} must be 'data' or 'sample', got '${choice}'`);
  }
  const src = choice === 'sample' ? openSample() : choice === 'data' ? openDataRoot(env) : (openDataRoot(env) ?? openSample());
  if (src) return src;
  const esc = dataRootDir('esc50', env);
  const dataPart = esc === null ? `${DATA_ROOT_ENV} is not set` : `${esc} has no meta/esc50-fold4-dev.csv and LICENSE-ESC-50.txt`;
  if (choice === 'data') {
    throw new MissingFileError(`no ESC-50 audio in the data root: ${dataPart} (${DATA_CHOICE_ENV}=data)`, esc ?? DATA_ROOT_ENV);
  }
  throw new MissingFileError(
    `no ESC-50 audio found: ${dataPart}, and the embedded sample ${sampleDir()} is not present` + (choice ? ` (${DATA_CHOICE_ENV}=${choice})` : ''),
    sampleDir(),
  );
}

/** The n-th clip (in file order) of a category, e.g. 'dog'. */
export function findClip(src: EscClipSource, category: string, n = 0): Esc50Record {
  const recs = src.records.filter((r) => r.labels[0] === category);
  if (recs.length === 0) {
    const known = [...new Set(src.records.map((r) => r.labels[0]))].sort();
    throw new InvalidParameterError(`no '${category}' clip in ${src.description} (categories: ${known.join(', ')})`);
  }
  if (!(Number.isInteger(n) && n >= 0 && n < recs.length)) {
    throw new InvalidParameterError(`'${category}' has ${recs.length} clips here; index ${n} is out of range`);
  }
  return recs[n];
}

/** Read a clip, resampled to `sr` (resampy kaiser_best) when given. */
export function loadClip(rec: Esc50Record, sr?: number): Waveform {
  return loadAudio(rec.audioPath, sr === undefined ? {} : { sr });
}

/** The Freesound attribution line of a clip, or null if the licence text has
 * none. `id` is the ESC-50 file name with or without `.wav`. */
export function freesoundLine(licenceText: string, id: string): string | null {
  const m = /^(\d+-[0-9A-Za-z]+-[A-Z])(?:-\d+)?(?:\.wav)?$/.exec(id);
  if (!m) return null;
  const key = `[${m[1]}.ogg]:`;
  for (const line of licenceText.split(/\r?\n/)) {
    const t = line.trim().replace(/^-\s*/, '');
    if (t.startsWith(key)) return t.slice(key.length).trim();
  }
  return null;
}

/** The licence of a clip: ESC-10 clips CC BY 3.0, other ESC-50 clips CC BY-NC 3.0. */
export function clipLicence(rec: Pick<Esc50Record, 'esc10'>): string {
  return rec.esc10
    ? 'ESC-10 subset of ESC-50: CC BY 3.0 (https://creativecommons.org/licenses/by/3.0/)'
    : 'ESC-50: CC BY-NC 3.0, non-commercial use only (https://creativecommons.org/licenses/by-nc/3.0/)';
}

/** The lines every embedded ESC-50 clip carries: what it is, where it comes
 * from, its licence. */
export function clipAttribution(src: EscClipSource, rec: Esc50Record): string[] {
  const line = freesoundLine(src.licenceText, rec.id);
  return [
    `${rec.id} (${rec.labels[0]}): ${line ?? 'Freesound attribution not found in ' + src.licenceFile}`,
    `From ESC-50 (K. J. Piczak, ACM Multimedia 2015). ${clipLicence(rec)}.`,
  ];
}

/** The notebook-level licence note shown before any ESC-50 audio. */
export const ESC50_NOTEBOOK_NOTE =
  'Audio in this notebook comes from ESC-50 (K. J. Piczak, "ESC: Dataset for Environmental Sound Classification", ' +
  'ACM Multimedia 2015, https://github.com/karolpiczak/ESC-50). ESC-50 is licensed CC BY-NC 3.0 (non-commercial use ' +
  'only); its ESC-10 subset is CC BY 3.0. Every player below names its clip, the Freesound recording it was cut from ' +
  'and its author, and its licence.';

/** The licence note as HTML (shown once, before any ESC-50 audio). */
export function licenceNoteHtml(src?: EscClipSource): string {
  const where = src ? ` Clips here: ${src.description}; attributions from ${src.licenceFile}.` : '';
  return `<div class="audio-aug-lab-licence" style="font-size:0.8em;border-left:3px solid #999;padding:4px 8px;margin:6px 0">${escapeHtml(ESC50_NOTEBOOK_NOTE + where)}</div>`;
}
