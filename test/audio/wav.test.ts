import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav, encodeWav, toMono, type DecodedWav } from '../../src/audio/wav.js';
import { readWav, writeWav } from '../../src/audio/wav-file.js';
import { AudioFormatError, MissingFileError, NonFiniteError } from '../../src/util/errors.js';
import { goldenWav, manifestEntries, readGolden } from '../features/golden.js';
import { chunk, fmtChunk, interleave, riff, GUID_TAIL } from './wav-builder.js';
const tmp = mkdtempSync(join(tmpdir(), 'wav-test-'));

/** Deterministic pseudo-random integers in [lo, hi] (LCG; tests only). */
function ints(n: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(lo + (s % (hi - lo + 1)));
  }
  // always include the extremes
  out[0] = lo;
  out[1] = hi;
  out[2] = 0 >= lo && 0 <= hi ? 0 : lo;
  return out;
}

const CHANNEL_COUNTS = [1, 2, 6];
const N = 257; // odd, so 8-bit mono data chunks are odd-sized and padded

describe('decodeWav: every PCM / float layout, hand-built headers', () => {
  const cases = [
    { kind: 'u8', tag: 1, bits: 8, lo: 0, hi: 255, scale: (v: number) => (v - 128) / 128 },
    { kind: 'i16', tag: 1, bits: 16, lo: -32768, hi: 32767, scale: (v: number) => v / 32768 },
    { kind: 'i24', tag: 1, bits: 24, lo: -8388608, hi: 8388607, scale: (v: number) => v / 8388608 },
    { kind: 'i32', tag: 1, bits: 32, lo: -2147483648, hi: 2147483647, scale: (v: number) => v / 2147483648 },
    { kind: 'f32', tag: 3, bits: 32, lo: -40000, hi: 40000, scale: (v: number) => Math.fround(v / 30000) },
    { kind: 'f64', tag: 3, bits: 64, lo: -40000, hi: 40000, scale: (v: number) => v / 30000 + 1e-12 },
  ] as const;
  for (const c of cases) {
    for (const nCh of CHANNEL_COUNTS) {
      for (const extensible of [false, true]) {
        it(`${c.kind}, ${nCh} channel(s)${extensible ? ', WAVE_FORMAT_EXTENSIBLE' : ''}`, () => {
          const raw = Array.from({ length: nCh }, (_, ch) => ints(N, c.lo, c.hi, 17 + ch));
          const stored = c.kind === 'f32' || c.kind === 'f64' ? raw.map((r) => r.map(c.scale)) : raw;
          const bytes = riff([
            fmtChunk({
              tag: extensible ? 0xfffe : c.tag,
              subFormat: c.tag,
              channels: nCh,
              sampleRate: 12345,
              bitsPerSample: c.bits,
            }),
            chunk('data', interleave(stored, c.kind)),
          ]);
          const d = decodeWav(bytes, 'x.wav');
          expect(d.sampleRate).toBe(12345);
          expect(d.nFrames).toBe(N);
          expect(d.bitsPerSample).toBe(c.bits);
          expect(d.encoding).toBe(c.tag === 3 ? 'float' : 'pcm');
          expect(d.channels.length).toBe(nCh);
          for (let ch = 0; ch < nCh; ch++) {
            // exact: every scaling is a power of two or a stored float
            expect(Array.from(d.channels[ch])).toEqual(raw[ch].map(c.scale));
          }
        });
      }
    }
  }

  it('integer extremes scale like soundfile: -1 exactly, max just below 1', () => {
    const d8 = decodeWav(riff([fmtChunk({ tag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 8 }), chunk('data', Uint8Array.from([0, 128, 255]))]));
    expect(Array.from(d8.channels[0])).toEqual([-1, 0, 127 / 128]);
    const d24 = decodeWav(riff([fmtChunk({ tag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 24 }), chunk('data', interleave([[-8388608, -1, 8388607]], 'i24'))]));
    expect(Array.from(d24.channels[0])).toEqual([-1, -1 / 8388608, 8388607 / 8388608]);
  });
});

