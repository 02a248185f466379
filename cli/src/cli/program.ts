/** The `weft` command line: every command, its options and help, on commander. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { EXIT_CODES_HELP } from '../exit-codes.js';
import { registerLocalCommands } from './local-commands.js';
import { registerRemoteCommands } from './remote-commands.js';
import type { Runner } from './runner.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const ENVIRONMENT_HELP = `Environment:
  WEFT_URL, WEFT_TOKEN     the \`weft server\` the API commands ask, and the token they send
  DATABASE_URL             the PostgreSQL database (server, worker, migrate, prune, locations, token)
  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS=1,
  TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_SERVER_NAME
                           the Temporal cluster (worker, server; dev uses it instead of its own)`;

/** Where commander writes: the process's streams unless a test gives others. */
export interface ProgramOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

/** Builds the program; actions store their exit code in `run`. */
export function buildProgram(run: Runner, output: ProgramOutput): Command {
  const program = new Command('weft')
    .description('Weft: a durable, partition-aware asset orchestrator for TypeScript.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand('help [command]', 'show help for a command')
    .showHelpAfterError('(add --help for the usage)')
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: output.writeOut, writeErr: output.writeErr, outputError: (text, write) => write(`weft: ${text.replace(/^error: /, '')}`) })
    .exitOverride();
  program.addHelpText('after', `\nEvery command has --help with its options and examples (weft <command> --help).\n\n${ENVIRONMENT_HELP}\n\n${EXIT_CODES_HELP}\n`);
  registerLocalCommands(program, run);
  registerRemoteCommands(program, run);
  return program;
}

export { VERSION };
