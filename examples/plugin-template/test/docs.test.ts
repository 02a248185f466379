/**
 * Keeps docs/plugin-authoring.md honest. Every TypeScript block of the guide is one of two kinds:
 *
 * - ```` ```ts compile ````: a whole module, typechecked here against the current sources of
 *   @weft/core, the testkit and this template (as the package name `@weft/example-plugin-template`);
 * - a block right after `<!-- include: <path> -->`: a verbatim copy of that file of the repository
 *   (the template's files, core's interfaces), compared here byte for byte — those files are
 *   typechecked, linted and tested where they live.
 *
 * A block of neither kind fails the test, so nothing in the guide drifts from the code unseen.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const guidePath = join(repo, 'docs/plugin-authoring.md');
const guide = readFileSync(guidePath, 'utf8');

interface Block {
  readonly line: number;
  readonly lang: string;
  readonly flags: readonly string[];
  readonly include: string | undefined;
  readonly code: string;
}

/** The fenced blocks of a markdown text, with the include comment right above each, if any. */
function blocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`${guidePath}:${start + 1}: the block is never closed`);
    let above = start - 1;
    while (above >= 0 && lines[above]!.trim() === '') above--;
    const include = above >= 0 ? /^<!-- include: (\S+) -->$/.exec(lines[above]!)?.[1] : undefined;
    out.push({ line: start + 1, lang: open[1] ?? '', flags: (open[2] ?? '').split(/\s+/).filter(Boolean), include, code: `${body.join('\n')}\n` });
  }
  return out;
}

const all = blocks(guide);
const typescript = all.filter((b) => b.lang === 'ts' || b.lang === 'typescript');
const compiled = typescript.filter((b) => b.flags.includes('compile'));
const included = all.filter((b) => b.include !== undefined);

describe('docs/plugin-authoring.md', () => {
  it('has only TypeScript that is compiled or included from the repository', () => {
    expect(compiled.length, 'compiled blocks').toBeGreaterThanOrEqual(5);
    expect(included.length, 'included blocks').toBeGreaterThanOrEqual(5);
    const loose = typescript.filter((b) => !b.flags.includes('compile') && b.include === undefined).map((b) => `line ${b.line}`);
    expect(loose, 'TypeScript blocks neither compiled nor included').toEqual([]);
    const both = compiled.filter((b) => b.include !== undefined).map((b) => `line ${b.line}`);
    expect(both, 'blocks both compiled and included').toEqual([]);
  });

  it.each(included.map((b) => [b.include!, b] as const))('quotes %s exactly', (path, block) => {
    const file = readFileSync(join(repo, path), 'utf8');
    expect(block.code, `the block at line ${block.line} differs from ${path}: copy the file into the guide again`).toBe(file);
  });

  it('compiles every `ts compile` block against the current API', () => {
    const options: ts.CompilerOptions = {
      ...ts.convertCompilerOptionsFromJson(JSON.parse(readFileSync(join(repo, 'tsconfig.base.json'), 'utf8')).compilerOptions, repo).options,
      noEmit: true,
      baseUrl: repo,
      paths: { '@weft/example-plugin-template': ['examples/plugin-template/src/index.ts'] },
    };
    // Each block is a module of its own beside the guide (so packages resolve from the repository's node_modules).
    const files = new Map(compiled.map((b) => [join(dirname(guidePath), `plugin-authoring.block-${b.line}.ts`), b]));
    const host = ts.createCompilerHost(options, true);
    const { getSourceFile, fileExists, readFile } = host;
    host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
    host.readFile = (f) => files.get(f)?.code ?? readFile.call(host, f);
    host.getSourceFile = (f, language, onError, create) => {
      const block = files.get(f);
      return block ? ts.createSourceFile(f, block.code, language, true) : getSourceFile.call(host, f, language, onError, create);
    };
    const program = ts.createProgram([...files.keys()], options, host);
    const problems = [...files.entries()].flatMap(([f, block]) =>
      [...program.getSyntacticDiagnostics(program.getSourceFile(f)), ...program.getSemanticDiagnostics(program.getSourceFile(f))].map((d) => {
        const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
        return `docs/plugin-authoring.md:${block.line + 1 + at}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      }),
    );
    expect(problems).toEqual([]);
  }, 120_000);
});
