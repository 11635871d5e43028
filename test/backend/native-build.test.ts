/**
 * The optional native build (src/backend/native/build.mjs, run by `npm ci`
 * through the package's install script) skips cleanly when what it needs is
 * missing: one line saying why, exit 0, so `npm ci` succeeds either way;
 * `--strict` (npm run build:native) makes the same skip an error.
 * Only the skip paths run here: a real build would replace the addon the
 * other tests load.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BUILD = join(import.meta.dirname, '../../src/backend/native/build.mjs');

function build(env: Record<string, string>, args: string[] = []) {
  return spawnSync(process.execPath, [BUILD, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
}

describe('native build skips cleanly', () => {
  it('without a C compiler: one line naming the package to install, exit 0; --strict exits 1', () => {
    const r = build({ CC: '/bin/false' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('audio-aug-lab native: skipped: no C compiler (apt-get install build-essential)');
    expect(build({ CC: '/bin/false' }, ['--strict']).status).toBe(1);
  });

  it('with AUDIO_AUG_LAB_NATIVE=0: skipped, exit 0', () => {
    const r = build({ AUDIO_AUG_LAB_NATIVE: '0' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/skipped \(AUDIO_AUG_LAB_NATIVE=0\)/);
  });
});
