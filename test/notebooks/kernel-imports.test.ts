/**
 * The notebooks' kernel loads the library the way tslab does: each cell is
 * compiled to CommonJS and `require`s `audio-aug-lab/...js`, and library code
 * may load modules lazily with `import()` (the paper pipelines, which
 * `viz.storedReports` loads once harness results are stored). This runs that
 * path in a child started with the kernel's own node flags (read from the
 * kernel.json that scripts/setup-notebooks.sh writes, or built the same way),
 * from the notebooks folder, so a notebook that works without stored results
 * cannot break once `reproduce` has written some (issue 12: notebook 02
 * failed with ERR_MODULE_NOT_FOUND .../pipelines/mushtaq2020.js).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');
const KERNEL_JSON = join(ROOT, '.cache', 'jupyter', 'kernels', 'tslab', 'kernel.json');

/** The node flags of the kernel: from kernel.json when set up, else as setup-notebooks.sh writes them. */
function kernelNodeFlags(): string[] {
  if (existsSync(KERNEL_JSON)) {
    const argv = (JSON.parse(readFileSync(KERNEL_JSON, 'utf8')) as { argv: string[] }).argv;
    const tslab = argv.findIndex((a) => a.endsWith(join('tslab', 'bin', 'tslab')));
    return argv.slice(1, tslab);
  }
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--import', tsx, '--require', join(ROOT, 'scripts', 'notebook-kernel.cjs')];
}

describe('the notebook kernel', () => {
  it('requires the library by its package name and loads every paper pipeline lazily through import()', () => {
    const script = `
      const { pipelineFor } = require('audio-aug-lab/reproduce/paper-pipelines.js');
      Promise.all(['wei2018', 'mushtaq2020', 'hu2020'].map((p) => pipelineFor(p).then((x) => p + ':' + typeof x)))
        .then((r) => { console.log(r.join(' ')); process.exit(0); },
              (e) => { console.log('FAILED ' + (e.code || '') + ' ' + e.message); process.exit(1); });`;
    const r = spawnSync(process.execPath, [...kernelNodeFlags(), '-e', script], { cwd: join(ROOT, 'notebooks'), encoding: 'utf8', timeout: 90_000 });
    expect(r.stdout + r.stderr).toContain('wei2018:object mushtaq2020:object hu2020:object');
    expect(r.status).toBe(0);
  });
});
