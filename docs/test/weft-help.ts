/**
 * What the `weft` command says it accepts, from its own help: the commands (and subcommands) and
 * each one's flags. With the commander CLI every command answers `weft <command> --help`; the
 * single usage text of the CLI before it (`weft help`) is the fallback, so the check works with
 * either.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './shell-blocks.js';

const exec = promisify(execFile);
const WEFT = join(REPO, 'cli', 'bin', 'weft.js');

/** Runs `weft …args` and returns its exit code and output. */
export async function runWeft(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec(process.execPath, [WEFT, ...args], { cwd: REPO, timeout: 120_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
  );
}

/** Names listed in a help text's `Commands:` section (first word of each entry). */
function listedCommands(help: string): string[] {
  const section = /\nCommands:\n([\s\S]*?)(\n\S|\n\n\S|$)/.exec(help)?.[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1] as string).filter((c) => c !== 'help');
}

/** The CLI's commands and their help texts. */
export interface WeftHelp {
  /** Command paths, e.g. `dev`, `token create`. */
  readonly commands: ReadonlySet<string>;
  /** Help text of a command path ('' for the top level). */
  help(path: string): string;
  /** Whether the help came from `--help` per command (the commander CLI) or the one usage text. */
  readonly perCommand: boolean;
}

/** Reads the help of every command. */
export async function weftHelp(): Promise<WeftHelp> {
  const top = await runWeft(['--help']);
  const perCommand = top.code === 0 && (await runWeft(['dev', '--help'])).code === 0;
  const usage = perCommand ? top.stdout : (await runWeft(['help'])).stdout;
  if (!/Commands:/.test(usage)) throw new Error(`weft --help / weft help printed no command list:\n${top.stdout}${top.stderr}`);
  const texts = new Map<string, string>([['', usage]]);
  const commands = new Set<string>(listedCommands(usage));
  if (perCommand) {
    const helpOf = async (path: string[]): Promise<void> => {
      const help = await runWeft([...path, '--help']);
      if (help.code !== 0) throw new Error(`weft ${path.join(' ')} --help failed (${help.code}): ${help.stderr}`);
      texts.set(path.join(' '), help.stdout);
      for (const sub of path.length === 1 ? listedCommands(help.stdout) : []) {
        commands.add(`${path[0]} ${sub}`);
        await helpOf([...path, sub]);
      }
    };
    // A few at a time: each is a Node process compiling the CLI.
    const queue = [...commands];
    await Promise.all(Array.from({ length: 3 }, async () => {
      for (let command = queue.shift(); command !== undefined; command = queue.shift()) await helpOf([command]);
    }));
  }
  return { commands, perCommand, help: (path) => (perCommand ? (texts.get(path) ?? '') : usage) };
}

/** Whether a help text names `flag` (`--dir`, `-h`) as an option. */
export function acceptsFlag(help: string, flag: string): boolean {
  if (flag === '--help' || flag === '-h' || flag === '--version' || flag === '-V') return true;
  const escaped = flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s,\\[])${escaped}(?![\\w-])`, 'm').test(help);
}
