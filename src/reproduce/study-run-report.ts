/**
 * The report of a stored study run (./study-store.ts): markdown and CSV from
 * its summary, nothing measured here. It says at the top how many cells have
 * a published counterpart (none: the studies test a paper's claim on other
 * data) and why, then one table per view: the arms (mean and 95% interval
 * over seeds), the claims (seed-paired differences and the verdict), the
 * int8 copies (hu2020's compression step) and convergence (epochs trained,
 * epoch kept). The charts are drawn by src/viz/study-run-charts.ts.
 */
import type { Summary } from './stats.js';
import type { Experiment } from './experiment-schema.js';
import type { ArmSummary, StoredRun, StudySummary, SummaryMetric } from './study-store.js';
import type { Monitor } from '../train/history.js';

/** How each summary value is written, with its unit. */
export const METRIC_LABELS: Record<SummaryMetric, { label: string; unit: string; digits: number }> = {
  accuracy: { label: 'accuracy', unit: '%', digits: 1 },
  accuracyPopulationBN: { label: 'accuracy, population BN', unit: '%', digits: 1 },
  'quantized acc': { label: 'int8 accuracy', unit: '%', digits: 1 },
  'int8 accuracy change': { label: 'int8 - float32 accuracy', unit: 'pp', digits: 2 },
  'int8 agreement': { label: 'int8 agrees with float32', unit: '% of clips', digits: 1 },
  'EER pooled': { label: 'EER pooled (mean over classes)', unit: 'fraction', digits: 3 },
};

/** The rule of a bound claim (a value that is itself a paired difference, e.g. int8 - float32 accuracy on the same clips). */
export const BOUND_RULE =
  'A bound claim ("within +-m", on a value that is itself a paired difference such as int8 - float32 accuracy on the same clips) "supports" if the 95% interval of that value over seeds lies inside [-m, m], "does not support" if it lies wholly outside, otherwise "inconclusive".';

/** The verdict rule, as the README states it beside the results. */
export const VERDICT_RULE =
  'Verdict per claim: "supports" if the 95% interval of the seed-paired difference (arm - baseline, per seed, Student t over the seeds) excludes 0 in the claimed direction, "does not support" if it excludes 0 the other way, otherwise "inconclusive". The words are about the claim on this data; no published number is reproduced or refuted here.';

/** toFixed without a minus on a value that rounds to zero (a mean of -7e-16 is "0.00", not "-0.00"). */
export function fixed(v: number, digits: number): string {
  const t = v.toFixed(digits);
  return /^-0(\.0*)?$/.test(t) ? t.slice(1) : t;
}

/** Each early-stopping monitor in words: what is watched, and which epoch's weights are kept. */
const MONITOR_WORDS: Record<Monitor, [string, string]> = {
  valLoss: ['validation loss', 'lowest validation loss'],
  valAccuracy: ['validation accuracy', 'highest validation accuracy (the first such epoch)'],
  valTop1: ['validation top-1 accuracy', 'highest validation top-1 accuracy (the first such epoch)'],
};

export function fmtSummary(s: Summary | undefined, digits: number): string {
  if (!s || s.n === 0) return '';
  const m = fixed(s.mean, digits);
  if (s.n < 2) return `${m} (n=1)`;
  return `${m} [${fixed(s.ci95[0], digits)}, ${fixed(s.ci95[1], digits)}]`;
}

function seedsText(a: ArmSummary): string {
  return `${a.seeds.length} x ${a.folds.length}`;
}

/** What the run's data and training were, in a few lines (from the run's config and provenance). */
export interface RunContext {
  data: string;
  protocol: string;
  framework: string;
  backend: string;
  convergence: string;
  /** Why no cell has a published counterpart. */
  noCounterpart: string;
}

const PROTOCOL_TEXT: Record<string, string> = {
  'source-folds': 'folds by source recording (every recording in one fold: no clip of a test recording, and no copy of one, trains)',
  'random-clip-folds': 'folds at random by clip (takes of one recording may sit on both sides of the split)',
  'augment-then-random-folds': 'offline copies made first, then originals and copies split at random (copies of a test clip may train)',
};

