// The waveform catalogue entries: listable, seeded (bit-identical on repeat),
// parameters validated with clear errors.
import { describe, expect, it } from 'vitest';
import { waveformEntries, type WaveformGroup } from '../../../src/augment/waveform/index.js';
import type { CatalogueEntry, ParamValue } from '../../../src/augment/types.js';
import type { Waveform } from '../../../src/audio/types.js';
import { Rng } from '../../../src/util/rng.js';
import { InvalidParameterError } from '../../../src/util/errors.js';

const SR = 16000;

function clip(seed: number, seconds = 0.5): Waveform {
  const r = new Rng(seed);
  const n = Math.round(seconds * SR);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = 0.3 * Math.sin((2 * Math.PI * 330 * i) / SR) + 0.05 * r.normal();
  y.fill(0, Math.round(n * 0.4), Math.round(n * 0.6)); // a silent stretch inside
  return { sr: SR, channels: [y] };
}

function entry(name: string): CatalogueEntry {
  const e = waveformEntries.find((x) => x.name === name);
  if (!e) throw new Error(`no entry ${name}`);
  return e;
}

/** Parameters that an entry needs beyond its defaults. */
const EXTRA: Record<string, Record<string, ParamValue>> = {
  spectrum_correction: { coefficients: Array.from({ length: 1025 }, (_, f) => 1 + f / 1025) },
};

function input(e: CatalogueEntry, seed: number): Waveform | WaveformGroup {
  if (e.target === 'batch') return { items: [clip(seed), clip(seed + 1), clip(seed + 2), clip(seed + 3)], labels: ['a', 'b', 'a', 'b'] };
  return clip(seed);
}

function flat(x: Waveform | WaveformGroup): number[] {
  const ws = 'items' in x ? x.items : [x];
  return ws.flatMap((w) => w.channels.flatMap((c) => Array.from(c)));
}

describe('waveform catalogue entries', () => {
  it('lists the waveform augmentations of mushtaq2020 and hu2020 with papers and parameters', () => {
    const names = waveformEntries.map((e) => e.name);
    for (const n of [
      'time_stretch',
      'pitch_shift',
      'trim',
      'remove_silence',
      'time_shift',
      'pitch_shift_hu2020',
      'speed_change_hu2020',
      'speed_change_resample',
      'gaussian_noise_hu2020',
      'gaussian_noise_snr',
      'same_class_mix',
      'reverb',
      'drc',
      'reverb_drc',
      'spectrum_correction',
    ]) {
      expect(names).toContain(n);
    }
    expect(new Set(names).size).toBe(names.length);
    for (const e of waveformEntries) {
      expect(e.papers.length).toBeGreaterThan(0);
      expect(e.summary.length).toBeGreaterThan(10);
      expect(e.params.some((p) => p.name === 'p')).toBe(true);
    }
  });

  for (const e of waveformEntries) {
    it(`${e.name}: same seed -> bit-identical output; the input is not modified`, () => {
      const t = e.create(EXTRA[e.name]);
      const x = input(e, 10);
      const before = flat(x);
      const a = t.apply(x, t.draw(new Rng(123), x));
      const b = t.apply(x, t.draw(new Rng(123), x));
      expect(flat(a)).toEqual(flat(b));
      expect(flat(x)).toEqual(before);
      for (const v of flat(a)) expect(Number.isFinite(v)).toBe(true);
      const drawn = t.draw(new Rng(123), x);
      expect(JSON.parse(JSON.stringify(drawn))).toEqual(drawn); // plain, loggable data
    });
  }

  it('random entries give different outputs for different seeds', () => {
    for (const name of ['time_shift', 'pitch_shift_hu2020', 'speed_change_hu2020', 'gaussian_noise_hu2020', 'gaussian_noise_snr', 'reverb', 'reverb_drc']) {
      const t = entry(name).create();
      const x = clip(1);
      const a = flat(t.apply(x, t.draw(new Rng(1), x)));
      const b = flat(t.apply(x, t.draw(new Rng(2), x)));
      expect(a, name).not.toEqual(b);
    }
  });

  it('keep the clip length where the method does (all but time_stretch and trim)', () => {
    for (const e of waveformEntries) {
      if (e.target !== 'waveform' || e.name === 'time_stretch' || e.name === 'trim') continue;
      const t = e.create(EXTRA[e.name]);
      const x = clip(3);
      const y = t.apply(x, t.draw(new Rng(4), x)) as Waveform;
      expect(y.channels[0].length, e.name).toBe(x.channels[0].length);
    }
    const ts = entry('time_stretch').create({ rate: 1.25 });
    const x = clip(3);
    expect((ts.apply(x, ts.draw(new Rng(1), x)) as Waveform).channels[0].length).toBe(6400);
  });

  it('maps every channel of a multichannel clip', () => {
    const t = entry('gaussian_noise_snr').create();
    const x: Waveform = { sr: SR, channels: [clip(1).channels[0], clip(2).channels[0]] };
    const y = t.apply(x, t.draw(new Rng(5), x)) as Waveform;
    expect(y.channels.length).toBe(2);
    expect(Array.from(y.channels[0])).not.toEqual(Array.from(y.channels[1]));
  });

  it('rejects bad parameters with errors naming the entry and the parameter', () => {
    const bad: Array<[string, Record<string, ParamValue>, RegExp]> = [
      ['time_stretch', { rate: 0 }, /time_stretch.*rate/],
      ['time_stretch', { rate: -0.5 }, /rate/],
      ['pitch_shift', { binsPerOctave: 0 }, /binsPerOctave/],
      ['pitch_shift', { binsPerOctave: 2.5 }, /binsPerOctave/],
      ['trim', { topDb: -3 }, /topDb/],
      ['remove_silence', { keepSil: -0.1 }, /keepSil/],
      ['remove_silence', { fill: 'mirror' }, /fill/],
      ['time_shift', { direction: 'up' }, /direction/],
      ['time_shift', { shiftMax: -1 }, /shiftMax/],
      ['speed_change_hu2020', { minRate: 0 }, /minRate/],
      ['speed_change_hu2020', { minRate: 2, maxRate: 1 }, /minRate/],
      ['speed_change_resample', { minSpeed: -1 }, /minSpeed/],
      ['gaussian_noise_snr', { minSnrDb: 20, maxSnrDb: 10 }, /minSnrDb/],
      ['gaussian_noise_hu2020', { scale: -1 }, /scale/],
      ['same_class_mix', { minGain: 1, maxGain: 0.5 }, /minGain/],
      ['reverb', { minRt60: 0 }, /minRt60/],
      ['reverb', { align: 'middle' }, /align/],
      ['drc', { ratio: 0.5 }, /ratio/],
      ['drc', { attack: -1 }, /attack/],
      ['reverb_drc', { preset: 'loud' }, /preset/],
      ['spectrum_correction', {}, /coefficients/],
      ['spectrum_correction', { coefficients: [1, 2, 3] }, /1025/],
      ['time_stretch', { p: 1.5 }, /parameter 'p'/],
      ['time_stretch', { speed: 2 }, /unknown parameter/],
    ];
    for (const [name, params, msg] of bad) {
      const f = () => entry(name).create(params);
      expect(f, `${name} ${JSON.stringify(params)}`).toThrow(InvalidParameterError);
      expect(f, `${name} ${JSON.stringify(params)}`).toThrow(msg);
    }
  });

  it('reverb with measured RIR files reports a missing file by its path', () => {
    expect(() => entry('reverb').create({ rirPaths: '/nonexistent/rir.wav' })).toThrow(/nonexistent\/rir\.wav/);
  });
});
