/** Pieces the command definitions share: option parsers, the remote and wait options, examples. */
import { type Command, InvalidArgumentError, Option } from 'commander';

/** Parses a TCP port (1–65535; 0 too when `free` allows a free one). */
export function portParser(free = false): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(Number.isInteger(n) && n >= (free ? 0 : 1) && n < 65536)) throw new InvalidArgumentError(`must be a TCP port number${free ? ' (0: a free one)' : ''}, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** Parses a whole number within bounds. */
export function intParser(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(Number.isInteger(n) && n >= min && n <= max)) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds the options that say which Weft API a command talks to. */
export function remoteOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'the `weft server` to ask (its base URL, e.g. https://weft.example.com); default: the running `weft dev` of --dir').env('WEFT_URL'))
    .addOption(new Option('--token <secret>', 'API token to send (prefer the environment variable: a flag shows in `ps`)').env('WEFT_TOKEN'))
    .option('--dir <folder>', 'the project whose running `weft dev` to ask (it writes <dir>/.weft/dev.json)', '.')
    .option('--state <folder>', "that `weft dev`'s state folder (default <dir>/.weft)")
    .option('--location <name>', "the code location (default: the server's: the only one with a deployment)");
}

/** Adds `--json`. */
export function jsonOption(cmd: Command): Command {
  return cmd.option('--json', 'print machine-readable JSON (one document on stdout, stable field names)', false);
}

/** Adds the options of commands that submit requests and follow them. */
export function waitOptions(cmd: Command): Command {
  return cmd
    .option('--no-wait', 'submit and return at once (print the request ids) instead of following the progress')
    .option('--timeout <age>', 'stop following after this long (30s, 10m, 2h): exit code 4, the requests go on')
    .option('--poll', 'poll the API each second instead of a live subscription (for proxies that buffer server-sent events)', false)
    .option('--priority <n>', 'higher runs first among requests (0–1000)', intParser(0, 1000), 0);
}

/** Appends examples (lines of `$ weft …` and comments) to a command's help. */
export function examples(cmd: Command, lines: readonly string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => (l.startsWith('#') ? `  ${l}` : `  $ ${l}`)).join('\n')}\n`);
}
