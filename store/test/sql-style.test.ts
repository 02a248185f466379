/**
 * The store's SQL names what it holds: no one-letter table aliases, subquery names or CTE names
 * (`FROM weft_materializations m`, `AS u(…)`, `) x`, `WITH d AS`), which make a 40-line statement
 * hard to read and easy to get wrong.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** The SQL of a source file: its template literals and quoted strings that hold a statement. */
function statements(source: string): string[] {
  const literals = [...source.matchAll(/`[^`]*`|'(?:SELECT|INSERT|UPDATE|DELETE|WITH)[^'\n]*'/g)].map((m) => m[0]);
  return literals.filter((s) => /\b(SELECT|INSERT|UPDATE|DELETE|MERGE|WITH)\b/.test(s));
}

const ONE_LETTER = [
  { what: 'table alias', re: /\b(?:FROM|JOIN|INTO|UPDATE|USING)\s+weft_[a-z_]+(?:\s+AS)?\s+([a-z])\b(?![(.\w])/g },
  { what: 'row-set alias', re: /\bAS\s+([a-z])\(/g },
  { what: 'subquery name', re: /\)\s+([a-z])\s+(?:ON|WHERE|ORDER|CROSS|LEFT|JOIN)\b|\)\s+([a-z])\s*`/g },
  { what: 'CTE name', re: /\bWITH\s+(?:RECURSIVE\s+)?([a-z])\s+AS\b|,\s*([a-z])\s+AS\s+\(/g },
];

describe('the store’s SQL', () => {
  it('has no one-letter table aliases, subquery names or CTE names', async () => {
    const files = (await readdir(SRC)).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    const found: string[] = [];
    let checked = 0;
    for (const file of files) {
      for (const sql of statements(await readFile(SRC + file, 'utf8'))) {
        checked++;
        for (const { what, re } of ONE_LETTER) for (const m of sql.matchAll(re)) found.push(`${file}: ${what} ${JSON.stringify(m[1] ?? m[2])} in ${JSON.stringify(sql.slice(0, 80))}…`);
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(found).toEqual([]);
  });

  it('finds them when they are there (the check can fail)', () => {
    const bad = ['`SELECT m.id FROM weft_materializations m`', '`SELECT u.a FROM unnest($1::text[]) AS u(a)`', '`SELECT * FROM (SELECT 1) x`', '`WITH d AS (DELETE FROM weft_events RETURNING 1) SELECT 1`'];
    for (const sql of bad) expect(ONE_LETTER.some(({ re }) => [...sql.matchAll(re)].length > 0), sql).toBe(true);
  });
});
