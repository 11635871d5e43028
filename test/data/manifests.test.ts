/**
 * The dataset manifests in data-manifests/: all valid, honest about what is
 * unverified, consistent with the real data under $AUDIO_AUG_LAB_DATA when it
 * is given (skipped with the reason otherwise); and a bad manifest fails with
 * an error naming the file and the field.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/data/errors.js';
import { defaultManifestDir, getManifest, loadAllManifests, loadManifest } from '../../src/data/manifests.js';
import { itNeeds, needsData } from '../helpers/requires.js';

const CHIME_README = needsData('chime-home-meta/README.md', 'the README of the real CHiME-Home lists, which states the archive size');
const ESC_AUDIO = needsData('esc50/audio', 'the 304 real ESC-50 fold-4 clips');

describe('data-manifests/', () => {
  const all = loadAllManifests();

  it('has the five datasets, all valid', () => {
    expect(all.map((m) => m.id)).toEqual(['chime-home', 'esc50', 'tau2020-3class-dev', 'tau2020-mobile-dev', 'urbansound8k']);
  });

  it('CHiME-Home: one download with a verified size and md5, seven task-4 labels', () => {
    const m = getManifest('chime-home');
    expect(m.downloads).toHaveLength(1);
    expect(m.downloads[0].bytes.verified).toBe(true);
    expect(m.downloads[0].bytes.value).toBeGreaterThan(0);
    expect(m.downloads[0].md5).toMatchObject({ value: '9ce9d584e229b465b3aa08db2d7fee67', verified: true });
    expect(m.labels.names).toEqual(['c', 'm', 'f', 'v', 'p', 'b', 'o']);
  });

  itNeeds(CHIME_README, 'CHiME-Home: archive size equals the size stated with the real lists', () => {
    const readme = readFileSync(CHIME_README.path!, 'utf8');
    const size = Number(readme.match(/([\d,]+) bytes/)![1].replace(/,/g, ''));
    expect(getManifest('chime-home').downloads[0].bytes).toMatchObject({ value: size, verified: true });
  });

  it('TAU 2020: every file has a verified size and md5 (dcase_util), 16 + 2 and 21 + 2 files', () => {
    for (const [id, n] of [['tau2020-mobile-dev', 18], ['tau2020-3class-dev', 23]] as const) {
      const m = getManifest(id);
      expect(m.downloads).toHaveLength(n);
      for (const d of m.downloads) {
        expect(d.bytes.verified && d.md5?.verified).toBe(true);
        expect(d.md5?.source).toContain('dcase_util');
        expect(d.url.value).toBe(`https://zenodo.org/record/${id === 'tau2020-mobile-dev' ? 3819968 : 3670185}/files/${d.fileName}`);
      }
    }
    expect(getManifest('tau2020-3class-dev').audio.channels.value).toBe(2);
    expect(getManifest('tau2020-mobile-dev').audio.sampleRate.value).toBe(44100);
  });

  it('ESC-50 and UrbanSound8K: checksums only from third parties, so marked unverified; unknown sizes are null', () => {
    for (const id of ['esc50', 'urbansound8k']) {
      const d = getManifest(id).downloads[0];
      expect(d.md5?.verified).toBe(false);
      expect(d.md5?.source).toContain('soundata');
      expect(d.bytes).toMatchObject({ value: null, verified: false });
    }
    expect(getManifest('esc50').views?.[0]).toMatchObject({ id: 'esc10', filter: { column: 'esc10', equals: 'True' } });
  });

  itNeeds(ESC_AUDIO, 'ESC-50 audio format in the manifest matches the WAV headers of the 304 real clips', () => {
    const m = getManifest('esc50');
    const dir = ESC_AUDIO.path!;
    const seen = new Set<string>();
    for (const f of readdirSync(dir)) {
      const b = readFileSync(join(dir, f));
      let o = 12;
      let fmt = '';
      let dataBytes = -1;
      while (o + 8 <= b.length) {
        const id = b.toString('latin1', o, o + 4);
        const size = b.readUInt32LE(o + 4);
        if (id === 'fmt ') fmt = `${b.readUInt16LE(o + 8)}/${b.readUInt16LE(o + 10)}/${b.readUInt32LE(o + 12)}/${b.readUInt16LE(o + 22)}`;
        if (id === 'data') dataBytes = size;
        o += 8 + size + (size % 2);
      }
      const channels = Number(fmt.split('/')[1]);
      const bits = Number(fmt.split('/')[3]);
      seen.add(`${fmt} ${dataBytes / (channels * (bits / 8)) / Number(fmt.split('/')[2])}s`);
    }
    const { sampleRate, channels, bitDepth, durationSeconds } = m.audio;
    expect([...seen]).toEqual([`1/${channels.value}/${sampleRate.value}/${bitDepth.value} ${durationSeconds.value}s`]);
  });

  it('counts every value marked verified and unverified (printed for the report)', () => {
    const tally = { verified: 0, unverified: 0, unknown: 0 };
    const visit = (x: unknown): void => {
      if (Array.isArray(x)) x.forEach(visit);
      else if (x && typeof x === 'object') {
        const o = x as Record<string, unknown>;
        if ('verified' in o && 'source' in o && 'value' in o) {
          if (o.value === null) tally.unknown++;
          else if (o.verified) tally.verified++;
          else tally.unverified++;
        } else Object.values(o).forEach(visit);
      }
    };
    for (const m of all) {
      const before = { ...tally };
      visit(m);
      console.log(`${m.id}: verified ${tally.verified - before.verified}, unverified ${tally.unverified - before.unverified}, unknown ${tally.unknown - before.unknown}`);
    }
    expect(tally.verified).toBeGreaterThan(0);
  });
});

describe('manifest validation errors name the file and the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aal-manifests-'));
  const original = JSON.parse(readFileSync(join(defaultManifestDir(), 'esc50.json'), 'utf8'));

  function write(name: string, mutate: (m: any) => void): string {
    const m = structuredClone(original);
    mutate(m);
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(m));
    return file;
  }

  it('bad checksum format', () => {
    const f = write('esc50.json', (m) => (m.downloads[0].md5.value = 'xyz'));
    expect(() => loadManifest(f)).toThrow(ManifestError);
    expect(() => loadManifest(f)).toThrow(`${f}: invalid manifest: downloads.0.md5.value: must be 32 lower-case hex digits`);
  });

  it('an unknown value marked verified', () => {
    const f = write('esc50.json', (m) => (m.downloads[0].bytes.verified = true));
    expect(() => loadManifest(f)).toThrow('downloads.0.bytes.verified: an unknown (null) value cannot be marked verified');
  });

  it('a value without a source, an unknown key, a missing field', () => {
    expect(() => loadManifest(write('esc50.json', (m) => (m.homepage.source = '')))).toThrow('homepage.source: source must say where');
    expect(() => loadManifest(write('esc50.json', (m) => (m.colour = 'red')))).toThrow(/colour/);
    expect(() => loadManifest(write('esc50.json', (m) => delete m.layout.root))).toThrow(/layout\.root/);
  });

  it('bad JSON and an id that does not match the file name', () => {
    const f = join(dir, 'broken.json');
    writeFileSync(f, '{ "id": ');
    expect(() => loadManifest(f)).toThrow(`${f}: not valid JSON`);
    const g = write('other.json', () => {});
    expect(() => loadManifest(g)).toThrow("id: 'esc50' does not match the file name (expected 'other')");
  });

  it('loadAllManifests reads top-level files only (samples/ is not a manifest folder)', () => {
    const clean = mkdtempSync(join(tmpdir(), 'aal-manifests-clean-'));
    copyFileSync(join(defaultManifestDir(), 'esc50.json'), join(clean, 'esc50.json'));
    mkdirSync(join(clean, 'samples'));
    writeFileSync(join(clean, 'samples', 'whatever.json'), '{}');
    expect(loadAllManifests(clean).map((m) => m.id)).toEqual(['esc50']);
    expect(() => getManifest('nope', clean)).toThrow("no dataset 'nope' (known: esc50)");
  });
});
