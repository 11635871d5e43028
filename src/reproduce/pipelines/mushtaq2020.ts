/**
 * mushtaq2020 hook: environmental sound classification from spectral images
 * with CNN-7 / CNN-9, comparing no augmentation, TAA (Keras image
 * augmentation, online) and NAA (waveform augmentation, offline), plus the
 * leakage audit (split by source / at random by clip / augment-then-split).
 *
 * Everything runs through the generic fold-based study pipeline
 * (../study-pipeline.ts, ../default-hooks.ts): ESC-50 from the data sources
 * (--data-dir, a verified download, else the embedded ESC-10 sample; only a
 * verified full ESC-50 uses the official folds, anything else is split by
 * source recording and reported as different data), the 'mushtaq2020'
 * spectral image (src/features/extractors.ts), the protocols of the audit
 * (../protocols.ts). What is the paper's own: its NAA copies follow their
 * clip in the training list and are named `<clip>#naa<i>` (the ids the
 * augment-then-split arm deals out at random), and the report's claim and
 * audit tables.
 */
import type { BudgetName } from '../experiment-schema.js';
import type { ReportRow } from '../report.js';
import { summarize } from '../stats.js';
import type { FeatureSpec } from '../../features/extractors.js';
import type { PaperHooks } from '../job-types.js';
import { studyPipeline } from '../study-pipeline.js';
import type { BudgetedExperiment } from './types.js';

/** The features section as run: a budget may shrink the image through model options (height, widthPx). */
function featureSpec(exp: BudgetedExperiment): FeatureSpec {
  const f = exp.features.options as Record<string, unknown>;
  const m = exp.model.options as Record<string, unknown>;
  const options: Record<string, unknown> = { height: m.height ?? f.height ?? 128, width: m.widthPx ?? f.width ?? 128 };
  if (f.control !== undefined) options.control = f.control;
  return { preset: exp.features.preset, options };
}

const hooks: PaperHooks = {
  featureSpec,
  offlineOrder: 'per-clip',
  copyId: (clip, _ref, i) => `${clip.id}#naa${i}`,
};

function cellText(r: ReportRow | undefined): string {
  if (!r || !r.measured) return 'not run';
  const m = r.measured;
  const f = (v: number) => v.toFixed(1);
  return m.n >= 2 ? `${f(m.mean)} [${f(m.ci95[0])}, ${f(m.ci95[1])}] (n=${m.n})` : `${f(m.mean)} (n=1)`;
}

/** Paired (by seed) difference b - a, summarised with its 95% interval. */
function gap(a: ReportRow | undefined, b: ReportRow | undefined): string {
  if (!a?.measured || !b?.measured) return 'not run';
  const diffs: number[] = [];
  a.seeds.forEach((seed, i) => {
    const j = b.seeds.indexOf(seed);
    if (j >= 0) diffs.push(b.values[j] - a.values[i]);
  });
  if (diffs.length === 0) return 'no common seeds';
  const s = summarize(diffs);
  const f = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
  return s.n >= 2 ? `${f(s.mean)} points [${f(s.ci95[0])}, ${f(s.ci95[1])}] (n=${s.n} seeds)` : `${f(s.mean)} points (n=1)`;
}

function claimTable(rows: ReportRow[], column: string): string[] {
  const acc = (id: string) => rows.find((r) => r.experiment === id && r.column === column);
  return [
    '| ESC-10 | no augmentation | TAA (image) | NAA (waveform) |',
    '|---|---|---|---|',
    ...(['cnn7', 'cnn9'] as const).map(
      (m) => `| ${m.toUpperCase()} | ${cellText(acc(`esc10-${m}-none`))} | ${cellText(acc(`esc10-${m}-taa`))} | ${cellText(acc(`esc10-${m}-naa`))} |`,
    ),
    `| 38-class subset, CNN-7 | ${cellText(acc('esc38-cnn7-none'))} | | ${cellText(acc('esc38-cnn7-naa'))} |`,
    '',
    `NAA - TAA gap, CNN-7: ${gap(acc('esc10-cnn7-taa'), acc('esc10-cnn7-naa'))}; CNN-9: ${gap(acc('esc10-cnn9-taa'), acc('esc10-cnn9-naa'))}.`,
  ];
}

function reportSections(rows: ReportRow[], budget: BudgetName): string[] {
  const acc = (id: string) => rows.find((r) => r.experiment === id && r.column === 'accuracy');
  const collapsed = rows.filter((r) => r.column === 'distinctPredictions' && r.values.some((v) => v < 3)).map((r) => r.experiment);
  const grid = [
    '## The claim: NAA vs TAA (accuracy %, mean [95% interval] over seeds)',
    '',
    ...claimTable(rows, 'accuracy'),
    '',
    'The same models with their batch-norm moving averages replaced by the training data\'s population',
    'statistics (accuracyPopulationBN; not the paper\'s protocol, see src/train/batchnorm-population.ts):',
    '',
    ...claimTable(rows, 'accuracyPopulationBN'),
    ...(collapsed.length
      ? [
          '',
          `Warning: ${collapsed.join(', ')} predicted fewer than 3 distinct classes per test fold (mean distinctPredictions`,
          '< 3 for a seed): their paper-protocol accuracy is mostly the share of those classes, not skill. Measured cause',
          'on the fold-4 subset: short runs leave the batch-norm moving averages near their start (mean 0, variance 1).',
        ]
      : []),
  ];
  const audit = [
    '## Leakage audit (ESC-10, CNN-7, NAA)',
    '',
    '| arm | accuracy % | gap to (a) |',
    '|---|---|---|',
    `| (a) split by source recording, augmentation after the split (correct) | ${cellText(acc('leakage-a'))} | |`,
    `| (b) random split by clip: takes of one recording on both sides | ${cellText(acc('leakage-b'))} | ${gap(acc('leakage-a'), acc('leakage-b'))} |`,
    `| (c) augmentation first, then a random split | ${cellText(acc('leakage-c'))} | ${gap(acc('leakage-a'), acc('leakage-c'))} |`,
    '',
    'A positive gap is accuracy that comes from leakage, not from the model: a protocol that lets',
    'takes or augmented copies of a test clip into training inflates the score by that much. The',
    "review's 97-99% figures should be read against arm (a).",
    ...(budget === 'smoke' ? ['', '(Smoke budget: too few clips, seeds and epochs for these numbers to mean anything.)'] : []),
  ];
  return [grid.join('\n'), audit.join('\n')];
}


export const pipeline = studyPipeline({
  paper: 'mushtaq2020',
  dataset: { id: 'esc50' },
  hooks,
  // The full datasets, for --plan without data: 400 ESC-10 or 2000 ESC-50 clips.
  fullSize: (exp) => (exp.dataset.subset === 'esc10' ? { clips: 400, classes: 10 } : { clips: 2000, classes: 50 }),
  describeData: (d, budget) =>
    d.status.status === 'sample'
      ? `mushtaq2020: no --data-dir and no fetched ESC-50: running the ${budget} budget on the embedded ESC-10 sample (data-manifests/samples/esc10) — a pipeline check, not a reproduction.`
      : `mushtaq2020: data ${d.status.status}: ${d.status.detail} (${d.status.root}).`,
  reportSections,
});
