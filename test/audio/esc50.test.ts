import { expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav } from '../../src/audio/wav.js';
import { describeNeeds, needsData } from '../helpers/requires.js';

const ESC = needsData('esc50', 'the 304 real ESC-50 fold-4 clips with their SHA256SUMS');

describeNeeds(ESC, 'ESC-50 fold-4 clips ($AUDIO_AUG_LAB_DATA/esc50)', () => {
  const ESC50 = ESC.path!;
  const sums = (): { hash: string; file: string }[] => readFileSync(join(ESC50, 'SHA256SUMS'), 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => {
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(l);
      if (!m) throw new Error(`bad SHA256SUMS line: ${l}`);
      return { hash: m[1], file: m[2] };
    });

  it('SHA256SUMS lists exactly the 304 clips in audio/', () => {
    const listed = sums().filter((s) => s.file.startsWith('audio/')).map((s) => s.file.slice(6)).sort();
    const present = readdirSync(join(ESC50, 'audio')).filter((f) => f.endsWith('.wav')).sort();
    expect(present.length).toBe(304);
    expect(listed).toEqual(present);
  });

  it('every checksum matches and every clip decodes to 44100 Hz mono, 220500 samples', () => {
    const mismatches: string[] = [];
    const badAudio: string[] = [];
    let peak = 0;
    const all = sums();
    for (const { hash, file } of all) {
      const bytes = readFileSync(join(ESC50, file));
      const got = createHash('sha256').update(bytes).digest('hex');
      if (got !== hash) mismatches.push(`${file}: expected ${hash}, got ${got}`);
      if (!file.endsWith('.wav')) continue;
      const d = decodeWav(bytes, file);
      if (d.sampleRate !== 44100 || d.channels.length !== 1 || d.nFrames !== 220500 || d.encoding !== 'pcm' || d.bitsPerSample !== 16) {
        badAudio.push(`${file}: ${d.sampleRate} Hz, ${d.channels.length} ch, ${d.nFrames} frames, ${d.encoding}${d.bitsPerSample}`);
      }
      for (const v of d.channels[0]) if (Math.abs(v) > peak) peak = Math.abs(v);
    }
    console.log(`ESC-50: ${all.length} checksums verified, ${all.filter((s) => s.file.endsWith('.wav')).length} clips decoded, overall peak |x| ${peak}`);
    expect(mismatches).toEqual([]);
    expect(badAudio).toEqual([]);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(1);
  });
});
