/**
 * Every command in the documentation is checked against reality, so the docs cannot drift: the
 * `weft` commands and flags they name exist (from the CLI's own help), the `npm run` scripts exist,
 * the files they run exist, and the blocks marked `sh run` run for real. Blocks marked `sh server`
 * need a running `weft dev`: docs/test/readme.int.test.ts runs them. The TypeScript of the pages
 * that define assets compiles, and excerpts of the example are verbatim.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTaxiExample } from './dev-run.js';
import { REPO, allShellBlocks, commandsOf, expectedExit, npmRunCall, weftCall, type ShellBlock } from './shell-blocks.js';
import { TYPESCRIPT_PAGES, typeScriptBlocks, typecheck } from './snippets.js';
import { acceptsFlag, weftHelp, type WeftHelp } from './weft-help.js';

const exec = promisify(execFile);
const blocks = allShellBlocks();
const where = (block: ShellBlock): string => `${block.file}:${block.line}`;

/** Scripts of the root package and of every workspace package, by package name ('' for the root). */
function packageScripts(): Map<string, { dir: string; scripts: Record<string, string> }> {
  const read = (dir: string) => JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')) as { name: string; workspaces?: string[]; scripts?: Record<string, string> };
  const root = read('.');
  const out = new Map([['', { dir: '.', scripts: root.scripts ?? {} }]]);
  for (const pattern of root.workspaces ?? []) {
    const dirs = pattern.endsWith('/*') ? readdirSync(join(REPO, pattern.slice(0, -2))).map((d) => `${pattern.slice(0, -2)}/${d}`) : [pattern];
    for (const dir of dirs.filter((d) => existsSync(join(REPO, d, 'package.json')))) {
      const pkg = read(dir);
      out.set(pkg.name, { dir, scripts: pkg.scripts ?? {} });
    }
  }
  return out;
}

