/**
 * Keras-epoch semantics of mixup with pairing 'halves' (hu2020's code): each
 * step draws 2 x batchSize items and trains on batchSize mixed ones, and a
 * Keras epoch is ceil(N / batchSize) steps, i.e. two passes over the data.
 * A config epoch is therefore two trainer epochs (passes) of 2 x batchSize
 * drawn items (last partial batch dropped), and a cosine schedule's restart
 * epochs (and a step schedule's step) are scaled to match. Snapshot
 * averaging takes the models at the last three learning-rate minima.
 */
import type { ScheduleSpec } from './schedules.js';
import { doublingRestarts } from './schedules.js';

const MIXUP_NAMES = new Set(['mixup', 'mixup_hu2020']);

/** Trainer epochs per config epoch: 2 with a halves-pairing mixup, else 1. */
export function passesPerEpoch(online: readonly { name: string; params: Record<string, unknown> }[]): number {
  const halves = online.some((r) => MIXUP_NAMES.has(r.name) && (r.params.pairing ?? (r.name === 'mixup_hu2020' ? 'halves' : 'shuffle')) === 'halves');
  return halves ? 2 : 1;
}

/** The schedule in trainer epochs (restart and step epochs scaled by `passes`). */
export function scheduleInPasses(spec: ScheduleSpec | undefined, passes: number): ScheduleSpec | undefined {
  if (!spec || passes === 1) return spec;
  if (spec.kind === 'cosineRestarts') return { ...spec, restartEpochs: (spec.restartEpochs ?? doublingRestarts()).map((r) => r * passes) };
  if (spec.kind === 'step') return { ...spec, stepEpochs: spec.stepEpochs * passes };
  return spec;
}

/** Config epochs whose models are averaged: the last `count` learning-rate minima of the run. */
export function snapshotEpochs(spec: ScheduleSpec | undefined, epochs: number, count = 3): number[] {
  if (!spec || spec.kind !== 'cosineRestarts') return [epochs];
  const minima = (spec.restartEpochs ?? doublingRestarts()).filter((r) => r < epochs);
  return [...minima, epochs].slice(-count);
}
