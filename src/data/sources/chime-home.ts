/**
 * CHiME-Home (DCASE 2016 task 4): seven multi-label tags, the official five
 * development folds and the refined evaluation list.
 *
 * Data, in order of preference: --data-dir (a CHiME-Home root `chime_home/`,
 * or a data root holding a fetched `chime-home`, or a built chime-home-like
 * stand-in, reported as 'fixture'), a download fetched into the data root;
 * else, for the smoke budget only, the CHiME-Home-like stand-in (the
 * embedded ESC-10 sample's real clips, data-manifests/samples/esc10 at
 * 22.05 kHz, resampled to 16 kHz and mixed in the exact CHiME-Home layout)
 * built into `<workDir>/fixtures/wei2018-chime-home-like` (the directory the
 * wei2018 pipeline always used, so stand-ins built before are reused) and
 * reported as 'fixture'. Without any of these a run is blocked, with the reason.
 *
 * Loaded: `clips` = the development list (folds 1-5), `lists.development`
 * the same, `lists.evaluation` the refined evaluation chunks (fold
 * 'evaluation') when the directory has that list.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHIME_HOME_LABELS, loadChimeHomeDevelopment, loadChimeHomeEvaluation } from '../loaders/chime-home.js';
import { buildFixture, EMBEDDED_SAMPLE_DIR, readFixtureRecord } from '../stand-ins/index.js';
import { InvalidParameterError } from '../../util/errors.js';
import { fetchedDataset } from './fetched.js';
import type { DataOrigin, DataStatus, DatasetLocation, DatasetRequest, DatasetSource, LoadedDataset, SourceBudget, SourceContext } from './types.js';

/** The stand-in's source clips: the embedded ESC-10 sample (in the repository, so a fresh clone has them). */
export const CHIME_STAND_IN_SOURCE_DIR = EMBEDDED_SAMPLE_DIR;
/** The smoke stand-in: 16 chunks per development fold and 16 evaluation
 * chunks (>= 7, so every tag occurs in every fold). */
export const CHIME_STAND_IN = { seed: 2018, size: 16 } as const;

export const CHIME_DEV_LIST = 'development_chunks_refined_crossval_dcase2016.csv';
export const CHIME_EVAL_LIST = 'evaluation_chunks_refined.csv';

export const NO_CHIME_HOME =
  "CHiME-Home is not on disk (fetch it with 'audio-aug-lab data fetch chime-home' or give its chime_home/ directory with --data-dir)";

interface ChimeData {
  root: string;
  status: DataStatus;
  origin: Exclude<DataOrigin, 'sample' | 'none'>;
}

function isChimeRoot(root: string): boolean {
  return existsSync(join(root, CHIME_DEV_LIST)) && existsSync(join(root, 'chunks'));
}

/** CHiME-Home given or fetched: --data-dir (a dataset root, a data root with
 * a fetched chime-home, or a built chime-home-like stand-in, reported as
 * such), else a fetched download in the default data root. Throws when
 * --data-dir holds none of these. */
export function realChimeHome(ctx: Pick<SourceContext, 'dataDir'>): ChimeData | null {
  if (ctx.dataDir) {
    const fetched = fetchedDataset('chime-home', ctx.dataDir);
    if (fetched && isChimeRoot(fetched.root)) return { ...fetched, origin: 'fetched' };
    for (const root of [ctx.dataDir, join(ctx.dataDir, 'chime_home')]) {
      if (isChimeRoot(root) && readFixtureRecord(root)?.fixture === 'chime-home-like') {
        return {
          root,
          origin: 'given',
          status: { dataset: 'chime-home', status: 'fixture', root, detail: 'a CHiME-Home-like fixture (ESC-50 clips) given with --data-dir, not CHiME-Home' },
        };
      }
      if (isChimeRoot(root)) {
        return {
          root,
          origin: 'given',
          status: {
            dataset: 'chime-home',
            status: 'unverified',
            root,
            detail: 'a CHiME-Home directory given with --data-dir, not checked against the manifest',
          },
        };
      }
    }
    throw new InvalidParameterError(
      `--data-dir ${ctx.dataDir}: no CHiME-Home found (expected ${CHIME_DEV_LIST} and chunks/ in it or in chime_home/, or a data root with chime-home/)`,
    );
  }
  const fetched = fetchedDataset('chime-home');
  return fetched && isChimeRoot(fetched.root) ? { ...fetched, origin: 'fetched' } : null;
}

