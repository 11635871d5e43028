/**
 * Derived studies (src/reproduce/study-derived.ts): hu2020-int8 trains
 * nothing and judges its bound claim on every arm of its source studies.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonFolders } from '../helpers/json-folders.js';
import { isDerivedStudyFile, loadDerivedStudy, summarizeDerived } from '../../src/reproduce/study-derived.js';
import { STUDIES_DIR } from '../../src/reproduce/study-run.js';
import { summarize } from '../../src/reproduce/stats.js';
import type { StudySummary } from '../../src/reproduce/study-store.js';

const write = jsonFolders('study-derived');
const HU = join(STUDIES_DIR, 'hu2020-int8.json');

describe('derived studies', () => {
  it('hu2020-int8 loads its three source studies', () => {
    expect(isDerivedStudyFile(HU)).toBe(true);
    expect(isDerivedStudyFile(join(STUDIES_DIR, 'mushtaq2020-leakage.json'))).toBe(false);
    const d = loadDerivedStudy(HU);
    expect(d.sources.map((s) => s.id)).toEqual(['mushtaq2020-leakage', 'mushtaq2020-naa-vs-taa', 'wei2018-mixing']);
    // every source's jobs quantize their model: the claim has something to judge
    for (const s of d.sources) for (const e of s.experiments) expect(e.metrics).toContain('int8');
  });

  it('errors name the file and the field', () => {
    const base = { id: 'x', title: 'X', from: [HU.replace('hu2020-int8', 'mushtaq2020-leakage')], claims: [{ id: 'c', text: 't', metric: 'int8 accuracy change', arm: '*', within: 1 }] };
    const file = (o: Record<string, unknown>) => join(write({ 'x.json': o }), 'x.json');
    expect(loadDerivedStudy(file(base)).sources.length).toBe(1);
    expect(() => loadDerivedStudy(file({ ...base, from: ['nothing.json'] }))).toThrow(/x\.json: from\[0\]: 'nothing\.json' does not exist/);
    expect(() => loadDerivedStudy(file({ ...base, from: [HU] }))).toThrow(/from\[0\]: .* is a derived study itself/);
    expect(() => loadDerivedStudy(file({ ...base, claims: [{ ...base.claims[0], arm: 'none' }] }))).toThrow(/claims\[0\]: a derived study's claims are bounds/);
    expect(() => loadDerivedStudy(file({ ...base, seeds: [1] }))).toThrow(/x\.json: seeds: unknown field/);
  });

  it("judges the bound on each source arm, named '<study>/<arm>'", () => {
    const d = loadDerivedStudy(HU);
    const arm = (id: string, changes: number[]) => ({
      id,
      title: id,
      classes: 2,
      seeds: changes.map((_, i) => i + 1),
      folds: [1, 2],
      perSeed: changes.map((c, i) => ({ seed: i + 1, folds: [1, 2], clips: 10, accuracy: 50, accuracyPopulationBN: 50, 'quantized acc': 50 + c, 'int8 accuracy change': c, 'int8 agreement': 100, 'EER pooled': null })),
      summary: {},
      sizes: null,
      epochs: { trained: summarize([1]), best: summarize([1]), max: 1 },
    });
    const src = (study: string, arms: ReturnType<typeof arm>[]): StudySummary => ({ study, title: study, paper: null, budget: 'full', jobs: 4, arms, claims: [] });
    const s = summarizeDerived(d, [src('a', [arm('small', [0, 0.1, -0.1, 0, 0.05]), arm('big', [-3, -4, -3.5, -2.5, -3])])], 'full');
    expect(s.arms.map((a) => a.id)).toEqual(['a/small', 'a/big']);
    expect(s.claims.map((c) => [c.claim.arm, c.verdict])).toEqual([
      ['a/small', 'supports'],
      ['a/big', 'does not support'],
    ]);
  });
});
