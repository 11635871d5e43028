/**
 * `verify`: check a dataset directory without trusting earlier runs.
 *
 * - Managed directory (written by `fetch`, has a marker): every archive still
 *   on disk is re-hashed and compared with the marker and the manifest; the
 *   extracted tree must exist.
 * - Any directory (managed or not, e.g. a copy made by hand or the partial
 *   304-clip ESC-50 fold-4 subset used in development): a `sha256sum`-style checksum list
 *   (the manifest's `layout.checksumFile`, else `SHA256SUMS`) is checked file
 *   by file, and the audio files are counted against the manifest's expected
 *   total, so a subset is reported as partial rather than as the dataset.
 *   With a checksum list, an audio file the list does not name is counted
 *   apart ("not in the checksum list"): it is not verified and is not part
 *   of the count of dataset files.
 * Result: ok (everything that was checked matches), partial (fewer audio
 * files than the complete dataset), plus one human-readable line per check.
 */
import { existsSync, promises as fsp, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { datasetPaths, unmanagedDatasetRoot } from './data-root.js';
import { unsafeEntryReason } from './extract.js';
import { hashFile } from './hash.js';
import type { DatasetManifest } from './manifest-schema.js';
import { readMarker } from './marker.js';

export interface ArchiveCheck {
  fileName: string;
  status: 'ok' | 'mismatch' | 'missing' | 'deleted' | 'unrecorded';
  detail: string;
}

export interface ChecksumListCheck {
  path: string;
  /** Every listed path, resolved to an absolute path. */
  listedPaths: Set<string>;
  listed: number;
  matched: number;
  mismatched: string[];
  missing: string[];
  malformedLines: number;
}

export interface VerifyReport {
  id: string;
  dir: string;
  mode: 'managed' | 'unmanaged' | 'absent';
  datasetRoot: string | null;
  archives: ArchiveCheck[];
  checksumList: ChecksumListCheck | null;
  /** found: audio files of the dataset (with a checksum list: the listed ones);
   * unlisted: audio files present that the checksum list does not name. */
  audio: { found: number; expected: number | null; dirsFound: number; dirsExpected: number; unlisted: string[] } | null;
  ok: boolean;
  partial: boolean;
  lines: string[];
}

export interface VerifyOptions {
  dataRoot: string;
  /** Verify this directory instead of `<dataRoot>/<id>`. */
  path?: string;
  /** Re-hash archives (default true). */
  rehash?: boolean;
}

/** Parse `sha256sum` output: `<64 hex>  <path>` or `<64 hex> *<path>`. */
export function parseChecksumList(text: string): { entries: { sha256: string; path: string }[]; malformed: number } {
  const entries: { sha256: string; path: string }[] = [];
  let malformed = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = line.match(/^([0-9a-fA-F]{64}) [ *](.+)$/);
    if (!m) {
      malformed++;
      continue;
    }
    entries.push({ sha256: m[1].toLowerCase(), path: m[2] });
  }
  return { entries, malformed };
}

/** Check every file listed in a sha256sum-style file (paths relative to its folder). */
export async function checkChecksumList(listPath: string): Promise<ChecksumListCheck> {
  const base = dirname(resolve(listPath));
  const { entries, malformed } = parseChecksumList(await fsp.readFile(listPath, 'utf8'));
  const listedPaths = new Set(entries.map((e) => resolve(base, e.path)));
  const out: ChecksumListCheck = { path: listPath, listedPaths, listed: entries.length, matched: 0, mismatched: [], missing: [], malformedLines: malformed };
  for (const e of entries) {
    const target = resolve(base, e.path);
    if (unsafeEntryReason(e.path) || !target.startsWith(base + sep) || !existsSync(target)) {
      out.missing.push(e.path);
      continue;
    }
    const h = await hashFile(target, ['sha256']);
    if (h.sha256 === e.sha256) out.matched++;
    else out.mismatched.push(e.path);
  }
  return out;
}

function audioFiles(root: string, dirs: readonly string[], suffix: string): { files: string[]; dirsFound: number } {
  const files: string[] = [];
  let dirsFound = 0;
  for (const d of dirs) {
    const full = join(root, d);
    if (!existsSync(full) || !statSync(full).isDirectory()) continue;
    dirsFound++;
    for (const f of readdirSync(full)) if (f.endsWith(suffix)) files.push(resolve(full, f));
  }
  return { files, dirsFound };
}

