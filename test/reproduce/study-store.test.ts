/**
 * Stored study runs (src/reproduce/study-store.ts): job results -> compact
 * files (jobs.json.gz, scores.csv.gz) -> the summary, every value of which is
 * a function of the stored per-clip scores; checked here on hand-made results
 * whose answers are known.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readStoredRun, storedRunFromResults, summarizeStoredRun, writeStoredRun, compactNumber } from '../../src/reproduce/study-store.js';
import type { JobResult } from '../../src/reproduce/results.js';
import { describeStoredRun, fixed, fmtSummary } from '../../src/reproduce/study-run-report.js';

const LABELS = ['a', 'b', 'c', 'd'];
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const onehot = (k: number) => LABELS.map((_, i) => (i === k ? 1 : 0));

/** A job whose float model gets `right` of 4 test clips right (clip i has class i), int8 one fewer, population BN all. */
function job(arm: string, seed: number, fold: number, right: number): JobResult {
  const clips = LABELS.map((_, i) => {
    const pred = i < right ? i : (i + 1) % 4;
    const scores = LABELS.map((_, k) => (k === pred ? 0.7 : 0.1));
    return { id: `f${fold}-clip${i}`, scores, truth: onehot(i) };
  });
  const int8 = clips.map((c, i) => ({ id: `${c.id}@int8`, scores: i === 0 ? LABELS.map((_, k) => (k === 3 ? 0.9 : 0.03)) : c.scores, truth: c.truth, group: 'int8' }));
  const pop = clips.map((c, i) => ({ id: `${c.id}@population-bn`, scores: onehot(i).map((v) => v * 0.9 + 0.025), truth: c.truth, group: 'population-bn' }));
  return {
    job: { id: `s/${arm}/fold-${fold}-seed-${seed}`, paper: 's', experiment: arm, seed, fold, budget: 'full' } as JobResult['job'],
    metrics: { accuracy: (100 * right) / 4, parameters: 10, 'original size': 2, 'original size (weights only)': 1, 'quantized size': 0.3, 'dcase2020 size': 0.04, 'dcase2020 size quantized': 0.01 },
    scores: { labels: LABELS, clips: [...clips, ...int8, ...pop] },
    history: [
      { epoch: 1, loss: 1, acc: 0.5, valLoss: 0.9, valAcc: 0.5, lr: 0.001, seconds: 1 },
      { epoch: 2, loss: 0.8, acc: 0.6, valLoss: 0.95, valAcc: 0.5, lr: 0.001, seconds: 1 },
    ],
    config: { training: { epochs: 60 } },
    data: { dataset: 'folder', status: 'unverified', root: '/x', detail: 'test clips' },
    backend: 'test',
    framework: 'keras-2.2.4-tf1',
    provenance: { package: 'p', gitCommit: 'abc', gitDirty: false, node: 'v20', platform: 'linux', cpus: 2, host: 'h' },
    startedAt: '2026-01-01T00:00:00Z',
    seconds: 3,
  };
}

const META = {
  study: 's',
  title: 'S',
  paper: 'mushtaq2020',
  budget: 'full',
  claims: [{ id: 'b-beats-a', text: 'b beats a', metric: 'accuracy', arm: 'b', baseline: 'a', direction: 'higher' as const }],
  arms: [
    { id: 'a', title: 'A', metrics: ['accuracy', 'int8', 'population-bn-scores', 'eer'] },
    { id: 'b', title: 'B', metrics: ['accuracy', 'int8', 'population-bn-scores'] },
  ],
};
// arm a: 2 of 4 right on both folds; arm b: 3 and 4 of 4 (seed 1), 4 and 3 (seed 2), 4 and 4 (seed 3)
const RESULTS = [1, 2, 3].flatMap((seed) => [
  job('a', seed, 1, 2),
  job('a', seed, 2, 2),
  job('b', seed, 1, seed === 3 ? 4 : 2 + seed),
  job('b', seed, 2, seed === 2 ? 3 : 4),
]);

