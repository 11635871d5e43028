import { describe, expect, it } from 'vitest';
import { validationText } from '../../src/train/progress.js';

describe('validationText', () => {
  it("writes Keras' names, val_top1 only where the epoch has it", () => {
    expect(validationText({ valLoss: 0.14583, valAcc: 0.9612, valTop1: 0.0625 })).toBe(' val_loss 0.1458 val_acc 0.961 val_top1 0.063');
    expect(validationText({ valLoss: 0.14583, valAcc: 0.9612 })).toBe(' val_loss 0.1458 val_acc 0.961');
    expect(validationText({ valLoss: 0.14583, valAcc: 0.9612, valTop1: null })).toBe(' val_loss 0.1458 val_acc 0.961');
  });

  it('is empty without validation (null from a history record, undefined from a progress line)', () => {
    expect(validationText({ valLoss: null, valAcc: null })).toBe('');
    expect(validationText({})).toBe('');
  });
});
