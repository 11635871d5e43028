/**
 * The command line's one error path. Every command throws the project's
 * typed errors (src/util/errors.ts); `runCommand` catches whatever a
 * command throws, prints ONE line on stderr,
 *
 *   audio-aug-lab <command>: <file>[: line <n>]: <what is wrong>
 *
 * (no stack trace unless AUDIO_AUG_LAB_DEBUG=1) and returns the exit code.
 * Node's own errors are translated on the way: ERR_PARSE_ARGS_* (an unknown
 * option, a missing value) become usage errors, file-system errors (ENOENT,
 * EISDIR, EACCES, ...) a line naming the path. Commands that write files
 * check the output path first (src/cli/files.ts), so the path named is the
 * one the user gave, never a temporary name.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AudioAugLabError, describeErrno, UsageError } from '../util/errors.js';

/** Exit codes of every command. */
export const EXIT = {
  ok: 0,
  /** bad input (a file, a value in it, a parameter) or a failed run */
  error: 1,
  /** the command line itself is wrong */
  usage: 2,
  /** reproduce, full budget: a cell was measured and did not reproduce */
  notReproduced: 3,
  /** interrupted by SIGINT (Ctrl-C): 128 + 2 */
  sigint: 130,
  /** stopped by SIGTERM: 128 + 15 */
  sigterm: 143,
} as const;

/** The exit-code paragraph of the help texts. */
export function exitCodesHelp(extra: string[] = []): string {
  return [
    'exit codes:',
    '  0    ok',
    '  1    invalid input or a failed run (one line on stderr names the file and what is wrong)',
    '  2    usage error (unknown option, missing or malformed argument)',
    ...extra.map((l) => `  ${l}`),
    '  130  interrupted (SIGINT, Ctrl-C); 143 stopped (SIGTERM)',
    'Set AUDIO_AUG_LAB_DEBUG=1 to print the stack trace of an error too.',
  ].join('\n');
}

/** `parseArgs` whose failures (unknown option, missing value, unexpected
 * argument) are UsageErrors in our words. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw usageFromParseArgs(e);
  }
}

function usageFromParseArgs(e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return e;
  const message = (e as Error).message;
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return new UsageError(`unknown option '${unknown[1]}'`);
  const positional = /^Unexpected argument '([^']*)'/.exec(message);
  if (positional) return new UsageError(`unexpected argument '${positional[1]}'`);
  // "Option '--out <value>' argument missing" and the like: first sentence, lower case
  const first = message.split(/\.\s/)[0].replace(/\.$/, '');
  return new UsageError(first.charAt(0).toLowerCase() + first.slice(1));
}

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}

/** The exit code and the one stderr line for an error thrown by command `cmd`. */
export function describeFailure(cmd: string | null, e: unknown): { code: number; line: string } {
  const who = cmd ? `audio-aug-lab ${cmd}` : 'audio-aug-lab';
  const err = usageFromParseArgs(e);
  if (err instanceof UsageError) {
    const see = cmd ? `audio-aug-lab ${cmd} --help` : 'audio-aug-lab --help';
    return { code: EXIT.usage, line: `${who}: ${oneLine(err.message)} (see ${see})` };
  }
  if (err instanceof AudioAugLabError) return { code: EXIT.error, line: `${who}: ${oneLine(err.message)}` };
  const errno = describeErrno(err);
  if (errno) {
    const path = (err as NodeJS.ErrnoException).path;
    return { code: EXIT.error, line: `${who}: ${path ? `${path}: ` : ''}${errno.text}` };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: EXIT.error,
    line: `${who}: internal error: ${oneLine(message)} (AUDIO_AUG_LAB_DEBUG=1 prints the stack trace)`,
  };
}

/** Print the one line (and the stack with AUDIO_AUG_LAB_DEBUG=1); return the exit code. */
export function reportFailure(cmd: string | null, e: unknown): number {
  const { code, line } = describeFailure(cmd, e);
  console.error(line);
  if (process.env.AUDIO_AUG_LAB_DEBUG === '1' && e instanceof Error && e.stack) console.error(e.stack);
  return code;
}

/** Run a command body; any error becomes one line on stderr and its exit code. */
export async function runCommand(cmd: string, body: (argv: string[]) => Promise<number>, argv: string[]): Promise<number> {
  try {
    return await body(argv);
  } catch (e) {
    return reportFailure(cmd, e);
  }
}