export function chimeStandInRoot(ctx: Pick<SourceContext, 'workDir'>): string {
  return join(ctx.workDir, 'fixtures', 'wei2018-chime-home-like');
}

function standInStatus(ctx: Pick<SourceContext, 'workDir'>): DataStatus {
  return {
    dataset: 'chime-home',
    status: 'fixture',
    root: chimeStandInRoot(ctx),
    detail:
      `CHiME-Home-like fixture (seed ${CHIME_STAND_IN.seed}, ${CHIME_STAND_IN.size} chunks per fold): the embedded ESC-10 sample's clips ` +
      `(data-manifests/samples/esc10, 22.05 kHz, resampled to 16 kHz) in the CHiME-Home layout, not CHiME-Home`,
  };
}

/** The reason a budget cannot run without CHiME-Home on disk (null: the smoke stand-in can be built). */
function standInBlocker(budget: SourceBudget): string | null {
  if (budget !== 'smoke') return `${NO_CHIME_HOME}; the ${budget} budget needs the real dataset`;
  if (!existsSync(join(CHIME_STAND_IN_SOURCE_DIR, 'audio'))) {
    return `${NO_CHIME_HOME}, and the smoke fixture's source clips are missing too (${CHIME_STAND_IN_SOURCE_DIR})`;
  }
  return null;
}

function checkRequest(req: DatasetRequest): void {
  if (req.subset !== undefined) throw new InvalidParameterError(`dataset chime-home has no subsets (got '${req.subset}')`);
  if (req.maxClipsPerClass !== undefined) {
    throw new InvalidParameterError('dataset chime-home: maxClipsPerClass is not supported (multi-label chunks have no single class to cap by)');
  }
}

function locate(req: DatasetRequest, ctx: SourceContext): DatasetLocation {
  checkRequest(req);
  let real: ChimeData | null;
  try {
    real = realChimeHome(ctx);
  } catch (e) {
    const message = (e as Error).message;
    return { id: 'chime-home', status: { dataset: 'chime-home', status: 'unverified', root: ctx.dataDir ?? '', detail: message }, origin: 'none', blocker: message };
  }
  if (real) return { id: 'chime-home', status: real.status, origin: real.origin, blocker: null };
  const canBuild = existsSync(join(CHIME_STAND_IN_SOURCE_DIR, 'audio'));
  return {
    id: 'chime-home',
    status: canBuild ? standInStatus(ctx) : { dataset: 'chime-home', status: 'unverified', root: '', detail: NO_CHIME_HOME },
    origin: canBuild ? 'stand-in' : 'none',
    blocker: standInBlocker(ctx.budget),
  };
}

/** The data root for a run: real data, or the stand-in (built on first use
 * and reused afterwards; src/data/stand-ins/fixture-dir.ts builds it in a
 * temporary directory and renames it into place). */
function ensure(ctx: SourceContext): ChimeData {
  const real = realChimeHome(ctx);
  if (real) return real;
  const blocker = standInBlocker(ctx.budget);
  if (blocker) throw new InvalidParameterError(blocker);
  const info = buildFixture('chime-home-like', chimeStandInRoot(ctx), { ...CHIME_STAND_IN, esc50Dir: CHIME_STAND_IN_SOURCE_DIR });
  if (!info.reused) ctx.log(`chime-home: built the CHiME-Home-like fixture (seed ${CHIME_STAND_IN.seed}, ${CHIME_STAND_IN.size} chunks per fold) in ${info.dir}`);
  return { root: info.dir, status: standInStatus(ctx), origin: 'stand-in' };
}

function load(req: DatasetRequest, ctx: SourceContext): LoadedDataset {
  checkRequest(req);
  const data = ensure(ctx);
  const development = loadChimeHomeDevelopment({ root: data.root });
  const lists: Record<string, LoadedDataset['clips']> = { development };
  if (existsSync(join(data.root, CHIME_EVAL_LIST))) lists.evaluation = loadChimeHomeEvaluation({ root: data.root });
  const folds = new Set(development.map((r) => r.fold)).size;
  return {
    id: 'chime-home',
    status: data.status,
    origin: data.origin,
    root: data.root,
    clips: development,
    lists,
    classes: [...CHIME_HOME_LABELS],
    multiLabel: true,
    officialFolds: true,
    folds,
  };
}

export const chimeHomeSource: DatasetSource = {
  id: 'chime-home',
  title: 'CHiME-Home (DCASE 2016 task 4 domestic audio tagging)',
  subsets: [],
  locate,
  load,
};
