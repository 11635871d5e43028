import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { besselI0, FILTERS, filterTable, resample } from '../../src/audio/resample.js';
import { readWav } from '../../src/audio/wav-file.js';
import { InvalidParameterError } from '../../src/util/errors.js';
import { goldenWav, readResampy, RESAMPY_DIR, resampyManifest, storedNote } from '../features/golden.js';

// References: test/golden/resampy-0.4.2 (see test/golden/README.md), stored
// within 1/100 of each tolerance of resampy's values (asserted below).

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { worst: number; at: number } {
  let worst = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > worst || Number.isNaN(d)) {
      worst = Number.isNaN(d) ? Infinity : d;
      at = i;
    }
  }
  return { worst, at };
}

/** Test-local radix-2 FFT magnitude (src/features owns the real STFT). */
function fftMagnitude(x: Float64Array): Float64Array {
  const n = x.length;
  const re = Float64Array.from(x);
  const im = new Float64Array(n);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k);
        const wi = Math.sin(ang * k);
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b] * wr - im[b] * wi;
        const ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
  const mag = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) mag[k] = Math.hypot(re[k], im[k]);
  return mag;
}

function sine(freq: number, sr: number, seconds: number, amp: number): Float64Array {
  return Float64Array.from({ length: Math.round(sr * seconds) }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / sr));
}

function rms(x: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / (to - from));
}

describe('kaiser_best filter table (computed, not shipped)', () => {
  it('matches resampy 0.4.2 kaiser_best.npz half window', () => {
    const manifest = resampyManifest();
    const table = readResampy('kaiser_best_half_window.npy');
    expect(table.maxAbsError).toBeLessThanOrEqual(1e-12 / 100);
    const ref = table.data;
    const ours = filterTable('kaiser_best');
    expect(ours.length).toBe(manifest.half_window_len);
    expect(ref.length).toBe(ours.length);
    expect(FILTERS.kaiser_best.precision).toBe(manifest.precision);
    expect(FILTERS.kaiser_best.rolloff).toBe(manifest.rolloff);
    expect(FILTERS.kaiser_best.numZeros).toBe(manifest.num_zeros);
    const { worst, at } = maxAbsDiff(ours, ref);
    console.log(`kaiser_best table: worst |diff| ${worst.toExponential(3)} at index ${at} (value ${ref[at]}; ${storedNote(table)})`);
    expect(worst).toBeLessThanOrEqual(1e-12); // tolerance 1e-12 absolute (values up to 0.92)
  });

  it('besselI0 matches known values', () => {
    // I0(0) = 1, I0(1) = 1.2660658777520082, I0(10) = 2815.716628466254
    expect(besselI0(0)).toBe(1);
    expect(Math.abs(besselI0(1) - 1.2660658777520082)).toBeLessThan(1e-15);
    expect(Math.abs(besselI0(10) / 2815.716628466254 - 1)).toBeLessThan(1e-14);
  });

  it('kaiser_fast table has the documented shape (24 zero crossings x 512, starts at rolloff)', () => {
    const t = filterTable('kaiser_fast');
    expect(t.length).toBe(24 * 512 + 1);
    expect(t[0]).toBeCloseTo(0.868212, 15);
    // zero crossings of sinc(rolloff * x) fall at x = k / rolloff, between table entries
    expect(Math.abs(t[t.length - 1])).toBeLessThan(1e-4);
  });
});

describe('resample vs resampy 0.4.2 / librosa 0.9.2 (kaiser_best, fix=True)', () => {
  const outputs = resampyManifest().outputs;
  it('covers every *_to_* file in the golden folder', () => {
    const files = readdirSync(RESAMPY_DIR).filter((f) => /_to_\d+\.planes\.npy\.gz$/.test(f)).sort();
    expect(outputs.map((o) => o.stored!.file.split('/').pop()).sort()).toEqual(files);
  });
  for (const o of outputs) {
    it(`${o.input} ${o.orig_sr} -> ${o.target_sr} Hz matches ${o.path}`, () => {
      const wav = readWav(goldenWav(o.input));
      expect(wav.sampleRate).toBe(o.orig_sr);
      const y = resample(wav.channels[0], o.orig_sr, o.target_sr);
      const golden = readResampy(o.path);
      expect(golden.maxAbsError).toBeLessThanOrEqual(1e-6 / 100);
      const ref = golden.data;
      expect(y.length).toBe(ref.length);
      expect(y.length).toBe(Math.ceil((wav.nFrames * o.target_sr) / o.orig_sr));
      const { worst, at } = maxAbsDiff(y, ref);
      console.log(`${o.path}: worst |diff| ${worst.toExponential(3)} at sample ${at} (${storedNote(golden)})`);
      expect(worst).toBeLessThanOrEqual(1e-6); // tolerance 1e-6 (issue 2)
    });
  }
});

