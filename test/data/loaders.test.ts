/**
 * Loaders on dataset metadata: counts, folds, label counts, device counts,
 * and source-recording leakage across the official splits (printed, and
 * pinned to what the lists say). Each check runs on the committed synthetic
 * lists in the real formats (test/reference-data/, README there), and again
 * on the real lists under $AUDIO_AUG_LAB_DATA (chime-home-meta/,
 * tau2020-mobile-meta/, esc50/),
 * pinned to the real counts; without the variable those are skipped with
 * the reason.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetadataError } from '../../src/data/errors.js';
import { getManifest } from '../../src/data/manifests.js';
import {
  CHIME_HOME_LABELS,
  chimeSegmentName,
  labelsFromMajorityVote,
  loadChimeHomeDevelopment,
  loadChimeHomeEvaluation,
  parseChunkAnnotation,
} from '../../src/data/loaders/chime-home.js';
import { esc10View, loadEsc50 } from '../../src/data/loaders/esc50.js';
import { loadTauList, parseTauFileName, TAU2020_SCENES, type TauRecord } from '../../src/data/loaders/tau2020.js';
import { countBy, sharedSourceIds, sourcesInSeveralFolds, type ClipRecord } from '../../src/data/loaders/types.js';
import { loadUrbanSound8K } from '../../src/data/loaders/urbansound8k.js';
import { REFERENCE_DATA, describeNeeds, needsData } from '../helpers/requires.js';

const CHIME_REAL = needsData('chime-home-meta', 'the real CHiME-Home lists');
const ESC_REAL = needsData('esc50', 'the real ESC-50 metadata and the 304 fold-4 clips');
const TAU_REAL = needsData('tau2020-mobile-meta', 'the real TAU 2020 Mobile fold-1 lists');

const asObject = (m: Map<string | number, number>) => Object.fromEntries([...m].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)));

/** What a CHiME-Home metadata folder holds (the facts each run pins). */
interface ChimeFacts {
  dev: number;
  /** Chunks per official fold 1-5. */
  folds: number[];
  firstChunk: string;
  labelCounts: Record<string, number>;
  evaluation: number;
  segments: number;
  segmentsInSeveralFolds: number;
  annotationFiles: number;
}

