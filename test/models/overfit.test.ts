/**
 * Every registered model trains on the ACTIVE backend (initBackend(): wasm
 * with our gradient kernels here): each one, at a reduced size, overfits 16
 * excerpts of real ESC-50 audio from the embedded ESC-10 sample (4 classes x
 * 2 clips x 2 non-overlapping 1-s excerpts, see overfit-data.ts) to >= 95%
 * training accuracy with the project's trainer. A wrong or missing gradient
 * kernel shows up as a model that cannot memorise 16 excerpts. With 16
 * excerpts, >= 95% means all 16.
 *
 * Our choices:
 * - Reduced sizes: 1 s excerpts; hu2020 inputs 36 frames x 32 mels (x 3 or
 *   6 channels), mushtaq2020 32 x 32 x 3 images, wei2018 30 frames x 128 mels
 *   (its 7 frequency poolings need 128 mels); `width` 0.125-1 (table
 *   below). Every model is built through the registry with nClasses = 4, so
 *   the 3-class entries (hu2020-fcnn-3class, hu2020-resnet-3class) build the
 *   same network as their 10-class siblings here (their builders differ
 *   only in the output count).
 * - Training: `fit` with Adam (lr in the table; the hu2020 models' own
 *   optimiser is SGD, but this checks gradients, not the recipe), one full
 *   batch of all 16 excerpts per step, seeded, a fixed number of epochs per
 *   model. The counts were chosen from a run on wasm (wasm+openblas, 1
 *   thread) that printed the inference-mode accuracy after every epoch up to
 *   epoch 40-50 (comments in PLANS): each lies at least 2 epochs into a
 *   stretch of 16/16 epochs that went on for at least 6 epochs more.
 *   Dropout stays on during training.
 * - When the data moved from 16 of the 304 ESC-50 fold-4 clips to the
 *   20-clip embedded sample (two clips per class, so two excerpts per clip),
 *   the same kind of run showed this set harder to memorise at the old
 *   settings: hu2020-small-fcnn-v1/-v2 stayed at 15/16 up to epoch 40 at
 *   width 0.25 (one crying_baby excerpt near chance), wei2018-crnn and
 *   mushtaq2020-cnn9 never held 16/16 for 6 epochs, the others needed more
 *   epochs. Those models got more width, another lr or more epochs (table);
 *   the target (all 16) is unchanged.
 * - BatchNorm momentum is set to 0 on the built model, so the moving
 *   statistics that inference uses are exactly the batch statistics of the
 *   last training step, which sees all 16 excerpts. With the default 0.99 the
 *   moving statistics would need hundreds of steps to catch up, and
 *   inference would be wrong for reasons that have nothing to do with
 *   gradients. The momentum only affects the moving statistics, which a
 *   training step never reads.
 * - Accuracy comes from a separate `predictDataset` pass over the 16 training
 *   excerpts in inference mode (training = false: no dropout, moving BN
 *   statistics). Softmax models: argmax = label. wei2018 (sigmoid, binary
 *   cross-entropy, one-hot targets over the 4 classes): a clip counts only
 *   if all 4 outputs thresholded at 0.5 equal its targets (exact match). That
 *   is stricter than both binary accuracy and argmax.
 * - Every trainable kernel (conv, depthwise, dense, GRU) must have moved by
 *   more than lr / 100, i.e. received a non-zero gradient. Accuracy alone is
 *   not enough: with a deliberately zeroed gradient kernel on wasm (checked
 *   by hand, not committed), Mobnet still reached 16/16 without a
 *   depthwise-filter gradient and fsFCNN(-s) without a max-pool gradient,
 *   because the remaining layers can memorise 16 clips; the kernel check
 *   failed in both cases. A zeroed or sign-flipped conv-filter gradient
 *   failed every model on accuracy.
 * - tf.memory().numTensors must be back at its starting value after each
 *   model is disposed.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/index.js';
import { getModelEntry, modelNames } from '../../src/models/registry.js';
import { fit, predictDataset } from '../../src/train/fit.js';
import { CLASSES, overfitData, type FeatureKind } from './overfit-data.js';

const SEED = 1;
const BATCH = 16;
const TARGET = 0.95;

interface Plan {
  features: FeatureKind;
  width: number;
  epochs: number;
  lr: number;
}

const PLANS: Record<string, Plan> = {
  'wei2018-crnn': { features: 'wei2018', width: 0.5, epochs: 38, lr: 3e-3 }, // 16/16 from epoch 36 to 48 (29-34 too); 0.125 @ 1e-2 never held it
  'mushtaq2020-cnn7': { features: 'mushtaq2020', width: 0.25, epochs: 22, lr: 3e-3 }, // 16/16 from epoch 20 to 40+
  'mushtaq2020-cnn9': { features: 'mushtaq2020', width: 0.25, epochs: 27, lr: 1e-2 }, // 16/16 from epoch 25 to 40+; 3e-3 never held it
  'hu2020-fcnn': { features: 'hu2020-3ch', width: 0.25, epochs: 19, lr: 1e-2 }, // 16/16 from epoch 17 to 40+; width 0.125 from 31
  'hu2020-fcnn-3class': { features: 'hu2020-3ch', width: 0.25, epochs: 19, lr: 1e-2 }, // same network and run as hu2020-fcnn
  'hu2020-fsfcnn': { features: 'hu2020-3ch', width: 0.25, epochs: 11, lr: 3e-3 }, // 16/16 from epoch 9 to 40+
  'hu2020-fsfcnn-s': { features: 'hu2020-3ch', width: 0.25, epochs: 7, lr: 3e-3 }, // 16/16 from epoch 5 to 40+
  'hu2020-resnet': { features: 'hu2020-3ch', width: 0.125, epochs: 11, lr: 1e-2 }, // 16/16 from epoch 9 to 32
  'hu2020-resnet-d': { features: 'hu2020-3ch', width: 0.125, epochs: 11, lr: 1e-2 }, // 16/16 from epoch 9 to 40+
  'hu2020-resnet-3class': { features: 'hu2020-3ch', width: 0.125, epochs: 11, lr: 1e-2 }, // same network and run as hu2020-resnet
  'hu2020-mobnet': { features: 'hu2020-6ch', width: 0.25, epochs: 25, lr: 3e-3 }, // 16/16 from epoch 23 to 40+
  'hu2020-small-fcnn': { features: 'hu2020-6ch', width: 0.5, epochs: 13, lr: 3e-3 }, // 16/16 from epoch 11 to 50+; width 0.25 from 25
  'hu2020-small-fcnn-v1': { features: 'hu2020-6ch', width: 1, epochs: 13, lr: 3e-3 }, // 16/16 from epoch 11 to 50+; 0.25 and 0.5 stuck at 15
  'hu2020-small-fcnn-v2': { features: 'hu2020-6ch', width: 0.5, epochs: 9, lr: 3e-3 }, // 16/16 from epoch 7 to 50+; 0.25 stuck at 15
};

/** Set every BatchNormalization layer's momentum (see the header). */
function setBatchNormMomentum(model: tf.LayersModel, momentum: number): void {
  for (const layer of model.layers) {
    if (layer.getClassName() === 'BatchNormalization') (layer as unknown as { momentum: number }).momentum = momentum;
  }
}

