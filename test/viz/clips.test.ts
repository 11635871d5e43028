import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clipAttribution, clipLicence, dataRootDir, findClip, freesoundLine, licenceNoteHtml, loadClip, openEscClips, repoRoot, sampleDir } from '../../src/viz/clips.js';
import { headerComment, libraryMap, presetSpecs } from '../../src/viz/views.js';
import { PRESET_NAMES } from '../../src/features/presets.js';
import { itNeeds, needsData } from '../helpers/requires.js';

const ESC_REAL = needsData('esc50', 'the 304 real ESC-50 fold-4 clips with LICENSE-ESC-50.txt');

describe('clip source', () => {
  it('computes its paths from the library location and $AUDIO_AUG_LAB_DATA, never from the working directory', () => {
    expect(repoRoot()).toBe(join(import.meta.dirname, '..', '..'));
    expect(sampleDir()).toBe(join(import.meta.dirname, '../../data-manifests/samples/esc10'));
    expect(dataRootDir('esc50', { AUDIO_AUG_LAB_DATA: '/data/root' })).toBe('/data/root/esc50');
    expect(dataRootDir('esc50', {})).toBeNull();
    expect(dataRootDir('esc50', { AUDIO_AUG_LAB_DATA: '' })).toBeNull();
  });

  it('without $AUDIO_AUG_LAB_DATA (or with a root that has no ESC-50 copy) uses the embedded sample', () => {
    const sample = openEscClips({});
    expect(sample.kind).toBe('sample');
    expect(sample.root).toBe(sampleDir());
    expect(sample.records).toHaveLength(20);
    expect(new Set(sample.records.map((r) => r.labels[0])).size).toBe(10);
    expect(openEscClips({ AUDIO_AUG_LAB_DATA: mkdtempSync(join(tmpdir(), 'aal-empty-root-')) }).kind).toBe('sample');
    expect(openEscClips({ AUDIO_AUG_LAB_NOTEBOOK_DATA: 'sample', AUDIO_AUG_LAB_DATA: '/nowhere' }).kind).toBe('sample');
    const rec = findClip(sample, 'dog');
    expect(loadClip(rec).sr).toBe(22050);
    // the sample's attribution file has a line for every clip
    for (const r of sample.records) expect(freesoundLine(sample.licenceText, r.id)).not.toBeNull();
    expect(() => openEscClips({ AUDIO_AUG_LAB_NOTEBOOK_DATA: 'data' })).toThrow(/AUDIO_AUG_LAB_DATA is not set/);
    expect(() => openEscClips({ AUDIO_AUG_LAB_NOTEBOOK_DATA: 'shared' })).toThrow(/'data' or 'sample'/);
  });

  it('finds the Freesound line and licence of a sample clip', () => {
    const src = openEscClips({});
    expect(freesoundLine(src.licenceText, '4-182395-A-0')).toBe(
      'clip derived from Big_dog_bark_01.aiff (http://www.freesound.org/people/pgonsilva/sounds/182395/) by pgonsilva [CC-BY]',
    );
    expect(freesoundLine(src.licenceText, 'not-a-clip')).toBeNull();
    const dog = findClip(src, 'dog');
    const lines = clipAttribution(src, dog);
    expect(lines[0]).toContain(dog.id);
    expect(lines[0]).toContain('freesound.org');
    expect(lines[1]).toContain('CC BY 3.0');
    expect(clipLicence({ esc10: false })).toContain('CC BY-NC 3.0');
    expect(licenceNoteHtml(src)).toContain('CC BY-NC 3.0');
    expect(licenceNoteHtml(src)).toContain('embedded ESC-10 sample');
    expect(() => findClip(src, 'unicorn')).toThrow(/no 'unicorn' clip/);
    expect(() => findClip(src, 'dog', 99)).toThrow(/out of range/);
  });

  itNeeds(ESC_REAL, 'with $AUDIO_AUG_LAB_DATA prefers its ESC-50 copy, and the sample on request', () => {
    const env = { AUDIO_AUG_LAB_DATA: join(ESC_REAL.path!, '..') };
    const real = openEscClips(env);
    expect(real.kind).toBe('data');
    expect(real.root).toBe(ESC_REAL.path);
    expect(real.records.length).toBe(304);
    expect(openEscClips({ ...env, AUDIO_AUG_LAB_NOTEBOOK_DATA: 'data' }).kind).toBe('data');
    expect(openEscClips({ ...env, AUDIO_AUG_LAB_NOTEBOOK_DATA: 'sample' }).kind).toBe('sample');
    expect(loadClip(findClip(real, 'dog')).sr).toBe(44100);
  });

  itNeeds(ESC_REAL, 'finds the Freesound line and licence of a clip in the real LICENSE-ESC-50.txt', () => {
    const text = readFileSync(join(ESC_REAL.path!, 'LICENSE-ESC-50.txt'), 'utf8');
    expect(freesoundLine(text, '4-182395-A-0')).toBe(
      'clip derived from Big_dog_bark_01.aiff (http://www.freesound.org/people/pgonsilva/sounds/182395/) by pgonsilva [CC-BY]',
    );
    expect(freesoundLine(text, '4-102844-B-49.wav')).toContain('20100802.sawing.wav');
    const src = openEscClips({ AUDIO_AUG_LAB_DATA: join(ESC_REAL.path!, '..') });
    const saw = findClip(src, 'hand_saw');
    expect(clipAttribution(src, saw)[1]).toContain('CC BY-NC 3.0');
  });
});

describe('library views', () => {
  it('headerComment reads a leading block comment', () => {
    expect(headerComment('/**\n * What it is.\n * More.\n */\nexport {}')).toBe('What it is. More.');
    expect(headerComment('export const x = 1;')).toBe('');
  });

  it('libraryMap lists every src area with its import path', () => {
    const rows = libraryMap();
    const areas = rows.map((r) => r.area);
    for (const a of ['src/audio', 'src/features', 'src/augment', 'src/viz']) expect(areas).toContain(a);
    const viz = rows.find((r) => r.area === 'src/viz')!;
    expect(viz.import).toBe('audio-aug-lab/viz/index.js');
    expect(String(viz.what)).toMatch(/^Notebook helpers/);
    expect(String(viz.modules)).toContain('gallery');
    for (const r of rows) expect(existsSync(join(repoRoot(), String(r.area)))).toBe(true);
  });

  it('presetSpecs gives one chart per preset', () => {
    const src = openEscClips({});
    expect(presetSpecs(findClip(src, 'rain'))).toHaveLength(PRESET_NAMES.length);
  });
});