describe('resample properties', () => {
  for (const resType of ['kaiser_best', 'kaiser_fast'] as const) {
    it(`${resType}: a 1234.5 Hz sine 44100 -> 16000 keeps its frequency and amplitude`, () => {
      const x = sine(1234.5, 44100, 1.5, 0.5);
      const y = resample(x, 44100, 16000, { resType });
      expect(y.length).toBe(24000);
      // FFT peak of a Hann-windowed 16384-sample stretch from the middle
      const n = 16384;
      const seg = new Float64Array(n);
      const off = 4000;
      for (let i = 0; i < n; i++) seg[i] = y[off + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
      const mag = fftMagnitude(seg);
      let k = 0;
      for (let i = 1; i < mag.length; i++) if (mag[i] > mag[k]) k = i;
      // parabolic interpolation of the peak
      const p = (0.5 * (mag[k - 1] - mag[k + 1])) / (mag[k - 1] - 2 * mag[k] + mag[k + 1]);
      const freq = ((k + p) * 16000) / n;
      // amplitude: RMS away from the edges (filter half length <= 50 input samples)
      const amp = rms(y, 1000, 23000) * Math.SQRT2;
      console.log(`${resType}: peak ${freq.toFixed(3)} Hz (expected 1234.5), amplitude ${amp.toFixed(6)} (expected 0.5)`);
      expect(Math.abs(freq - 1234.5)).toBeLessThan(0.1); // bin width 0.98 Hz, interpolated peak
      // kaiser_best: within 0.2 %. kaiser_fast: resampy steps its 512-entry table by
      // floor(ratio * 512) = 185 instead of 185.76, which raises the gain by ~0.4 %
      // (+0.036 dB) at 44100 -> 16000; we port that faithfully, so allow 0.6 %.
      expect(Math.abs(amp - 0.5)).toBeLessThan(resType === 'kaiser_best' ? 1e-3 : 3e-3);
    });

    it(`${resType}: a tone above the new Nyquist is removed (anti-aliasing)`, () => {
      const x = sine(10000, 44100, 1, 1);
      const y = resample(x, 44100, 16000, { resType });
      const level = rms(y, 500, y.length - 500);
      const db = 20 * Math.log10(level / Math.SQRT1_2);
      console.log(`${resType}: 10 kHz tone after 44100 -> 16000: ${db.toFixed(1)} dB`);
      // measured: kaiser_best about -105 dB, kaiser_fast about -70 dB (24 zero
      // crossings, 512-entry table with linear interpolation)
      expect(db).toBeLessThan(resType === 'kaiser_best' ? -95 : -60);
    });
  }

  it('kaiser_fast and kaiser_best agree on a low-frequency tone', () => {
    const x = sine(440, 22050, 1, 0.8);
    const a = resample(x, 22050, 16000, { resType: 'kaiser_best' });
    const b = resample(x, 22050, 16000, { resType: 'kaiser_fast' });
    const { worst } = maxAbsDiff(a.subarray(200, -200), b.subarray(200, -200));
    console.log(`kaiser_fast vs kaiser_best at 440 Hz: worst |diff| ${worst.toExponential(3)}`);
    expect(worst).toBeLessThan(2e-3);
  });

  it('upsampling a sine by a non-integer ratio (pitch-shift style) matches the analytic sine', () => {
    const srIn = 16000 * 2 ** (-2 / 12); // librosa pitch_shift resamples from sr / rate to sr
    const x = Float64Array.from({ length: 20000 }, (_, i) => Math.sin((2 * Math.PI * 500 * i) / srIn));
    const y = resample(x, srIn, 16000);
    expect(y.length).toBe(Math.ceil((20000 * 16000) / srIn));
    let worst = 0;
    for (let t = 500; t < y.length - 500; t++) worst = Math.max(worst, Math.abs(y[t] - Math.sin((2 * Math.PI * 500 * t) / 16000)));
    console.log(`500 Hz sine ${srIn.toFixed(2)} -> 16000 Hz: worst |diff| vs analytic ${worst.toExponential(3)}`);
    expect(worst).toBeLessThan(1e-4);
  });

  it('equal rates return a copy; fixLength false keeps resampy length floor(n * ratio)', () => {
    const x = Float64Array.from({ length: 1001 }, (_, i) => Math.sin(i));
    const same = resample(x, 16000, 16000);
    expect(same).not.toBe(x);
    expect(Array.from(same)).toEqual(Array.from(x));
    expect(resample(x, 22050, 16000, { fixLength: false }).length).toBe(Math.floor((1001 * 16000) / 22050));
    expect(resample(x, 22050, 16000).length).toBe(Math.ceil((1001 * 16000) / 22050));
  });

  it('does not modify its input and rejects bad parameters', () => {
    const x = Float64Array.from({ length: 100 }, (_, i) => i / 100);
    const before = Array.from(x);
    resample(x, 44100, 16000);
    expect(Array.from(x)).toEqual(before);
    expect(() => resample(x, 0, 16000)).toThrow(InvalidParameterError);
    expect(() => resample(x, 16000, -1)).toThrow(/targetSr must be > 0/);
    expect(() => resample(x, 16000, NaN)).toThrow(InvalidParameterError);
    expect(() => resample(new Float64Array(2), 44100, 8000)).toThrow(/too short/);
    // @ts-expect-error: unknown filter name
    expect(() => resample(x, 16000, 8000, { resType: 'soxr_hq' })).toThrow(/resType/);
  });
});
