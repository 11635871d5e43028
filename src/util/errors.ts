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

/** The compute backend ran out of memory (e.g. the wasm heap's 4 GB) or aborted. */
export class BackendMemoryError extends AudioAugLabError {
  constructor(message: string) {
    super('BACKEND_MEMORY', message);
  }
}
