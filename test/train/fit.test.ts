import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fit, predictDataset } from '../../src/train/fit.js';
import { keptEpoch, type EpochRecord } from '../../src/train/history.js';
import { doublingRestarts, makeSchedule } from '../../src/train/schedules.js';
import { stripes, tinyModel } from './fixtures/tiny.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const base = {
  build: () => tinyModel(),
  batchSize: 8,
  loss: 'categoricalCrossentropy' as const,
  optimizer: { kind: 'adam' as const, lr: 0.01 },
  progress: 'none' as const,
};

function weightsOf(m: tf.LayersModel): number[][] {
  return m.getWeights().map((w) => Array.from(w.dataSync()));
}

describe('fit', () => {
  it('learns a separable problem (loss falls, training accuracy high)', async () => {
    const r = await fit({ ...base, train: stripes(40, 1), epochs: 12, seed: 1 });
    expect(r.history[r.history.length - 1].loss).toBeLessThan(r.history[0].loss * 0.5);
    expect(r.history[r.history.length - 1].acc).toBeGreaterThanOrEqual(0.95);
    // BatchNorm's moving statistics were updated by the training passes.
    const movingMean = r.model.weights.find((w) => w.originalName.includes('moving_mean'))!;
    expect(Math.max(...Array.from(movingMean.read().dataSync()).map(Math.abs))).toBeGreaterThan(1e-3);
    r.model.dispose();
  });

  it('gives identical weights for the same seed and different ones for another seed', async () => {
    const a = await fit({ ...base, train: stripes(24, 1), epochs: 1, seed: 7 });
    const b = await fit({ ...base, train: stripes(24, 1), epochs: 1, seed: 7 });
    const c = await fit({ ...base, train: stripes(24, 1), epochs: 1, seed: 8 });
    expect(weightsOf(a.model)).toEqual(weightsOf(b.model));
    expect(weightsOf(a.model)).not.toEqual(weightsOf(c.model));
    [a, b, c].forEach((r) => r.model.dispose());
  });

  it('keeps the number of live tensors flat across epochs', async () => {
    const counts: number[] = [];
    const r = await fit({
      ...base,
      train: stripes(24, 1),
      validation: stripes(8, 2),
      epochs: 5,
      seed: 3,
      checkpointDir: mkdtempSync(join(tmpdir(), 'ck-')),
      earlyStopping: { patience: 100 },
      onEpochEnd: () => counts.push(tf.memory().numTensors),
    });
    expect(new Set(counts.slice(1)).size).toBe(1);
    r.model.dispose();
  });

  it('stops early on validation loss, with patience, and restores the best weights', async () => {
    const validation = stripes(16, 5, true); // random labels: validation loss soon rises
    const r = await fit({
      ...base,
      train: stripes(40, 1),
      validation,
      epochs: 60,
      seed: 4,
      earlyStopping: { patience: 3, restoreBest: true },
    });
    expect(r.stoppedEarly).toBe(true);
    expect(r.history.length).toBe(r.bestEpoch! + 3);
    const best = r.history[r.bestEpoch! - 1].valLoss!;
    // Recompute the validation loss of the restored model.
    const { probs } = await predictDataset(r.model, validation, 8);
    let l = 0;
    for (let i = 0; i < validation.size; i++) {
      const y = validation.get(i).y;
      for (let k = 0; k < 2; k++) l -= y[k] * Math.log(Math.min(1 - 1e-7, Math.max(1e-7, probs[i * 2 + k])));
    }
    expect(l / validation.size).toBeCloseTo(best, 5);
    r.model.dispose();
  });

  // Both accuracy monitors: 'valAccuracy' on a softmax classifier, and
  // 'valTop1' on a sigmoid tagger, whose valAcc is a binary accuracy.
  it.each([
    { monitor: 'valAccuracy' as const, loss: 'categoricalCrossentropy' as const, value: (h: EpochRecord) => h.valAcc! },
    { monitor: 'valTop1' as const, loss: 'binaryCrossentropy' as const, value: (h: EpochRecord) => h.valTop1! },
  ])("monitor $monitor ($loss) stops on that validation accuracy and keeps the first epoch with the highest", async ({ monitor, loss, value }) => {
    const validation = stripes(16, 5, true);
    const r = await fit({
      ...base,
      loss,
      train: stripes(40, 1),
      validation,
      epochs: 40,
      seed: 4,
      earlyStopping: { patience: 4, restoreBest: true, monitor },
    });
    const accs = r.history.map(value);
    expect(accs.every((v) => Number.isFinite(v))).toBe(true);
    const first = accs.indexOf(Math.max(...accs)) + 1;
    expect(r.bestEpoch).toBe(first);
    if (r.stoppedEarly) expect(r.history.length).toBe(first + 4);
    // the stored history replays to the same kept epoch
    expect(keptEpoch(r.history, { monitor })).toBe(first);
    // the restored model has that epoch's validation top-1 accuracy
    const { probs } = await predictDataset(r.model, validation, 8);
    let right = 0;
    for (let i = 0; i < validation.size; i++) {
      const y = validation.get(i).y;
      if ((probs[i * 2 + 1] > probs[i * 2] ? 1 : 0) === (y[1] > y[0] ? 1 : 0)) right++;
    }
    expect(right / validation.size).toBeCloseTo(accs[first - 1], 6);
    r.model.dispose();
  });

  it('startFromEpoch (Keras start_from_epoch) neither keeps nor counts the epochs before it', async () => {
    const validation = stripes(16, 5, true);
    const r = await fit({
      ...base,
      train: stripes(40, 1),
      validation,
      epochs: 40,
      seed: 4,
      earlyStopping: { patience: 3, restoreBest: true, monitor: 'valAccuracy', startFromEpoch: 6 },
    });
    const accs = r.history.map((h) => h.valAcc!);
    const watched = accs.slice(6);
    const first = 6 + watched.indexOf(Math.max(...watched)) + 1;
    // stripes are learnt within a few epochs: without the start, epoch <= 6 would be kept
    expect(r.bestEpoch).toBe(first);
    expect(r.bestEpoch).toBeGreaterThan(6);
    expect(r.stoppedEarly).toBe(true);
    expect(r.history.length).toBe(first + 3);
    expect(keptEpoch(r.history, { monitor: 'valAccuracy', startFromEpoch: 6 })).toBe(first);
    r.model.dispose();
  });

  it('refuses early stopping without validation data', async () => {
    await expect(fit({ ...base, train: stripes(8, 1), epochs: 1, seed: 1, earlyStopping: { patience: 2 } })).rejects.toThrow(
      /held out from the training folds/,
    );
  });

  it('writes history as CSV and JSON and snapshots at the cosine minima', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hist-'));
    const r = await fit({
      ...base,
      optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 },
      schedule: { kind: 'cosineRestarts', max: 0.1, min: 1e-5 },
      train: stripes(16, 1),
      epochs: 7,
      seed: 2,
      historyPath: join(dir, 'history'),
      snapshotDir: join(dir, 'snapshots'),
    });
    const csv = readFileSync(join(dir, 'history.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('epoch,loss,acc,valLoss,valAcc,valTop1,lr,seconds');
    expect(csv).toHaveLength(8);
    expect(JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'))).toHaveLength(7);
    expect(r.snapshots.map((s) => s.split('/').pop())).toEqual(['snapshot-epoch-0003', 'snapshot-epoch-0007']);
    for (const s of r.snapshots) expect(existsSync(join(s, 'latest.json'))).toBe(true);
    // The last batch of epoch 3 trains at a rate near the minimum.
    expect(r.history[2].lr).toBeLessThan(0.01);
    r.model.dispose();
  });
});

describe('resume after kill', () => {
  it('a run killed after epoch 2 resumes from its checkpoint and ends exactly as an uninterrupted run', () => {
    const script = join(import.meta.dirname, 'fixtures/train-run.ts');
    const run = (dir: string, out: string, kill?: number) =>
      spawnSync(process.execPath, ['--import', 'tsx', script, dir, out, ...(kill ? [String(kill)] : [])], {
        encoding: 'utf8',
        timeout: 120_000,
      });
    const tmp = mkdtempSync(join(tmpdir(), 'resume-'));
    const whole = run(join(tmp, 'a'), join(tmp, 'a.json'));
    expect(whole.status, whole.stderr).toBe(0);
    const killed = run(join(tmp, 'b'), join(tmp, 'b.json'), 2);
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(tmp, 'b.json'))).toBe(false);
    const resumed = run(join(tmp, 'b'), join(tmp, 'b.json'));
    expect(resumed.status, resumed.stderr).toBe(0);
    const a = JSON.parse(readFileSync(join(tmp, 'a.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(tmp, 'b.json'), 'utf8'));
    expect(b.resumedFromEpoch).toBe(1); // 0-based epoch index of the last checkpoint
    expect(b.history).toEqual(a.history);
    expect(b.weights).toEqual(a.weights);
  });
});

describe('schedules', () => {
  it('cosine decay with warm restarts after epochs 3, 7, 15, 31', () => {
    expect(doublingRestarts(3, 100)).toEqual([3, 7, 15, 31, 63]);
    const s = makeSchedule({ kind: 'cosineRestarts', max: 0.1, min: 1e-5 });
    expect(s.at(0)).toBeCloseTo(0.1, 12);
    expect(s.at(3 - 1e-9)).toBeCloseTo(1e-5, 8);
    expect(s.at(3)).toBeCloseTo(0.1, 12);
    expect(s.at(5)).toBeCloseTo((0.1 + 1e-5) / 2, 12); // middle of the 3..7 cycle
    expect(s.at(11)).toBeCloseTo((0.1 + 1e-5) / 2, 12); // middle of 7..15
    expect(s.snapshotEpochs(40)).toEqual([3, 7, 15, 31]);
  });

  it('step and constant schedules, and bad parameters rejected', () => {
    expect(makeSchedule({ kind: 'step', lr: 1, gamma: 0.5, stepEpochs: 2 }).at(4.5)).toBe(0.25);
    expect(makeSchedule({ kind: 'constant', lr: 0.3 }).at(100)).toBe(0.3);
    expect(() => makeSchedule({ kind: 'cosineRestarts', max: 0.1, min: 0.2 })).toThrow(/min <= max/);
  });
});
