/**
 * The TypeScript blocks of the documentation pages that define assets. A block whose info string
 * names a file (```ts file=examples/taxi/assets/zones.ts) is an excerpt: it must appear verbatim in
 * that file, which the project's typecheck compiles. Every other ```ts block is a module of its
 * own, with its imports, and is typechecked here against the repository's packages; a block with
 * a path (```ts path=src/lake.ts) is written there, so the page's other blocks can import it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { REPO, fencedBlocks } from './shell-blocks.js';

/** The pages whose TypeScript blocks are checked. */
export const TYPESCRIPT_PAGES = ['docs/getting-started.md', 'docs/concepts.md', 'docs/defining-assets.md', 'docs/partitions.md', 'docs/testing-assets.md', 'docs/deploying.md'];

/** One TypeScript block. */
export interface TypeScriptBlock {
  readonly page: string;
  readonly line: number;
  /** The file it is an excerpt of, if it says so. */
  readonly file: string | undefined;
  /** Where it lives in the page's imaginary project, when other blocks import it. */
  readonly path: string | undefined;
  readonly code: string;
}

/** The ```ts blocks of the pages. */
export function typeScriptBlocks(pages: readonly string[] = TYPESCRIPT_PAGES): TypeScriptBlock[] {
  return pages.flatMap((page) =>
    fencedBlocks(readFileSync(join(REPO, page), 'utf8'))
      .filter((b) => b.info === 'ts' || b.info.startsWith('ts '))
      .map((b) => ({ page, line: b.line, file: /\bfile=(\S+)/.exec(b.info)?.[1], path: /\bpath=(\S+)/.exec(b.info)?.[1], code: b.code })),
  );
}

/** Typechecks standalone blocks as modules; returns the diagnostics, each naming page and line. */
export function typecheck(blocks: readonly TypeScriptBlock[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'weft-doc-snippets-'));
  try {
    // Packages resolve from the repository, as they do for a project inside it.
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const origin = new Map<string, TypeScriptBlock>();
    const files = blocks.map((block, i) => {
      const project = join(dir, block.page.replace(/[/.]/g, '_'));
      const path = join(project, block.path ?? `snippet_${block.line}_${i}.ts`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, block.code);
      origin.set(path, block);
      return path;
    });
    const base = ts.readConfigFile(join(REPO, 'tsconfig.base.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(base.config, ts.sys, dir);
    const program = ts.createProgram(files, { ...options, noEmit: true, types: ['node'] });
    return ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file !== undefined && origin.has(d.file.fileName))
      .map((d) => {
        const block = origin.get(d.file?.fileName ?? '') as TypeScriptBlock;
        const { line } = ts.getLineAndCharacterOfPosition(d.file as ts.SourceFile, d.start ?? 0);
        return `${block.page}:${block.line + 1 + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