/** The CHiME-Home loader checks on a folder laid out like chime-home-meta/. */
function chimeHomeChecks(rootOf: () => string, facts: ChimeFacts): void {
  let cache: { dev: ClipRecord<number>[]; evalSet: ClipRecord<'evaluation'>[] } | undefined;
  const lists = () => {
    const root = rootOf();
    cache ??= {
      dev: loadChimeHomeDevelopment({ root, labelTable: join(root, 'dev_refined_1946_labels_folds.csv') }),
      evalSet: loadChimeHomeEvaluation({ root, labelTable: join(root, 'eval_refined_816_labels.csv') }),
    };
    return cache;
  };

  it(`has ${facts.dev} development chunks in the official folds ${facts.folds.join('/')}`, () => {
    const { dev } = lists();
    expect(dev.length).toBe(facts.dev);
    expect(asObject(countBy(dev, (r) => r.fold))).toEqual(Object.fromEntries(facts.folds.map((n, i) => [i + 1, n])));
    expect(new Set(dev.map((r) => r.id)).size).toBe(facts.dev);
    expect(dev[0].audioPath).toBe(join(rootOf(), 'chunks', `${facts.firstChunk}.16kHz.wav`));
  });

  it(`majority-vote labels give the development label counts ${Object.entries(facts.labelCounts).map(([l, n]) => `${l} ${n}`).join(', ')}`, () => {
    const { dev } = lists();
    const counts = Object.fromEntries(CHIME_HOME_LABELS.map((l) => [l, dev.filter((r) => r.labels.includes(l)).length]));
    expect(counts).toEqual(facts.labelCounts);
    const empty = dev.filter((r) => r.labels.length === 0).length;
    console.log(`CHiME-Home development (${rootOf()}): ${empty} chunks have no task-4 label after dropping S/U`);
  });

  it('the label table folds agree with the official fold list (set id = table fold = DCASE fold - 1)', () => {
    const { dev } = lists();
    const text = readFileSync(join(rootOf(), 'dev_refined_1946_labels_folds.csv'), 'utf8').trim().split('\n').slice(1);
    const tableFold = new Map(text.map((l) => l.split(',')).map(([c, f]) => [c, Number(f)]));
    expect(tableFold.size).toBe(dev.length);
    for (const r of dev) expect(tableFold.get(r.id)).toBe(r.fold - 1);
  });

  it(`has ${facts.evaluation} evaluation chunks, none from a development segment`, () => {
    const { dev, evalSet } = lists();
    expect(evalSet.length).toBe(facts.evaluation);
    expect(evalSet.every((r) => r.fold === 'evaluation')).toBe(true);
    const shared = sharedSourceIds(dev, evalSet);
    console.log(`CHiME-Home: ${new Set(dev.map((r) => r.sourceId)).size} development segments, ${new Set(evalSet.map((r) => r.sourceId)).size} evaluation segments, shared: ${shared.length}`);
    expect(shared).toEqual([]);
  });

  it('reports honestly that the official development folds do not keep every segment in one fold', () => {
    const { dev } = lists();
    const spread = sourcesInSeveralFolds(dev);
    console.log('CHiME-Home segments with chunks in more than one official fold:', Object.fromEntries(spread));
    expect(new Set(dev.map((r) => r.sourceId)).size).toBe(facts.segments);
    expect(spread.size).toBe(facts.segmentsInSeveralFolds);
  });

  it('source id = the annotation file segmentname; the per-chunk files give the same votes as the table', () => {
    const root = rootOf();
    const dir = join(root, 'chunk-annotations-sample');
    const files = readdirSync(dir).filter((f) => f.endsWith('.csv'));
    expect(files.length).toBe(facts.annotationFiles);
    const table = new Map(
      readFileSync(join(root, 'dev_refined_1946_labels_folds.csv'), 'utf8').trim().split('\n').slice(1).map((l) => {
        const [c, , v] = l.replace('\r', '').split(',');
        return [c, v] as const;
      }),
    );
    const evalVotes = new Map(
      readFileSync(join(root, 'eval_refined_816_labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => {
        const [c, v] = l.replace('\r', '').split(',');
        return [c, v] as const;
      }),
    );
    let compared = 0;
    for (const f of files) {
      const a = parseChunkAnnotation(readFileSync(join(dir, f), 'utf8'), f);
      expect(a.chunkname).toBe(f.replace(/\.csv$/, ''));
      expect(chimeSegmentName(a.chunkname)).toBe(a.segmentname);
      expect(a.framestart).toBe(a.chunknumber * 4 * 48000);
      expect(a.annotations).toHaveLength(3);
      const v = table.get(a.chunkname) ?? evalVotes.get(a.chunkname);
      if (v !== undefined) {
        expect(a.majorityvote).toBe(v);
        compared++;
      }
    }
    console.log(`CHiME-Home: ${compared} of ${files.length} sample annotation files are refined chunks whose vote matches the table`);
  });

  it('reads labels from per-chunk annotation files when no table is given (real archive layout)', () => {
    const root = mkdtempSync(join(tmpdir(), 'aal-chime-'));
    const sample = join(rootOf(), 'chunk-annotations-sample');
    const names = readdirSync(sample).sort().slice(0, 3);
    mkdirSync(join(root, 'chunks'));
    for (const n of names) copyFileSync(join(sample, n), join(root, 'chunks', n));
    writeFileSync(join(root, 'development_chunks_refined_crossval_dcase2016.csv'), names.map((n, i) => `${i},${n.replace('.csv', '')},${i}`).join('\n') + '\n');
    const recs = loadChimeHomeDevelopment({ root });
    expect(recs.map((r) => r.fold)).toEqual([1, 2, 3]);
    for (const [i, r] of recs.entries()) {
      const a = parseChunkAnnotation(readFileSync(join(sample, names[i]), 'utf8'), names[i]);
      expect(r.labels).toEqual(labelsFromMajorityVote(a.majorityvote));
    }
  });
}