describe('encodeWav / decodeWav round trips', () => {
  for (const nCh of CHANNEL_COUNTS) {
    it(`pcm16, ${nCh} channel(s): values on the int16 grid come back exactly`, () => {
      const chans = Array.from({ length: nCh }, (_, ch) => Float64Array.from(ints(1000, -32768, 32767, ch + 3), (v) => v / 32768));
      const d = decodeWav(encodeWav(chans, 22050));
      expect(d.encoding).toBe('pcm');
      expect(d.bitsPerSample).toBe(16);
      expect(d.sampleRate).toBe(22050);
      expect(d.channels.map((c) => Array.from(c))).toEqual(chans.map((c) => Array.from(c)));
    });
    it(`float32, ${nCh} channel(s): values come back as float32`, () => {
      const chans = Array.from({ length: nCh }, (_, ch) => Float64Array.from(ints(1000, -100000, 100000, ch + 5), (v) => v / 65536.3));
      const d = decodeWav(encodeWav(chans, 48000, { encoding: 'float32' }));
      expect(d.encoding).toBe('float');
      expect(d.bitsPerSample).toBe(32);
      expect(d.channels.map((c) => Array.from(c))).toEqual(chans.map((c) => Array.from(c, Math.fround)));
    });
  }

  it('pcm16 rounds to the nearest step and clips', () => {
    const x = Float64Array.from([0.4 / 32768, 0.6 / 32768, -0.6 / 32768, 1.5, -2, 32767.4 / 32768, 0.99999]);
    const d = decodeWav(encodeWav([x], 8000));
    expect(Array.from(d.channels[0], (v) => v * 32768)).toEqual([0, 1, -1, 32767, -32768, 32767, 32767]);
    // arbitrary values: within half a step
    const y = Float64Array.from({ length: 500 }, (_, i) => Math.sin(i * 0.37) * 0.9);
    const dy = decodeWav(encodeWav([y], 8000)).channels[0];
    let worst = 0;
    for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(dy[i] - y[i]));
    console.log(`pcm16 quantisation: worst |diff| ${worst.toExponential(3)} (bound 0.5/32768 = ${(0.5 / 32768).toExponential(3)})`);
    expect(worst).toBeLessThanOrEqual(0.5 / 32768);
  });

  it('accepts Float32Array input; rejects NaN, unequal channels, bad rates', () => {
    const f32 = Float32Array.from([0.25, -0.5]);
    expect(Array.from(decodeWav(encodeWav([f32], 16000, { encoding: 'float32' })).channels[0])).toEqual([0.25, -0.5]);
    expect(() => encodeWav([Float64Array.from([0, NaN])], 16000)).toThrow(NonFiniteError);
    expect(() => encodeWav([new Float64Array(3), new Float64Array(4)], 16000)).toThrow(/channel 1 has 4 samples/);
    expect(() => encodeWav([new Float64Array(3)], 0)).toThrow(/sampleRate/);
    expect(() => encodeWav([new Float64Array(3)], 44100.5)).toThrow(/sampleRate/);
    expect(() => encodeWav([], 16000)).toThrow(/channel count/);
  });

  it('an empty recording (0 frames) round-trips', () => {
    const d = decodeWav(encodeWav([new Float64Array(0), new Float64Array(0)], 16000));
    expect(d.nFrames).toBe(0);
    expect(d.channels.length).toBe(2);
  });

  it('writeWav is atomic (no temp file left) and readWav reads it back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wav-write-'));
    const path = join(dir, 'out.wav');
    const x = Float64Array.from([0, 0.5, -0.25]);
    writeWav(path, [x, x], 16000, { encoding: 'float32' });
    writeWav(path, [x], 8000); // overwrite
    expect(readdirSync(dir)).toEqual(['out.wav']);
    const d = readWav(path);
    expect(d.sampleRate).toBe(8000);
    expect(d.channels.length).toBe(1);
    expect(Array.from(d.channels[0])).toEqual([0, 0.5, -0.25]);
  });
});

