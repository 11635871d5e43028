/**
 * A dataset fetched by `audio-aug-lab data fetch` into the data root (or into
 * a data root given as --data-dir), with its marker's verification status.
 * The first place every manifest-backed source looks.
 */
import { existsSync } from 'node:fs';
import { getManifest } from '../manifests.js';
import { datasetPaths, resolveDataRoot } from '../data-root.js';
import { readMarker } from '../marker.js';
import type { DataStatus } from './types.js';

export interface FetchedDataset {
  root: string;
  status: DataStatus;
}

/** null when the manifest is unknown, or nothing is fetched and extracted there. */
export function fetchedDataset(manifestId: string, dataRootFlag?: string): FetchedDataset | null {
  let manifest;
  try {
    manifest = getManifest(manifestId);
  } catch {
    return null;
  }
  const paths = datasetPaths(resolveDataRoot(dataRootFlag), manifest);
  const marker = readMarker(paths.marker);
  if (!marker || !marker.extracted || !existsSync(paths.datasetRoot)) return null;
  const downloads = Object.values(marker.downloads);
  const verified = downloads.length > 0 && downloads.every((d) => d.checkedAgainst.length > 0 && d.manifestValuesVerified);
  return {
    root: paths.datasetRoot,
    status: {
      dataset: manifestId,
      status: verified ? 'verified' : 'unverified',
      root: paths.datasetRoot,
      detail: verified
        ? `fetched and verified against the manifest's published checksums (${downloads.map((d) => d.fileName).join(', ')})`
        : "fetched, but the manifest's checksums are not confirmed published values",
    },
  };
}
