/**
 * Charts of a stored study run (src/reproduce/study-store.ts): one unit per
 * axis, arm ids as labels (their titles are in the report's table), heights
 * bounded by the number of arms (a study has a handful).
 *
 * - report: each arm's headline value (accuracy %, and pooled EER in its own
 *   panel when the study measures it), mean with its 95% interval;
 * - claims: each claim's seed-paired difference with its 95% interval and a
 *   rule at 0 (one panel per unit);
 * - curves: validation loss and accuracy per epoch, or per training items
 *   presented when the arms' training sets differ in size (one panel each),
 *   the mean over an arm's jobs that were still training at that epoch
 *   (early stopping ends jobs at different epochs).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredRun, StudySummary } from '../reproduce/index.js';
import { renderSvg, VEGA_LITE_SCHEMA, type VegaLiteSpec } from './render.js';
import { estimatedTextWidth } from './report-chart.js';

const ROW_HEIGHT = 22;

/**
 * Fixed colours for the verdicts, so every claims chart reads the same way
 * (vega's default palette gave "supports" whichever colour came first in
 * the data): green / red / grey, told apart also by the legend's words.
 */
const VERDICT_COLOURS = { domain: ['supports', 'does not support', 'inconclusive'], range: ['#1b7837', '#b2182b', '#8c8c8c'] };

function pointsWithIntervals(values: Record<string, unknown>[], xTitle: string, zero: boolean, rules: number[] = [0]): VegaLiteSpec {
  // vega measures text without a canvas (about 0.8 x font size per character): the limit is that width, so no label is cut.
  const labelLimit = Math.max(0, ...values.map((v) => estimatedTextWidth(String(v.label), 10))) + 8;
  const y = { field: 'label', type: 'nominal', sort: null, title: null, axis: { labelLimit, labelFontSize: 10 } };
  return {
    width: 420,
    height: { step: ROW_HEIGHT },
    layer: [
      ...(zero ? [{ data: { values: rules.map((r) => ({ zero: r })) }, mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { x: { field: 'zero', type: 'quantitative' } } }] : []),
      { mark: { type: 'rule', color: '#4c78a8' }, encoding: { y, x: { field: 'lo', type: 'quantitative', title: xTitle, scale: { zero: false } }, x2: { field: 'hi' } } },
      { mark: { type: 'point', filled: true, size: 60 }, encoding: { y, x: { field: 'mean', type: 'quantitative' }, color: { field: 'colour', type: 'nominal', title: null, ...(zero ? { scale: VERDICT_COLOURS, legend: { orient: 'bottom' } } : { legend: null }) } } },
    ],
    data: { values },
  };
}

/** Each arm's headline values (accuracy %, EER) with 95% intervals. */
export function studyArmsSpec(s: StudySummary): VegaLiteSpec {
  const panels: VegaLiteSpec[] = [];
  const panel = (metric: 'accuracy' | 'EER pooled', title: string) => {
    const values = s.arms
      .filter((a) => a.summary[metric])
      .map((a) => ({ label: a.id, mean: a.summary[metric]!.mean, lo: a.summary[metric]!.ci95[0], hi: a.summary[metric]!.ci95[1], colour: 'measured here' }));
    if (values.length) panels.push(pointsWithIntervals(values, title, false));
  };
  panel('accuracy', 'accuracy (%), mean over seeds with 95% interval');
  panel('EER pooled', 'EER pooled over folds, mean over classes (fraction; lower is better)');
  return { $schema: VEGA_LITE_SCHEMA, title: { text: s.title, limit: 0 }, vconcat: panels, config: { background: 'white' } };
}

/** Each claim's seed-paired difference (arm - baseline) with its 95% interval, one panel per metric. */
export function studyClaimsSpec(s: StudySummary): VegaLiteSpec | null {
  // Claims whose arms have no paired seed yet (a partial run) have nothing to draw.
  const drawn = s.claims.filter((c) => c.difference.n > 0);
  if (drawn.length === 0) return null;
  const metrics = [...new Set(drawn.map((c) => c.claim.metric))];
  const bound = (m: string) => drawn.find((c) => c.claim.metric === m && 'within' in c.claim)?.claim as { within: number } | undefined;
  const unit = (m: string) =>
    m === 'EER pooled'
      ? 'EER difference, arm - baseline (fraction)'
      : m === 'int8 accuracy change'
        ? `int8 - float32 accuracy (percentage points)${bound(m) ? `; dashed: +-${bound(m)!.within}` : ''}`
        : `${m} difference, arm - baseline (percentage points)`;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: `${s.study}: each claim's paired difference, mean over seeds with its 95% interval`, limit: 0 },
    vconcat: metrics.map((m) =>
      pointsWithIntervals(
        drawn
          .filter((c) => c.claim.metric === m)
          .map((c) => ({ label: 'baseline' in c.claim ? `${c.claim.arm} - ${c.claim.baseline}` : c.claim.arm, mean: c.difference.mean, lo: c.difference.ci95[0], hi: c.difference.ci95[1], colour: c.verdict })),
        unit(m),
        true,
        bound(m) ? [-bound(m)!.within, 0, bound(m)!.within] : [0],
      ),
    ),
    config: { background: 'white' },
  };
}

