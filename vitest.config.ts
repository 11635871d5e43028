import { defineConfig } from 'vitest/config';

// Tests read only what the repository holds (test/golden, test/reference-data,
// data-manifests); tests that need a real dataset or the paper texts read
// AUDIO_AUG_LAB_DATA / AUDIO_AUG_LAB_PAPERS and are skipped with their reason
// without them (test/helpers/requires.ts). Golden parity tests print their
// worst differences, so keep console output visible.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    silent: false,
  },
});
