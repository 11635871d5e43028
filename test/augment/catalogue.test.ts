import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Rng } from '../../src/util/rng.js';
import { readWav, writeWav } from '../../src/audio/wav-file.js';
import { readNpy } from '../../src/io/npy.js';
import type { CatalogueEntry, ParamValue, Transform } from '../../src/augment/types.js';
import type { Waveform } from '../../src/audio/types.js';
import type { FeatureMap } from '../../src/features/types.js';
import { catalogue, createTransform, formatCatalogue, getEntry, parseParams } from '../../src/augment/catalogue.js';
import { SamplePairing, makeBatch, poolFromArray } from '../../src/augment/mix/index.js';
import { run as runAugment } from '../../src/cli/augment.js';
import { main } from '../../src/cli/main.js';

const OWN_ENTRIES = [
  'mixup',
  'mixup_hu2020',
  'sample_pairing',
  'mixup_lp',
  'extrapolation',
  'spec_augment',
  'spec_augment_10pct',
  'random_crop',
  'channel_confusion',
  'keras_taa',
];

describe('augmentation catalogue', () => {
  it('lists every entry once with target, paper references and parameter defaults', () => {
    const names = catalogue.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of OWN_ENTRIES) expect(names).toContain(n);
    expect(catalogue.some((e) => e.target === 'waveform')).toBe(true); // waveform entries merged in
    for (const e of catalogue) {
      expect(['waveform', 'spectrogram', 'image', 'batch']).toContain(e.target);
      expect(e.papers.length).toBeGreaterThan(0);
      for (const p of e.papers) {
        expect(p.paper.length).toBeGreaterThan(0);
        expect(p.where.length).toBeGreaterThan(0);
      }
      expect(e.summary.length).toBeGreaterThan(10);
      const pSpec = e.params.find((s) => s.name === 'p');
      expect(pSpec, `${e.name} has a probability p`).toBeDefined();
      expect([pSpec!.min, pSpec!.max]).toEqual([0, 1]);
      for (const s of e.params) expect(s.description.length).toBeGreaterThan(0);
    }
    const table = formatCatalogue();
    for (const e of catalogue) {
      const line = table.split('\n').find((l) => l.startsWith(`${e.name} `))!;
      expect(line, e.name).toBeDefined();
      expect(line).toContain(e.papers[0].paper);
      expect(line).toContain(`p=${String(e.params.find((s) => s.name === 'p')!.default)}`);
    }
  });

  it('every entry rejects p outside [0, 1] and unknown parameters with an error naming them', () => {
    for (const e of catalogue) {
      expect(() => e.create({ p: 1.5 }), e.name).toThrow(new RegExp(`${e.name}.*'p' must be <= 1, got 1.5`));
      expect(() => e.create({ p: -0.5 }), e.name).toThrow(/'p' must be >= 0/);
      expect(() => e.create({ noSuchParam: 1 }), e.name).toThrow(/unknown parameter 'noSuchParam'/);
    }
    expect(() => getEntry('warp')).toThrow(/unknown augmentation 'warp'/);
  });

  it('parses command-line parameter text by the parameter type', () => {
    const taa = getEntry('keras_taa');
    expect(parseParams(taa, ['rotationRange=15', 'brightnessRange=0.6,1.4', 'horizontalFlip=false', 'origin=upper'])).toEqual({
      rotationRange: 15,
      brightnessRange: [0.6, 1.4],
      horizontalFlip: false,
      origin: 'upper',
    });
    // librosa's snake_case spelling as in the examples
    expect(parseParams(getEntry('pitch_shift'), ['n_steps=2'])).toEqual({ nSteps: 2 });
    expect(parseParams(getEntry('trim'), ['top_db=60'])).toEqual({ topDb: 60 });
    expect(() => parseParams(taa, ['rotationRange=abc'])).toThrow(/'rotationRange' must be a number, got 'abc'/);
    expect(() => parseParams(taa, ['rotationRange'])).toThrow(/not of the form name=value/);
    expect(() => createTransform('mixup', parseParams(getEntry('mixup'), ['alpha=-1']))).toThrow(/alpha' must be >= 0/);
  });

  it('every entry with a fixed seed is bit-identical on repeat', () => {
    const sr = 16000;
    const sine = new Float64Array(4000).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / sr) * (i > 1000 && i < 3000 ? 1 : 0.01));
    const wave: Waveform = { channels: [sine, sine.map((v) => -0.5 * v)], sr };
    const r = new Rng(1);
    const fm: FeatureMap = { data: new Float32Array(2 * 64 * 120).map(() => r.random()), nChannels: 2, nFreq: 64, nTime: 120 };
    const bx = new Float32Array(8 * 20).map(() => r.normal());
    const by = new Float32Array(8 * 3).map((_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0));
    const batch = makeBatch(bx, by, 8, 20, 3);
    const overrides: Record<string, Record<string, ParamValue>> = {
      random_crop: { cropLength: 100 },
      spectrum_correction: { coefficients: Array.from({ length: 1025 }, (_, k) => 1 + 0.2 * Math.sin(k / 50)) },
    };
    const inputFor = (e: CatalogueEntry): unknown => {
      if (e.name === 'same_class_mix') return { items: [wave, wave, { channels: [sine.map((v) => v * 0.3), sine.map((v) => v * 0.2)], sr }], labels: [0, 0, 0] };
      if (e.target === 'waveform') return wave;
      if (e.target === 'batch') return batch;
      return fm;
    };
    const bytes = (o: unknown, acc: Buffer[] = []): Buffer[] => {
      if (ArrayBuffer.isView(o)) acc.push(Buffer.from(o.buffer, o.byteOffset, o.byteLength));
      else if (Array.isArray(o)) o.forEach((v) => bytes(v, acc));
      else if (o && typeof o === 'object') Object.values(o).forEach((v) => bytes(v, acc));
      else acc.push(Buffer.from(JSON.stringify(o) ?? 'undefined'));
      return acc;
    };
    for (const e of catalogue) {
      let t: Transform<unknown, unknown> = e.create(overrides[e.name] ?? {});
      if (t instanceof SamplePairing) t = t.withPool(poolFromArray(bx, 8, 20)) as Transform<unknown, unknown>;
      const x = inputFor(e);
      const a = Buffer.concat(bytes(t.apply(x, t.draw(new Rng(2024), x))));
      const b = Buffer.concat(bytes(t.apply(x, t.draw(new Rng(2024), x))));
      expect(a.length, e.name).toBeGreaterThan(0);
      expect(a.equals(b), `${e.name} repeat`).toBe(true);
    }
  });
});

