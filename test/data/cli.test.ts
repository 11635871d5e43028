/**
 * `audio-aug-lab data ...` end to end: list, fetch / where / verify of a toy
 * dataset served from 127.0.0.1 (manifests from a temp dir via --manifests),
 * and verify of the real partial ESC-50 subset under $AUDIO_AUG_LAB_DATA
 * (skipped with the reason without it).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, promises as fsp, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/data.js';
import { main } from '../../src/cli/main.js';
import { makeTarGz, makeWav, makeZip, startServer, type TestServer, toyManifestObject } from './helpers.js';
import { itNeeds, needsData } from '../helpers/requires.js';

const ESC_REAL = needsData('esc50', 'the real partial ESC-50 subset (304 fold-4 clips with SHA256SUMS)');
let server: TestServer;
let tmp: string;
let manifests: string;
let out: string[];
let err: string[];

beforeAll(async () => {
  server = await startServer();
  tmp = mkdtempSync(join(tmpdir(), 'aal-cli-'));
  const zip = await makeZip([0, 1].map((i) => ({ name: `toyset/audio/clip-${i}.wav`, data: makeWav(3000, 16000, i) })));
  const tgz = await makeTarGz([{ name: 'toyset/audio/clip-2.wav', data: makeWav(3000, 16000, 2) }]);
  server.routes.set('/toy/a.zip', { body: zip });
  server.routes.set('/toy/b.tar.gz', { body: tgz });
  manifests = join(tmp, 'manifests');
  await fsp.mkdir(manifests);
  const obj = toyManifestObject({
    zipUrl: server.url('/toy/a.zip'),
    zipBytes: zip.length,
    zipMd5: createHash('md5').update(zip).digest('hex'),
    tgzUrl: server.url('/toy/b.tar.gz'),
    tgzBytes: tgz.length,
    tgzSha256: createHash('sha256').update(tgz).digest('hex'),
  });
  writeFileSync(join(manifests, 'toyset.json'), JSON.stringify(obj));
  const broken = structuredClone(obj) as { id: string; downloads: { url: { value: string } }[] };
  broken.id = 'toy404';
  broken.downloads[0].url.value = server.url('/toy/missing.zip');
  writeFileSync(join(manifests, 'toy404.json'), JSON.stringify(broken));
});

afterAll(async () => {
  await server.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

function capture(): void {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
}

afterEach(() => vi.restoreAllMocks());

describe('audio-aug-lab data', () => {
  it('--help and usage errors', async () => {
    capture();
    expect(await run(['--help'])).toBe(0);
    expect(out.join('\n')).toContain('fetch <id>');
    expect(out.join('\n')).toContain('AUDIO_AUG_LAB_DATA');
    expect(await run(['fetch'])).toBe(2);
    expect(await run(['frobnicate', 'x'])).toBe(2);
    expect(await main(['data', '--help'])).toBe(0);
  });

  it('list shows the five datasets of data-manifests/', async () => {
    capture();
    expect(await run(['list', '--data-root', join(tmp, 'empty-root')])).toBe(0);
    const text = out.join('\n');
    for (const id of ['chime-home', 'esc50', 'urbansound8k', 'tau2020-mobile-dev', 'tau2020-3class-dev']) expect(text).toContain(id);
    expect(text).toMatch(/tau2020-mobile-dev\s+18 file\(s\), 25\.5 GiB\s+checksums 18\/18 \(18 verified\)\s+absent/);
  });

  it('fetch, where, verify, and a no-op second fetch', async () => {
    const root = join(tmp, 'root');
    capture();
    expect(await run(['where', 'toyset', '--data-root', root, '--manifests', manifests])).toBe(1);
    expect(await run(['fetch', 'toyset', '--data-root', root, '--manifests', manifests])).toBe(0);
    expect(out.at(-1)).toBe(join(root, 'toyset', 'extracted', 'toyset'));
    const requests = server.requests.length;
    capture();
    expect(await run(['fetch', 'toyset', '--data-root', root, '--manifests', manifests])).toBe(0);
    expect(out[0]).toContain('already fetched and verified');
    expect(server.requests.length).toBe(requests);
    capture();
    expect(await run(['where', 'toyset', '--data-root', root, '--manifests', manifests])).toBe(0);
    expect(out).toEqual([join(root, 'toyset', 'extracted', 'toyset')]);
    capture();
    expect(await run(['verify', 'toyset', '--data-root', root, '--manifests', manifests])).toBe(0);
    expect(out.join('\n')).toContain('audio: all 3 files present');
    expect(out.at(-1)).toBe('toyset: OK');
  });

  it('a 404 surfaces through the dispatcher as one line naming the URL, exit 1', async () => {
    capture();
    const code = await main(['data', 'fetch', 'toy404', '--data-root', join(tmp, 'root404'), '--manifests', manifests]);
    expect(code).toBe(1);
    expect(err.join('\n')).toContain(`HTTP 404 Not Found for ${server.url('/toy/missing.zip')}`);
  });

  itNeeds(ESC_REAL, 'verify on $AUDIO_AUG_LAB_DATA/esc50 reports the partial fold-4 subset honestly (exit 3)', async () => {
    capture();
    const code = await run(['verify', 'esc50', '--data-root', join(ESC_REAL.path!, '..')]);
    const text = out.join('\n');
    console.info(text);
    expect(code).toBe(3);
    expect(text).toContain('no fetch marker');
    expect(text).toContain('SHA256SUMS: 306/306 files match');
    expect(text).toContain('PARTIAL SUBSET — 304 of the 2000 audio files of esc50 (15.2%)');
    expect(out.at(-1)).toBe('esc50: OK (partial subset)');
  });
});