describe('CHiME-Home, synthetic lists in the real format (test/reference-data/chime-home-format)', () => {
  // counts printed by that folder's generate.py (and listed in its README)
  chimeHomeChecks(() => join(REFERENCE_DATA, 'chime-home-format'), {
    dev: 77,
    folds: [18, 13, 22, 13, 11],
    firstChunk: 'SYN_lounge_030280_0800.s0_chunk11',
    labelCounts: { c: 48, m: 5, f: 15, v: 58, p: 26, b: 1, o: 16 },
    evaluation: 27,
    segments: 7,
    segmentsInSeveralFolds: 2,
    annotationFiles: 8,
  });
});

describeNeeds(CHIME_REAL, 'CHiME-Home, the real lists', () => {
  chimeHomeChecks(() => CHIME_REAL.path!, {
    dev: 1946,
    folds: [383, 442, 463, 271, 387],
    firstChunk: 'CR_lounge_220110_0731.s0_chunk27',
    labelCounts: { c: 1214, m: 174, f: 409, v: 1181, p: 765, b: 19, o: 361 },
    evaluation: 816,
    segments: 58,
    segmentsInSeveralFolds: 3,
    annotationFiles: 40,
  });
});

describe('CHiME-Home labels and manifest', () => {
  it('ignores S and U, rejects unknown letters', () => {
    expect(labelsFromMajorityVote('vcS')).toEqual(['c', 'v']);
    expect(labelsFromMajorityVote('U')).toEqual([]);
    expect(() => labelsFromMajorityVote('cx')).toThrow(MetadataError);
  });

  it('matches the manifest fold sizes', () => {
    const m = getManifest('chime-home');
    const sizes = m.splits.partitions.map((p) => p.size?.value);
    expect(sizes).toEqual([383, 442, 463, 271, 387, 816]);
  });
});

describeNeeds(ESC_REAL, 'ESC-50, the real metadata', () => {
  it('reads the full esc50.csv: 2000 rows, 400 ESC-10 rows, 5 folds of 400', () => {
    const ESC = ESC_REAL.path!;
    const all = loadEsc50({ root: ESC, metadataFile: 'meta/esc50-all-2000.csv' });
    expect(all.length).toBe(2000);
    expect(esc10View(all).length).toBe(400);
    expect(asObject(countBy(all, (r) => r.fold))).toEqual({ 1: 400, 2: 400, 3: 400, 4: 400, 5: 400 });
    expect(new Set(all.map((r) => r.labels[0])).size).toBe(50);
    const m = getManifest('esc50');
    expect([...new Set([...all].sort((a, b) => a.target - b.target).map((r) => r.labels[0]))]).toEqual(m.labels.names);
    expect(new Set(esc10View(all).map((r) => r.labels[0]))).toEqual(new Set(['dog', 'rooster', 'rain', 'sea_waves', 'crackling_fire', 'crying_baby', 'sneezing', 'clock_tick', 'helicopter', 'chainsaw']));
    const spread = sourcesInSeveralFolds(all);
    const detail = [...spread].map(([src, folds]) => `${src}: folds ${folds.join('/')} (${[...new Set(all.filter((r) => r.sourceId === src).map((r) => r.labels[0]))].join(', ')})`);
    console.log(`ESC-50: ${new Set(all.map((r) => r.sourceId)).size} src_file ids; in more than one fold: ${detail.join('; ')}`);
    expect(new Set(all.map((r) => r.sourceId)).size).toBe(1524);
    expect(spread.size).toBe(4);
  });

  it('reads the fold-4 subset list: 304 rows, 80 ESC-10, and every audio file exists', () => {
    const ESC = ESC_REAL.path!;
    const sub = loadEsc50({ root: ESC, metadataFile: 'meta/esc50-fold4-dev.csv' });
    expect(sub.length).toBe(304);
    expect(esc10View(sub).length).toBe(80);
    expect(sub.every((r) => r.fold === 4)).toBe(true);
    const files = new Set(readdirSync(join(ESC, 'audio')));
    expect(sub.every((r) => files.has(r.audioPath.split('/').pop()!))).toBe(true);
    expect(sub[0]).toMatchObject({ id: '4-102844-A-49', sourceId: '102844', labels: ['hand_saw'], take: 'A', target: 49, esc10: false });
  });
});

