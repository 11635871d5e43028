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
 * augment-then-split arm deals out at random). The report's claim and audit
 * tables are data: reproductions/mushtaq2020/report-sections.json.
 */
import type { PaperHooks } from '../job-types.js';
import { studyPipeline } from '../study-pipeline.js';

const hooks: PaperHooks = {
  offlineOrder: 'per-clip',
  copyId: (clip, _ref, i) => `${clip.id}#naa${i}`,
};

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
});