describe('the commands of the documentation', () => {
  let help: WeftHelp;
  beforeAll(async () => {
    help = await weftHelp();
  }, 300_000);

  it('finds the shell blocks of every page', () => {
    const files = new Set(blocks.map((b) => b.file));
    for (const file of ['README.md', 'docs/getting-started.md', 'docs/deploying.md', 'examples/taxi/README.md']) expect(files, file).toContain(file);
    expect(blocks.filter((b) => b.annotations.includes('run')).length).toBeGreaterThanOrEqual(2);
    expect(blocks.filter((b) => b.annotations.includes('server')).length).toBeGreaterThanOrEqual(2);
  });

  it('names only real weft commands, each with flags it accepts', () => {
    const problems: string[] = [];
    let calls = 0;
    for (const block of blocks) {
      for (const command of commandsOf(block.code)) {
        const call = weftCall(command, help.commands);
        if (!call) continue;
        calls++;
        const path = call.command.join(' ');
        if (path !== '' && !help.commands.has(path) && !help.commands.has(call.command[0] ?? '')) {
          problems.push(`${where(block)}: \`${call.text}\`: weft has no command "${path}" (it has ${[...help.commands].join(', ')})`);
          continue;
        }
        const text = help.help(help.commands.has(path) ? path : (call.command[0] ?? ''));
        for (const flag of call.flags) if (!acceptsFlag(text, flag)) problems.push(`${where(block)}: \`${call.text}\`: weft ${path} does not accept ${flag}`);
      }
    }
    expect(calls).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  it('names only npm scripts that exist, and files that exist', () => {
    const scripts = packageScripts();
    const problems: string[] = [];
    for (const block of blocks) {
      for (const command of commandsOf(block.code)) {
        const run = npmRunCall(command);
        if (run) {
          const cwd = block.annotations.find((a) => a.startsWith('cwd='))?.slice(4);
          const pkg = run.workspace !== undefined ? scripts.get(run.workspace) : [...scripts.values()].find((p) => p.dir === (cwd ?? '.'));
          if (!pkg) problems.push(`${where(block)}: \`${command.join(' ')}\`: no package ${run.workspace ?? cwd}`);
          // A publishing step of a plugin's own repository names that package's scripts: some package here must have it.
          else if (!(run.script in pkg.scripts) && !(run.workspace === undefined && cwd === undefined && [...scripts.values()].some((p) => run.script in p.scripts && p.dir !== '.' && block.file === 'docs/plugin-authoring.md'))) {
            problems.push(`${where(block)}: \`${command.join(' ')}\`: ${pkg.dir}/package.json has no script "${run.script}"`);
          }
        }
        if (command[0] === 'bash' && command[1] !== undefined && !command[1].startsWith('-') && !existsSync(join(REPO, command[1]))) problems.push(`${where(block)}: ${command[1]} does not exist`);
        if (command[0] === 'npx' && command[1] === 'vitest' && command[2] === 'run') {
          for (const path of command.slice(3).filter((p) => !p.startsWith('-'))) if (!existsSync(join(REPO, path))) problems.push(`${where(block)}: ${path} does not exist`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  describe('`sh run` blocks, for real', () => {
    const copy = copyTaxiExample();
    afterAll(() => rmSync(copy, { recursive: true, force: true }));
    it.each(blocks.filter((b) => b.annotations.includes('run')).map((b) => [where(b), b] as const))('%s', async (_where, block) => {
      const code = block.code.replaceAll('examples/taxi', copy);
      const result = await exec('bash', ['-euo', 'pipefail', '-c', code], { cwd: REPO, timeout: 240_000 }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
      expect(result.code, `${code}\n${result.stdout}\n${result.stderr}`).toBe(expectedExit(block));
      expect(result.stdout.length).toBeGreaterThan(0);
    }, 300_000);
  });

  it('the plugins command lists the taxi example as JSON, and its generator lands the data it describes', async () => {
    const copy = copyTaxiExample();
    try {
      const { stdout, stderr } = await exec(process.execPath, [join(REPO, 'cli', 'bin', 'weft.js'), 'plugins', '--dir', copy, '--json'], { cwd: REPO, timeout: 120_000 });
      expect(JSON.parse(stdout)).toEqual([]);
      expect(stderr).toMatch(/taxi example: landed 504 hourly trip files \([\d,]+ rows, \d+ of them invalid\)/);
      expect(readFileSync(join(copy, '.weft', 'landing', 'trips', '2024-02-02', '17.csv'), 'utf8').endsWith('\n')).toBe(false);
      const repaired = await exec('npm', ['run', 'generate', '-w', '@weft/example-taxi', '--', '--repair', '--out', join(copy, '.weft', 'landing')], { cwd: REPO });
      expect(repaired.stdout).toContain('landed the complete file');
      expect(readFileSync(join(copy, '.weft', 'landing', 'trips', '2024-02-02', '17.csv'), 'utf8').endsWith('\n')).toBe(true);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 300_000);

  it('links every page of docs/ from the README', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const pages = readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md'));
    expect(pages.filter((p) => !readme.includes(`](docs/${p})`))).toEqual([]);
  });
});

describe('the TypeScript of the pages that define assets', () => {
  const tsBlocks = typeScriptBlocks();

  it('quotes the example verbatim where a block names its file', () => {
    const excerpts = tsBlocks.filter((b) => b.file !== undefined);
    expect(excerpts.length).toBeGreaterThanOrEqual(10);
    const stale = excerpts.filter((b) => !readFileSync(join(REPO, b.file as string), 'utf8').includes(b.code)).map((b) => `${b.page}:${b.line} is not in ${b.file}`);
    expect(stale).toEqual([]);
  });

  it('compiles every other block as a module of its own', () => {
    const standalone = tsBlocks.filter((b) => b.file === undefined);
    expect(new Set(standalone.map((b) => b.page)).size).toBeGreaterThanOrEqual(TYPESCRIPT_PAGES.length - 2);
    expect(typecheck(standalone)).toEqual([]);
  }, 240_000);
});