describe('ESC-50 metadata errors', () => {
  it('names the file and line of a bad row', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'aal-esc-')), 'bad.csv');
    writeFileSync(f, 'filename,fold,target,category,esc10,src_file,take\n1-1-A-0.wav,7,0,dog,True,1,A\n');
    expect(() => loadEsc50({ root: '/x', metadataFile: f })).toThrow(`${f}: line 2: fold '7' is not 1-5`);
  });
});

describe('UrbanSound8K (format only: the real CSV is not on this machine)', () => {
  it('reads the documented columns; fsID is the source id; audio under audio/fold<k>/', () => {
    const root = mkdtempSync(join(tmpdir(), 'aal-us8k-'));
    mkdirSync(join(root, 'metadata'));
    writeFileSync(
      join(root, 'metadata', 'UrbanSound8K.csv'),
      'slice_file_name,fsID,start,end,salience,fold,classID,class\n' +
        '100032-3-0-0.wav,100032,0.0,0.317551,1,5,3,dog_bark\n' +
        '100263-2-0-117.wav,100263,58.5,62.5,1,5,2,children_playing\n' +
        '100263-2-0-121.wav,100263,60.5,64.5,1,5,2,children_playing\n',
    );
    const recs = loadUrbanSound8K({ root });
    expect(recs.map((r) => [r.id, r.fold, r.sourceId, r.labels[0], r.classId])).toEqual([
      ['100032-3-0-0', 5, '100032', 'dog_bark', 3],
      ['100263-2-0-117', 5, '100263', 'children_playing', 2],
      ['100263-2-0-121', 5, '100263', 'children_playing', 2],
    ]);
    expect(recs[0].audioPath).toBe(join(root, 'audio', 'fold5', '100032-3-0-0.wav'));
    writeFileSync(join(root, 'metadata', 'UrbanSound8K.csv'), 'slice_file_name,fsID,start,end,salience,fold,classID,class\nx.wav,1,0,1,1,11,3,dog_bark\n');
    expect(() => loadUrbanSound8K({ root })).toThrow(/line 2: fold '11' is not 1-10/);
  });
});

/** What a TAU 2020 Mobile fold-1 list folder holds (the facts each run pins). */
interface TauFacts {
  train: number;
  trainDevices: Record<string, number>;
  evaluatePerDevice: number;
  evaluatePerScene: number;
  firstTrain: { id: string; sourceId: string; city: string; device: string; locationId: string };
}

