/**
 * The generic job runner's pieces that every study goes through
 * (src/reproduce/train-job.ts, default-hooks.ts, protocols.ts): the
 * fold-based protocols, the default split of a user's folder (labels.csv
 * with file,label,source; folds made from the sources; validation held out
 * by source recording, never from the test fold), reading a clip as the
 * features say, the online random crop, and building a registered network
 * for an input shape (models that take any length get a free time axis).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeWav } from '../../src/audio/wav-file.js';
import { loadDataset } from '../../src/data/sources/index.js';
import { sourceGroupedFolds } from '../../src/data/folds.js';
import { featureExtractor } from '../../src/features/extractors.js';
import { getModelEntry } from '../../src/models/registry.js';
import { applyBudget, loadExperiments, type BudgetedExperiment, type Job } from '../../src/reproduce/experiments.js';
import { FOLD_PROTOCOLS, holdOutBySource, protocolFolds, randomClipFolds, RANDOM_FOLDS_SEED } from '../../src/reproduce/protocols.js';
import { foldSplit } from '../../src/reproduce/default-hooks.js';
import { buildModel, cropOf, readClip } from '../../src/reproduce/train-job.js';
import type { JobClip, JobSplit } from '../../src/reproduce/job-types.js';
import { InvalidParameterError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';

let tmp: string;
const savedDataRoot = process.env.AUDIO_AUG_LAB_DATA;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = mkdtempSync(join(tmpdir(), 'aal-train-job-'));
  // An empty data root: nothing fetched is ever found.
  process.env.AUDIO_AUG_LAB_DATA = join(tmp, 'empty-data-root');
  mkdirSync(process.env.AUDIO_AUG_LAB_DATA, { recursive: true });
});

afterAll(() => {
  if (savedDataRoot === undefined) delete process.env.AUDIO_AUG_LAB_DATA;
  else process.env.AUDIO_AUG_LAB_DATA = savedDataRoot;
  rmSync(tmp, { recursive: true, force: true });
});

/** A mono WAV of seeded noise (the project's WAV writer), folders created. */
function wav(path: string, seed: string, seconds: number, sr: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const rng = new Rng(seed);
  writeWav(path, [Float32Array.from({ length: Math.round(seconds * sr) }, () => rng.uniform(-0.3, 0.3))], sr);
}

// ---------------------------------------------------------------- protocols

describe('protocolFolds', () => {
  // 3 classes x 4 recordings x 3 takes; folds as a dataset lists them (1..4, by recording), strings allowed.
  const clips = ['dog', 'rain', 'bell'].flatMap((label, li) =>
    [0, 1, 2, 3].flatMap((r) => [0, 1, 2].map((t) => ({ id: `${label}-${r}-${t}.wav`, sourceId: `${label}-${r}`, labels: [label], fold: li % 2 ? r + 1 : String(r + 1) }))),
  );

  it("'source-folds' keeps the data's folds (numbers, also when listed as strings)", () => {
    const f = protocolFolds('source-folds', clips, 4)!;
    expect(f.size).toBe(clips.length);
    for (const c of clips) expect(f.get(c.id), c.id).toBe(Number(c.fold));
  });

  it("'random-clip-folds' deals clips out at random with the audit's seed, ignoring the recordings", () => {
    const f = protocolFolds('random-clip-folds', clips, 4)!;
    expect(f).toEqual(randomClipFolds(clips.map((c) => ({ id: c.id, sourceId: c.sourceId, label: c.labels[0] })), 4, RANDOM_FOLDS_SEED));
    expect(RANDOM_FOLDS_SEED).toBe('esc');
    expect(protocolFolds('random-clip-folds', [...clips].reverse(), 4)).toEqual(f); // order of the list does not matter
    const sizes = [1, 2, 3, 4].map((k) => [...f.values()].filter((v) => v === k).length);
    expect(sizes).toEqual([9, 9, 9, 9]);
    // Takes of one recording land in different folds (the leakage this arm measures).
    const split = new Set(clips.map((c) => c.sourceId).filter((s) => new Set(clips.filter((c) => c.sourceId === s).map((c) => f.get(c.id))).size > 1));
    expect(split.size).toBeGreaterThan(0);
  });

  it("'augment-then-random-folds' has no folds before the offline copies exist (null); other names are refused", () => {
    expect(protocolFolds('augment-then-random-folds', clips, 4)).toBeNull();
    expect(FOLD_PROTOCOLS).toEqual(['source-folds', 'random-clip-folds', 'augment-then-random-folds']);
    expect(() => protocolFolds('dcase2016-5fold-cv', clips, 4)).toThrow(InvalidParameterError);
    expect(() => protocolFolds('dcase2016-5fold-cv', clips, 4)).toThrow(
      "unknown protocol 'dcase2016-5fold-cv' (fold-based data: source-folds, random-clip-folds, augment-then-random-folds)",
    );
  });
});

