/**
 * The README's "Measured on real audio" section is what the stored study
 * runs say (src/reproduce/measured-section.ts generates it from their
 * summaries and findings): it fails when a stored run changed and the README
 * was not regenerated (`npx tsx scripts/readme-measured.ts --write`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/reproduce/published.js';
import { MEASURED_BEGIN, MEASURED_END, withMeasuredSection } from '../../src/reproduce/measured-section.js';

describe('README: measured on real audio', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  it('has the generated section, as the stored runs give it', () => {
    expect(readme).toContain(MEASURED_BEGIN);
    expect(readme).toContain(MEASURED_END);
    expect(readme).toBe(withMeasuredSection(readme));
  });
  it('never says "reproduced" about a measured claim', () => {
    const section = readme.slice(readme.indexOf(MEASURED_BEGIN), readme.indexOf(MEASURED_END));
    expect(section).not.toMatch(/\*\*(not )?reproduced\*\*/i);
  });
});
