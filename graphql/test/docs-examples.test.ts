/**
 * Every ```graphql block of docs/graphql.md is an operation the API accepts: it parses, validates
 * against the schema `buildSchema()` prints, and stays within the limits the server holds each
 * request to (tokens, depth, aliases, directives, cost; see LIMITS in src/server.ts). A block that
 * is deliberately not an operation (an SDL excerpt, variables) takes another fence language.
 */
import { readFileSync } from 'node:fs';
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { Kind, parse, specifiedRules, validate, type DocumentNode, type GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema, LIMITS } from '../src/index.js';

const DOC_PATH = 'docs/graphql.md';
const markdown = readFileSync(new URL(`../../${DOC_PATH}`, import.meta.url), 'utf8');

/** A fenced code block: its language, its code, and the line (1-based) its code starts on. */
interface Block {
  readonly lang: string;
  readonly source: string;
  readonly line: number;
  readonly firstLine: string;
}

/** The fenced code blocks of a Markdown text (``` or ~~~ fences, CommonMark's closing rule). */
export function codeBlocks(text: string): Block[] {
  const lines = text.split(/\r?\n/);
  const blocks: Block[] = [];
  let open: { fence: string; lang: string; start: number; body: string[] } | undefined;
  for (const [i, line] of lines.entries()) {
    if (!open) {
      const m = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
      if (m) open = { fence: m[1]!, lang: (m[2] ?? '').toLowerCase(), start: i + 2, body: [] };
      continue;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
    if (close && close[1]![0] === open.fence[0] && close[1]!.length >= open.fence.length) {
      const source = open.body.join('\n');
      blocks.push({ lang: open.lang, source, line: open.start, firstLine: open.body.find((l) => l.trim() !== '')?.trim() ?? '(empty)' });
      open = undefined;
    } else open.body.push(line);
  }
  if (open) throw new Error(`${DOC_PATH}:${open.start - 1}: a ${open.fence} fence is never closed`);
  return blocks;
}

/**
 * The server's limit rules (graphql-armor as src/server.ts configures it) as validation rules that
 * report instead of throwing. Tokens are counted by `parse` itself.
 */
function limitRules(): ValidationRule[] {
  const rules: ValidationRule[] = [];
  const report = { propagateOnRejection: false, onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(error)] };
  const armor = new EnvelopArmor({
    blockFieldSuggestion: { enabled: false },
    maxTokens: { enabled: false },
    maxDepth: { n: LIMITS.maxDepth, ignoreIntrospection: true, ...report },
    maxAliases: { n: LIMITS.maxAliases, ...report },
    maxDirectives: { n: LIMITS.maxDirectives, ...report },
    costLimit: { maxCost: LIMITS.maxCost, ignoreIntrospection: true, ...report },
  });
  for (const plugin of armor.protect().plugins) plugin.onValidate?.({ addValidationRule: (rule: ValidationRule) => rules.push(rule) } as never);
  return rules;
}

const rules = [...specifiedRules, ...limitRules()];

/** What is wrong with one block, each problem with its line in the doc (none: it is fine). */
function problemsOf(block: Block): string[] {
  const where = (error: GraphQLError): string => {
    const at = error.locations?.[0];
    return at ? ` (${DOC_PATH}:${block.line + at.line - 1}:${at.column})` : '';
  };
  let document: DocumentNode;
  try {
    document = parse(block.source, { maxTokens: LIMITS.maxTokens });
  } catch (e) {
    return [`${(e as GraphQLError).message}${where(e as GraphQLError)}`];
  }
  const problems = validate(buildSchema(), document, rules).map((e) => `${e.message}${where(e)}`);
  if (!document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION)) problems.push('no operation: a block that is not one takes another fence language');
  return problems;
}

const examples = codeBlocks(markdown).filter((b) => b.lang === 'graphql');

describe(`the examples of ${DOC_PATH}`, () => {
  it('are there', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
  });

  it.each(examples.map((b) => ({ ...b, name: `line ${b.line}: ${b.firstLine}` })))('$name', (block) => {
    expect(problemsOf(block), `${DOC_PATH}:${block.line}: ${block.firstLine}`).toEqual([]);
  });

  it('cover what the doc promises: lineage, why a partition is so, failures and retry, backfill and its progress, the status drill-down, source changes, tokens', () => {
    const used = new Set<string>();
    for (const block of examples) {
      for (const d of parse(block.source).definitions) {
        if (d.kind !== Kind.OPERATION_DEFINITION) continue;
        for (const s of d.selectionSet.selections) if (s.kind === Kind.FIELD) used.add(`${d.operation} ${s.name.value}`);
      }
    }
    const promised = ['query lineage', 'query partition', 'query failures', 'mutation retry', 'mutation backfill', 'query request', 'subscription request', 'subscription events', 'query asset', 'mutation reportSourceChange', 'mutation createApiToken'];
    expect(promised.filter((p) => !used.has(p))).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find blocks by their fence language and keep longer fences whole', () => {
    const text = ['# t', '```graphql', '{ viewer { actor } }', '```', '', '````md', '```graphql', 'not this', '```', '````', '~~~text', 'x', '~~~'].join('\n');
    expect(codeBlocks(text).map((b) => [b.lang, b.line, b.firstLine])).toEqual([
      ['graphql', 3, '{ viewer { actor } }'],
      ['md', 7, '```graphql'],
      ['text', 12, 'x'],
    ]);
  });

  it('reject an unknown field, a missing argument, a query past the depth limit, and one with too many aliases', () => {
    const check = (source: string) => problemsOf({ lang: 'graphql', source, line: 1, firstLine: source });
    expect(check('{ viewer { actor } }')).toEqual([]);
    expect(check('{ viewer { nothing } }').join()).toMatch(/Cannot query field "nothing"/);
    expect(check('{ lineage(partitionKey: "x") { __typename } }').join()).toMatch(/argument "assetKey" of type "String!" is required/);
    let nested = 'id';
    for (let i = 0; i < LIMITS.maxDepth; i++) nested = `previous { ${nested} }`;
    expect(check(`{ materialization(id: "1") { ... on Materialization { ${nested} } } }`).join()).toMatch(/depth limit of 14/);
    expect(check(`{ ${Array.from({ length: LIMITS.maxAliases + 1 }, (_, i) => `a${i}: viewer { actor }`).join(' ')} }`).join()).toMatch(/aliases/i);
    expect(check('fragment F on Viewer { actor }').join()).toMatch(/no operation|never used/);
  });
});