describe('chunk handling', () => {
  const fmt16 = fmtChunk({ tag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16 });
  const data = chunk('data', interleave([[1, -2, 3]], 'i16'));
  const expectSamples = (d: DecodedWav) => expect(Array.from(d.channels[0], (v) => v * 32768)).toEqual([1, -2, 3]);

  it('skips LIST / fact / odd-sized unknown chunks (with their pad byte), before and after data', () => {
    const odd = chunk('junk', Uint8Array.from([1, 2, 3, 4, 5])); // 5 bytes + 1 pad
    expect(odd.length).toBe(14);
    const list = chunk('LIST', new TextEncoder().encode('INFOISFT\u0005\u0000\u0000\u0000Lavf\u0000'));
    const fact = chunk('fact', Uint8Array.from([3, 0, 0, 0]));
    expectSamples(decodeWav(riff([odd, fmt16, list, fact, odd, data, list])));
  });

  it('fmt after data is accepted', () => {
    expectSamples(decodeWav(riff([data, fmt16])));
  });

  it('trailing bytes that are not a chunk are ignored once fmt and data are read', () => {
    const bytes = riff([fmt16, data, Uint8Array.from([0x49, 0x44, 0x33, 3, 0, 0xff, 0xff, 0xff, 0x7f, 1])]);
    expectSamples(decodeWav(bytes));
  });

  it('streamed data size 0xFFFFFFFF: samples run to the end of the file', () => {
    const body = interleave([[1, -2, 3]], 'i16');
    expectSamples(decodeWav(riff([fmt16, chunk('data', body, 0xffffffff)])));
  });

  it('the data size is taken from the chunk, not the RIFF size field', () => {
    const bytes = riff([fmt16, data]);
    new DataView(bytes.buffer).setUint32(4, 12345678, true); // stale RIFF size
    expectSamples(decodeWav(bytes));
  });
});

describe('invalid files: AudioFormatError naming the file and the problem', () => {
  const fmt16 = (over: Partial<Parameters<typeof fmtChunk>[0]> = {}) =>
    fmtChunk({ tag: 1, channels: 2, sampleRate: 16000, bitsPerSample: 16, ...over });
  const data16 = chunk('data', interleave([[1, 2], [3, 4]], 'i16'));
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['text.wav', new TextEncoder().encode('hello, this is not audio'), /not a RIFF\/WAVE file \(starts with "hell"\)/],
    ['tiny.wav', Uint8Array.from([0x52, 0x49]), /not a RIFF\/WAVE file/],
    ['avi.wav', riff([data16], 'AVI '), /not a RIFF\/WAVE file/],
    ['rifx.wav', riff([fmt16(), data16], 'WAVE', 'RIFX'), /not a RIFF\/WAVE file \(starts with "RIFX"\)/],
    ['nofmt.wav', riff([data16]), /missing fmt chunk/],
    ['nodata.wav', riff([fmt16(), chunk('LIST', new Uint8Array(4))]), /missing data chunk/],
    ['truncated.wav', riff([fmt16(), chunk('data', interleave([[1, 2], [3, 4]], 'i16'), 400)]), /data chunk is truncated: it declares 400 bytes but only 8 are in the file/],
    ['halfframe.wav', riff([fmt16(), chunk('data', new Uint8Array(6))]), /data chunk size 6 is not a whole number of 4-byte frames/],
    ['zero-ch.wav', riff([fmt16({ channels: 0, blockAlign: 0 }), data16]), /zero channels/],
    ['zero-rate.wav', riff([fmt16({ sampleRate: 0 }), data16]), /sample rate of 0 Hz/],
    ['align.wav', riff([fmt16({ blockAlign: 3 }), data16]), /block align 3 is inconsistent with 2 channel\(s\) x 16 bits \(expected 4\)/],
    ['adpcm.wav', riff([fmt16({ tag: 0x0002, bitsPerSample: 4, blockAlign: 2048 }), data16]), /unsupported codec: Microsoft ADPCM \(format tag 0x0002\)/],
    ['ima.wav', riff([fmt16({ tag: 0x0011, bitsPerSample: 4, blockAlign: 1024 }), data16]), /unsupported codec: IMA ADPCM \(format tag 0x0011\)/],
    ['mulaw.wav', riff([fmt16({ tag: 0x0007, bitsPerSample: 8, blockAlign: 2 }), data16]), /unsupported codec: mu-law \(format tag 0x0007\)/],
    ['ext-mulaw.wav', riff([fmt16({ tag: 0xfffe, subFormat: 0x0007, bitsPerSample: 8, blockAlign: 2 }), data16]), /EXTENSIBLE with sub-format mu-law \(format tag 0x0007\)/],
    ['ext-guid.wav', riff([fmt16({ tag: 0xfffe, guidTail: GUID_TAIL.map((b) => b ^ 1) }), data16]), /non-standard sub-format GUID/],
    ['ext-short.wav', riff([fmt16({ tag: 0xfffe, fmtSize: 18 }), data16]), /EXTENSIBLE fmt chunk is 18 bytes, 40 are required/],
    ['unknown-tag.wav', riff([fmt16({ tag: 0x1234 }), data16]), /unsupported codec: format tag 0x1234/],
    ['pcm12.wav', riff([fmt16({ bitsPerSample: 12, blockAlign: 3 }), data16]), /unsupported PCM sample size of 12 bits/],
    ['float16.wav', riff([fmt16({ tag: 3 }), data16]), /unsupported IEEE float sample size of 16 bits/],
    ['shortfmt.wav', riff([fmt16({ fmtSize: 14 }), data16]), /fmt chunk is 14 bytes, at least 16 are required/],
    ['chunk-overrun.wav', riff([fmt16(), chunk('LIST', new Uint8Array(4), 9999)]), /chunk "LIST" at byte 36 declares 9999 bytes but only 4 are in the file \(no data chunk found before it\)/],
    ['two-data.wav', riff([fmt16(), data16, data16]), /more than one data chunk/],
  ];
  for (const [name, bytes, re] of cases) {
    it(name, () => {
      const path = join(tmp, name);
      writeFileSync(path, bytes);
      let err: unknown;
      try {
        readWav(path);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AudioFormatError);
      const msg = (err as Error).message;
      expect(msg.startsWith(`${path}: `)).toBe(true);
      expect(msg).toMatch(re);
    });
  }

  it('a missing file is a MissingFileError naming it', () => {
    const path = join(tmp, 'does-not-exist.wav');
    expect(() => readWav(path)).toThrow(MissingFileError);
    expect(() => readWav(path)).toThrow(path);
  });

  it('a directory is an AudioFormatError', () => {
    expect(() => readWav(tmp)).toThrow(AudioFormatError);
  });
});