// ---------------------------------------------------------------- foldSplit on a user's folder

describe("foldSplit on a user's folder (labels.csv: file,label,source)", () => {
  const SR = 8000;
  const CLASSES = ['bird', 'car', 'door'];
  let dir: string;
  const rows: { file: string; label: string; source: string }[] = [];

  beforeAll(() => {
    dir = join(tmp, 'user-folder');
    // 3 classes x 4 recordings x 2 clips, in subfolders per class.
    for (const label of CLASSES) {
      for (let r = 0; r < 4; r++) {
        for (let t = 0; t < 2; t++) {
          const file = `${label}/${label}${r}_${t}.wav`;
          wav(join(dir, file), file, 0.25, SR);
          rows.push({ file, label, source: `${label}-rec${r}` });
        }
      }
    }
    writeFileSync(join(dir, 'labels.csv'), `file,label,source\n${rows.map((r) => `${r.file},${r.label},${r.source}`).join('\n')}\n`);
  });

  /** A study arm on the folder: a mushtaq2020 config with the folder as its dataset. */
  function study(protocol: string, validationFraction: number): BudgetedExperiment {
    const base = applyBudget(loadExperiments('mushtaq2020').find((e) => e.id === 'esc10-cnn7-none')!, 'smoke');
    return {
      ...base,
      id: 'my-study-arm',
      dataset: { id: 'folder', protocol },
      training: { ...base.training, validationFraction },
      maxClipsPerClass: undefined,
    };
  }
  const job = (fold: number, seed = 1): Job => ({ id: `my-study/my-study-arm/fold-${fold}-seed-${seed}`, paper: 'my-study', experiment: 'my-study-arm', fold, seed, budget: 'smoke' });
  const ctx = () => ({ workDir: join(tmp, 'work'), dataDir: dir, log: () => {} });
  const ids = (list: readonly JobClip[]) => list.map((c) => c.id);
  const sources = (list: readonly JobClip[]) => new Set(list.map((c) => c.sourceId));

  it('gives disjoint training, validation and test sides; the test side is the fold; validation is whole recordings of the training folds', () => {
    const exp = study('source-folds', 0.25);
    const data = loadDataset({ id: 'folder' }, { ...ctx(), budget: 'smoke' });
    expect(data.folds).toBe(4); // the fewest recordings of any class
    expect(data.officialFolds).toBe(false);
    const made = sourceGroupedFolds(data.clips.map((c) => ({ id: c.id, sourceId: c.sourceId, label: c.labels[0] })), 4, 'esc');
    const seenTest = new Set<string>();
    for (let fold = 1; fold <= 4; fold++) {
      const s: JobSplit = foldSplit(job(fold), exp, ctx());
      expect(s.classes).toEqual(CLASSES);
      expect(s.multiLabel).toBe(false);
      expect(s.folds).toBe(4);
      expect(s.status).toEqual(data.status);
      expect(s.status.dataset).toBe('folder');
      // Every clip on exactly one side.
      const all = [...ids(s.train), ...ids(s.validation), ...ids(s.test)];
      expect(new Set(all).size).toBe(all.length);
      expect(all.sort()).toEqual(data.clips.map((c) => c.id).sort());
      // The test side is the fold the folds made from the recordings give; every class in it.
      expect(ids(s.test)).toEqual(data.clips.filter((c) => made.get(c.id) === fold).map((c) => c.id));
      expect(new Set(s.test.map((c) => c.labels[0])).size).toBe(3);
      for (const c of s.test) seenTest.add(c.id);
      // No recording on two sides.
      for (const [a, b] of [
        [s.train, s.test],
        [s.validation, s.test],
        [s.train, s.validation],
      ]) {
        for (const src of sources(a)) expect(sources(b).has(src), `fold ${fold}: ${src}`).toBe(false);
      }
      // Validation: a quarter of the training folds' 9 recordings (2), drawn by (seed, fold).
      expect(sources(s.validation).size).toBe(2);
      const trainSide = [...s.train, ...s.validation];
      const ref = holdOutBySource(
        data.clips.filter((c) => made.get(c.id) !== fold).map((c) => ({ id: c.id, sourceId: c.sourceId })),
        0.25,
        1,
        fold,
      );
      expect(ids(s.validation)).toEqual(ref.validation.map((c) => c.id));
      expect(ids(s.train)).toEqual(ref.train.map((c) => c.id));
      expect(trainSide).toHaveLength(18);
      // Clips carry their paths and single label.
      for (const c of s.test) expect(c.audioPath.startsWith(dir)).toBe(true);
    }
    // The four test folds cover the data once.
    expect(seenTest.size).toBe(rows.length);
  });

  it('is a function of (seed, fold): the same split again, another validation for another seed; none without validationFraction', () => {
    const exp = study('source-folds', 0.25);
    expect(foldSplit(job(2, 1), exp, ctx())).toEqual(foldSplit(job(2, 1), exp, ctx()));
    const seeds = [1, 2, 3, 4, 5].map((seed) => [...sources(foldSplit(job(2, seed), exp, ctx()).validation)].sort().join('|'));
    expect(new Set(seeds).size).toBeGreaterThan(1);
    const none = foldSplit(job(2), study('source-folds', 0), ctx());
    expect(none.validation).toEqual([]);
    expect(none.train).toHaveLength(18);
  });

  it('random-clip-folds: the test side is the random fold (recordings may straddle it); a fold beyond the data is refused', () => {
    const exp = study('random-clip-folds', 0);
    const data = loadDataset({ id: 'folder' }, { ...ctx(), budget: 'smoke' });
    const f = randomClipFolds(data.clips.map((c) => ({ id: c.id, sourceId: c.sourceId, label: c.labels[0] })), 4, 'esc');
    const s = foldSplit(job(3), exp, ctx());
    expect(ids(s.test)).toEqual(data.clips.filter((c) => f.get(c.id) === 3).map((c) => c.id));
    expect(ids(s.train)).toEqual(data.clips.filter((c) => f.get(c.id) !== 3).map((c) => c.id));
    expect(() => foldSplit(job(5), exp, ctx())).toThrow(/fold 5 does not exist: .* gives 4 folds/);
  });

  it('augment-then-random-folds: every clip trains here (the split is made after the offline copies)', () => {
    const s = foldSplit(job(1), study('augment-then-random-folds', 0), ctx());
    expect(s.test).toEqual([]);
    expect(s.train).toHaveLength(rows.length);
  });

  it('a listed fold column is used as it is', () => {
    const listed = join(tmp, 'user-folder-listed');
    const lines = rows.map((r, i) => {
      wav(join(listed, r.file), `listed|${r.file}`, 0.25, SR);
      return `${r.file},${r.label},${r.source},${(i % 2) + 1}`;
    });
    writeFileSync(join(listed, 'labels.csv'), `file,label,source,fold\n${lines.join('\n')}\n`);
    const s = foldSplit(job(2), study('source-folds', 0), { ...ctx(), dataDir: listed });
    expect(s.folds).toBe(2);
    expect(s.test.map((c) => c.audioPath)).toEqual(rows.filter((_, i) => i % 2 === 1).map((r) => join(listed, r.file)));
    expect(s.train.map((c) => c.audioPath)).toEqual(rows.filter((_, i) => i % 2 === 0).map((r) => join(listed, r.file)));
  });
});