/** The TAU loader checks on a folder holding fold1_train/evaluate/test.csv. */
function tauChecks(rootOf: () => string, facts: TauFacts): void {
  let cache: { train: TauRecord[]; evaluate: TauRecord[] } | undefined;
  const lists = () => {
    const root = rootOf();
    cache ??= {
      train: loadTauList({ root, list: 'fold1_train.csv', split: 'train' }),
      evaluate: loadTauList({ root, list: 'fold1_evaluate.csv', split: 'evaluate' }),
    };
    return cache;
  };

  it(`train: ${facts.train} files, devices ${Object.entries(facts.trainDevices).map(([d, n]) => `${d} ${n}`).join(', ')}`, () => {
    const { train } = lists();
    expect(train.length).toBe(facts.train);
    expect(asObject(countBy(train, (r) => r.device))).toEqual(facts.trainDevices);
  });

  it(`evaluate: ${9 * facts.evaluatePerDevice} files, ${facts.evaluatePerDevice} per device (a, b, c, s1-s6), ${facts.evaluatePerScene} per scene`, () => {
    const { train, evaluate } = lists();
    expect(evaluate.length).toBe(9 * facts.evaluatePerDevice);
    const devices = asObject(countBy(evaluate, (r) => r.device));
    expect(devices).toEqual(Object.fromEntries(['a', 'b', 'c', 's1', 's2', 's3', 's4', 's5', 's6'].map((d) => [d, facts.evaluatePerDevice])));
    expect(asObject(countBy(evaluate, (r) => r.labels[0]))).toEqual(Object.fromEntries(TAU2020_SCENES.map((s) => [s, facts.evaluatePerScene])));
    expect(train.some((r) => ['s4', 's5', 's6'].includes(r.device))).toBe(false);
  });

  it('labels equal the scene in the file name; paths and cities come from the name', () => {
    const { train, evaluate } = lists();
    expect([...train, ...evaluate].every((r) => r.labels[0] === r.scene)).toBe(true);
    expect(train[0]).toMatchObject(facts.firstTrain);
    expect(train[0].audioPath).toBe(join(rootOf(), `audio/${facts.firstTrain.id}.wav`));
    expect(parseTauFileName('audio/street_traffic-paris-152-4594-s6.wav')).toEqual({ scene: 'street_traffic', city: 'paris', location: '152', segment: '4594', device: 's6' });
    expect(() => parseTauFileName('audio/bad.wav')).toThrow(MetadataError);
  });

  it('no recording (scene-city-location-segment) and no location in both train and evaluate', () => {
    const { train, evaluate } = lists();
    const sharedRecordings = sharedSourceIds(train, evaluate);
    const locTrain = new Set(train.map((r) => r.locationId));
    const sharedLocations = [...new Set(evaluate.map((r) => r.locationId))].filter((l) => locTrain.has(l));
    console.log(`TAU fold 1 (${rootOf()}): ${new Set(train.map((r) => r.sourceId)).size} train recordings, ${new Set(evaluate.map((r) => r.sourceId)).size} evaluate recordings; shared recordings ${sharedRecordings.length}, shared locations ${sharedLocations.length}`);
    expect(sharedRecordings).toEqual([]);
    expect(sharedLocations).toEqual([]);
  });

  it('the test list has the same files without labels', () => {
    const { evaluate } = lists();
    const test = loadTauList({ root: rootOf(), list: 'fold1_test.csv', split: 'test' });
    expect(test.map((r) => r.id)).toEqual(evaluate.map((r) => r.id));
    expect(test.every((r) => r.labels.length === 0)).toBe(true);
  });
}

describe('TAU Urban Acoustic Scenes 2020 Mobile, fold 1, synthetic lists in the real format (test/reference-data/tau2020-mobile-format)', () => {
  // counts printed by that folder's generate.py (and listed in its README)
  tauChecks(() => join(REFERENCE_DATA, 'tau2020-mobile-format'), {
    train: 140,
    trainDevices: { a: 90, b: 10, c: 10, s1: 10, s2: 10, s3: 10 },
    evaluatePerDevice: 20,
    evaluatePerScene: 18,
    firstTrain: { id: 'airport-lyon-9001-90005-a', sourceId: 'airport-lyon-9001-90005', city: 'lyon', device: 'a', locationId: 'lyon-9001' },
  });
});

describeNeeds(TAU_REAL, 'TAU Urban Acoustic Scenes 2020 Mobile, fold 1, the real lists', () => {
  tauChecks(() => TAU_REAL.path!, {
    train: 13965,
    trainDevices: { a: 10215, b: 750, c: 750, s1: 750, s2: 750, s3: 750 },
    evaluatePerDevice: 330,
    evaluatePerScene: 297,
    firstTrain: { id: 'airport-lisbon-1000-40000-a', sourceId: 'airport-lisbon-1000-40000', city: 'lisbon', device: 'a', locationId: 'lisbon-1000' },
  });
});