describe('toMono', () => {
  it('is the mean of the channels; one channel gives a copy', () => {
    const a = Float64Array.from([1, 2, 3]);
    const b = Float64Array.from([3, 0, -3]);
    const c = Float64Array.from([2, 1, 0.5]);
    expect(Array.from(toMono([a, b, c]))).toEqual([2, 1, 0.5 / 3]);
    const m = toMono([a]);
    expect(m).not.toBe(a);
    expect(Array.from(m)).toEqual([1, 2, 3]);
    expect(() => toMono([a, new Float64Array(2)])).toThrow(/differ in length/);
    expect(() => toMono([])).toThrow(/no channels/);
  });
});

describe('golden WAVs vs librosa.load (librosa 0.9.2 / soundfile)', () => {
  // The reference is librosa's load.npy, rebuilt from the WAV by the golden
  // helper's own 16-bit reader and checked against the sha256 of librosa's
  // array bytes (test/golden/README.md), so it is not our decoder.
  const loads = manifestEntries().filter((o) => o.op === 'librosa.load' && o.sr === o.input!.sr);
  it('finds the native-rate load.npy entries in the manifests', () => {
    expect(loads.length).toBeGreaterThanOrEqual(4);
  });
  for (const o of loads) {
    const input = o.input!;
    it(`${input.file} decodes to ${o.path}`, () => {
      const d = readWav(goldenWav(input.file));
      const [signal, file] = o.path.split('/');
      const ref = readGolden(signal, file).data;
      expect(d.sampleRate).toBe(input.sr);
      expect(d.channels.length).toBe(1);
      expect(d.nFrames).toBe(input.n_samples);
      expect(ref.length).toBe(d.nFrames);
      let worst = 0;
      const y = d.channels[0];
      for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i] - ref[i]));
      console.log(`${o.path}: worst |decode - librosa.load| = ${worst}`);
      expect(worst).toBeLessThanOrEqual(1e-7); // tolerance 1e-7 (int16 / 2^15 is exact in float32: expect 0)
    });
  }
});
