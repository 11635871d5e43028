/**
 * TAU Urban Acoustic Scenes 2020 loaders (Mobile = task 1a, 3Class = task
 * 1b), from the evaluation-setup lists (`evaluation_setup/fold1_train.csv`,
 * `fold1_evaluate.csv`, `fold1_test.csv`): tab-separated, header row,
 * `filename<TAB>scene_label` (test: `filename` only), CRLF or LF.
 * File names are `audio/<scene>-<city>-<location>-<segment>-<device>.wav`;
 * device and city come from the name. Source id:
 * `<scene>-<city>-<location>-<segment>`, i.e. the same 10-s recording across
 * devices (b, c and s1-s6 are simultaneous/simulated copies of device a).
 * `locationId` (`<city>-<location>`, dcase_util's `identifier`) is the unit
 * the official split keeps on one side.
 */
import { join } from 'node:path';
import { MetadataError } from '../errors.js';
import { columnIndex, readTable } from './table.js';
import type { ClipRecord } from './types.js';

export type TauSplit = 'train' | 'evaluate' | 'test';

export interface TauRecord extends ClipRecord<TauSplit> {
  device: string;
  city: string;
  /** Scene from the file name (10 classes, also in the 3Class set). */
  scene: string;
  /** `<city>-<location>`: the recording location. */
  locationId: string;
}

export interface TauFileName {
  scene: string;
  city: string;
  location: string;
  segment: string;
  device: string;
}

/** Parse `audio/airport-barcelona-0-0-a.wav` (scene names use '_', never '-'). */
export function parseTauFileName(path: string): TauFileName {
  const base = path.split('/').pop() ?? path;
  const m = base.match(/^([a-z_]+)-([a-z]+)-(\d+)-(\d+)-([a-z0-9]+)\.wav$/);
  if (!m) throw new MetadataError(`'${path}' is not <scene>-<city>-<location>-<segment>-<device>.wav`, path);
  return { scene: m[1], city: m[2], location: m[3], segment: m[4], device: m[5] };
}

export interface TauListOptions {
  /** Directory the `filename` column is relative to (the dataset root). */
  root: string;
  /** The list file (absolute, or relative to root). */
  list: string;
  split: TauSplit;
}

/** Records of one evaluation-setup list. Test lists give records without labels. */
export function loadTauList(opts: TauListOptions): TauRecord[] {
  const file = opts.list.startsWith('/') ? opts.list : join(opts.root, opts.list);
  const t = readTable(file, { header: true, delimiter: '\t' });
  const hasLabels = t.header!.includes('scene_label');
  const c = columnIndex(t, hasLabels ? ['filename', 'scene_label'] : ['filename']);
  return t.rows.map((r) => {
    const filename = r[c.filename];
    const p = parseTauFileName(filename);
    return {
      id: (filename.split('/').pop() ?? filename).replace(/\.wav$/, ''),
      audioPath: join(opts.root, filename),
      labels: hasLabels ? [r[c.scene_label]] : [],
      fold: opts.split,
      sourceId: `${p.scene}-${p.city}-${p.location}-${p.segment}`,
      device: p.device,
      city: p.city,
      scene: p.scene,
      locationId: `${p.city}-${p.location}`,
    };
  });
}

/** The official train and evaluate lists of fold `fold` under `<root>/evaluation_setup/`. */
export function loadTauSetup(root: string, fold = 1): { train: TauRecord[]; evaluate: TauRecord[] } {
  return {
    train: loadTauList({ root, list: `evaluation_setup/fold${fold}_train.csv`, split: 'train' }),
    evaluate: loadTauList({ root, list: `evaluation_setup/fold${fold}_evaluate.csv`, split: 'evaluate' }),
  };
}

export const TAU2020_SCENES = [
  'airport',
  'bus',
  'metro',
  'metro_station',
  'park',
  'public_square',
  'shopping_mall',
  'street_pedestrian',
  'street_traffic',
  'tram',
] as const;

/** Task 1b's three classes (3Class dataset), alphabetical: the column order
 * of the hu2020 3-class model (MihawkHu/DCASE2020_task1 task1a/eval_hybrid.py). */
export const TAU2020_3CLASS_LABELS = ['indoor', 'outdoor', 'transportation'] as const;

/** Scene -> task 1b class, from the 3Class dataset README (hu2020 section 2.1
 * uses the same grouping as the parents of its two-stage fusion). */
export const TAU2020_3CLASS_OF_SCENE: Record<(typeof TAU2020_SCENES)[number], (typeof TAU2020_3CLASS_LABELS)[number]> = {
  airport: 'indoor',
  shopping_mall: 'indoor',
  metro_station: 'indoor',
  park: 'outdoor',
  public_square: 'outdoor',
  street_pedestrian: 'outdoor',
  street_traffic: 'outdoor',
  bus: 'transportation',
  metro: 'transportation',
  tram: 'transportation',
};

/** TAU 2020's devices: the real a, b, c, then the simulated s1-s6 (the order of Table 1's device groups). */
export const TAU2020_DEVICES: readonly string[] = ['a', 'b', 'c', 's1', 's2', 's3', 's4', 's5', 's6'];

/** A device's place in TAU2020_DEVICES (unknown devices after them). */
export function tauDeviceRank(d: string): number {
  const i = TAU2020_DEVICES.indexOf(d);
  return i < 0 ? TAU2020_DEVICES.length : i;
}
