/**
 * Test helpers for the command line: run `main(argv)` in this process with
 * stdout and stderr captured line by line, list a folder tree (to show that
 * a failed command wrote nothing), and build the input WAVs (a tone, one
 * holding NaN / Infinity, one with no samples) byte by byte with the test
 * WAV builder, independently of the encoder under test.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { chunk, fmtChunk, interleave, riff } from '../audio/wav-builder.js';

export interface CliResult {
  code: number;
  out: string[];
  err: string[];
}

function lines(chunks: string[]): string[] {
  const text = chunks.join('');
  if (text === '') return [];
  return text.replace(/\n$/, '').split('\n');
}

/** `main(argv)` with console and process.std{out,err}.write captured. */
export async function cli(argv: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const toOut = (...a: unknown[]) => void out.push(`${a.map(String).join(' ')}\n`);
  const toErr = (...a: unknown[]) => void err.push(`${a.map(String).join(' ')}\n`);
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const spies = [
    vi.spyOn(console, 'log').mockImplementation(toOut),
    vi.spyOn(console, 'info').mockImplementation(toOut),
    vi.spyOn(console, 'error').mockImplementation(toErr),
    vi.spyOn(console, 'warn').mockImplementation(toErr),
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => out.push(String(s)) > 0),
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => err.push(String(s)) > 0),
  ];
  try {
    const code = await main(argv);
    return { code, out: lines(out), err: lines(err) };
  } finally {
    for (const s of spies) s.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Every file and folder under `dir`, relative, sorted. */
export function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      out.push(relative(dir, p));
      if (statSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** A float32 WAV of the given channels (any values, NaN and Infinity included). */
export function floatWav(path: string, channels: number[][], sampleRate: number): string {
  writeFileSync(
    path,
    riff([fmtChunk({ tag: 3, channels: channels.length, sampleRate, bitsPerSample: 32 }), chunk('data', interleave(channels, 'f32'))]),
  );
  return path;
}

/** A 16-bit PCM WAV header with an empty data chunk (0 frames). */
export function emptyWav(path: string, sampleRate = 16000): string {
  writeFileSync(path, riff([fmtChunk({ tag: 1, channels: 1, sampleRate, bitsPerSample: 16 }), chunk('data', new Uint8Array(0))]));
  return path;
}

/** Samples of a sum of sines (amplitude 0.3 each), deterministic. */
export function tone(n: number, sampleRate: number, freqs: number[]): number[] {
  return Array.from({ length: n }, (_, i) => freqs.reduce((s, f) => s + 0.3 * Math.sin((2 * Math.PI * f * i) / sampleRate), 0));
}
