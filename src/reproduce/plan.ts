/**
 * The runnability matrix (`reproduce <paper> --plan`): for every experiment,
 * whether it runs here, needs a dataset that is not on disk, needs
 * pretrained weights, needs a GPU, or is another authors' system; with the
 * compute it takes (training sample-passes x forward FLOPs per sample, and
 * 3x that for forward + backward) and a wall-time estimate on the ACTIVE
 * backend from a throughput probe run on it (./throughput.ts: a 3x3
 * convolution's forward + backward, read with await data(), so it runs on
 * webgpu too; on a GPU with a batch grown until the GPU is busy).
 *
 * "Needs a GPU" is a rule, not a guess: the estimated wall time on this
 * machine's backend exceeds GPU_HOURS_THRESHOLD.
 *
 * On webgpu the plan also says, per model, the batch that fits the
 * adapter's limits (src/backend/webgpu/memory.ts batchThatFits): every
 * tensor must fit one storage binding.
 */
import { applyBudget, selectedSeeds, selectExperiments, type JobSelection } from './experiments.js';
import type { BudgetName } from './experiment-schema.js';
import type { JobContext, PaperPipeline } from './paper-pipeline.js';
import { getModelEntry } from '../models/registry.js';
import { batchThatFits, tensorSizes } from '../backend/webgpu/memory.js';
import { webgpuLimits } from '../backend/webgpu/index.js';
import { measureThroughput } from './throughput.js';

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
  for (const exp of selectExperiments(paper, selection.only, selection.study?.experiments)) {
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

export interface PlanTableOptions {
  /** What one probe rate stands for: 'one thread' (default, the CPU backends) or e.g. 'the GPU (probe batch 64)'. */
  where?: string;
  /** Lines printed after the table (e.g. the batch that fits the GPU). */
  notes?: string[];
}

export function planTable(rows: PlanRow[], budget: BudgetName, backend: string, gflops: number | null, lanes = 1, opts: PlanTableOptions = {}): string {
  const where = opts.where ?? 'one thread';
  const lines = [
    `runnability (${budget} budget; backend ${backend}; measured ${gflops ? `${gflops.toFixed(1)} GFLOP/s` : 'unknown throughput'} ` +
      `on ${where}, a 3x3 convolution forward + backward; "time" is FLOPs / that rate, for ${where})`,
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
        `about ${fmtHours(hours)} on ${where}${lanes > 1 ? `, ${fmtHours(hours / lanes)} with ${lanes} jobs in parallel` : ''} ` +
        '(an estimate from one probe layer, not the models themselves).',
    );
  }
  if (opts.notes?.length) lines.push('', ...opts.notes);
  return lines.join('\n');
}

/** The registered models the selected train experiments use, with the largest batch each is trained with. */
export function planModels(paper: string, budget: BudgetName, selection: JobSelection = {}): { model: string; batch: number; experiments: string[] }[] {
  const out = new Map<string, { model: string; batch: number; experiments: string[] }>();
  for (const exp of selectExperiments(paper, selection.only, selection.study?.experiments)) {
    if (exp.kind !== 'train' || exp.notRunnable) continue;
    const b = applyBudget(exp, budget);
    const name = b.model.name;
    const m = out.get(name) ?? { model: name, batch: 0, experiments: [] };
    m.batch = Math.max(m.batch, b.training.batchSize);
    m.experiments.push(exp.id);
    out.set(name, m);
  }
  return [...out.values()];
}

function mibText(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * One line per model: the batch that fits the webgpu adapter's limits at the
 * registry's full-size input (a crop or a smaller input fits more), and
 * whether the experiments' batch does.
 */
export function gpuBatchLines(
  models: { model: string; batch: number; experiments: string[] }[],
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number },
): string[] {
  const lines: string[] = [];
  let limitBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  for (const m of models) {
    let entry;
    try {
      entry = getModelEntry(m.model);
    } catch {
      lines.push(`- ${m.model}: not a registered model, batch limit not computed`);
      continue;
    }
    const [a, b, c] = entry.inputShape;
    const model =
      entry.layout === 'time-freq-channels'
        ? entry.build({ seed: 1, frames: a, nMels: b, channels: c })
        : entry.build({ seed: 1, frames: b, nMels: a, channels: c });
    let fit;
    try {
      fit = batchThatFits(tensorSizes(model), limits);
    } finally {
      model.dispose();
    }
    limitBytes = fit.limitBytes;
    const verdict = m.batch <= fit.maxBatch ? `batch ${m.batch} fits` : `batch ${m.batch} DOES NOT FIT (its steps would stop with a GPU error naming the limit; train it on another backend, e.g. --backend wasm)`;
    lines.push(
      `- ${m.model} (${a}x${b}x${c}, ${m.experiments.length} experiment(s)): largest tensor ${fit.largestWhere} = ${mibText(fit.largestBytes)} per sample, ` +
        `so batches up to ${fit.maxBatch} fit; ${verdict}. Activations kept for the backward pass: about ${mibText(fit.activationBytes)} per sample.`,
    );
  }
  if (lines.length) {
    lines.unshift(
      `GPU batch size (webgpu: every tensor must fit one storage binding of ${mibText(limitBytes)}, the adapter's limit; ` +
        'the whole step must also fit the device memory, which WebGPU does not report):',
    );
  }
  return lines;
}

/**
 * The plan as printed by `reproduce --plan`: probes the active backend's
 * throughput (webgpu included) and, on webgpu, adds the batch that fits.
 * `backend` is initBackend's info; `lanes` the jobs that run at once.
 */
export async function planText(
  paper: string,
  budget: BudgetName,
  pipeline: PaperPipeline,
  ctx: JobContext,
  selection: JobSelection,
  backend: { name: string; description: string; software?: boolean },
  lanes: number,
): Promise<string> {
  const gpu = backend.name === 'webgpu' || backend.name === 'tensorflow-gpu';
  const limits = backend.name === 'webgpu' ? webgpuLimits() : null;
  const probe = await measureThroughput(1, { gpu, maxBindingBytes: limits?.maxStorageBufferBindingSize });
  const where = gpu ? `the ${backend.software ? 'software GPU adapter' : 'GPU'} (probe batch ${probe.batch})` : 'one thread';
  const notes = limits ? gpuBatchLines(planModels(paper, budget, selection), limits) : [];
  return planTable(buildPlan(paper, budget, pipeline, ctx, probe.gflops, selection), budget, backend.description, probe.gflops, lanes, { where, notes });
}
