/**
 * Typed errors. Every error that comes from bad input names the file (or
 * parameter) and what is wrong with it, so a user sees where the problem is
 * without a stack trace.
 */
export class AudioAugLabError extends Error {
  readonly code: string;
  readonly file?: string;
  constructor(code: string, message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = new.target.name;
    this.code = code;
    this.file = file;
  }
}

/** A WAV (or other audio) file that cannot be read correctly. */
export class AudioFormatError extends AudioAugLabError {
  constructor(message: string, file?: string) {
    super('AUDIO_FORMAT', message, file);
  }
}

/** A file that should exist but does not. */
export class MissingFileError extends AudioAugLabError {
  constructor(message: string, file?: string) {
    super('MISSING_FILE', message, file);
  }
}

/** A checksum that does not match the published value. */
export class ChecksumError extends AudioAugLabError {
  constructor(message: string, file?: string) {
    super('CHECKSUM', message, file);
  }
}

/** A command line the command cannot run: an unknown option, a missing or
 * malformed argument. The CLI answers it with exit code 2. */
export class UsageError extends AudioAugLabError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/**
 * A file-system operation that failed (ENOENT, EISDIR, EACCES, ...), named by
 * the path the user gave (never a temporary name) and said in words.
 */
export class FileAccessError extends AudioAugLabError {
  /** Node's error code (ENOENT, EACCES, ...) when there was one. */
  readonly errno?: string;
  constructor(message: string, file: string, errno?: string) {
    super('FILE_ACCESS', message, file);
    this.errno = errno;
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder, not a file',
  EEXIST: 'already exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  ENOTEMPTY: 'the folder is not empty',
  EBUSY: 'is busy',
};

/** A Node file-system error said in words, or null for anything else. */
export function describeErrno(e: unknown): { errno: string; text: string } | null {
  const errno = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof errno !== 'string' || !/^E[A-Z]+$/.test(errno)) return null;
  return { errno, text: ERRNO_TEXT[errno] ?? `${errno} (${(e as Error).message})` };
}

/**
 * Rethrow a Node file-system error as a FileAccessError naming `userPath`
 * (what the user asked for, not the temporary file actually written).
 * Anything that is not a file-system error is returned unchanged.
 */
export function fileAccessError(e: unknown, userPath: string, action?: string): unknown {
  if (e instanceof AudioAugLabError) return e;
  const d = describeErrno(e);
  if (!d) return e;
  // writing a file that "does not exist" means its folder does not
  const text = d.errno === 'ENOENT' && action && /^(write|create)/.test(action) ? 'its folder does not exist' : d.text;
  return new FileAccessError(action ? `cannot ${action}: ${text}` : text, userPath, d.errno);
}

/** A parameter outside its valid range (alpha < 0, rate <= 0, ...). */
export class InvalidParameterError extends AudioAugLabError {
  constructor(message: string) {
    super('INVALID_PARAMETER', message);
  }
}

/** NaN or infinite values where finite numbers are required. */
export class NonFiniteError extends AudioAugLabError {
  constructor(message: string, file?: string) {
    super('NON_FINITE', message, file);
  }
}

/** Throw InvalidParameterError unless `cond` holds. */
export function require_(cond: boolean, message: string): asserts cond {
  if (!cond) throw new InvalidParameterError(message);
}

/** Throw NonFiniteError naming `what` if any value is NaN or infinite. */
export function assertFinite(x: ArrayLike<number>, what: string, file?: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new NonFiniteError(`${what} has a non-finite value (${x[i]}) at index ${i}`, file);
    }
  }
}

const warned = new Set<string>();

/**
 * Print `warning: <message>` on stderr once per process (the same message
 * again is dropped), as Python's `warnings.warn` does by default for one
 * call site: librosa's "Empty filters detected" is one such warning.
 */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.stderr.write(`warning: ${message}\n`);
}

/** The compute backend ran out of memory (e.g. the wasm heap's 4 GB) or aborted. */
export class BackendMemoryError extends AudioAugLabError {
  constructor(message: string) {
    super('BACKEND_MEMORY', message);
  }
}
