/**
 * Print the README's "Measured on real audio" section from the stored study
 * runs, or (--write) put it into README.md between its markers
 * (src/reproduce/measured-section.ts; test/repo/readme-measured.test.ts checks they agree).
 *
 *   npx tsx scripts/readme-measured.ts [--write]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/reproduce/published.js';
import { measuredSection, withMeasuredSection } from '../src/reproduce/measured-section.js';

const readme = join(REPO_ROOT, 'README.md');
if (process.argv.includes('--write')) {
  writeFileSync(readme, withMeasuredSection(readFileSync(readme, 'utf8')));
  console.log(`${readme}: section rewritten`);
} else {
  process.stdout.write(measuredSection());
}
