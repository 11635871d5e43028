/**
 * Shared set-up for the webgpu tests: wasm and cpu as in helpers.ts, plus
 * the 'webgpu' backend on whatever adapter Dawn finds here (a software
 * adapter is accepted: on the development machine and in CI that is Mesa
 * llvmpipe through OpenGL ES / EGL, with the Debian packages libegl1,
 * libegl-mesa0 and libgl1-mesa-dri that scripts/setup.sh installs).
 *
 * `webgpuNeed()` returns a Need for itNeeds / describeNeeds
 * (test/helpers/requires.ts): when the optional packages or an adapter are
 * missing, the tests are skipped with the reason in their titles.
 */
import { createRequire } from 'node:module';
import { tryWebgpu } from '../../src/backend/webgpu/index.js';
import type { Need } from '../helpers/requires.js';
import { setupBackends } from './helpers.js';

let ready: Promise<Need> | undefined;

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** Brings up wasm, cpu and webgpu (any adapter) once per test file; `path` is the backend description. */
export function webgpuNeed(): Promise<Need> {
  ready ??= (async (): Promise<Need> => {
    for (const pkg of ['webgpu', '@tensorflow/tfjs-backend-webgpu']) {
      if (!installed(pkg)) return { path: null, reason: `optional package ${pkg} not installed (needs a WebGPU adapter)` };
    }
    await setupBackends();
    const a = await tryWebgpu({ allowSoftware: true });
    if (!a.ok) return { path: null, reason: `no WebGPU adapter (${a.why})` };
    return { path: a.description, reason: '' };
  })();
  return ready;
}
