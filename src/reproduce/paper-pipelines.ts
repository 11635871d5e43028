/** Paper id -> pipeline, loaded lazily. */
import type { PaperPipeline } from './paper-pipeline.js';
import { InvalidParameterError } from '../util/errors.js';

const LOADERS: Record<string, () => Promise<{ pipeline: PaperPipeline }>> = {
  wei2018: () => import('./pipelines/wei2018.js'),
  mushtaq2020: () => import('./pipelines/mushtaq2020.js'),
  hu2020: () => import('./pipelines/hu2020.js'),
};

export async function pipelineFor(paper: string): Promise<PaperPipeline> {
  const load = LOADERS[paper];
  if (!load) throw new InvalidParameterError(`no pipeline for paper '${paper}' (known: ${Object.keys(LOADERS).join(', ')})`);
  return (await load()).pipeline;
}
