// The training-curves chart of a stored study run: epochs, or training items
// presented when the arms' training sets differ in size (offline copies).
import { describe, expect, it } from 'vitest';
import { studyCurvesSpec } from '../../src/viz/study-run-charts.js';
import type { StoredJob, StoredRun, StudySummary } from '../../src/reproduce/study-store.js';

function job(arm: string, trainClips: number, epochs: number): StoredJob {
  return {
    arm,
    seed: 1,
    fold: 1,
    metrics: { trainClips },
    history: Array.from({ length: epochs }, (_, e) => ({ epoch: e + 1, loss: 1, acc: 0.5, valLoss: 2 - e / 10, valAcc: e / 10, lr: 0.001, seconds: 1 })),
    notes: [],
    seconds: 1,
    startedAt: '2026-01-01T00:00:00Z',
    framework: 'tfjs',
    backend: 'test',
    gitCommit: null,
    gitDirty: null,
  };
}

function spec(jobs: StoredJob[]) {
  const arms = [...new Set(jobs.map((j) => j.arm))].map((id) => ({ id }));
  const run = { jobs: { jobs, arms: [] }, scores: [] } as unknown as StoredRun;
  return studyCurvesSpec({ study: 's', arms } as unknown as StudySummary, run) as unknown as {
    title: { text: string };
    data: { values: { arm: string; epoch: number; items: number }[] };
    vconcat: { encoding: { x: { field: string; title: string } } }[];
  };
}

describe('study run curves', () => {
  it('arms with training sets of different sizes share an axis of training items presented', () => {
    const s = spec([job('none', 100, 12), job('naa', 600, 2)]);
    expect(s.vconcat.map((p) => p.encoding.x.field)).toEqual(['items', 'items']);
    expect(s.vconcat[0].encoding.x.title).toMatch(/^training items presented \(thousands/);
    expect(s.title.text).toContain('over the training items presented');
    // 12 epochs of 100 items and 2 epochs of 600 end at the same place: 1.2 thousand
    const last = (arm: string) => s.data.values.filter((v) => v.arm === arm).at(-1)!;
    expect(last('none').items).toBeCloseTo(1.2, 9);
    expect(last('naa').items).toBeCloseTo(1.2, 9);
  });

  it('arms with one training-set size keep the epoch axis', () => {
    const s = spec([job('a', 100, 3), job('b', 100, 5)]);
    expect(s.vconcat.map((p) => p.encoding.x.field)).toEqual(['epoch', 'epoch']);
    expect(s.title.text).toContain('per epoch');
    expect(s.data.values.filter((v) => v.arm === 'b').map((v) => v.epoch)).toEqual([1, 2, 3, 4, 5]);
  });
});
