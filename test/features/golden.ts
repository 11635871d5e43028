/**
 * The librosa 0.9.2 / resampy 0.4.2 reference outputs in test/golden/
 * (built by scripts/make-golden.py, described in test/golden/README.md):
 * where they are, their manifest entries, how a stored or derived array is
 * read back, and error measures that also report where the worst difference
 * is.
 *
 * Every array read here is checked against the `decoded_sha256` its
 * manifest records (the build computed it with numpy from the same bytes),
 * so a decoding slip or a damaged file fails loudly instead of moving the
 * reference. Stored arrays are within 1/100 of the reading test's tolerance
 * of librosa's values (`maxAbsError` / `maxRelError` say how close); derived
 * ones (load.npy from the WAV, slices, the hu2020 stack) are bit-exact.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseNpy } from '../../src/io/npy.js';

export const GOLDEN_ROOT = join(import.meta.dirname, '../golden');
export const GOLDEN_DIR = join(GOLDEN_ROOT, 'librosa-0.9.2');
export const RESAMPY_DIR = join(GOLDEN_ROOT, 'resampy-0.4.2');
export const EER_DIR = join(GOLDEN_DIR, 'eer');
const AUDIO_DIR = join(GOLDEN_ROOT, 'audio');

type Slices = Array<[number | null, number | null]>;

interface Stored {
  file: string;
  encoding: 'fixed' | 'float32';
  dtype: '<i4' | '<i8' | '<f4';
  step_log2?: number;
  order?: number;
  base?: string;
}

type Derived =
  | { kind: 'pcm16'; wav: string }
  | { kind: 'slice'; from: string; slices: Slices }
  | { kind: 'stack'; from_slices: Array<{ from: string; slices: Slices }> };

export interface ManifestEntry {
  path: string;
  op: string;
  params?: Record<string, unknown>;
  dtype: string;
  shape: number[];
  sr?: number;
  index?: [number, number];
  input?: { file: string; sr: number; n_samples: number };
  tolerance: { kind: 'abs' | 'rel' | 'exact'; value: number; test: string };
  stored?: Stored;
  derived?: Derived;
  max_abs_error: number;
  max_rel_error?: number;
  decoded_sha256: string;
}

export interface ResampyManifest {
  precision: number;
  rolloff: number;
  half_window_len: number;
  num_zeros: number;
  table: ManifestEntry;
  outputs: Array<Omit<ManifestEntry, 'input'> & { input: string; orig_sr: number; target_sr: number }>;
}

/** A reference array as float64, with how far its storage may be from librosa's value. */
export interface GoldenArray {
  shape: number[];
  data: Float64Array;
  maxAbsError: number;
  maxRelError?: number;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

let librosaEntries: ManifestEntry[] | undefined;

export function manifestEntries(): ManifestEntry[] {
  librosaEntries ??= ['manifest.json', 'manifest_dcaselike.json'].flatMap(
    (f) => readJson<{ outputs: ManifestEntry[] }>(join(GOLDEN_DIR, f)).outputs,
  );
  return librosaEntries;
}

let resampy: ResampyManifest | undefined;

export function resampyManifest(): ResampyManifest {
  resampy ??= readJson<ResampyManifest>(join(RESAMPY_DIR, 'manifest.json'));
  return resampy;
}

/** Path of one of the test WAVs in test/golden/audio/. */
export function goldenWav(file: string): string {
  const path = join(AUDIO_DIR, file);
  if (!existsSync(path)) throw new Error(`${path}: no such golden WAV (test/golden/README.md lists them)`);
  return path;
}

/** Signals with outputs (one per test WAV). */
export function signalDirs(): string[] {
  return [...new Set(manifestEntries().map((e) => e.path.split('/')[0]))].sort();
}

/** Output names of one signal, stored or derived (e.g. `logmel_wei_constant_f64.npy`). */
export function npyFiles(signal: string): string[] {
  return manifestEntries()
    .filter((e) => e.path.startsWith(`${signal}/`))
    .map((e) => e.path.slice(signal.length + 1))
    .sort();
}

// ------------------------------------------------------------------ decoding

/** The values of a `*.planes.npy.gz` file: gzip of a .npy holding an
 * (itemsize, n) uint8 array of little-endian byte planes. */
function readPlanes(file: string, dtype: Stored['dtype']): DataView {
  const path = join(GOLDEN_ROOT, file);
  const a = parseNpy(gunzipSync(readFileSync(path)), path);
  const width = dtype === '<i8' ? 8 : 4;
  if (a.dtype !== '|u1' || a.shape.length !== 2 || a.shape[0] !== width) {
    throw new Error(`${path}: expected (${width}, n) uint8 byte planes for ${dtype}, got ${a.dtype} ${JSON.stringify(a.shape)}`);
  }
  const n = a.shape[1];
  const bytes = new Uint8Array(width * n);
  for (let b = 0; b < width; b++) for (let i = 0; i < n; i++) bytes[i * width + b] = a.data[b * n + i];
  return new DataView(bytes.buffer);
}

/** The integers of a fixed-point entry (exact in float64: |q| < 2^53). */
function fixedInts(e: ManifestEntry, byPath: Map<string, ManifestEntry>): Float64Array {
  const st = e.stored!;
  const dv = readPlanes(st.file, st.dtype);
  const w = st.dtype === '<i8' ? 8 : 4;
  const q = new Float64Array(dv.byteLength / w);
  for (let i = 0; i < q.length; i++) {
    q[i] = w === 4 ? dv.getInt32(i * 4, true) : dv.getInt32(i * 8 + 4, true) * 2 ** 32 + dv.getUint32(i * 8, true);
  }
  for (let k = 0; k < st.order!; k++) for (let i = 1; i < q.length; i++) q[i] += q[i - 1];
  if (st.base !== undefined) {
    const base = byPath.get(st.base);
    if (!base?.stored) throw new Error(`${st.file}: base ${st.base} is not a stored entry`);
    const b = fixedInts(base, byPath);
    if (b.length !== q.length) throw new Error(`${st.file}: base ${st.base} has ${b.length} values, this has ${q.length}`);
    for (let i = 0; i < q.length; i++) q[i] += b[i];
  }
  return q;
}

/** float32(int16 / 32768) of a mono 16-bit PCM WAV, read here without
 * src/audio so that the decoder under test is not its own reference. */
function pcm16(path: string): Float64Array {
  const b = readFileSync(path);
  if (b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') throw new Error(`${path}: not RIFF/WAVE`);
  let fmtOk = false;
  for (let p = 12; p + 8 <= b.length; ) {
    const id = b.toString('latin1', p, p + 4);
    const n = b.readUInt32LE(p + 4);
    if (id === 'fmt ') fmtOk = b.readUInt16LE(p + 8) === 1 && b.readUInt16LE(p + 10) === 1 && b.readUInt16LE(p + 22) === 16;
    if (id === 'data') {
      if (!fmtOk) throw new Error(`${path}: expected mono 16-bit PCM`);
      const y = new Float64Array(n / 2);
      for (let i = 0; i < y.length; i++) y[i] = Math.fround(b.readInt16LE(p + 8 + 2 * i) / 32768);
      return y;
    }
    p += 8 + n + (n & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

function slice(x: GoldenArray, slices: Slices, what: string): GoldenArray {
  if (slices.length !== x.shape.length) throw new Error(`${what}: ${slices.length} slices for shape ${JSON.stringify(x.shape)}`);
  const range = (s: [number | null, number | null], n: number): [number, number] => {
    const at = (v: number | null, dflt: number) => (v === null ? dflt : v < 0 ? n + v : v);
    return [at(s[0], 0), at(s[1], n)];
  };
  if (x.shape.length === 1) {
    const [a, b] = range(slices[0], x.shape[0]);
    return { ...x, shape: [b - a], data: x.data.slice(a, b) };
  }
  const [rows, cols] = x.shape;
  const [r0, r1] = range(slices[0], rows);
  const [c0, c1] = range(slices[1], cols);
  const out = new Float64Array((r1 - r0) * (c1 - c0));
  for (let r = r0; r < r1; r++) out.set(x.data.subarray(r * cols + c0, r * cols + c1), (r - r0) * (c1 - c0));
  return { ...x, shape: [r1 - r0, c1 - c0], data: out };
}

function sha256(x: Float64Array): string {
  return createHash('sha256').update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)).digest('hex');
}

const cache = new Map<string, GoldenArray>();

function decode(folder: string, e: ManifestEntry, byPath: Map<string, ManifestEntry>): GoldenArray {
  const key = `${folder}/${e.path}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let x: GoldenArray;
  const err = { maxAbsError: e.max_abs_error, maxRelError: e.max_rel_error };
  if (e.stored) {
    const st = e.stored;
    let data: Float64Array;
    if (st.encoding === 'fixed') {
      data = fixedInts(e, byPath);
      const step = 2 ** st.step_log2!;
      for (let i = 0; i < data.length; i++) data[i] *= step;
    } else if (st.encoding === 'float32') {
      const dv = readPlanes(st.file, st.dtype);
      data = new Float64Array(dv.byteLength / 4);
      for (let i = 0; i < data.length; i++) data[i] = dv.getFloat32(i * 4, true);
    } else {
      throw new Error(`${st.file}: unknown encoding ${String(st.encoding)}`);
    }
    x = { shape: e.shape, data, ...err };
  } else if (e.derived) {
    const d = e.derived;
    const from = (p: string) => {
      const src = byPath.get(p);
      if (!src) throw new Error(`${key}: derived from ${p}, which the manifest does not list`);
      return decode(folder, src, byPath);
    };
    if (d.kind === 'pcm16') {
      x = { shape: e.shape, data: pcm16(join(GOLDEN_ROOT, d.wav)), ...err };
    } else if (d.kind === 'slice') {
      x = { ...slice(from(d.from), d.slices, key), ...err };
    } else if (d.kind === 'stack') {
      const parts = d.from_slices.map((s) => slice(from(s.from), s.slices, key));
      const [rows, cols] = parts[0].shape;
      const k = parts.length;
      const data = new Float64Array(rows * cols * k);
      parts.forEach((p, c) => {
        if (p.shape[0] !== rows || p.shape[1] !== cols) throw new Error(`${key}: stacked parts differ in shape`);
        for (let i = 0; i < rows * cols; i++) data[i * k + c] = p.data[i];
      });
      x = { shape: [rows, cols, k], data, ...err };
    } else {
      throw new Error(`${key}: unknown derivation ${(d as { kind: string }).kind}`);
    }
  } else {
    throw new Error(`${key}: neither stored nor derived`);
  }
  const n = e.shape.reduce((a, b) => a * b, 1);
  if (x.data.length !== n || JSON.stringify(x.shape) !== JSON.stringify(e.shape)) {
    throw new Error(`${key}: decoded ${x.data.length} values of shape ${JSON.stringify(x.shape)}, manifest says ${JSON.stringify(e.shape)}`);
  }
  if (sha256(x.data) !== e.decoded_sha256) {
    throw new Error(`${key}: decoded array differs from the manifest's decoded_sha256 (damaged file or decoding error)`);
  }
  cache.set(key, x);
  return x;
}

function copy(x: GoldenArray): GoldenArray {
  return { ...x, shape: [...x.shape], data: Float64Array.from(x.data) };
}

let librosaByPath: Map<string, ManifestEntry> | undefined;

/** A librosa output, e.g. readGolden('chirp_16k_4s', 'logmel_wei_constant_f64.npy'). */
export function readGolden(signal: string, file: string): GoldenArray {
  librosaByPath ??= new Map(manifestEntries().map((e) => [e.path, e]));
  const e = librosaByPath.get(`${signal}/${file}`);
  if (!e) throw new Error(`${join(GOLDEN_DIR, signal, file)}: not in the golden manifests`);
  return copy(decode('librosa-0.9.2', e, librosaByPath));
}

/** A resampy output (`<signal>_to_<rate>.npy`) or the `kaiser_best_half_window.npy` table. */
export function readResampy(path: string): GoldenArray {
  const m = resampyManifest();
  const all = [m.table, ...m.outputs] as ManifestEntry[];
  const byPath = new Map(all.map((e) => [e.path, e]));
  const e = byPath.get(path);
  if (!e) throw new Error(`${join(RESAMPY_DIR, path)}: not in the resampy manifest`);
  return copy(decode('resampy-0.4.2', e, byPath));
}

/** The golden input samples: librosa.load's float32 output, as float64. */
export function loadSignal(signal: string): { y: Float64Array; sr: number } {
  const entry = manifestEntries().find((e) => e.path === `${signal}/load.npy`);
  if (!entry?.sr) throw new Error(`no load entry for ${signal}`);
  return { y: readGolden(signal, 'load.npy').data, sr: entry.sr };
}

/** "reference stored within ±e of librosa" for the printed lines. */
export function storedNote(g: GoldenArray): string {
  if (g.maxRelError !== undefined) return `reference stored within ${g.maxRelError.toExponential(1)} relative`;
  return g.maxAbsError === 0 ? 'reference exact' : `reference stored within ±${g.maxAbsError.toExponential(1)}`;
}

// ------------------------------------------------------------------ checksums

/** Files under `dir` (relative, `/`-separated, sorted). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Problems of `dir` against its SHA256SUMS (sha256sum format): files
 * whose hash differs, listed files that are missing, files not listed. */
export function checkSums(dir: string): { checked: number; problems: string[] } {
  const listed = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'SHA256SUMS'), 'utf8').split('\n')) {
    if (line === '') continue;
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m) throw new Error(`${join(dir, 'SHA256SUMS')}: bad line ${JSON.stringify(line)}`);
    listed.set(m[2], m[1]);
  }
  const present = filesUnder(dir).filter((f) => f !== 'SHA256SUMS');
  const problems: string[] = [];
  for (const f of present) if (!listed.has(f)) problems.push(`${f}: not listed in SHA256SUMS`);
  for (const [f, h] of listed) {
    const p = join(dir, f);
    if (!existsSync(p)) problems.push(`${f}: listed in SHA256SUMS but missing`);
    else if (createHash('sha256').update(readFileSync(p)).digest('hex') !== h) problems.push(`${f}: sha256 differs from SHA256SUMS`);
  }
  return { checked: listed.size, problems };
}

