/**
 * How each registered model trains, read where it is stated: the experiment
 * configs (reproductions/<paper>/experiments/, resolved and budgeted), the
 * one authority on training since the model registry holds only what the
 * models fix. These are the checks the registry test made on its own copy of
 * the training recipe (batch sizes, Adam / SGD, momentum, the cosine
 * restarts), now made on every runnable training row of each model, plus the
 * other training facts that copy stated (Keras decay, epochs, mixup alpha,
 * crop, class balance, early stopping).
 */
import { describe, expect, it } from 'vitest';
import { getModelEntry, modelNames } from '../../src/models/registry.js';
import { BUDGETS, modelTrainingRow, modelTrainingRows, type BudgetedExperiment } from '../../src/reproduce/index.js';
import { doublingRestarts, makeSchedule } from '../../src/train/schedules.js';
import { InvalidParameterError } from '../../src/util/errors.js';

/** Registered models that no experiment trains (hu2020's tables have no fsFCNN-s row). */
const UNTRAINED = ['hu2020-fsfcnn-s'];

const rowsOf = (model: string): BudgetedExperiment[] => modelTrainingRows(model, 'full');
const huModels = modelNames().filter((n) => n.startsWith('hu2020') && !UNTRAINED.includes(n));

/** Keras SGD decay per model, as the authors' train_*.py scripts (SGD(lr=max_lr, decay=..., momentum=0.9)). */
const HU_DECAY: Record<string, number> = {
  'hu2020-fcnn': 1e-6,
  'hu2020-fcnn-3class': 1e-6,
  'hu2020-fsfcnn': 0,
  'hu2020-resnet': 1e-6,
  'hu2020-resnet-d': 1e-6,
  'hu2020-resnet-3class': 1e-6,
  'hu2020-mobnet': 0,
  'hu2020-small-fcnn': 0,
  'hu2020-small-fcnn-v1': 0,
  'hu2020-small-fcnn-v2': 0,
};

/** Full-budget epochs: train_fcnn.py / train_fsfcnn.py 254, train_resnet.py 126; task 1b 511 (see below). */
const HU_EPOCHS: Record<string, number> = {
  'hu2020-fcnn': 254,
  'hu2020-fcnn-3class': 254,
  'hu2020-fsfcnn': 254,
  'hu2020-resnet': 126,
  'hu2020-resnet-d': 126,
  'hu2020-resnet-3class': 126,
  'hu2020-mobnet': 511,
  'hu2020-small-fcnn': 511,
  'hu2020-small-fcnn-v1': 511,
  'hu2020-small-fcnn-v2': 511,
};

const online = (e: BudgetedExperiment, name: string) => e.augment.online.filter((a) => a.name === name);

describe('the rows each model trains with', () => {
  it('every registered model but the untrained ones has a runnable training row in its paper', () => {
    for (const name of modelNames()) {
      const rows = rowsOf(name);
      if (UNTRAINED.includes(name)) {
        expect(rows, name).toEqual([]);
        expect(() => modelTrainingRow(name)).toThrow(InvalidParameterError);
        expect(() => modelTrainingRow(name)).toThrow(new RegExp(`trains '${name}'`));
        continue;
      }
      expect(rows.length, name).toBeGreaterThan(0);
      for (const r of rows) {
        expect(r.paper, `${name}: ${r.id}`).toBe(getModelEntry(name).paper);
        expect(r.model.name).toBe(name);
        expect(r.kind).toBe('train');
        expect(r.notRunnable).toBeUndefined();
      }
    }
    expect(() => modelTrainingRow('vgg16')).toThrow(/unknown model 'vgg16'/);
  });

  it('the default row trains as most of the model\'s rows and prefers a published row with the default model', () => {
    // mushtaq2020's zero-input control trains 5 epochs, every other CNN-7 row 50.
    const cnn7 = modelTrainingRow('mushtaq2020-cnn7');
    expect(cnn7.id).not.toBe('control-zero-input');
    expect(cnn7.training.epochs).toBe(50);
    // The reduced Mobnet (alpha 0.7) trains like Mobnet; Table 2's Mobnet row is the default.
    expect(modelTrainingRow('hu2020-mobnet').id).toBe('t1b-mobnet');
    expect(modelTrainingRow('hu2020-fcnn').regenerates.length).toBeGreaterThan(0);
    // The budget is applied: the smoke row of the same experiment trains with smoke's batch.
    const smoke = modelTrainingRow('hu2020-fcnn', 'smoke');
    expect(smoke.budget).toBe('smoke');
    expect(smoke.training.batchSize).toBeLessThan(modelTrainingRow('hu2020-fcnn').training.batchSize);
  });

  it('budgets scale a row (epochs, batch) but never change its optimiser or schedule', () => {
    for (const name of modelNames().filter((n) => !UNTRAINED.includes(n))) {
      for (const full of rowsOf(name)) {
        for (const b of BUDGETS) {
          const r = modelTrainingRows(name, b).find((x) => x.id === full.id)!;
          expect(r.training.optimizer, `${full.id} ${b}`).toEqual(full.training.optimizer);
          expect(r.training.schedule, `${full.id} ${b}`).toEqual(full.training.schedule);
        }
      }
    }
  });
});