/**
 * Validation loss and accuracy over training (two panels, one unit each),
 * mean over each arm's jobs still training at that epoch. When the arms'
 * training sets differ in size (offline copies make an epoch longer), the x
 * axis is the training items presented (epochs x the arm's mean training-set
 * size), so arms given the same optimizer budget end at the same place;
 * otherwise it is the epoch.
 */
export function studyCurvesSpec(s: StudySummary, run: StoredRun): VegaLiteSpec {
  const values: { arm: string; epoch: number; items: number; loss: number | null; accuracy: number | null; jobs: number }[] = [];
  const mean = (xs: number[]) => (xs.length ? xs.reduce((x, y) => x + y, 0) / xs.length : null);
  const trainSize = new Map<string, number | null>();
  for (const a of s.arms) {
    const sizes = run.jobs.jobs.filter((j) => j.arm === a.id).map((j) => j.metrics.trainClips);
    trainSize.set(a.id, sizes.length && sizes.every((n) => Number.isFinite(n) && n > 0) ? mean(sizes) : null);
  }
  const sized = [...trainSize.values()];
  const byItems = sized.every((n) => n !== null) && new Set(sized.map((n) => Math.round(n!))).size > 1;
  for (const a of s.arms) {
    const jobs = run.jobs.jobs.filter((j) => j.arm === a.id);
    const longest = Math.max(0, ...jobs.map((j) => j.history.length));
    for (let e = 0; e < longest; e++) {
      const at = jobs.map((j) => j.history[e]).filter((h) => h && typeof h.valLoss === 'number' && Number.isFinite(h.valLoss));
      if (at.length) {
        const items = ((e + 1) * (trainSize.get(a.id) ?? 0)) / 1000;
        values.push({ arm: a.id, epoch: e + 1, items, loss: mean(at.map((h) => h.valLoss!)), accuracy: mean(at.map((h) => 100 * (h.valTop1 ?? h.valAcc ?? NaN))), jobs: at.length });
      }
    }
  }
  const x = byItems
    ? { field: 'items', type: 'quantitative', title: "training items presented (thousands: epochs x the arm's training-set size, copies included)" }
    : { field: 'epoch', type: 'quantitative', title: 'epoch' };
  const panel = (field: 'loss' | 'accuracy', title: string) => ({
    width: 520,
    height: 220,
    mark: { type: 'line', point: false },
    encoding: {
      x,
      y: { field, type: 'quantitative', title, scale: { zero: false } },
      color: { field: 'arm', type: 'nominal', title: 'arm', legend: { orient: 'right', labelLimit: 0 } },
    },
  });
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: `${s.study}: validation curves ${byItems ? 'over the training items presented' : 'per epoch'} (mean over the jobs still training)`, limit: 0 },
    data: { values },
    vconcat: [panel('loss', 'validation loss'), panel('accuracy', 'validation accuracy (%)')],
    config: { background: 'white' },
  };
}

async function writeChart(dir: string, name: string, spec: VegaLiteSpec): Promise<string[]> {
  const svg = await renderSvg(spec);
  writeFileSync(join(dir, `${name}.svg`), svg);
  const { Resvg } = await import('@resvg/resvg-js');
  writeFileSync(join(dir, `${name}.png`), new Resvg(svg, { background: 'white', font: { loadSystemFonts: true } }).render().asPng());
  return [join(dir, `${name}.svg`), join(dir, `${name}.png`)];
}

/** report.svg/.png (arms), claims.svg/.png (when the study has claims), curves.svg/.png. */
export async function writeStudyRunCharts(s: StudySummary, run: StoredRun, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const out = await writeChart(dir, 'report', studyArmsSpec(s));
  const claims = studyClaimsSpec(s);
  if (claims) out.push(...(await writeChart(dir, 'claims', claims)));
  out.push(...(await writeChart(dir, 'curves', studyCurvesSpec(s, run))));
  return out;
}
