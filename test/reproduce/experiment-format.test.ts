/**
 * The experiment file format (src/reproduce/experiment-file.ts): `extends`
 * (chains and lists, deep merge, choices concatenated), its errors, and the
 * validation at load with errors that name the file, the JSON path and the
 * base file a bad value came from. Files are written to a temporary folder.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonFolders } from '../helpers/json-folders.js';
import { readExperimentFile } from '../../src/reproduce/experiment-file.js';
import { applyBudget, loadExperimentDir } from '../../src/reproduce/experiments.js';
import { AudioAugLabError } from '../../src/util/errors.js';

/** A folder with the given files (name -> JSON), returned with its path. */
const folder = jsonFolders('experiment-format');

/** A complete, valid experiment (a paper row that trains). */
function minimal(id = 'row', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    paper: 'demo',
    title: 'A row',
    dataset: { id: 'esc50', protocol: 'source-folds', subset: 'esc10' },
    features: { preset: 'mushtaq2020', options: { height: 128 } },
    model: { name: 'mushtaq2020-cnn7' },
    training: { optimizer: { kind: 'adam', lr: 0.001 }, epochs: 5, batchSize: 8 },
    metrics: ['accuracy'],
    seeds: [1, 2],
    folds: [1],
    budgets: { smoke: { training: { epochs: 1 } }, quick: {} },
    ...extra,
  };
}

function errorOf(f: () => unknown): AudioAugLabError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AudioAugLabError);
    expect((e as AudioAugLabError).code).toBe('EXPERIMENT');
    return e as AudioAugLabError;
  }
  throw new Error('expected an error');
}

describe('extends', () => {
  it('merges a chain and a list: objects key by key, arrays replaced, choices base first then own', () => {
    const { id: _id, ...common } = minimal();
    const dir = folder({
      'bases/a.json': { ...common, features: { preset: 'mushtaq2020', options: { height: 128, width: 128 } }, choices: ['from a'] },
      'bases/b.json': { extends: 'a.json', training: { epochs: 7 }, choices: ['from b'] },
      'bases/c.json': { augment: { online: [{ name: 'keras_taa', params: { origin: 'upper' } }] }, choices: ['from c'] },
      'row.json': {
        extends: ['bases/b.json', 'bases/c.json'],
        id: 'row',
        features: { options: { height: 64 } },
        seeds: [3],
        choices: ['own'],
      },
    });
    const e = readExperimentFile(join(dir, 'row.json'));
    expect(e.training).toEqual({ optimizer: { kind: 'adam', lr: 0.001 }, epochs: 7, batchSize: 8 });
    expect(e.features.options).toEqual({ height: 64, width: 128 });
    expect(Object.keys(e.features.options)).toEqual(['height', 'width']);
    expect(e.seeds).toEqual([3]);
    expect(e.choices).toEqual(['from a', 'from b', 'from c', 'own']);
    expect(e.augment.online).toEqual([{ name: 'keras_taa', params: { origin: 'upper' } }]);
    expect(e.augment.offline).toEqual([]);
  });

  it('a missing base names the file and the extends entry', () => {
    const dir = folder({ 'row.json': { ...minimal(), extends: ['bases/none.json'] } });
    const err = errorOf(() => readExperimentFile(join(dir, 'row.json')));
    expect(err.message).toContain('row.json: extends[0]: base file \'bases/none.json\' does not exist');
  });

  it('a cycle is an error that shows the cycle', () => {
    const dir = folder({
      'bases/a.json': { extends: 'b.json' },
      'bases/b.json': { extends: 'a.json' },
      'row.json': { ...minimal(), extends: 'bases/a.json' },
    });
    const err = errorOf(() => readExperimentFile(join(dir, 'row.json')));
    expect(err.message).toMatch(/b\.json: extends: 'a\.json' makes a cycle \(.*bases\/a\.json -> .*bases\/b\.json -> .*bases\/a\.json\)/);
  });

  it('a base reached twice, a base with an id and a malformed extends are errors', () => {
    const twice = folder({
      'bases/root.json': { choices: ['shared'] },
      'bases/x.json': { extends: 'root.json' },
      'bases/y.json': { extends: 'root.json' },
      'row.json': { ...minimal(), extends: ['bases/x.json', 'bases/y.json'] },
    });
    expect(errorOf(() => readExperimentFile(join(twice, 'row.json'))).message).toMatch(/y\.json: extends: 'root\.json' is already merged \(extended by .*x\.json\)/);
    const withId = folder({ 'bases/x.json': { id: 'x' }, 'row.json': { ...minimal(), extends: 'bases/x.json' } });
    expect(errorOf(() => readExperimentFile(join(withId, 'row.json'))).message).toMatch(/bases\/x\.json: id: a base file does not name an experiment/);
    const bad = folder({ 'row.json': { ...minimal(), extends: 3 } });
    expect(errorOf(() => readExperimentFile(join(bad, 'row.json'))).message).toContain('row.json: extends: must be the relative path of a base file');
    const json = folder({ 'row.json': '{ "id": ' });
    expect(errorOf(() => readExperimentFile(join(json, 'row.json'))).message).toContain('row.json: not valid JSON');
  });
});

