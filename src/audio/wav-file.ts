/**
 * The file-system side of WAV I/O: `readWav` reads a file and decodes it with
 * `decodeWav` (errors name the path); `writeWav` encodes and writes
 * atomically (a temporary file in the same directory, then rename), so a
 * reader never sees a half-written WAV; a failed write names `path`, never
 * the temporary file.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AudioFormatError, fileAccessError, MissingFileError } from '../util/errors.js';
import { decodeWav, encodeWav, type DecodedWav, type EncodeWavOptions } from './wav.js';

/** Read and decode a WAV file. Missing file -> MissingFileError. */
export function readWav(path: string): DecodedWav {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MissingFileError('audio file does not exist', path);
    if (code === 'EISDIR') throw new AudioFormatError('is a directory, not a WAV file', path);
    throw new MissingFileError(`cannot read audio file (${code ?? String(e)})`, path);
  }
  return decodeWav(bytes, path);
}

/** Encode `channels` and write them to `path` atomically. */
export function writeWav(
  path: string,
  channels: ArrayLike<number>[],
  sampleRate: number,
  opts: EncodeWavOptions = {},
): void {
  const bytes = encodeWav(channels, sampleRate, opts);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file was never created
    }
    throw fileAccessError(e, path, 'write the WAV file');
  }
}
