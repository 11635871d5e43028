/**
 * Input and output paths of the command line, checked before any work is
 * done, with errors that name the path the user gave:
 *
 *   checkInputFile(path)    exists, is a file (not a folder), readable
 *   checkOutputFile(path)   its folder exists and is writable; the path is
 *                           not a folder (an existing file is replaced)
 *   checkOutputDir(dir)     a writable folder, or one that can be created
 *                           (the nearest existing ancestor is a writable folder)
 *   writeOutput(path, fn)   run a write (temp file + rename inside) and name
 *                           `path`, never the temp file, when it fails
 */
import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FileAccessError, fileAccessError, MissingFileError } from '../util/errors.js';

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw fileAccessError(e, path);
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function checkInputFile(path: string, what = 'input file'): void {
  const st = statOrNull(path);
  if (!st) throw new MissingFileError(`${what} does not exist`, path);
  if (st.isDirectory()) throw new FileAccessError(`is a folder; the ${what} must be a file`, path, 'EISDIR');
  try {
    accessSync(path, constants.R_OK);
  } catch (e) {
    throw fileAccessError(e, path, `read the ${what}`);
  }
}

export function checkOutputFile(path: string): void {
  const st = statOrNull(path);
  if (st?.isDirectory()) throw new FileAccessError('is a folder; the output must be a file name', path, 'EISDIR');
  const dir = dirname(resolve(path));
  const dst = statOrNull(dir);
  if (!dst) throw new FileAccessError(`cannot write: the output folder ${dir} does not exist`, path, 'ENOENT');
  if (!dst.isDirectory()) throw new FileAccessError(`cannot write: ${dir} is not a folder`, path, 'ENOTDIR');
  if (!writable(dir)) throw new FileAccessError(`cannot write: the output folder ${dir} is not writable`, path, 'EACCES');
  if (st && !writable(path)) throw new FileAccessError('cannot replace: the file is not writable', path, 'EACCES');
}

export function checkOutputDir(dir: string): void {
  const st = statOrNull(dir);
  if (st) {
    if (!st.isDirectory()) throw new FileAccessError('exists and is not a folder; the output must be a folder', dir, 'EEXIST');
    if (!writable(dir)) throw new FileAccessError('the output folder is not writable', dir, 'EACCES');
    return;
  }
  let up = dirname(resolve(dir));
  for (;;) {
    const ust = statOrNull(up);
    if (ust) {
      if (!ust.isDirectory()) throw new FileAccessError(`cannot create the output folder: ${up} is not a folder`, dir, 'ENOTDIR');
      if (!writable(up)) throw new FileAccessError(`cannot create the output folder: ${up} is not writable`, dir, 'EACCES');
      return;
    }
    const parent = dirname(up);
    if (parent === up) return;
    up = parent;
  }
}

/** Create the output folder (checked by checkOutputDir), naming `dir` on failure. */
export function makeOutputDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw fileAccessError(e, dir, 'create the output folder');
  }
}

/** Run `write` (which writes `path`, perhaps through a temp file); a file-system
 * failure names `path`. */
export function writeOutput<T>(path: string, write: () => T): T {
  try {
    return write();
  } catch (e) {
    throw fileAccessError(e, path, 'write');
  }
}