// ---------------------------------------------------------------- reading clips, crop

describe('readClip and cropOf', () => {
  it('hu2020 reads at the clip rate (no resampling) and cuts or zero-pads to the seconds at load; wei2018 resamples', () => {
    const short = join(tmp, 'clips', 'short.wav');
    const long = join(tmp, 'clips', 'long.wav');
    wav(short, 'short', 1.2, 8000);
    wav(long, 'long', 2.8, 8000);
    const hu = featureExtractor({ preset: 'hu2020', options: { sr: 8000, seconds: 2 } });
    const clip = (audioPath: string): JobClip => ({ id: audioPath, audioPath, sourceId: 'x', labels: ['a'] });
    const a = readClip(clip(short), hu);
    const b = readClip(clip(long), hu);
    expect(a.sr).toBe(8000);
    expect(a.channels[0]).toHaveLength(16000);
    expect(b.channels[0]).toHaveLength(16000);
    expect(Array.from(a.channels[0].subarray(9600)).every((v) => v === 0)).toBe(true);
    expect(a.channels[0].subarray(0, 9600).some((v) => v !== 0)).toBe(true);
    expect(b.channels[0][15999]).not.toBe(0);
    expect(() => readClip(clip(short), featureExtractor({ preset: 'hu2020', options: { sr: 44100 } }))).toThrow(/expected 44100 Hz, file is 8000 Hz/);
    const wei = readClip(clip(short), featureExtractor({ preset: 'wei2018' }));
    expect(wei.sr).toBe(16000);
    expect(wei.channels[0]).toHaveLength(19200); // resampled, not cut (the features fix the length)
  });

  it('the online random_crop: its length checked against the input; listed at most once', () => {
    const hu = featureExtractor({ preset: 'hu2020', options: { sr: 44100, seconds: 2, nMels: 32 } }); // 79 frames
    expect(cropOf([], hu)).toBeNull();
    expect(cropOf([{ name: 'mixup_hu2020', params: {} }], hu)).toBeNull();
    const c = cropOf([{ name: 'random_crop', params: { cropLength: 64 } }], hu)!;
    expect(c.length).toBe(64);
    expect(() => cropOf([{ name: 'random_crop', params: { cropLength: 80 } }], hu)).toThrow(/random_crop: 80 frames is longer than the 79-frame input/);
    expect(() =>
      cropOf(
        [
          { name: 'random_crop', params: { cropLength: 64 } },
          { name: 'random_crop', params: { cropLength: 32 } },
        ],
        hu,
      ),
    ).toThrow(/lists random_crop twice/);
  });
});

