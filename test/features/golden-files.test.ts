/**
 * test/golden/ is what scripts/make-golden.py built: every file matches
 * SHA256SUMS, nothing unlisted lies there, every stored array belongs to one
 * manifest entry and every entry decodes to the array the build recorded
 * (decoded_sha256). A changed byte anywhere fails here, not as a puzzling
 * parity difference.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../src/io/npy.js';
import {
  checkSums,
  EER_DIR,
  filesUnder,
  GOLDEN_ROOT,
  manifestEntries,
  readGolden,
  readResampy,
  resampyManifest,
} from './golden.js';

const tmp = mkdtempSync(join(tmpdir(), 'golden-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('test/golden integrity', () => {
  it('every file matches SHA256SUMS and every file is listed', () => {
    const { checked, problems } = checkSums(GOLDEN_ROOT);
    console.log(`[golden] ${checked} files checked against test/golden/SHA256SUMS`);
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  it('the check reports a modified, a missing and an unlisted file', () => {
    // A copy of three listed files with their SHA256SUMS lines, then one byte changed.
    const files = ['README.md', 'librosa-0.9.2/eer/tiny_scores.npy', 'audio/chirp_16k_4s.wav'];
    const sums = readFileSync(join(GOLDEN_ROOT, 'SHA256SUMS'), 'utf8').split('\n');
    const lines = files.map((f) => sums.find((l) => l.endsWith(`  ${f}`))!);
    for (const f of files) {
      mkdirSync(dirname(join(tmp, f)), { recursive: true });
      copyFileSync(join(GOLDEN_ROOT, f), join(tmp, f));
    }
    writeFileSync(join(tmp, 'SHA256SUMS'), lines.join('\n') + '\n');
    expect(checkSums(tmp).problems).toEqual([]);
    const b = readFileSync(join(tmp, files[1]));
    b[b.length - 1] ^= 1;
    writeFileSync(join(tmp, files[1]), b);
    writeFileSync(join(tmp, 'extra.txt'), 'x');
    rmSync(join(tmp, files[2]));
    expect(checkSums(tmp).problems.sort()).toEqual([
      'audio/chirp_16k_4s.wav: listed in SHA256SUMS but missing',
      'extra.txt: not listed in SHA256SUMS',
      'librosa-0.9.2/eer/tiny_scores.npy: sha256 differs from SHA256SUMS',
    ]);
  });

  it('every array file belongs to exactly one manifest entry, and every entry decodes to its decoded_sha256', () => {
    const lib = manifestEntries();
    const res = resampyManifest();
    const eer = JSON.parse(readFileSync(join(GOLDEN_ROOT, 'librosa-0.9.2/eer_manifest.json'), 'utf8')) as {
      outputs: Array<{ path: string; sha256?: string; stored?: { file: string; encoding: string } }>;
    };
    const referenced = [
      ...lib.flatMap((e) => (e.stored ? [e.stored.file] : [])),
      ...[res.table, ...res.outputs].map((e) => e.stored!.file),
      ...eer.outputs.flatMap((e) => (e.stored ? [e.stored.file] : [])),
    ].sort();
    const arrays = filesUnder(GOLDEN_ROOT).filter((f) => f.endsWith('.npy') || f.endsWith('.npy.gz'));
    expect(referenced).toEqual(arrays); // also: no file referenced twice

    // readGolden / readResampy throw if a decoded array's sha256 differs.
    let values = 0;
    for (const e of lib) {
      const [signal, file] = e.path.split('/');
      values += readGolden(signal, file).data.length;
    }
    for (const e of [res.table, ...res.outputs]) values += readResampy(e.path).data.length;

    // EER inputs: scores copied as computed, labels 0/1 as uint8; both against the source's sha256.
    for (const e of eer.outputs) {
      if (!e.stored) continue;
      const a = readNpy(join(GOLDEN_ROOT, e.stored.file));
      const bytes =
        e.stored.encoding === 'uint8'
          ? new Uint8Array(BigInt64Array.from(a.data, (v) => BigInt(v)).buffer)
          : new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
      expect(createHash('sha256').update(bytes).digest('hex'), e.path).toBe(e.sha256);
      values += a.data.length;
    }
    console.log(
      `[golden] ${lib.length} librosa, ${1 + res.outputs.length} resampy and ${eer.outputs.filter((e) => e.stored).length} EER arrays ` +
        `(${values} values) decode to their recorded hashes; EER cases in ${EER_DIR}`,
    );
  });
});
