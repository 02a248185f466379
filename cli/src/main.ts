/**
 * The `weft` command line's entry: parses the arguments with commander, runs the command, and
 * turns every outcome into an exit code (see exit-codes.ts).
 */
import { CommanderError } from 'commander';
import { WeftError } from '@weft/core';
import { buildProgram } from './cli/program.js';
import { Runner } from './cli/runner.js';
import { EXIT } from './exit-codes.js';
import { OptionError } from './options.js';
import { ApiError } from './remote/api-error.js';

/** Runs the `weft` command line and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const run = new Runner();
  const program = buildProgram(run, { writeOut: (t) => process.stdout.write(t), writeErr: (t) => process.stderr.write(t) });
  // Subcommands stop the process on their own otherwise.
  const override = (cmd: typeof program): void => {
    cmd.exitOverride();
    for (const sub of cmd.commands) override(sub);
  };
  override(program);
  if (argv.length === 0) {
    process.stdout.write(program.helpInformation());
    return EXIT.usage;
  }
  const name = (): string => (run.command ? `weft ${run.command}` : 'weft');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return run.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version print and succeed; every other commander error is a usage error, already printed.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof OptionError) {
      process.stderr.write(`${name()}: ${error.message}\n(add --help for the usage)\n`);
      return EXIT.usage;
    }
    if (error instanceof ApiError) {
      process.stderr.write(`${name()}: ${error.message}\n${error.hint ? `  ${error.hint}\n` : ''}`);
      return error.exitCode;
    }
    if (error instanceof WeftError) {
      process.stderr.write(`${name()}: ${error.message}\n`);
      return EXIT.failed;
    }
    process.stderr.write(`${name()}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failed;
  }
}