describe('CLI: audio-aug-lab augment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aug-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sr = 16000;
  const wavPath = join(dir, 'tone.wav');
  writeWav(wavPath, [new Float64Array(8000).map((_, i) => 0.4 * Math.sin((2 * Math.PI * 330 * i) / sr))], sr);

  async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const code = await fn();
      return { code, out: log.mock.calls.map((c) => c.join(' ')).join('\n'), err: error.mock.calls.map((c) => c.join(' ')).join('\n') };
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  }

  it('--list prints the whole catalogue (name, target, paper, section, params=defaults)', async () => {
    const r = await capture(() => runAugment(['--list']));
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^name\s+target\s+paper\s+section\s+params/);
    for (const e of catalogue) expect(r.out).toMatch(new RegExp(`^${e.name}\\s+${e.target}\\s`, 'm'));
    expect(r.out).toContain('alpha=1.5');
    const j = await capture(() => runAugment(['--list', '--json']));
    expect((JSON.parse(j.out) as unknown[]).length).toBe(catalogue.length);
  });

  it('applies a waveform entry and writes 16-bit WAV, float WAV or float64 .npy, bit-identical per seed', async () => {
    const out16 = join(dir, 'slow.wav');
    const args = [wavPath, '--name', 'time_stretch', '--param', 'rate=0.8', '--seed', '3'];
    const r = await capture(() => runAugment([...args, '--out', out16]));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('time_stretch rate=0.8 seed=3');
    const w16 = readWav(out16);
    expect([w16.encoding, w16.bitsPerSample, w16.sampleRate]).toEqual(['pcm', 16, sr]);
    expect(w16.nFrames).toBe(10000); // round(8000 / 0.8)

    const outF = join(dir, 'slow-float.wav');
    expect((await capture(() => runAugment([...args, '--out', outF, '--float']))).code).toBe(0);
    const wf = readWav(outF);
    expect([wf.encoding, wf.bitsPerSample]).toEqual(['float', 32]);

    const outN = join(dir, 'slow.npy');
    expect((await capture(() => runAugment([...args, '--out', outN]))).code).toBe(0);
    const npy = readNpy(outN);
    expect(npy.dtype).toBe('<f8');
    expect(npy.shape).toEqual([10000]);
    let worst = 0;
    for (let i = 0; i < 10000; i++) worst = Math.max(worst, Math.abs(npy.data[i] - wf.channels[0][i]));
    expect(worst).toBeLessThan(1e-7); // float32 WAV vs float64 samples

    // random entry: same seed -> same bytes, other seed -> different
    const noise = (seed: string, file: string) =>
      capture(() => runAugment([wavPath, '--name', 'gaussian_noise_hu2020', '--seed', seed, '--out', join(dir, file)]));
    await noise('7', 'n1.npy');
    await noise('7', 'n2.npy');
    await noise('8', 'n3.npy');
    const [n1, n2, n3] = ['n1.npy', 'n2.npy', 'n3.npy'].map((f) => readFileSync(join(dir, f)));
    expect(n1.equals(n2)).toBe(true);
    expect(n1.equals(n3)).toBe(false);
  });

  it('refuses spectrogram, image and batch entries with a message saying what they act on', async () => {
    for (const [name, what] of [
      ['spec_augment', 'spectrogram feature maps'],
      ['keras_taa', 'the spectrogram as an image'],
      ['mixup', 'minibatches'],
    ]) {
      const r = await capture(() => main(['augment', wavPath, '--name', name, '--out', join(dir, 'x.wav')]));
      expect(r.code).toBe(1);
      expect(r.err).toContain(`'${name}' acts on ${what}`);
    }
  });

  it('reports usage errors (exit 2) and bad parameters (exit 1)', async () => {
    expect((await capture(() => main(['augment', wavPath, '--name', 'trim']))).code).toBe(2); // no --out
    expect((await capture(() => main(['augment', wavPath, '--name', 'trim', '--seed', '-1', '--out', 'x.wav']))).code).toBe(2);
    const bad = await capture(() => main(['augment', wavPath, '--name', 'time_stretch', '--param', 'speed=2', '--out', join(dir, 'y.wav')]));
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("unknown parameter 'speed'");
    const missing = await capture(() => main(['augment', join(dir, 'nope.wav'), '--name', 'trim', '--out', join(dir, 'z.wav')]));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('nope.wav');
    const help = await capture(() => runAugment(['--help']));
    expect(help.code).toBe(0);
    expect(help.out).toContain('usage: audio-aug-lab augment');
  });
});
