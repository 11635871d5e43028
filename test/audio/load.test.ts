import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAudio } from '../../src/audio/load.js';
import { writeWav } from '../../src/audio/wav-file.js';
import { AudioFormatError, InvalidParameterError, MissingFileError } from '../../src/util/errors.js';
import { goldenWav, loadSignal, readResampy, storedNote } from '../features/golden.js';

// References: test/golden (librosa 0.9.2 / resampy 0.4.2, see its README).
const tmp = mkdtempSync(join(tmpdir(), 'load-test-'));

describe('loadAudio (librosa.load)', () => {
  it('native rate by default; mono file gives one channel equal to librosa.load', () => {
    const w = loadAudio(goldenWav('tones_22050_5s.wav'));
    expect(w.sr).toBe(22050);
    expect(w.channels.length).toBe(1);
    const ref = loadSignal('tones_22050_5s').y; // librosa's load.npy, bit for bit (its sha256 is checked)
    expect(Array.from(w.channels[0])).toEqual(Array.from(ref));
  });

  it('sr given: resampled with kaiser_best, like librosa.load(sr=22050)', () => {
    const w = loadAudio(goldenWav('dcaselike_44k1_10s.wav'), { sr: 22050 });
    expect(w.sr).toBe(22050);
    const golden = readResampy('dcaselike_44k1_10s_to_22050.npy');
    expect(golden.maxAbsError).toBeLessThanOrEqual(1e-6 / 100);
    const ref = golden.data;
    expect(w.channels[0].length).toBe(ref.length);
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(w.channels[0][i] - ref[i]));
    console.log(`loadAudio(sr=22050) vs librosa: worst |diff| ${worst.toExponential(3)} (${storedNote(golden)})`);
    expect(worst).toBeLessThanOrEqual(1e-6); // tolerance 1e-6
  });

  it('multichannel: mono mixdown by default, channels kept with mono: false', () => {
    const path = join(tmp, 'stereo.wav');
    const l = Float64Array.from([0.5, -0.25, 0.125, 0]);
    const r = Float64Array.from([0.25, 0.25, -0.125, 1]);
    writeWav(path, [l, r], 8000, { encoding: 'float32' });
    const mono = loadAudio(path);
    expect(mono.channels.length).toBe(1);
    expect(Array.from(mono.channels[0])).toEqual([0.375, 0, 0, 0.5]);
    const both = loadAudio(path, { mono: false });
    expect(both.channels.map((c) => Array.from(c))).toEqual([Array.from(l), Array.from(r)]);
    const up = loadAudio(path, { mono: false, sr: 16000 });
    expect(up.sr).toBe(16000);
    expect(up.channels.map((c) => c.length)).toEqual([8, 8]);
  });

  it('expectedSr: a file at another rate is an AudioFormatError naming it', () => {
    const path = goldenWav('dcaselike_44k1_10s.wav');
    expect(() => loadAudio(path, { expectedSr: 16000 })).toThrow(AudioFormatError);
    expect(() => loadAudio(path, { expectedSr: 16000 })).toThrow(`${path}: expected 16000 Hz, file is 44100 Hz`);
    expect(loadAudio(path, { expectedSr: 44100, sr: 44100 }).sr).toBe(44100);
  });

  it('errors: missing file, bad sr', () => {
    expect(() => loadAudio(join(tmp, 'nope.wav'))).toThrow(MissingFileError);
    expect(() => loadAudio(join(tmp, 'nope.wav'), { sr: 0 })).toThrow(InvalidParameterError);
  });
});
