/**
 * `audio-aug-lab data list | fetch <id> | verify <id> | where <id>`:
 * the datasets of data-manifests/, downloaded and checked on this machine.
 * The data root is `--data-root`, else $AUDIO_AUG_LAB_DATA, else
 * ~/.cache/audio-aug-lab/data (see src/data/data-root.ts).
 */
import { existsSync } from 'node:fs';
import { datasetPaths, DATA_ROOT_ENV, resolveDataRoot, unmanagedDatasetRoot } from '../data/data-root.js';
import { fetchDataset, isUpToDate } from '../data/fetch.js';
import type { DatasetManifest } from '../data/manifest-schema.js';
import { defaultManifestDir, loadAllManifests } from '../data/manifests.js';
import { readMarker } from '../data/marker.js';
import { createProgress, formatBytes } from '../data/progress.js';
import { verifyDataset } from '../data/verify.js';
import { MissingFileError, UsageError } from '../util/errors.js';
import { EXIT, exitCodesHelp, parseCommandArgs, runCommand } from './command.js';

export const summary = 'list, fetch (download + verify + extract), verify or locate the datasets';

const HELP = `usage: audio-aug-lab data <command> [id] [options]

commands:
  list            the datasets in data-manifests/ and their state under the data root
  fetch <id>      download, verify (md5/sha256, size) and extract; a re-run is a no-op
  verify <id>     re-hash the downloaded archives, check a SHA256SUMS list if the data
                  has one, and count audio files (a subset is reported as PARTIAL)
  where <id>      print the folder the loaders read, only when it exists (exit 1 if the
                  dataset is absent or its fetch is incomplete); 'list' says the same

options:
  --data-root DIR      data root (default: $${DATA_ROOT_ENV}, else ~/.cache/audio-aug-lab/data)
  --path DIR           verify: check DIR instead of <data-root>/<id>
  --allow-unverified   fetch: accept files for which the manifest has no checksum
  --delete-archives    fetch: delete archives after extraction (verify cannot re-hash them then)
  --retries N          fetch: retries per file after a failure (default 5)
  --no-rehash          verify: compare archive sizes only
  --manifests DIR      read manifests from DIR (default: ${defaultManifestDir()})
  -h, --help           this text

A dataset is found as fetched by this tool (<root>/<id>/extracted/<layout root>/, with
its marker) or as a copy made by hand: <root>/<id>/<layout root>/ or <root>/<id>/ itself,
holding the dataset's audio folder(s) (e.g. <root>/esc50/audio/).

${exitCodesHelp(['1    also: a mismatch found by verify, a dataset where cannot find', '3    verify: all checks pass but the data is a partial subset of the dataset'])}`;

function sizeOf(m: DatasetManifest): string {
  const known = m.downloads.filter((d) => d.bytes.value !== null);
  const total = known.reduce((s, d) => s + (d.bytes.value ?? 0), 0);
  return known.length === m.downloads.length ? formatBytes(total) : known.length ? `>= ${formatBytes(total)}` : 'unknown';
}

function checksumState(m: DatasetManifest): string {
  const n = m.downloads.length;
  const withSum = m.downloads.filter((d) => d.md5?.value || d.sha256?.value).length;
  const verified = m.downloads.filter((d) => (d.md5?.value && d.md5.verified) || (d.sha256?.value && d.sha256.verified)).length;
  return `checksums ${withSum}/${n} (${verified} verified)`;
}

type DatasetState = 'fetched' | 'incomplete' | 'present' | 'no data' | 'absent';

/** Where a dataset is under the data root and in what state (one rule for
 * list and where): fetched by this tool, a fetch not completed, a copy made by
 * hand, a folder without the dataset's audio folders, or nothing. */
function locate(m: DatasetManifest, dataRoot: string): { state: DatasetState; root: string | null; dir: string } {
  const paths = datasetPaths(dataRoot, m);
  const marker = readMarker(paths.marker);
  if (isUpToDate(m, paths, marker)) return { state: 'fetched', root: paths.datasetRoot, dir: paths.dir };
  if (marker) return { state: 'incomplete', root: null, dir: paths.dir };
  if (!existsSync(paths.dir)) return { state: 'absent', root: null, dir: paths.dir };
  const root = unmanagedDatasetRoot(paths.dir, m);
  return { state: root ? 'present' : 'no data', root, dir: paths.dir };
}

