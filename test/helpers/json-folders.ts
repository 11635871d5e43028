/**
 * Temporary folders of JSON files for the experiment- and study-file tests:
 * `folder({ 'a.json': {...}, 'bases/b.json': {...} })` writes each file
 * (objects as JSON, strings as they are) into a fresh case folder under one
 * root, removed after the test file.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export function jsonFolders(prefix: string): (files: Record<string, unknown>) => string {
  const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  return (files) => {
    const dir = join(root, `case-${++n}`);
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir, name);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 1));
    }
    return dir;
  };
}
