/**
 * Generate (or check) the embedded ESC-10 sample in data-manifests/samples/esc10/
 * from a real ESC-50 copy named on the command line (a full ESC-50 checkout
 * or its fold-4 subset; only fold 4 is used; see src/data/stand-ins/esc10-sample.ts
 * for what is selected and how). Deterministic: rerunning gives the same bytes.
 * There is no default source: the embedded sample is the fixtures' default,
 * so this script must be told where the 44.1 kHz originals are.
 *
 *   npx tsx scripts/make-sample.ts --esc50 DIR            write the sample (replaces the directory)
 *   npx tsx scripts/make-sample.ts --esc50 DIR --check    rebuild in a temporary directory and compare
 *   options: --out DIR (default data-manifests/samples/esc10)
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openEsc50 } from '../src/data/stand-ins/esc50-clips.js';
import { EMBEDDED_SAMPLE_DIR, SAMPLE_MAX_BYTES, verifyEmbeddedSample, writeEsc10Sample } from '../src/data/stand-ins/esc10-sample.js';

function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  const entries = readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const d of entries) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...listFiles(root, r));
    else out.push(r);
  }
  return out;
}

function main(): number {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      esc50: { type: 'string' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const usage = 'usage: npx tsx scripts/make-sample.ts --esc50 DIR [--check] [--out DIR]   (DIR: an ESC-50 copy with meta/ and audio/)';
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.esc50 === undefined) {
    console.error(`make-sample: --esc50 DIR is required (the real ESC-50 copy to take the clips from)\n${usage}`);
    return 2;
  }
  const esc50 = resolve(values.esc50);
  if (esc50 === EMBEDDED_SAMPLE_DIR || !existsSync(join(esc50, 'meta'))) {
    console.error(`make-sample: ${esc50} is not an ESC-50 copy (expected meta/esc50.csv or meta/esc50-fold4-dev.csv, and audio/)\n${usage}`);
    return 2;
  }
  const out = resolve(values.out ?? EMBEDDED_SAMPLE_DIR);
  const esc = openEsc50(esc50);
  const tmp = values.check ? mkdtempSync(join(tmpdir(), 'esc10-sample-')) : join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const res = writeEsc10Sample(tmp, esc);
  console.log(`${res.clips.length} clips, ${res.bytes} bytes (limit ${SAMPLE_MAX_BYTES}), ${res.clippedSamples} samples clipped to 16 bits`);
  if (res.bytes >= SAMPLE_MAX_BYTES) {
    console.error(`sample too large: ${res.bytes} bytes`);
    rmSync(tmp, { recursive: true, force: true });
    return 1;
  }
  if (values.check) {
    const a = listFiles(tmp);
    const b = existsSync(out) ? listFiles(out) : [];
    const differ = [...new Set([...a, ...b])].filter((f) => !a.includes(f) || !b.includes(f) || !readFileSync(join(tmp, f)).equals(readFileSync(join(out, f))));
    rmSync(tmp, { recursive: true, force: true });
    if (differ.length) {
      console.error(`differs from ${out}: ${differ.join(', ')}`);
      return 1;
    }
    console.log(`identical to ${out}`);
    return 0;
  }
  if (existsSync(out)) rmSync(out, { recursive: true });
  renameSync(tmp, out);
  const v = verifyEmbeddedSample(out);
  console.log(`wrote ${out}; SHA256SUMS ${v.ok ? 'verified' : `FAILED (${v.bad.join(', ')})`}`);
  return v.ok ? 0 : 1;
}

process.exitCode = main();
