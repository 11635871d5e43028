/**
 * Which experiment a registered model trains with in its paper: the one
 * place that turns a model name into training settings (optimiser,
 * schedule, epochs, batch size, augmentation). The experiment configs are
 * the authority; the model registry holds only what the model itself fixes.
 * Benches and the fidelity cases read a model's batch size and optimiser here.
 */
import { join } from 'node:path';
import { getModelEntry } from '../models/registry.js';
import { InvalidParameterError } from '../util/errors.js';
import type { BudgetName } from './experiment-schema.js';
import { applyBudget, loadExperimentDir, type BudgetedExperiment } from './experiments.js';
import { REPRODUCTIONS_DIR } from './published.js';

/** JSON with object keys sorted, so equal settings compare equal whatever their merge order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The runnable training experiments of `model`'s paper that train it, in
 * file order, under `budget`. `reproductionsDir` is the folder holding
 * `<paper>/experiments/` (default: the repository's `reproductions/`).
 */
export function modelTrainingRows(model: string, budget: BudgetName = 'full', reproductionsDir: string = REPRODUCTIONS_DIR): BudgetedExperiment[] {
  const { paper } = getModelEntry(model);
  return loadExperimentDir(join(reproductionsDir, paper, 'experiments'), paper)
    .filter((e) => e.kind === 'train' && e.notRunnable === undefined && e.model.name === model)
    .map((e) => applyBudget(e, budget));
}

/**
 * The experiment `model` trains with in its paper's default row, under
 * `budget`. Among the paper's runnable training rows of the model, the
 * default row trains as most of them do (the training section, compared
 * after the budget; so a control row with its own epoch count is never the
 * default), and of those it is the first, in file order, that regenerates a
 * published cell, else the first that leaves the model's options at the
 * registry's defaults, else the first. Throws InvalidParameterError when no
 * experiment of the paper trains the model (hu2020-fsfcnn-s: the paper's
 * tables have no row for it).
 */
export function modelTrainingRow(model: string, budget: BudgetName = 'full', reproductionsDir: string = REPRODUCTIONS_DIR): BudgetedExperiment {
  const rows = modelTrainingRows(model, budget, reproductionsDir);
  if (rows.length === 0) {
    const { paper } = getModelEntry(model);
    throw new InvalidParameterError(`no runnable training experiment in ${join(reproductionsDir, paper, 'experiments')} trains '${model}': its training settings are not stated anywhere`);
  }
  const groups = new Map<string, BudgetedExperiment[]>();
  for (const r of rows) {
    const key = canonical(r.training);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  let common: BudgetedExperiment[] = [];
  for (const g of groups.values()) if (g.length > common.length) common = g;
  return (
    common.find((r) => r.regenerates.length > 0) ??
    common.find((r) => Object.keys(r.model.options).length === 0) ??
    common[0]
  );
}
