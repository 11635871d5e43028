/**
 * Paper-specific views for the notebooks:
 * - the leakage audit's three split protocols (mushtaq2020), measured on the
 *   clips at hand: how many source recordings, and how many copies of a test
 *   clip, end up on the training side;
 * - hu2020's two-stage fusion step by step;
 * - hu2020's quantization: both size definitions, float32 vs int8.
 */
import * as tf from '@tensorflow/tfjs';
import { buildModel, getModelEntry } from '../models/registry.js';
import { compressionReport } from '../quantize/evaluate.js';
import { randomClipFolds, sourceGroupedFolds, type FoldItem } from '../reproduce/index.js';
import { twoStageFusion } from '../fusion/two-stage.js';
import { TAU2020_3CLASS_LABELS, TAU2020_3CLASS_OF_SCENE, TAU2020_SCENES } from '../data/loaders/tau2020.js';
import { argmaxRows, fromRows } from '../metrics/score-matrix.js';
import type { CompressionReport } from '../quantize/evaluate.js';
import type { QuantScheme } from '../quantize/int8.js';
import { InvalidParameterError } from '../util/errors.js';
import type { Row } from './tables.js';

// ------------------------------------------------------- leakage audit

export interface LeakageOptions {
  /** Number of folds (default 5); fold 1 is the test side. */
  k?: number;
  seed?: number;
  /** Augmented copies per clip in arm (c) (default 5: the five NAA transformations). */
  copies?: number;
}

/**
 * For each arm of the audit, on these clips: test and training sizes,
 * source recordings on both sides, and test clips with a copy of the same
 * clip (original or augmented) in training. Arms (as in
 * reproductions/mushtaq2020/experiments/leakage-*.json):
 *  (a) folds by source recording, augmentation after the split (correct);
 *  (b) folds at random by clip: takes A/B/C of one recording on both sides;
 *  (c) every clip augmented first (original + `copies` copies), then the
 *      copies split at random: augmented versions of a test clip in training.
 */
export function leakageSplitRows(items: readonly FoldItem[], opts: LeakageOptions = {}): Row[] {
  const k = opts.k ?? 5;
  const seed = opts.seed ?? 1;
  const copies = opts.copies ?? 5;
  if (items.length < k) throw new InvalidParameterError(`leakageSplitRows: ${items.length} clips for ${k} folds`);
  const row = (arm: string, protocol: string, all: readonly (FoldItem & { clip: string })[], folds: Map<string, number>): Row => {
    const test = all.filter((x) => folds.get(x.id) === 1);
    const train = all.filter((x) => folds.get(x.id) !== 1);
    const trainSources = new Set(train.map((x) => x.sourceId));
    const trainClips = new Set(train.map((x) => x.clip));
    const testSources = new Set(test.map((x) => x.sourceId));
    return {
      arm,
      protocol,
      'test items': test.length,
      'training items': train.length,
      'test source recordings also in training': [...testSources].filter((s) => trainSources.has(s)).length,
      'test source recordings': testSources.size,
      'test items whose own clip (or a copy) is in training': test.filter((x) => trainClips.has(x.clip)).length,
    };
  };
  const plain = items.map((x) => ({ ...x, clip: x.id }));
  const augmented = items.flatMap((x) => Array.from({ length: copies + 1 }, (_, c) => ({ ...x, id: `${x.id}#${c}`, clip: x.id })));
  return [
    row('(a)', 'folds by source recording, augment after the split', plain, sourceGroupedFolds(items, k, seed)),
    row('(b)', 'folds at random by clip', plain, randomClipFolds(items, k, seed)),
    row('(c)', `augment first (${copies} copies), then folds at random`, augmented, randomClipFolds(augmented, k, seed)),
  ];
}

// ---------------------------------------------------- two-stage fusion

/**
 * hu2020 section 2.1 on given score rows: the 10-class decision alone, the
 * 3-class decision, and the fused decision argmax_q F1_parent(q) * F2_q.
 */