describe('stored study runs', () => {
  it('per-seed values come from the per-clip scores: accuracy, int8, population BN, pooled EER', () => {
    const s = summarizeStoredRun(storedRunFromResults(META, RESULTS));
    const a = s.arms.find((x) => x.id === 'a')!;
    const b = s.arms.find((x) => x.id === 'b')!;
    expect(a.perSeed.map((p) => p.accuracy)).toEqual([50, 50, 50]);
    expect(b.perSeed.map((p) => p.accuracy)).toEqual([87.5, 87.5, 100]);
    // int8 gets clip 0 wrong (predicts d) where the float model was right
    expect(a.perSeed[0]['quantized acc']).toBe(25);
    expect(a.perSeed[0]['int8 accuracy change']).toBe(-25);
    expect(a.perSeed[0]['int8 agreement']).toBe(75);
    expect(a.perSeed[0].accuracyPopulationBN).toBe(100);
    expect(b.perSeed[0]['EER pooled']).toBeNull(); // arm b does not list 'eer'
    expect(a.perSeed[0]['EER pooled']).toBeGreaterThan(0);
    expect(a.sizes).toEqual({ parameters: 10, 'original size': 2, 'original size (weights only)': 1, 'quantized size': 0.3, 'dcase2020 size': 0.04, 'dcase2020 size quantized': 0.01 });
    expect(a.epochs.trained.mean).toBe(2);
    expect(a.epochs.best.mean).toBe(1); // lowest validation loss at epoch 1
    expect(s.claims[0].differences).toEqual([37.5, 37.5, 50]);
    expect(s.claims[0].verdict).toBe('supports');
  });

  it('a seed counts only when every fold of the config is finished', () => {
    const withFolds = (r: JobResult) => ({ ...r, config: { folds: [1, 2], training: { epochs: 60 } } });
    const longer = (r: JobResult) => {
      const h = r.history as { epoch: number }[];
      return { ...r, history: [...h, ...[3, 4, 5, 6].map((epoch) => ({ ...h[1], epoch }))] };
    };
    const partial = [...RESULTS.map(withFolds), longer(withFolds(job('a', 4, 1, 4)))]; // seed 4: fold 1 only, 6 epochs
    const s = summarizeStoredRun(storedRunFromResults(META, partial));
    const a = s.arms.find((x) => x.id === 'a')!;
    expect(a.seeds).toEqual([1, 2, 3]);
    // the epochs too are per seed (mean over its folds), over the counted seeds only
    expect(a.epochs.trained).toMatchObject({ mean: 2, n: 3 });
    const done = summarizeStoredRun(storedRunFromResults(META, [...partial, withFolds(job('a', 4, 2, 4))]));
    const a4 = done.arms.find((x) => x.id === 'a')!;
    expect(a4.seeds).toEqual([1, 2, 3, 4]);
    expect(a4.epochs.trained).toMatchObject({ mean: (2 + 2 + 2 + 4) / 4, n: 4 }); // seed 4: (6 + 2) / 2
  });

  it('the convergence rule is stated once when the arms share it, and per group of arms when they do not', () => {
    const training = (epochs: number, patience: number) => ({ epochs, batchSize: 32, validationFraction: 0.2, optimizer: { kind: 'adam', lr: 0.001 }, earlyStopping: { patience, monitor: 'valAccuracy' } });
    const withTraining = (r: JobResult, epochs: number, patience: number) => ({ ...r, config: { dataset: { protocol: 'source-folds' }, folds: [1, 2], training: training(epochs, patience) } });
    const same = describeStoredRun(storedRunFromResults(META, RESULTS.map((r) => withTraining(r, 60, 10))));
    expect(same.convergence).toMatch(/^validation: 20% .* not improved for 10 epochs \(at most 60\)/);
    expect(same.convergence).not.toMatch(/arms? [ab]:/);
    const mixed = describeStoredRun(storedRunFromResults(META, RESULTS.map((r) => (r.job.experiment === 'a' ? withTraining(r, 360, 60) : withTraining(r, 60, 10)))));
    expect(mixed.convergence).toMatch(/^arm a: validation: .* 60 epochs \(at most 360\).*\. arm b: validation: .* 10 epochs \(at most 60\)/);
  });

  it('pooled EER is 0 when every class is ranked perfectly, pooled over folds', () => {
    const perfect = [1, 2].map((fold) => job('a', 1, fold, 4));
    const s = summarizeStoredRun(storedRunFromResults({ ...META, claims: [], arms: [META.arms[0]] }, perfect));
    expect(s.arms[0].perSeed[0]['EER pooled']).toBe(0);
  });

  it('writes and reads back the same run; the summary of the read run is the summary of the original', () => {
    const run = storedRunFromResults(META, RESULTS);
    const dir = mkdtempSync(join(tmpdir(), 'stored-run-'));
    dirs.push(dir);
    writeStoredRun(dir, run);
    const back = readStoredRun(dir);
    expect(back.scores).toEqual(run.scores);
    expect(JSON.parse(JSON.stringify(summarizeStoredRun(back)))).toEqual(JSON.parse(JSON.stringify(summarizeStoredRun(run))));
  });

  it('a mean that rounds to zero prints without a minus; real negatives keep it', () => {
    expect(fixed(-7.1e-16, 2)).toBe('0.00');
    expect(fixed(-0.004, 2)).toBe('0.00');
    expect(fixed(-0.006, 2)).toBe('-0.01');
    expect(fixed(-0.4, 0)).toBe('0');
    expect(fixed(-3.2, 1)).toBe('-3.2');
    expect(fmtSummary({ n: 5, mean: -7.1e-16, sd: 0.4, ci95: [-0.5006, 0.5006] }, 2)).toBe('0.00 [-0.50, 0.50]');
  });

  it('scores keep 4 decimals', () => {
    expect(compactNumber(0.123456)).toBe('0.1235');
    expect(compactNumber(1.23456e-7)).toBe('0');
    expect(compactNumber(-1e-9)).toBe('0');
    expect(compactNumber(1)).toBe('1');
    expect(() => compactNumber(NaN)).toThrow(/NaN/);
  });

  it('a damaged file is an error naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stored-run-'));
    dirs.push(dir);
    expect(() => readStoredRun(dir)).toThrow(/jobs\.json\.gz/);
    writeStoredRun(dir, storedRunFromResults(META, RESULTS));
    writeFileSync(join(dir, 'scores.csv.gz'), gzipSync('arm,seed\n'));
    expect(() => readStoredRun(dir)).toThrow(/scores\.csv\.gz: expected the header/);
    writeFileSync(join(dir, 'jobs.json.gz'), 'not gzip');
    expect(() => readStoredRun(dir)).toThrow(/jobs\.json\.gz: not a gzip'd JSON/);
  });
});
