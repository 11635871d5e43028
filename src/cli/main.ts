/**
 * `npx audio-aug-lab <command> ...`: one entry point, one module per command
 * in this folder. Each command module exports `summary` (one line for the
 * help text) and `run(argv)` returning the process exit code; `run` goes
 * through the one error path of src/cli/command.ts (a failure is one line
 * on stderr and its exit code), and so does everything `main` itself
 * rejects.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, exitCodesHelp, reportFailure } from './command.js';
import { UsageError } from '../util/errors.js';

export interface CommandModule {
  summary: string;
  run(argv: string[]): Promise<number>;
}

/** Command name -> module file in src/cli/. Loaded lazily so one command's
 * dependencies (tfjs, vega) never slow down another. */
const COMMAND_NAMES = ['features', 'augment', 'eer', 'data', 'published', 'reproduce', 'report'] as const;
const COMMANDS: Record<string, () => Promise<CommandModule>> = Object.fromEntries(
  COMMAND_NAMES.map((name) => [name, () => import(`./${name}.js`) as Promise<CommandModule>]),
);

/** The version in package.json. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

async function helpText(): Promise<string> {
  const lines = [
    'usage: audio-aug-lab <command> [options]   (each command: --help)',
    '       audio-aug-lab --version',
    '',
    'commands:',
  ];
  for (const [name, load] of Object.entries(COMMANDS)) {
    let summary = '(not available)';
    try {
      summary = (await load()).summary;
    } catch {
      /* a command whose module is missing is listed as unavailable */
    }
    lines.push(`  ${name.padEnd(10)} ${summary}`);
  }
  lines.push('', exitCodesHelp(['3    reproduce, full budget: a measured cell did not reproduce the published one']));
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
      console.log(await helpText());
      return EXIT.ok;
    }
    if (cmd === '--version' || cmd === '-V') {
      if (rest.length > 0) throw new UsageError(`--version takes no arguments, got '${rest[0]}'`);
      console.log(`audio-aug-lab ${version()}`);
      return EXIT.ok;
    }
    if (!cmd) {
      // no command at all: the overview, as guidance, with the usage exit code
      console.log(await helpText());
      return EXIT.usage;
    }
    const load = COMMANDS[cmd];
    if (!load) throw new UsageError(`unknown command '${cmd}' (commands: ${COMMAND_NAMES.join(', ')})`);
    return await (await load()).run(rest);
  } catch (e) {
    return reportFailure(null, e);
  }
}

const invokedDirectly = process.argv[1] && /src[\\/]cli[\\/]main\.ts$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => process.exit(reportFailure(null, e)),
  );
}
