/**
 * User-defined study files (src/reproduce/study-file.ts): arms resolved as
 * bases + shared fields + defaults + the arm, validated like experiment
 * files, with errors that name the study file and the JSON path. Study files
 * are written to a temporary folder.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonFolders } from '../helpers/json-folders.js';
import { applyBudget, experimentJobs } from '../../src/reproduce/experiments.js';
import { loadStudy } from '../../src/reproduce/study-file.js';
import { AudioAugLabError } from '../../src/util/errors.js';

/** A folder with the given files (name -> JSON), returned with its path. */
const write = jsonFolders('study-file');

const DEFAULTS = {
  dataset: { id: 'user', protocol: 'source-folds' },
  features: { preset: 'mushtaq2020', options: { height: 128, width: 128 } },
  model: { name: 'mushtaq2020-cnn7' },
  training: { optimizer: { kind: 'adam', lr: 0.001 }, epochs: 20, batchSize: 16 },
  metrics: ['accuracy'],
  choices: ['Shared: log-mel image as mushtaq2020.'],
};

function study(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'my-study',
    title: 'Mixup or not',
    seeds: [1, 2, 3],
    folds: [1, 2],
    budgets: { smoke: { training: { epochs: 1 }, seeds: [1], folds: [1] }, quick: { training: { epochs: 5 } } },
    defaults: DEFAULTS,
    experiments: [
      { id: 'none', title: 'No augmentation' },
      { id: 'mixup', augment: { online: [{ name: 'mixup', params: { alpha: 0.4 } }] }, training: { epochs: 30 }, choices: ['mixup 0.4.'] },
    ],
    ...extra,
  };
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AudioAugLabError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('loadStudy', () => {
  it('resolves each arm as shared fields + defaults + the arm, paper = the study id', () => {
    const dir = write({ 'my-study.json': study({ description: 'Does mixup help on my data?' }) });
    const s = loadStudy(join(dir, 'my-study.json'));
    expect(s).toMatchObject({ id: 'my-study', title: 'Mixup or not', description: 'Does mixup help on my data?', file: join(dir, 'my-study.json') });
    const [none, mixup] = s.experiments;
    expect(none).toMatchObject({ id: 'none', paper: 'my-study', title: 'No augmentation', kind: 'train', seeds: [1, 2, 3], folds: [1, 2] });
    expect(none.training).toEqual({ optimizer: { kind: 'adam', lr: 0.001 }, epochs: 20, batchSize: 16 });
    expect(none.augment).toEqual({ offline: [], online: [] });
    expect(none.choices).toEqual(['Shared: log-mel image as mushtaq2020.']);
    expect(mixup.title).toBe('mixup');
    expect(mixup.training.epochs).toBe(30);
    expect(mixup.augment.online).toEqual([{ name: 'mixup', params: { alpha: 0.4 } }]);
    expect(mixup.choices).toEqual(['Shared: log-mel image as mushtaq2020.', 'mixup 0.4.']);
    expect(applyBudget(mixup, 'smoke')).toMatchObject({ seeds: [1], folds: [1], training: { epochs: 1 } });
    expect(experimentJobs(s.id, s.experiments, 'smoke').map((j) => j.id)).toEqual(['my-study/none/fold-1-seed-1', 'my-study/mixup/fold-1-seed-1']);
    // seed-major, then fold, then the file's arm order: a run stopped part-way leaves whole seeds
    expect(experimentJobs(s.id, s.experiments, 'full').map((j) => j.id.slice('my-study/'.length))).toEqual([
      'none/fold-1-seed-1', 'mixup/fold-1-seed-1', 'none/fold-2-seed-1', 'mixup/fold-2-seed-1',
      'none/fold-1-seed-2', 'mixup/fold-1-seed-2', 'none/fold-2-seed-2', 'mixup/fold-2-seed-2',
      'none/fold-1-seed-3', 'mixup/fold-1-seed-3', 'none/fold-2-seed-3', 'mixup/fold-2-seed-3',
    ]);
  });

  it('extends a base file (a paper\'s base works too: its paper is replaced by the study id)', () => {
    const dir = write({
      'bases/common.json': { paper: 'hu2020', ...DEFAULTS, seeds: [7], folds: [1], budgets: { smoke: {}, quick: {} }, choices: ['From the base.'] },
      'my-study.json': { id: 'my-study', title: 'T', extends: 'bases/common.json', defaults: { choices: ['From defaults.'] }, experiments: [{ id: 'a' }] },
    });
    const [a] = loadStudy(join(dir, 'my-study.json')).experiments;
    expect(a).toMatchObject({ paper: 'my-study', seeds: [7], choices: ['From the base.', 'From defaults.'] });
  });

  it('errors name the study file and the JSON path where the bad value was set', () => {
    const file = (s: Record<string, unknown>) => join(write({ 'my-study.json': s }), 'my-study.json');
    const arms = (x: unknown[]) => study({ experiments: x });
    expect(errorOf(() => loadStudy(file(arms([{ id: 'a' }, { id: 'b', augment: { online: [{ name: 'mixup', params: { alpha: -1 } }] } }]))))).toMatch(
      /my-study\.json: experiments\[1\]\.augment\.online\[0\]\.params\.alpha: must be >= 0, got -1$/,
    );
    expect(errorOf(() => loadStudy(file(study({ defaults: { ...DEFAULTS, training: { ...DEFAULTS.training, epochs: 0 } } }))))).toMatch(
      /my-study\.json: defaults\.training\.epochs: the value must be >= 1 \(got 0\) \(experiment 'none'\)$/,
    );
    expect(errorOf(() => loadStudy(file(study({ budgets: { smoke: { seeds: 'one' }, quick: {} } }))))).toMatch(
      /my-study\.json: budgets\.smoke\.seeds: must be an array \(got "one"\) \(experiment 'none'\)$/,
    );
    expect(errorOf(() => loadStudy(file(study({ defaults: { ...DEFAULTS, metrics: undefined } }))))).toMatch(/my-study\.json: experiments\[0\]\.metrics: required \(array\)$/);
    expect(errorOf(() => loadStudy(file(arms([{ id: 'a', epochs: 3 }]))))).toMatch(/my-study\.json: experiments\[0\]\.epochs: unknown field$/);
    expect(errorOf(() => loadStudy(file(arms([{ id: 'a' }, { id: 'a' }]))))).toContain("experiments[1].id: 'a' is used twice in study 'my-study'");
    expect(errorOf(() => loadStudy(file(arms([{ title: 'no id' }]))))).toContain('experiments[0].id: each arm needs an id');
    expect(errorOf(() => loadStudy(file(arms([{ id: 'a', paper: 'wei2018' }]))))).toContain("experiments[0].paper: a study's experiments belong to the study ('my-study')");
    expect(errorOf(() => loadStudy(file(arms([{ id: 'a', extends: 'x.json' }]))))).toContain("experiments[0].extends: the arms share the study's top-level 'extends'");
    expect(errorOf(() => loadStudy(file(arms([]))))).toMatch(/my-study\.json: experiments: /);
  });

  it("the study's own fields: id = file name, not a paper's name, known fields only, shared fields given once", () => {
    const path = (name: string, s: Record<string, unknown>) => join(write({ [name]: s }), name);
    expect(errorOf(() => loadStudy(path('other.json', study())))).toContain("other.json: id: 'my-study' does not match the file name (expected 'other')");
    expect(errorOf(() => loadStudy(path('hu2020.json', study({ id: 'hu2020' }))))).toContain("hu2020.json: id: 'hu2020' is the name of a paper");
    expect(errorOf(() => loadStudy(path('my-study.json', study({ seed: [1] }))))).toContain('my-study.json: seed: unknown field');
    expect(errorOf(() => loadStudy(path('my-study.json', study({ defaults: { ...DEFAULTS, seeds: [4] } }))))).toContain('my-study.json: seeds: given both here and as defaults.seeds');
    expect(errorOf(() => loadStudy(path('my-study.json', study({ extends: 'bases/none.json' }))))).toContain("my-study.json: extends: base file 'bases/none.json' does not exist");
    expect(errorOf(() => loadStudy(join(write({}), 'no-such-study.json')))).toContain('no-such-study.json: does not exist');
  });

  it('claims name two arms (or one, with a bound) and a paper that exists; errors name the path', () => {
    const file = (s: Record<string, unknown>) => join(write({ 'my-study.json': s }), 'my-study.json');
    const claim = { id: 'mix', text: 'mixup helps', metric: 'accuracy', arm: 'mixup', baseline: 'none', direction: 'higher' };
    const ok = loadStudy(file(study({ paper: 'wei2018', claims: [claim, { id: 'b', text: 'small', metric: 'int8 accuracy change', arm: 'none', within: 1 }] })));
    expect(ok.paper).toBe('wei2018');
    expect(ok.claims.map((c) => c.id)).toEqual(['mix', 'b']);
    expect(loadStudy(file(study())).claims).toEqual([]);
    expect(errorOf(() => loadStudy(file(study({ claims: [{ ...claim, baseline: 'nothing' }] }))))).toContain("my-study.json: claims[0].baseline: 'nothing' is not an arm of the study (none, mixup)");
    expect(errorOf(() => loadStudy(file(study({ claims: [{ ...claim, baseline: 'mixup' }] }))))).toContain("claims[0]: arm and baseline are both 'mixup'");
    expect(errorOf(() => loadStudy(file(study({ claims: [claim, claim] }))))).toContain("claims[1].id: 'mix' is given twice");
    expect(errorOf(() => loadStudy(file(study({ claims: [{ ...claim, direction: 'up' }] }))))).toMatch(/my-study\.json: claims\[0\]\.direction: /);
    expect(errorOf(() => loadStudy(file(study({ paper: 'nobody2020' }))))).toContain("paper: 'nobody2020' is not a paper under reproductions/");
  });
});