/** The run's data, protocol, convergence rule and framework, from its arms' configs as run. */
export function describeStoredRun(run: StoredRun): RunContext {
  const cfgs = run.jobs.arms.map((a) => a.config as Experiment);
  const uniq = (xs: string[]) => [...new Set(xs)].join('; ');
  const data = uniq(run.jobs.arms.map((a) => `${a.data.detail}${a.data.status === 'unverified' ? '' : ` (${a.data.status})`}`));
  const folds = uniq(cfgs.map((c) => `${PROTOCOL_TEXT[c.dataset.protocol] ?? c.dataset.protocol}${c.dataset.subset ? ` [subset ${c.dataset.subset}]` : ''}`));
  const criterion = (c: Experiment) => {
    const t = c.training;
    const v = t.validationFraction ? `validation: ${Math.round(t.validationFraction * 100)}% of the training folds' recordings, grouped by recording (never the test fold)` : 'no validation split';
    const what = MONITOR_WORDS[t.earlyStopping?.monitor ?? 'valLoss'];
    const es = t.earlyStopping
      ? `; ${t.earlyStopping.startFromEpoch ? `from epoch ${t.earlyStopping.startFromEpoch + 1} on (the first ${t.earlyStopping.startFromEpoch} epochs are not watched), ` : ''}training stops when the ${what[0]} has not improved for ${t.earlyStopping.patience} epochs (at most ${t.epochs}), and the weights of the epoch with the ${what[1]} are ${t.earlyStopping.restoreBest === false ? 'not ' : ''}kept`
      : `; ${t.epochs} epochs`;
    return `${v}${es}; ${t.optimizer.kind} lr ${t.optimizer.lr ?? 'default'}, batches of ${t.batchSize}`;
  };
  // One criterion for all arms, or each criterion with the arms that use it.
  const byCriterion = new Map<string, string[]>();
  run.jobs.arms.forEach((a, i) => {
    const text = criterion(cfgs[i]);
    byCriterion.set(text, [...(byCriterion.get(text) ?? []), a.id]);
  });
  const convergence =
    byCriterion.size === 1
      ? [...byCriterion.keys()][0]
      : [...byCriterion].map(([text, ids]) => `arm${ids.length > 1 ? 's' : ''} ${ids.join(', ')}: ${text}`).join('. ');
  const backends = [...new Set(run.jobs.jobs.map((j) => j.backend))];
  const frameworks = [...new Set(run.jobs.jobs.map((j) => j.framework))];
  return {
    data,
    protocol: folds,
    framework: frameworks.join(', '),
    backend: backends.join('; '),
    convergence,
    noCounterpart:
      "The papers measured other data (their full datasets, other splits, their own training); these runs use the clips named under Data, so no published number can be verified here. The study tests the paper's claim on this data instead.",
  };
}

