import { describe, expect, it } from 'vitest';
import { keptEpoch, monitoredValue, type EpochRecord } from '../../src/train/history.js';

const rec = (epoch: number, valLoss: number | null, valAcc: number | null, valTop1?: number | null): EpochRecord => ({
  epoch,
  loss: 1,
  acc: 0.5,
  valLoss,
  valAcc,
  ...(valTop1 === undefined ? {} : { valTop1 }),
  lr: 1e-3,
  seconds: 1,
});

// A hand-written history: loss lowest at epoch 2, accuracy highest first at
// epoch 3 (tied at 5), top-1 highest at epoch 4.
const history = [rec(1, 0.9, 0.5, 0.1), rec(2, 0.5, 0.6, 0.2), rec(3, 0.6, 0.8, 0.3), rec(4, 0.7, 0.7, 0.4), rec(5, 0.8, 0.8, 0.35)];

describe('monitoredValue', () => {
  it('is the loss, or minus the accuracy, and null where the epoch has none', () => {
    expect(monitoredValue('valLoss', history[1]!)).toBe(0.5);
    expect(monitoredValue('valAccuracy', history[1]!)).toBe(-0.6);
    expect(monitoredValue('valTop1', history[1]!)).toBe(-0.2);
    expect(monitoredValue('valTop1', rec(1, 0.5, 0.6))).toBeNull();
    expect(monitoredValue('valLoss', rec(1, null, null))).toBeNull();
  });
});

describe('keptEpoch', () => {
  it('keeps the first epoch with the best monitored value', () => {
    expect(keptEpoch(history)).toBe(2);
    expect(keptEpoch(history, { monitor: 'valAccuracy' })).toBe(3);
    expect(keptEpoch(history, { monitor: 'valTop1' })).toBe(4);
  });

  it('does not watch the epochs up to startFromEpoch', () => {
    expect(keptEpoch(history, { startFromEpoch: 2 })).toBe(3);
    expect(keptEpoch(history, { monitor: 'valAccuracy', startFromEpoch: 3 })).toBe(5);
  });

  it('counts only improvements larger than minDelta', () => {
    // 0.5 improves on 0.9 by 0.4 > 0.3; nothing later improves on 0.5
    expect(keptEpoch(history, { minDelta: 0.3 })).toBe(2);
    // top-1 0.1 -> 0.2 -> 0.3 -> 0.4: steps of 0.1 do not exceed 0.15, 0.1 -> 0.3 does
    expect(keptEpoch(history, { monitor: 'valTop1', minDelta: 0.15 })).toBe(3);
  });

  it('is the last epoch without restoreBest, or without any watched value', () => {
    expect(keptEpoch(history, { restoreBest: false })).toBe(5);
    expect(keptEpoch([rec(1, null, null), rec(2, null, null)])).toBe(2);
    expect(keptEpoch([rec(1, 0.5, 0.6), rec(2, 0.4, 0.7)], { monitor: 'valTop1' })).toBe(2);
    expect(keptEpoch([])).toBe(0);
  });
});
