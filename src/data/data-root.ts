/**
 * Where datasets live on disk. The data root is, in order: the `--data-root`
 * flag, the AUDIO_AUG_LAB_DATA environment variable, or
 * `$XDG_CACHE_HOME/audio-aug-lab/data` (default `~/.cache/audio-aug-lab/data`).
 *
 * Layout of one dataset `<root>/<id>/`:
 *   downloads/<file>          verified archives (`<file>.part` while downloading)
 *   extracted/<layout.root>/  the unpacked dataset, created by an atomic rename
 *   audio-aug-lab-dataset.json  marker: what was verified and extracted, when
 *
 * A dataset copied by hand (no marker) is found too, laid out as
 * `<root>/<id>/<layout.root>/` or directly as `<root>/<id>/` (e.g. a
 * development copy `<root>/esc50/{audio,meta}`): `unmanagedDatasetRoot`.
 * `data list`, `data where` and `data verify` all locate it that way.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DatasetManifest } from './manifest-schema.js';

export const DATA_ROOT_ENV = 'AUDIO_AUG_LAB_DATA';
export const MARKER_FILE = 'audio-aug-lab-dataset.json';

export function defaultDataRoot(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.length > 0 ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(cache, 'audio-aug-lab', 'data');
}

/** flag > AUDIO_AUG_LAB_DATA > default, as an absolute path. */
export function resolveDataRoot(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? (env[DATA_ROOT_ENV] && env[DATA_ROOT_ENV]!.length > 0 ? env[DATA_ROOT_ENV] : undefined);
  return resolve(chosen ?? defaultDataRoot(env));
}

export interface DatasetPaths {
  dir: string;
  downloads: string;
  extracted: string;
  /** `extracted/<layout.root>`: what loaders read. */
  datasetRoot: string;
  marker: string;
}

export function datasetPaths(dataRoot: string, manifest: Pick<DatasetManifest, 'id' | 'layout'>): DatasetPaths {
  const dir = join(resolve(dataRoot), manifest.id);
  const extracted = join(dir, 'extracted');
  return {
    dir,
    downloads: join(dir, 'downloads'),
    extracted,
    datasetRoot: join(extracted, manifest.layout.root),
    marker: join(dir, MARKER_FILE),
  };
}

/** True when `dir` holds at least one of the manifest's audio folders. */
export function hasAudioDirs(dir: string, manifest: Pick<DatasetManifest, 'layout'>): boolean {
  return manifest.layout.audioDirs.some((d) => {
    const full = join(dir, d);
    return existsSync(full) && statSync(full).isDirectory();
  });
}

/**
 * Where the data of a dataset folder without a fetch marker is:
 * `<dir>/<layout.root>` or `<dir>` itself, the first that holds one of the
 * manifest's audio folders; null when neither does.
 */
export function unmanagedDatasetRoot(dir: string, manifest: Pick<DatasetManifest, 'layout'>): string | null {
  for (const c of [join(dir, manifest.layout.root), dir]) if (hasAudioDirs(c, manifest)) return c;
  return null;
}