export async function verifyDataset(manifest: DatasetManifest, opts: VerifyOptions): Promise<VerifyReport> {
  const paths = datasetPaths(opts.dataRoot, manifest);
  const dir = resolve(opts.path ?? paths.dir);
  const report: VerifyReport = {
    id: manifest.id,
    dir,
    mode: 'absent',
    datasetRoot: null,
    archives: [],
    checksumList: null,
    audio: null,
    ok: false,
    partial: false,
    lines: [],
  };
  if (!existsSync(dir)) {
    report.lines.push(`${manifest.id}: nothing at ${dir} (run: audio-aug-lab data fetch ${manifest.id})`);
    return report;
  }
  let ok = true;
  const marker = readMarker(join(dir, 'audio-aug-lab-dataset.json'));
  if (marker) {
    report.mode = 'managed';
    for (const d of manifest.downloads) {
      const rec = marker.downloads[d.fileName];
      const file = join(dir, 'downloads', d.fileName);
      let check: ArchiveCheck;
      if (!rec) {
        check = { fileName: d.fileName, status: 'unrecorded', detail: 'never verified by fetch' };
      } else if (!existsSync(file)) {
        check = marker.archivesDeleted
          ? { fileName: d.fileName, status: 'deleted', detail: `deleted after extraction; sha256 was ${rec.sha256}` }
          : { fileName: d.fileName, status: 'missing', detail: `expected at ${file}` };
      } else if (opts.rehash === false) {
        const size = statSync(file).size;
        check = size === rec.bytes
          ? { fileName: d.fileName, status: 'ok', detail: `size ${size} matches (not re-hashed)` }
          : { fileName: d.fileName, status: 'mismatch', detail: `size ${size}, recorded ${rec.bytes}` };
      } else {
        const h = await hashFile(file);
        const problems: string[] = [];
        if (h.sha256 !== rec.sha256) problems.push(`sha256 ${h.sha256} != recorded ${rec.sha256}`);
        if (d.md5?.value && h.md5 !== d.md5.value) problems.push(`md5 ${h.md5} != manifest ${d.md5.value}`);
        if (d.sha256?.value && h.sha256 !== d.sha256.value) problems.push(`sha256 ${h.sha256} != manifest ${d.sha256.value}`);
        const trust = rec.manifestValuesVerified ? 'against verified manifest values' : 'manifest values unverified';
        check = problems.length
          ? { fileName: d.fileName, status: 'mismatch', detail: problems.join('; ') }
          : { fileName: d.fileName, status: 'ok', detail: `re-hashed, matches (${trust})` };
      }
      if (check.status === 'mismatch' || check.status === 'missing' || check.status === 'unrecorded') ok = false;
      report.archives.push(check);
      report.lines.push(`archive ${d.fileName}: ${check.status} — ${check.detail}`);
    }
    if (!marker.extracted) {
      ok = false;
      report.lines.push('extraction: not completed (run fetch again)');
    }
  } else {
    report.mode = 'unmanaged';
    report.lines.push(`${dir}: no fetch marker; checking the files as they are`);
  }

  // Locate the dataset root: managed -> extracted/<root>; else <dir>/<root> or <dir> itself.
  // (the same rule as `data list` / `data where`: data-root.ts unmanagedDatasetRoot)
  const candidates = report.mode === 'managed' ? [join(dir, 'extracted', manifest.layout.root)] : [join(dir, manifest.layout.root), dir];
  const root = (report.mode === 'managed' ? null : unmanagedDatasetRoot(dir, manifest)) ?? candidates.find((c) => existsSync(c));
  report.datasetRoot = root ?? null;
  if (!root) {
    report.lines.push(`dataset root not found (looked in ${candidates.join(', ')})`);
    report.ok = false;
    return report;
  }

  const listName = manifest.layout.checksumFile ?? 'SHA256SUMS';
  const listPath = [join(root, listName), join(dir, listName)].find((p) => existsSync(p));
  if (listPath) {
    const c = await checkChecksumList(listPath);
    report.checksumList = c;
    const bad = c.mismatched.length + c.missing.length;
    if (bad > 0 || c.malformedLines > 0) ok = false;
    report.lines.push(
      `${relative(dir, listPath) || listName}: ${c.matched}/${c.listed} files match` +
        (c.mismatched.length ? `; MISMATCH: ${c.mismatched.slice(0, 5).join(', ')}${c.mismatched.length > 5 ? ', ...' : ''}` : '') +
        (c.missing.length ? `; MISSING: ${c.missing.slice(0, 5).join(', ')}${c.missing.length > 5 ? ', ...' : ''}` : '') +
        (c.malformedLines ? `; ${c.malformedLines} malformed lines` : ''),
    );
  } else {
    report.lines.push(`no ${listName} checksum list in the dataset (individual audio files not hashed)`);
  }

  const present = audioFiles(root, manifest.layout.audioDirs, manifest.layout.audioSuffix);
  const listed = report.checksumList?.listedPaths;
  const unlisted = listed ? present.files.filter((f) => !listed.has(f)) : [];
  const counted = { found: present.files.length - unlisted.length, dirsFound: present.dirsFound };
  const expected = manifest.expected.audioFiles.value;
  report.audio = { ...counted, expected, dirsExpected: manifest.layout.audioDirs.length, unlisted: unlisted.map((f) => relative(root, f)) };
  if (unlisted.length > 0) {
    const names = report.audio.unlisted;
    report.lines.push(
      `audio: ${unlisted.length} *${manifest.layout.audioSuffix} file(s) not in the checksum list, not verified and not counted: ` +
        `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}`,
    );
  }
  if (counted.dirsFound === 0) {
    ok = false;
    report.lines.push(`audio: none of ${manifest.layout.audioDirs.join(', ')} found under ${root}`);
  } else if (expected === null) {
    report.lines.push(`audio: ${counted.found} *${manifest.layout.audioSuffix} files (complete count unknown: ${manifest.expected.audioFiles.source})`);
  } else if (counted.found < expected) {
    report.partial = true;
    const pct = ((100 * counted.found) / expected).toFixed(1);
    report.lines.push(
      `audio: PARTIAL SUBSET — ${counted.found} of the ${expected} audio files of ${manifest.id} (${pct}%); ` +
        'results on it are not comparable to results on the full dataset',
    );
  } else if (counted.found > expected) {
    ok = false;
    report.lines.push(`audio: ${counted.found} files, more than the ${expected} the dataset has — unexpected extra files`);
  } else {
    report.lines.push(`audio: all ${expected} files present`);
  }
  report.ok = ok;
  return report;
}