export function studyRunMarkdown(s: StudySummary, ctx: RunContext): string {
  const cells = s.arms.reduce((a, arm) => a + Object.keys(arm.summary).length, 0) + s.claims.length;
  const lines: string[] = [
    `# ${s.title}`,
    '',
    `Study \`${s.study}\`${s.paper ? ` (tests a claim of ${s.paper})` : ''}, budget ${s.budget}, ${s.jobs} jobs.`,
    '',
    `**0 of ${cells} cells have a published counterpart.** ${ctx.noCounterpart}`,
    '',
    `- Data: ${ctx.data}`,
    `- Protocol: ${ctx.protocol}`,
    `- Convergence: ${ctx.convergence}`,
    `- Framework profile: ${ctx.framework}. Backend: ${ctx.backend}.`,
    '- Values: mean over seeds [95% interval of the mean, Student t]; "seeds x folds" says how many.',
    '',
  ];
  const metrics = (Object.keys(METRIC_LABELS) as SummaryMetric[]).filter((k) => s.arms.some((a) => a.summary[k]));
  lines.push('## Arms', '', `| arm | ${metrics.map((k) => `${METRIC_LABELS[k].label} (${METRIC_LABELS[k].unit})`).join(' | ')} | seeds x folds |`);
  lines.push(`|---|${metrics.map(() => '---:').join('|')}|---|`);
  for (const a of s.arms) lines.push(`| ${a.id}: ${a.title} | ${metrics.map((k) => fmtSummary(a.summary[k], METRIC_LABELS[k].digits)).join(' | ')} | ${seedsText(a)} |`);
  if (s.claims.length) {
    const bound = s.claims.some((c) => !('baseline' in c.claim));
    lines.push('', '## Claims', '', VERDICT_RULE, ...(bound ? ['', BOUND_RULE] : []), '');
    // Claims of one text (a bound judged on every arm) share one heading.
    const texts = [...new Set(s.claims.map((c) => c.claim.text))];
    for (const text of texts) {
      const group = s.claims.filter((c) => c.claim.text === text);
      const shared = group.length > 1;
      if (shared) lines.push(`**${text}** (${group[0].claim.metric}${'within' in group[0].claim ? `, within +-${group[0].claim.within}` : ''}), judged on each arm:`, '');
      if (shared || text === texts[0]) lines.push(`| ${shared ? 'arm' : 'claim | arm - baseline'} | metric | ${bound ? 'value or paired difference' : 'paired difference'} [95% interval] | seeds | verdict |`, `|---|${shared ? '' : '---|'}---|---:|---:|---|`);
      for (const c of group) {
        const m = METRIC_LABELS[c.claim.metric as SummaryMetric];
        const digits = m?.digits ?? 3;
        const what = 'baseline' in c.claim ? `${c.claim.text} (${c.claim.direction} is better)` : `${c.claim.text} (within +-${c.claim.within})`;
        const pair = 'baseline' in c.claim ? `${c.claim.arm} - ${c.claim.baseline}` : c.claim.arm;
        const metric = m ? `${m.label} (${m.unit === '%' ? 'pp' : m.unit})` : c.claim.metric;
        lines.push(`| ${shared ? pair : `${what} | ${pair}`} | ${metric} | ${fmtSummary(c.difference, digits)} | ${c.seeds.length} | **${c.verdict}** |`);
      }
      if (shared && text !== texts[texts.length - 1]) lines.push('');
    }
  }
  const sized = s.arms.filter((a) => a.sizes);
  if (sized.length) {
    lines.push(
      '',
      "## int8 dynamic-range quantization (hu2020's compression step, on every model above)",
      '',
      'Sizes by both definitions: the bytes of the weights file (float32 and int8 with per-channel scales) and DCASE 2020 task 1b\'s rule (non-zero parameters, batch norm excluded, 32 or 8 bits each; limit 500 KB). Accuracy change: int8 minus float32 on the same test clips, per seed, percentage points.',
      '',
      "hu2020's \"about 1/8 of its original size\" compares a Keras float32 file that also holds one SGD momentum slot per weight (8 bytes per parameter) with the int8 file (1 byte per weight plus scales): the ratio column; against the float32 weights alone the int8 file is about 1/4.",
      '',
      '| arm | parameters | float32 weights (MiB) | float32 + SGD momentum (MiB) | int8 file (KiB) | (float32 + momentum) / int8 | DCASE2020 float32 (KB) | DCASE2020 int8 (KB) | int8 - float32 accuracy (pp) | int8 agrees with float32 (% of clips) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const a of sized) {
      const z = a.sizes!;
      lines.push(
        `| ${a.id} | ${z.parameters} | ${z['original size (weights only)'].toFixed(2)} | ${z['original size'].toFixed(2)} | ${z['quantized size'].toFixed(1)} | ${((z['original size'] * 1024) / z['quantized size']).toFixed(2)} | ${z['dcase2020 size'].toFixed(1)} | ${z['dcase2020 size quantized'].toFixed(1)} | ${fmtSummary(a.summary['int8 accuracy change'], 2)} | ${fmtSummary(a.summary['int8 agreement'], 1)} |`,
      );
    }
  }
  lines.push('', '## Convergence', '', `${ctx.convergence}. The training curves are in curves.svg.`, '', 'Per seed the mean over its folds; mean over seeds [95% interval].', '', '| arm | epochs trained | epoch kept (best monitored validation value) | epoch limit |', '|---|---:|---:|---:|');
  for (const a of s.arms) lines.push(`| ${a.id} | ${fmtSummary(a.epochs.trained, 1)} | ${fmtSummary(a.epochs.best, 1)} | ${a.epochs.max} |`);
  return `${lines.join('\n')}\n`;
}

/** One line per arm x metric and per claim: kind,id,metric,mean,lo,hi,n,verdict. */
export function studyRunCsv(s: StudySummary): string {
  const out = ['kind,id,metric,mean,ci95_low,ci95_high,n,verdict'];
  const q = (t: string) => (/[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t);
  for (const a of s.arms) {
    for (const [k, v] of Object.entries(a.summary)) out.push(['arm', a.id, q(k), v.mean, v.ci95[0], v.ci95[1], v.n, ''].join(','));
  }
  for (const c of s.claims) out.push(['claim', c.claim.id, q(`${c.claim.metric} difference`), c.difference.mean, c.difference.ci95[0], c.difference.ci95[1], c.difference.n, c.verdict].join(','));
  return `${out.join('\n')}\n`;
}