describe('wei2018 and mushtaq2020 training (the papers)', () => {
  it('wei2018 CRNN: Adam 1e-3 at a constant rate, batch 44, early stopping on a validation set with patience 20', () => {
    for (const r of rowsOf('wei2018-crnn')) {
      expect(r.training.optimizer, r.id).toEqual({ kind: 'adam', lr: 1e-3 });
      expect(r.training.schedule, r.id).toBeUndefined();
      expect(r.training.batchSize, r.id).toBe(44);
      expect(r.training.earlyStopping?.patience, r.id).toBe(20);
      expect(r.training.validationFraction ?? 0, r.id).toBeGreaterThan(0);
    }
  });

  it('mushtaq2020 CNN-7 / CNN-9: Adam 1e-3 at a constant rate, batch 32', () => {
    for (const name of ['mushtaq2020-cnn7', 'mushtaq2020-cnn9']) {
      for (const r of rowsOf(name)) {
        expect(r.training.optimizer, r.id).toEqual({ kind: 'adam', lr: 1e-3 });
        expect(r.training.schedule, r.id).toBeUndefined();
        expect(r.training.batchSize, r.id).toBe(32);
      }
    }
  });
});

describe('hu2020 training (section 5.2 and the authors\' train_*.py scripts)', () => {
  it('every row: SGD lr 0.1 momentum 0.9 with the script\'s Keras decay, batch 32, the script\'s epochs', () => {
    expect(Object.keys(HU_DECAY).sort()).toEqual([...huModels].sort());
    for (const name of huModels) {
      for (const r of rowsOf(name)) {
        expect(r.training.optimizer, r.id).toEqual({ kind: 'sgd', lr: 0.1, momentum: 0.9, decay: HU_DECAY[name] });
        expect(r.training.batchSize, r.id).toBe(32);
        expect(r.training.epochs, r.id).toBe(HU_EPOCHS[name]);
      }
    }
  });

  it('every row: cosine restarts between 0.1 and 1e-5, restarting after epochs 3, 7, 15, 31, ...', () => {
    for (const name of huModels) {
      for (const r of rowsOf(name)) {
        const spec = r.training.schedule;
        expect(spec, r.id).toMatchObject({ kind: 'cosineRestarts', max: 0.1 });
        if (spec?.kind !== 'cosineRestarts') throw new Error(`${r.id}: no cosine schedule`);
        expect(spec.min, r.id).toBeCloseTo(1e-5, 12);
        const s = makeSchedule(spec);
        const restarts = s.snapshotEpochs(r.training.epochs);
        expect(restarts.slice(0, 4), r.id).toEqual([3, 7, 15, 31]);
        // Each cycle twice the previous plus one, as LR_WarmRestart's list, up to the row's last epoch.
        expect(restarts, r.id).toEqual(doublingRestarts(3, r.training.epochs));
        expect(s.at(0), r.id).toBeCloseTo(0.1, 12);
        for (const e of restarts.filter((x) => x < r.training.epochs)) {
          expect(s.at(e - 1e-9), `${r.id} before ${e}`).toBeCloseTo(1e-5, 8);
          expect(s.at(e), `${r.id} at ${e}`).toBeCloseTo(0.1, 12);
        }
      }
    }
  });

  it('task 1b rows train 511 epochs: the end of the cosine cycle holding the scripts\' 500', () => {
    for (const name of huModels.filter((n) => getModelEntry(n).inputShape[2] === 6)) {
      for (const r of rowsOf(name)) {
        const restarts = makeSchedule(r.training.schedule!).snapshotEpochs(r.training.epochs);
        expect(restarts.at(-1), r.id).toBe(511);
        expect(restarts.at(-2)!, r.id).toBeLessThan(500);
      }
    }
  });

  it('task 1a rows: random crop 400 frames and mixup alpha 0.4 (the training generators)', () => {
    for (const name of huModels.filter((n) => getModelEntry(n).inputShape[2] === 3)) {
      for (const r of rowsOf(name)) {
        expect(online(r, 'random_crop').map((a) => a.params.cropLength), r.id).toEqual([400]);
        expect(online(r, 'mixup_hu2020').map((a) => a.params.alpha), r.id).toEqual([0.4]);
      }
    }
  });

  it('task 1b rows: SpecAugment, mixup alpha 0.4, class-balanced sampling, input scaled to [0, 1]', () => {
    for (const name of huModels.filter((n) => getModelEntry(n).inputShape[2] === 6)) {
      for (const r of rowsOf(name)) {
        expect(online(r, 'spec_augment').length, r.id).toBe(1);
        expect(online(r, 'mixup_hu2020').map((a) => a.params.alpha), r.id).toEqual([0.4]);
        expect(r.training.classBalanced, r.id).toBe(true);
        expect(r.features.options.scale, r.id).toBe(true);
      }
    }
  });
});
