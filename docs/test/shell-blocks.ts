/**
 * The shell commands of the documentation: every ```sh block of README.md, docs/*.md and the
 * examples' READMEs, split into commands. A block's info string may carry annotations after `sh`:
 *
 *   ```sh run            run by the docs test for real (cheap: no server needed)
 *   ```sh server         run against a running `weft dev` of the taxi example (integration test)
 *   ```sh server exit=3  … expecting that exit code
 *
 * Blocks without one are checked, not run: every `weft` command they name must exist and accept
 * every flag given, and every `npm run` script must exist.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** One ```sh block. */
export interface ShellBlock {
  /** Path relative to the repository, e.g. `docs/getting-started.md`. */
  readonly file: string;
  /** Line of the opening fence (1-based). */
  readonly line: number;
  readonly annotations: readonly string[];
  readonly code: string;
}

/** The Markdown files whose commands are checked. */
export function documentedFiles(): string[] {
  const docs = readdirSync(join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f));
  const examples = readdirSync(join(REPO, 'examples'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join('examples', d.name, 'README.md'))
    .filter((f) => {
      try {
        readFileSync(join(REPO, f));
        return true;
      } catch {
        return false;
      }
    });
  return ['README.md', ...docs.sort(), ...examples.sort()];
}

/** Every fenced block of a Markdown text, with its info string. */
export function fencedBlocks(text: string): Array<{ line: number; info: string; code: string }> {
  const out: Array<{ line: number; info: string; code: string }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(.*)$/.exec(lines[i] as string);
    if (!open) continue;
    const [, indent = '', fence = '', info = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !(lines[j] as string).trimStart().startsWith(fence); j++) body.push((lines[j] as string).slice(indent.length));
    out.push({ line: i + 1, info: info.trim(), code: body.join('\n') });
    i = j;
  }
  return out;
}

/** The ```sh blocks of one file. */
export function shellBlocks(file: string): ShellBlock[] {
  return fencedBlocks(readFileSync(join(REPO, file), 'utf8'))
    .filter((b) => b.info === 'sh' || b.info.startsWith('sh '))
    .map((b) => ({ file: relative(REPO, join(REPO, file)), line: b.line, annotations: b.info.split(/\s+/).slice(1), code: b.code }));
}

/** Every ```sh block of the documentation. */
export function allShellBlocks(): ShellBlock[] {
  return documentedFiles().flatMap(shellBlocks);
}

/** The expected exit code of a block (`exit=N`), 0 by default. */
export function expectedExit(block: ShellBlock): number {
  const annotation = block.annotations.find((a) => a.startsWith('exit='));
  return annotation === undefined ? 0 : Number(annotation.slice(5));
}

/** Splits a shell line into words (quotes removed, `$VAR`s kept), stopping at a comment. */
export function words(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  let any = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      any = true;
    } else if (c === '#' && !any && current === '') {
      break;
    } else if (/\s/.test(c)) {
      if (any || current) out.push(current);
      current = '';
      any = false;
    } else {
      current += c;
      any = true;
    }
  }
  if (any || current) out.push(current);
  return out;
}

/**
 * The simple commands of a block: continuation lines joined, comments dropped, split at `&&`,
 * `||`, `;` and `|`, leading `VAR=value` assignments removed.
 */
export function commandsOf(code: string): string[][] {
  const joined = code.replace(/\\\n/g, ' ');
  const out: string[][] = [];
  for (const line of joined.split('\n')) {
    let command: string[] = [];
    for (const word of words(line)) {
      if (['&&', '||', ';', '|'].includes(word)) {
        if (command.length) out.push(command);
        command = [];
      } else if (!(command.length === 0 && /^[A-Z_][A-Z0-9_]*=/.test(word))) command.push(word);
    }
    if (command.length) out.push(command);
  }
  return out;
}

/** A `weft` invocation: the (sub)command path and the flags given. */
export interface WeftCall {
  readonly command: readonly string[];
  readonly flags: readonly string[];
  readonly text: string;
}

const WEFT_PREFIXES: ReadonlyArray<readonly string[]> = [['npx', 'weft'], ['weft'], ['node', 'cli/bin/weft.js'], ['npm', 'run', 'weft', '--']];

/** The `weft` call a command makes (`weft …`, `npx weft …`, `npm run weft -- …`), if any. */
export function weftCall(command: readonly string[], subcommands: ReadonlySet<string>): WeftCall | undefined {
  const prefix = WEFT_PREFIXES.find((p) => p.every((w, i) => command[i] === w));
  if (!prefix) return undefined;
  const rest = command.slice(prefix.length);
  const path: string[] = [];
  if (rest[0] !== undefined && !rest[0].startsWith('-')) path.push(rest[0]);
  if (path[0] !== undefined && rest[1] !== undefined && subcommands.has(`${path[0]} ${rest[1]}`)) path.push(rest[1]);
  const flags = rest.filter((w) => /^--?[A-Za-z]/.test(w)).map((w) => w.split('=')[0] as string);
  return { command: path, flags, text: command.join(' ') };
}

/** An `npm run` call: the script and the workspace it runs in (undefined: the root). */
export function npmRunCall(command: readonly string[]): { script: string; workspace: string | undefined } | undefined {
  if (command[0] !== 'npm' || (command[1] !== 'run' && command[1] !== 'test')) return undefined;
  if (command[1] === 'test') return { script: 'test', workspace: undefined };
  const args = command.slice(2, command.includes('--') ? command.indexOf('--') : undefined);
  const w = args.findIndex((a) => a === '-w' || a === '--workspace');
  const workspace = w >= 0 ? args[w + 1] : undefined;
  const script = args.find((a, i) => !a.startsWith('-') && (w < 0 || i !== w + 1));
  return script === undefined ? undefined : { script, workspace };
}