/** Fraction of clips classified correctly (see the header for the two rules). */
function trainingAccuracy(probs: Float32Array, outDim: number, targets: Float32Array[], sigmoid: boolean): number {
  let hits = 0;
  targets.forEach((y, i) => {
    const p = probs.subarray(i * outDim, (i + 1) * outDim);
    if (sigmoid) {
      if (y.every((t, k) => p[k] >= 0.5 === t >= 0.5)) hits++;
    } else {
      let best = 0;
      for (let k = 1; k < outDim; k++) if (p[k] > p[best]) best = k;
      if (y[best] === 1) hits++;
    }
  });
  return hits / targets.length;
}

/**
 * Largest absolute change since `initial` of each trainable kernel (conv,
 * depthwise, dense, GRU input and recurrent kernels: the tensors the
 * backend's filter-gradient kernels feed). Biases and BatchNorm offsets are
 * left out: where a linear path leads them into a BatchNorm, the batch mean
 * cancels them and their gradient is zero up to rounding, which Adam turns
 * into steps of unpredictable size.
 */
function kernelMovement(model: tf.LayersModel, initial: Float32Array[]): { name: string; change: number }[] {
  expect(initial.length).toBe(model.trainableWeights.length);
  return model.trainableWeights.flatMap((w, i) => {
    if (!w.originalName.endsWith('kernel')) return [];
    const now = w.read().dataSync();
    let change = 0;
    for (let k = 0; k < now.length; k++) change = Math.max(change, Math.abs(now[k] - initial[i][k]));
    return [{ name: w.name, change }];
  });
}