const STATE_TEXT: Record<DatasetState, string> = {
  fetched: 'fetched',
  incomplete: 'incomplete (run fetch again)',
  present: 'present (not fetched by this tool)',
  'no data': 'folder without the audio folder(s)',
  absent: 'absent',
};

async function command(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-root': { type: 'string' },
      path: { type: 'string' },
      'allow-unverified': { type: 'boolean', default: false },
      'delete-archives': { type: 'boolean', default: false },
      retries: { type: 'string' },
      'no-rehash': { type: 'boolean', default: false },
      manifests: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [cmd, id, ...extra] = positionals;
  if (!cmd) throw new UsageError('give a command: list, fetch <id>, verify <id>, where <id>');
  if (!['list', 'fetch', 'verify', 'where'].includes(cmd)) throw new UsageError(`unknown command '${cmd}' (list, fetch, verify, where)`);
  if (cmd !== 'list' && !id) throw new UsageError(`${cmd} needs a dataset id (see audio-aug-lab data list)`);
  const surplus = cmd === 'list' ? [id, ...extra].filter((x) => x !== undefined) : extra;
  if (surplus.length > 0) throw new UsageError(`unexpected argument '${surplus[0]}'`);
  let retries: number | undefined;
  if (values.retries !== undefined) {
    if (!/^\d+$/.test(values.retries)) throw new UsageError(`--retries must be a non-negative integer, got '${values.retries}'`);
    retries = Number(values.retries);
  }
  const dataRoot = resolveDataRoot(values['data-root']);
  const manifestDir = values.manifests ?? defaultManifestDir();
  const manifest = (): DatasetManifest => {
    const all = loadAllManifests(manifestDir);
    const m = all.find((x) => x.id === id);
    // an id that names no manifest is a mistake on the command line
    if (!m) throw new UsageError(`no dataset '${id}' (known: ${all.map((x) => x.id).join(', ')})`);
    return m;
  };

  switch (cmd) {
    case 'list': {
      const ms = loadAllManifests(manifestDir);
      console.log(`data root: ${dataRoot}`);
      for (const m of ms) {
        const where = locate(m, dataRoot);
        const at = where.state === 'present' ? ` at ${where.root}` : '';
        console.log(`${m.id.padEnd(20)} ${m.downloads.length} file(s), ${sizeOf(m).padEnd(10)} ${checksumState(m).padEnd(28)} ${STATE_TEXT[where.state]}${at}`);
        console.log(`${''.padEnd(20)} ${m.title}`);
      }
      return 0;
    }
    case 'fetch': {
      const m = manifest();
      const res = await fetchDataset(m, {
        dataRoot,
        allowUnverified: values['allow-unverified'],
        keepArchives: !values['delete-archives'],
        retries,
        progressFor: (label) => createProgress({ label }),
      });
      if (res.status === 'up-to-date') console.log(`${m.id}: already fetched and verified; nothing to do`);
      console.log(res.paths.datasetRoot);
      return 0;
    }
    case 'verify': {
      const m = manifest();
      const rep = await verifyDataset(m, { dataRoot, path: values.path, rehash: !values['no-rehash'] });
      for (const line of rep.lines) console.log(line);
      const verdict = rep.mode === 'absent' ? 'NOT PRESENT' : !rep.ok ? 'FAILED' : rep.partial ? 'OK (partial subset)' : 'OK';
      console.log(`${m.id}: ${verdict}`);
      return !rep.ok ? EXIT.error : rep.partial ? 3 : 0;
    }
    case 'where': {
      const m = manifest();
      const where = locate(m, dataRoot);
      if (where.state === 'fetched' || where.state === 'present') {
        if (where.state === 'present') {
          process.stderr.write(`${m.id}: a copy not fetched by this tool (check it with: audio-aug-lab data verify ${m.id})\n`);
        }
        console.log(where.root);
        return 0;
      }
      const why: Record<Exclude<DatasetState, 'fetched' | 'present'>, string> = {
        incomplete: `the fetch of ${m.id} is incomplete (run: audio-aug-lab data fetch ${m.id})`,
        'no data': `${m.id} has none of its audio folder(s) ${m.layout.audioDirs.join(', ')} here, nor under ${m.layout.root}/`,
        absent: `${m.id} is not under the data root ${dataRoot} (run: audio-aug-lab data fetch ${m.id})`,
      };
      throw new MissingFileError(why[where.state], where.dir);
    }
  }
  return EXIT.usage;
}

export function run(argv: string[]): Promise<number> {
  return runCommand('data', command, argv);
}
