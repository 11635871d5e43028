import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModel, getModelEntry, modelNames } from '../../src/models/registry.js';
import { InvalidParameterError } from '../../src/util/errors.js';
import { initTestBackend, testInput } from './helpers.js';

beforeAll(async () => {
  await initTestBackend();
});

/** Cheap reduced input per layout (frames x mels x channels or image h x w x c). */
function reduced(name: string): { options: Parameters<typeof buildModel>[1]; shape: number[] } {
  const e = getModelEntry(name);
  const ch = e.inputShape[2];
  if (e.paper === 'wei2018') return { options: { width: 0.25, frames: 6 }, shape: [2, 6, 128, ch] };
  if (e.paper === 'mushtaq2020') return { options: { width: 0.25, nMels: 32, frames: 32 }, shape: [2, 32, 32, ch] };
  const nMels = name.includes('mobnet') ? 64 : 32;
  return { options: { width: 1 / 16, nMels, frames: 32 }, shape: [2, 32, nMels, ch] };
}

describe('model registry', () => {
  it('lists every architecture of the three papers', () => {
    expect(modelNames()).toEqual([
      'wei2018-crnn',
      'mushtaq2020-cnn7',
      'mushtaq2020-cnn9',
      'hu2020-fcnn',
      'hu2020-fcnn-3class',
      'hu2020-fsfcnn',
      'hu2020-fsfcnn-s',
      'hu2020-resnet',
      'hu2020-resnet-d',
      'hu2020-resnet-3class',
      'hu2020-mobnet',
      'hu2020-small-fcnn',
      'hu2020-small-fcnn-v1',
      'hu2020-small-fcnn-v2',
    ]);
  });

  it('every entry builds (reduced) with its class count and input channels', () => {
    for (const name of modelNames()) {
      const e = getModelEntry(name);
      const { options, shape } = reduced(name);
      const m = buildModel(name, { ...options, seed: 1 });
      expect(m.inputs[0].shape[3]).toBe(e.inputShape[2]);
      const x = testInput(shape);
      const y = m.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([2, e.nClasses]);
      tf.dispose([x, y]);
      m.dispose();
    }
  });

  it('building, predicting and disposing leaves no tensors behind', () => {
    for (const name of modelNames()) {
      const { options, shape } = reduced(name);
      const x = testInput(shape);
      const before = tf.memory().numTensors;
      const m = buildModel(name, { ...options, seed: 2 });
      (m.predict(x) as tf.Tensor).dispose();
      m.dispose();
      expect(tf.memory().numTensors, name).toBe(before);
      x.dispose();
    }
  });

  it('carries what the models fix: input shape, output and loss (training settings live in the experiment configs, test/reproduce/training-configs.test.ts)', () => {
    const wei = getModelEntry('wei2018-crnn');
    expect(wei.loss).toBe('binaryCrossentropy');
    expect(wei.output).toBe('sigmoid');
    expect(wei.inputShape).toEqual([124, 128, 1]);
    for (const name of ['mushtaq2020-cnn7', 'mushtaq2020-cnn9']) {
      const e = getModelEntry(name);
      expect(e.inputShape, name).toEqual([128, 128, 3]);
      expect(e.layout, name).toBe('image-height-width-channels');
      expect([e.output, e.loss], name).toEqual(['softmax', 'categoricalCrossentropy']);
    }
    for (const name of modelNames().filter((n) => n.startsWith('hu2020'))) {
      const e = getModelEntry(name);
      expect([e.output, e.loss], name).toEqual(['softmax', 'categoricalCrossentropy']);
      expect(e.inputShape, name).toEqual(name.includes('mobnet') || name.includes('small') ? [461, 128, 6] : [423, 128, 3]);
    }
  });

  it('holds no training settings (one authority: the experiment configs)', () => {
    for (const name of modelNames()) {
      const e = getModelEntry(name) as unknown as Record<string, unknown>;
      for (const field of ['optimizer', 'training', 'epochs', 'batchSize']) expect(e[field], `${name}.${field}`).toBeUndefined();
    }
  });

  it('unknown names fail with the list of valid ones', () => {
    expect(() => getModelEntry('vgg16')).toThrow(InvalidParameterError);
    expect(() => getModelEntry('vgg16')).toThrow(/hu2020-fcnn/);
  });
});