// ---------------------------------------------------------------- buildModel

describe('buildModel', () => {
  it('models that take any length (anyLength) get a free time axis: trained on crops, evaluated on whole clips', async () => {
    for (const name of ['hu2020-fcnn', 'hu2020-small-fcnn', 'hu2020-resnet']) {
      expect(getModelEntry(name).anyLength, name).toBe(true);
      const model = buildModel({ name, options: { widthMultiplier: 0.125 } }, [64, 32, 3], name === 'hu2020-small-fcnn' ? 3 : 10, 1);
      expect(model.inputs[0].shape, name).toEqual([null, null, 32, 3]);
      for (const frames of [64, 79]) {
        const x = tf.zeros([1, frames, 32, 3]);
        const y = model.predict(x) as tf.Tensor;
        expect(y.shape, `${name} on ${frames} frames`).toEqual([1, name === 'hu2020-small-fcnn' ? 3 : 10]);
        tf.dispose([x, y]);
      }
      model.dispose();
    }
  });

  it('other models get the input shape: (frames, mels, channels), or (height, width, channels) for image models', () => {
    expect(getModelEntry('wei2018-crnn').anyLength).toBeUndefined();
    const crnn = buildModel({ name: 'wei2018-crnn', options: { widthMultiplier: 0.125 } }, [124, 128, 1], 7, 1);
    expect(crnn.inputs[0].shape).toEqual([null, 124, 128, 1]);
    crnn.dispose();
    const cnn = buildModel({ name: 'mushtaq2020-cnn7', options: { widthMultiplier: 0.25 } }, [32, 48, 1], 10, 1);
    expect(cnn.inputs[0].shape).toEqual([null, 32, 48, 1]);
    expect(cnn.outputs[0].shape).toEqual([null, 10]);
    cnn.dispose();
  });

  it('the same seed builds the same weights', () => {
    const a = buildModel({ name: 'hu2020-small-fcnn', options: { widthMultiplier: 0.125 } }, [40, 32, 6], 3, 7);
    const b = buildModel({ name: 'hu2020-small-fcnn', options: { widthMultiplier: 0.125 } }, [40, 32, 6], 3, 7);
    const wa = a.getWeights().map((w) => Array.from(w.dataSync()));
    const wb = b.getWeights().map((w) => Array.from(w.dataSync()));
    expect(wa).toEqual(wb);
    a.dispose();
    b.dispose();
  });
});