// ------------------------------------------------------------------ measures

export interface Diff {
  max: number;
  at: number;
  ours: number;
  ref: number;
}

export function maxAbsDiff(ours: ArrayLike<number>, ref: ArrayLike<number>): Diff {
  if (ours.length !== ref.length) throw new Error(`length mismatch: ${ours.length} vs ${ref.length}`);
  let d: Diff = { max: 0, at: -1, ours: NaN, ref: NaN };
  for (let i = 0; i < ref.length; i++) {
    const e = Math.abs(ours[i] - ref[i]);
    if (!(e <= d.max)) d = { max: e, at: i, ours: ours[i], ref: ref[i] };
  }
  return d;
}

/** Max relative error over entries with |ref| > floor. */
export function maxRelDiff(ours: ArrayLike<number>, ref: ArrayLike<number>, floor: number): Diff & { counted: number } {
  if (ours.length !== ref.length) throw new Error(`length mismatch: ${ours.length} vs ${ref.length}`);
  let d: Diff = { max: 0, at: -1, ours: NaN, ref: NaN };
  let counted = 0;
  for (let i = 0; i < ref.length; i++) {
    if (!(Math.abs(ref[i]) > floor)) continue;
    counted++;
    const e = Math.abs(ours[i] - ref[i]) / Math.abs(ref[i]);
    if (!(e <= d.max)) d = { max: e, at: i, ours: ours[i], ref: ref[i] };
  }
  return { ...d, counted };
}

export function fmt(d: Diff): string {
  return `${d.max.toExponential(3)} (at ${d.at}: ours ${d.ours}, librosa ${d.ref})`;
}
