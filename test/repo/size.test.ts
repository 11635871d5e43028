/**
 * The tracked tree stays under 20 MB (issue 12): GPU machines receive the
 * working tree under a 64 MiB cap, and a self-contained check bundle has to
 * fit beside it. Counted over `git ls-files` (what a clone holds, without
 * .git); skipped with its reason outside a git checkout.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SKIP_MARK } from '../helpers/requires.js';

const ROOT = join(import.meta.dirname, '..', '..');
const LIMIT = 20 * 1024 * 1024;
const isGit = existsSync(join(ROOT, '.git'));

describe('the repository', () => {
  it.skipIf(!isGit)(`tracked files total under 20 MB${isGit ? '' : `${SKIP_MARK}not a git checkout (no .git to list tracked files)`}`, () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    let total = 0;
    const sizes: [string, number][] = [];
    for (const f of files) {
      const p = join(ROOT, f);
      if (!existsSync(p)) continue; // deleted in the working tree, not yet committed
      const s = statSync(p).size;
      total += s;
      sizes.push([f, s]);
    }
    sizes.sort((a, b) => b[1] - a[1]);
    console.log(`tracked tree: ${(total / 1048576).toFixed(2)} MB in ${files.length} files; largest: ${sizes.slice(0, 3).map(([f, s]) => `${f} ${(s / 1048576).toFixed(2)} MB`).join(', ')}`);
    expect(total).toBeLessThan(LIMIT);
  });
});