const rows: string[] = [];

beforeAll(async () => {
  const info = await initBackend();
  const d = overfitData();
  console.log(
    `overfit: backend ${info.description}; ${d.clips.length} excerpts of embedded-sample ESC-50 clips (${CLASSES.join(', ')}), features in ${d.seconds.toFixed(1)} s; ` +
      Object.entries(d.datasets)
        .map(([k, ds]) => `${k} [${ds.xShape.join('x')}]`)
        .join(', '),
  );
});

afterAll(() => {
  console.log(['model | width | params | epochs | lr | train acc | seconds', ...rows].join('\n'));
});

describe('every registered model overfits 16 excerpts of real ESC-50 clips on the active backend', () => {
  it('has a plan for every registered model', () => {
    expect(Object.keys(PLANS).sort()).toEqual(modelNames().sort());
  });

  for (const name of Object.keys(PLANS)) {
    it(name, async () => {
      const plan = PLANS[name];
      const entry = getModelEntry(name);
      const { datasets, labels } = overfitData();
      const ds = datasets[plan.features];
      const [frames, nMels, channels] = ds.xShape;
      const before = tf.memory().numTensors;
      let initial: Float32Array[] = [];
      const t0 = performance.now();
      const result = await fit({
        build: () => {
          const m = entry.build({ seed: SEED, width: plan.width, frames, nMels, channels, nClasses: CLASSES.length });
          setBatchNormMomentum(m, 0);
          initial = m.trainableWeights.map((w) => (w.read().dataSync() as Float32Array).slice());
          return m;
        },
        train: ds,
        epochs: plan.epochs,
        batchSize: BATCH,
        loss: entry.loss,
        optimizer: { kind: 'adam', lr: plan.lr },
        seed: SEED,
        progress: 'none',
      });
      const { probs, outDim } = await predictDataset(result.model, ds, BATCH);
      const seconds = (performance.now() - t0) / 1000;
      const params = result.model.countParams();
      const last = result.history[result.history.length - 1];
      const moved = kernelMovement(result.model, initial);
      result.model.dispose();
      const acc = trainingAccuracy(probs, outDim, labels, entry.output === 'sigmoid');
      const row = `${name} | ${plan.width} | ${params} | ${result.history.length} | ${plan.lr} | ${acc.toFixed(4)} | ${seconds.toFixed(1)}`;
      rows.push(row);
      const least = moved.reduce((a, b) => (b.change < a.change ? b : a));
      console.log(
        `${row} (last epoch: training-mode loss ${last.loss.toFixed(4)}, acc ${last.acc.toFixed(4)}; ` +
          `least-moved of ${moved.length} kernels: ${least.name} max |w - w0| = ${least.change.toExponential(2)}; ` +
          `tolerance: acc >= ${TARGET}, every kernel moved > lr / 100)`,
      );
      expect(outDim).toBe(CLASSES.length);
      expect(tf.memory().numTensors, `${name}: live tensors after dispose`).toBe(before);
      expect(acc, `${name}: inference-mode training accuracy`).toBeGreaterThanOrEqual(TARGET);
      // Every kernel received a non-zero gradient: Adam moves a weight by
      // ~lr per step unless its gradient is (near) zero.
      expect(moved.filter((m) => !(m.change > plan.lr / 100)).map((m) => m.name), `${name}: kernels that never moved`).toEqual([]);
    });
  }
});
