import { describe, expect, it } from 'vitest';
import { batchAccuracy, top1Accuracy } from '../../src/train/losses.js';

describe('accuracy for a sigmoid tagger on single-label clips', () => {
  // 3 clips, 4 classes, one positive each; every score below 0.5, so the
  // binary accuracy counts every negative as right and every positive wrong.
  const yTrue = Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
  const yPred = Float32Array.from([0.4, 0.1, 0.2, 0.1, 0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.3]);

  it("binary accuracy (Keras' for binary cross-entropy) is 1 - 1/classes whatever the ranking", () => {
    expect(batchAccuracy('binaryCrossentropy', yTrue, yPred, 4)).toBeCloseTo(9 / 12, 12);
  });

  it('top-1 accuracy counts clips whose highest score is their class (first index on ties)', () => {
    // clip 1: argmax 0 = class 0; clip 2: argmax 0 != 1; clip 3: argmax 3 = 3
    expect(top1Accuracy(yTrue, yPred, 4)).toBeCloseTo(2 / 3, 12);
    expect(batchAccuracy('categoricalCrossentropy', yTrue, yPred, 4)).toBeCloseTo(2 / 3, 12);
    const tie = Float32Array.from([0.2, 0.2, 0, 0]);
    expect(top1Accuracy(Float32Array.from([0, 1, 0, 0]), tie, 4)).toBe(0);
  });
});