export function twoStageRows(fine: readonly (readonly number[])[], coarse: readonly (readonly number[])[]): Row[] {
  const F2 = fromRows(fine);
  const F1 = fromRows(coarse);
  const fused = twoStageFusion(F2, F1, { fineClasses: TAU2020_SCENES, coarseClasses: TAU2020_3CLASS_LABELS, parentOf: TAU2020_3CLASS_OF_SCENE });
  const a2 = argmaxRows(F2);
  const a1 = argmaxRows(F1);
  const af = argmaxRows(fused);
  return fine.map((_, i) => ({
    example: i + 1,
    '10-class alone': `${TAU2020_SCENES[a2[i]]} (${F2.data[i * F2.cols + a2[i]].toFixed(2)})`,
    '3-class': `${TAU2020_3CLASS_LABELS[a1[i]]} (${F1.data[i * F1.cols + a1[i]].toFixed(2)})`,
    'two-stage': `${TAU2020_SCENES[af[i]]} (${fused.data[i * fused.cols + af[i]].toFixed(3)})`,
    changed: a2[i] !== af[i] ? 'yes' : '',
  }));
}

// ------------------------------------------------------- quantization

/** Both size definitions for the float32 and int8 versions of a model. */
export function compressionRows(model: string, r: CompressionReport): Row[] {
  const kb = (b: number) => Number((b / 1024).toFixed(1));
  return [
    {
      model,
      version: 'float32',
      'DCASE 2020 size (KB): non-zero parameters x bytes, BatchNorm excluded': kb(r.float32.dcase2020.bytes),
      'file size (KB), model.json + weights': kb(r.float32.file.bytes),
      'file size with optimizer state (KB)': r.float32.fileWithOptimizer ? kb(r.float32.fileWithOptimizer.bytes) : null,
      'within 500 KB': r.float32.dcase2020.withinLimit ? 'yes' : 'no',
    },
    {
      model,
      version: `int8 (${r.scheme ?? 'default'} scales)`,
      'DCASE 2020 size (KB): non-zero parameters x bytes, BatchNorm excluded': kb(r.int8.dcase2020.bytes),
      'file size (KB), model.json + weights': kb(r.int8.file.bytes),
      'file size with optimizer state (KB)': null,
      'within 500 KB': r.int8.dcase2020.withinLimit ? 'yes' : 'no',
    },
  ];
}

/** Largest absolute difference between two models' outputs on x (read with await data(): any backend, webgpu included). */
export async function maxOutputDifference(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor): Promise<number> {
  const pa = a.predict(x) as tf.Tensor;
  const pb = b.predict(x) as tf.Tensor;
  try {
    const [va, vb] = await Promise.all([pa.data(), pb.data()]);
    let m = 0;
    for (let i = 0; i < va.length; i++) m = Math.max(m, Math.abs(va[i] - vb[i]));
    return m;
  } finally {
    pa.dispose();
    pb.dispose();
  }
}

/**
 * For each registered model: build it at full size with seeded (untrained)
 * weights, quantize it (int8, `scheme` scales), and report both size
 * definitions plus the largest output difference between the float32 and
 * int8 versions on `nInputs` seeded standard-normal inputs of the
 * registry's input shape. Sizes do not
 * depend on training; accuracies do, so none is reported.
 */
export async function quantizationRows(names: readonly string[], opts: { scheme?: QuantScheme; seed?: number; nInputs?: number } = {}): Promise<Row[]> {
  const rows: Row[] = [];
  for (const name of names) {
    const model = buildModel(name, { seed: opts.seed ?? 0 });
    const { report, quantized } = await compressionReport(model, { scheme: opts.scheme ?? 'per-channel' });
    // the registry's full-size input (the model's own may leave the frame count open)
    const shape = getModelEntry(name).inputShape;
    const x = tf.randomNormal([opts.nInputs ?? 2, ...shape], 0, 1, 'float32', opts.seed ?? 7);
    try {
      const diff = await maxOutputDifference(model, quantized, x);
      for (const r of compressionRows(name, report)) {
        rows.push({ ...r, [`max |output difference| vs float32 (${opts.nInputs ?? 2} random inputs)`]: r.version === 'float32' ? null : diff });
      }
    } finally {
      x.dispose();
      model.dispose();
      quantized.dispose();
    }
  }
  return rows;
}
