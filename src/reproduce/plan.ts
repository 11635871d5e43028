/**
 * The runnability matrix (`reproduce <paper> --plan`): for every experiment,
 * whether it runs here, needs a dataset that is not on disk, needs
 * pretrained weights, needs a GPU, or is another authors' system; with the
 * compute it takes (training sample-passes x forward FLOPs per sample, and
 * 3x that for forward + backward) and a wall-time estimate on the active
 * backend from a measured throughput.
 *
 * "Needs a GPU" is a rule, not a guess: the estimated wall time on this
 * machine's backend exceeds GPU_HOURS_THRESHOLD.
 */
import { applyBudget, selectedSeeds, selectExperiments, type JobSelection } from './experiments.js';
import type { BudgetName } from './experiment-schema.js';
import type { JobContext, PaperPipeline } from './pipelines/types.js';

/** Above this many hours on the active backend, a row is marked "needs a GPU". */
export const GPU_HOURS_THRESHOLD = 72;

export type Runnability = 'runs here' | 'needs dataset' | 'needs pretrained weights' | 'needs a GPU' | "other authors' system";

export interface PlanRow {
  experiment: string;
  title: string;
  cells: string;
  status: Runnability;
  detail: string;
  jobs: number;
  samplePasses: number;
  trainFlops: number;
  hours: number | null;
}

export function buildPlan(
  paper: string,
  budget: BudgetName,
  pipeline: PaperPipeline,
  ctx: JobContext,
  gflopsPerSecond: number | null,
  selection: JobSelection = {},
): PlanRow[] {
  const rows: PlanRow[] = [];
  for (const exp of selectExperiments(paper, selection.only)) {
    const b = applyBudget(exp, budget);
    const cells = exp.regenerates.map((r) => `${r.table} ${r.row}`).join('; ') || '(measured only)';
    const foldLimit = exp.kind === 'train' && !exp.notRunnable ? (pipeline.foldsAvailable?.(b, ctx) ?? null) : null;
    const folds = foldLimit === null ? b.folds.length : b.folds.filter((f) => f <= foldLimit).length;
    const jobs = exp.kind === 'train' ? folds * selectedSeeds(b, selection.seeds).length : 0;
    if (exp.notRunnable) {
      const status: Runnability =
        exp.notRunnable.needs === 'other-authors-system'
          ? "other authors' system"
          : exp.notRunnable.needs === 'pretrained-weights'
            ? 'needs pretrained weights'
            : exp.notRunnable.needs === 'gpu'
              ? 'needs a GPU'
              : 'needs dataset';
      rows.push({ experiment: exp.id, title: exp.title, cells, status, detail: exp.notRunnable.reason, jobs: 0, samplePasses: 0, trainFlops: 0, hours: null });
      continue;
    }
    let samplePasses = 0;
    let trainFlops = 0;
    if (exp.kind === 'train') {
      const est = pipeline.estimate(b, ctx);
      samplePasses = est.samplePasses * jobs;
      trainFlops = 3 * est.flopsPerSample * samplePasses;
    }
    const hours = gflopsPerSecond ? trainFlops / (gflopsPerSecond * 1e9) / 3600 : null;
    const blocker = pipeline.blocker(exp, ctx, budget);
    let status: Runnability = 'runs here';
    let detail = exp.kind === 'ensemble' ? `combines ${exp.members?.join(', ')}` : pipeline.dataStatus(exp, ctx).detail;
    if (blocker) {
      status = 'needs dataset';
      detail = blocker;
    } else if (hours !== null && hours > GPU_HOURS_THRESHOLD) {
      status = 'needs a GPU';
      detail = `about ${Math.round(hours)} h on this backend (> ${GPU_HOURS_THRESHOLD} h)`;
    }
    rows.push({ experiment: exp.id, title: exp.title, cells, status, detail, jobs, samplePasses, trainFlops, hours });
  }
  return rows;
}

function fmtFlops(f: number): string {
  if (f === 0) return '-';
  const units = ['', 'K', 'M', 'G', 'T', 'P', 'E'];
  let i = 0;
  while (f >= 1000 && i < units.length - 1) {
    f /= 1000;
    i++;
  }
  return `${f.toFixed(1)}${units[i]}`;
}

function fmtHours(h: number | null): string {
  if (h === null) return '?';
  if (h < 1 / 60) return '<1 min';
  if (h < 1) return `${Math.round(h * 60)} min`;
  if (h < 48) return `${h.toFixed(1)} h`;
  return `${(h / 24).toFixed(0)} days`;
}

export function planTable(rows: PlanRow[], budget: BudgetName, backend: string, gflops: number | null, lanes = 1): string {
  const lines = [
    `runnability (${budget} budget; backend ${backend}; measured ${gflops ? `${gflops.toFixed(1)} GFLOP/s` : 'unknown throughput'} ` +
      'on one thread, a 3x3 convolution forward + backward; "time" is FLOPs / that rate, for one thread)',
    '',
    '| experiment | regenerates | status | jobs | sample-passes | train FLOPs | time | detail |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.experiment} | ${r.cells} | ${r.status} | ${r.jobs} | ${r.samplePasses ? fmtFlops(r.samplePasses) : '-'} | ${fmtFlops(r.trainFlops)} | ${r.status === 'runs here' || r.status === 'needs a GPU' || r.status === 'needs dataset' ? fmtHours(r.hours) : '-'} | ${r.detail} |`,
    );
  }
  const here = rows.filter((r) => r.status === 'runs here');
  const hours = here.reduce((a, r) => a + (r.hours ?? 0), 0);
  if (here.length && gflops) {
    lines.push(
      '',
      `total for the ${here.length} rows that run here: ${here.reduce((a, r) => a + r.jobs, 0)} jobs, ${fmtFlops(here.reduce((a, r) => a + r.trainFlops, 0))} FLOPs, ` +
        `about ${fmtHours(hours)} on one thread${lanes > 1 ? `, ${fmtHours(hours / lanes)} with ${lanes} jobs in parallel` : ''} ` +
        '(an estimate from one probe layer, not the models themselves).',
    );
  }
  return lines.join('\n');
}