describe('validation at load', () => {
  const check = (extra: Record<string, unknown>) => {
    const dir = folder({ 'row.json': minimal('row', extra) });
    return errorOf(() => readExperimentFile(join(dir, 'row.json'))).message;
  };
  const mixup = (params: Record<string, unknown>, more: Record<string, unknown> = {}) => ({ augment: { online: [{ name: 'mixup', params, ...more }] } });

  it('a parameter out of range: file, JSON path, bound and value', () => {
    expect(check(mixup({ alpha: -1 }))).toMatch(/row\.json: augment\.online\[0\]\.params\.alpha: must be >= 0, got -1$/);
  });

  it('unknown augmentations and parameters, and wrong parameter types', () => {
    expect(check({ augment: { online: [{ name: 'mixupp' }] } })).toMatch(/augment\.online\[0\]\.name: unknown augmentation 'mixupp' \(known: .*mixup/);
    expect(check(mixup({ alpa: 1 }))).toMatch(/augment\.online\[0\]\.params\.alpa: 'mixup' has no parameter 'alpa' \(known: alpha, /);
    expect(check(mixup({ lambdaPer: 'clip' }))).toMatch(/augment\.online\[0\]\.params\.lambdaPer: must be one of .*got 'clip'/);
    expect(check(mixup({ alpha: '1.5' }))).toMatch(/augment\.online\[0\]\.params\.alpha: must be a number, got "1\.5"/);
  });

  it('p only as AugmentRef.p, never as params.p; not on offline augmentation', () => {
    expect(check(mixup({ p: 0.5 }))).toContain('augment.online[0].params.p: the probability is given once, as augment.online[0].p, not as a parameter');
    expect(check(mixup({}, { p: 1.5 }))).toContain('augment.online[0].p: the value must be <= 1 (got 1.5)');
    expect(check({ augment: { offline: [{ name: 'pitch_shift', params: { nSteps: 2 }, p: 0.5 }] } })).toContain('augment.offline[0].p: offline augmentation makes one copy');
  });

  it("the entry's own cross-parameter checks run at load (by building it)", () => {
    expect(check({ augment: { offline: [{ name: 'pitch_shift_hu2020', params: { minSteps: 3, maxSteps: 1 } }] } })).toMatch(
      /augment\.offline\[0\]\.params: 'minSteps' \(3\) must be <= 'maxSteps' \(1\)/,
    );
    expect(check({ augment: { offline: [{ name: 'time_stretch', params: { rate: 0 } }] } })).toMatch(/augment\.offline\[0\]\.params\.rate: must be > 0, got 0/);
  });

  it('spectrum_correction may leave its run-time coefficients out; given ones are checked', () => {
    const dir = folder({ 'row.json': minimal('row', { augment: { offline: [{ name: 'spectrum_correction' }] } }) });
    expect(readExperimentFile(join(dir, 'row.json')).augment.offline).toEqual([{ name: 'spectrum_correction', params: {} }]);
    expect(check({ augment: { offline: [{ name: 'spectrum_correction', params: { coefficients: [1, 2] } }] } })).toMatch(
      /augment\.offline\[0\]\.params\.coefficients: needs nFft\/2 \+ 1 = 1025 values/,
    );
  });

  it('online augmentation that acts on waveforms is rejected', () => {
    expect(check({ augment: { online: [{ name: 'pitch_shift', params: { nSteps: 2 } }] } })).toContain("augment.online[0].name: 'pitch_shift' acts on waveforms");
  });

  it('every section is strict and typed: unknown fields, wrong types, missing fields, bad enums', () => {
    expect(check({ training: { optimizer: { kind: 'adam' }, epochs: 5, epoch: 5, batchSize: 8 } })).toMatch(/row\.json: training\.epoch: unknown field$/);
    expect(check({ training: { optimizer: { kind: 'adam' }, epochs: 'ten', batchSize: 8 } })).toContain('training.epochs: must be a number (got "ten")');
    expect(check({ training: { optimizer: { kind: 'adamw' }, epochs: 5, batchSize: 8 } })).toContain('training.optimizer.kind: must be one of "adam", "sgd" (got "adamw")');
    expect(check({ budgets: { smoke: { trainig: {} }, quick: {} } })).toContain('budgets.smoke.trainig: unknown field');
    expect(check({ seeds: [] })).toContain('seeds: the number of items must be >= 1 (got 0)');
    expect(check({ metrics: undefined })).toContain('metrics: required (array)');
    expect(check({ kind: 'ensemble' })).toContain("members: required for kind 'ensemble'");
    expect(check({ choices: ['twice', 'twice'] })).toContain('choices[1]: the same choice as choices[0]');
  });

  it('a bad value set in a base names the experiment file, the path and the base', () => {
    const { id: _id, ...common } = minimal();
    const dir = folder({
      'bases/aug.json': { augment: { online: [{ name: 'spec_augment' }, { name: 'mixup', params: { alpha: -1 } }] } },
      'row.json': { ...common, extends: 'bases/aug.json', id: 'row' },
    });
    expect(errorOf(() => readExperimentFile(join(dir, 'row.json'))).message).toMatch(
      /row\.json: augment\.online\[1\]\.params\.alpha: must be >= 0, got -1 \(set in .*bases\/aug\.json\)$/,
    );
  });
});

describe('a folder of experiments', () => {
  it('ids match file names, papers match, members name experiments of the folder; bases/ is not read as experiments', () => {
    const { id: _id, ...common } = minimal();
    const ok = folder({ 'bases/common.json': common, 'a.json': { extends: 'bases/common.json', id: 'a' }, 'b.json': { extends: 'bases/common.json', id: 'b' } });
    expect(loadExperimentDir(ok, 'demo').map((e) => e.id)).toEqual(['a', 'b']);
    const wrongId = folder({ 'a.json': minimal('b') });
    expect(errorOf(() => loadExperimentDir(wrongId, 'demo')).message).toContain("a.json: id: 'b' does not match the file name");
    expect(errorOf(() => loadExperimentDir(ok, 'other')).message).toContain("a.json: paper: 'demo' but the file is under other/");
    const members = folder({ 'a.json': minimal('a'), 'e.json': minimal('e', { kind: 'ensemble', members: ['a', 'c'] }) });
    expect(errorOf(() => loadExperimentDir(members, 'demo')).message).toMatch(/e\.json: members\[1\]: no experiment 'c' in /);
  });

  it('a budget may override features.options (deep-merged like model.options)', () => {
    const dir = folder({ 'row.json': minimal('row', { budgets: { smoke: { features: { options: { height: 32 } }, model: { options: { widthMultiplier: 0.25 } } }, quick: {} } }) });
    const e = readExperimentFile(join(dir, 'row.json'));
    expect(applyBudget(e, 'smoke').features.options).toEqual({ height: 32 });
    expect(applyBudget(e, 'smoke').model.options).toEqual({ widthMultiplier: 0.25 });
    expect(applyBudget(e, 'quick').features.options).toEqual({ height: 128 });
  });
});
