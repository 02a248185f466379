/**
 * Every statement of the store that updates partition-state rows sets `changed_xid`: the API's
 * status cache reads the rows changed since its last read by that column, and a row updated
 * without it would keep its old status there until the next full read. (Inserts take the column's
 * default; the property test in graphql/test/status-cache-incremental.int.test.ts runs every writer.)
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const STAMP = /\bchanged_xid\s*=\s*pg_current_xact_id\(\)/;
/** Where a write of partition-state rows starts; it runs to the next one (or the statement's end). */
const WRITE = /\b(?:INSERT INTO|UPDATE|MERGE INTO)\s+weft_partition_state\b/g;

/** The writes of partition-state rows in `source` that update rows without setting `changed_xid`. */
function unstampedWrites(source: string): string[] {
  const found: string[] = [];
  for (const literal of source.match(/`[^`]*`|'[^'\n]*'/g) ?? []) {
    const starts = [...literal.matchAll(WRITE)].map((m) => m.index);
    starts.forEach((start, i) => {
      const write = literal.slice(start, starts[i + 1] ?? literal.length);
      // An insert updates rows only through ON CONFLICT … DO UPDATE; UPDATE and MERGE always may.
      const updates = !write.startsWith('INSERT') || /\bDO\s+UPDATE\b/.test(write);
      if (updates && !STAMP.test(write)) found.push(write.replace(/\s+/g, ' ').slice(0, 100));
    });
  }
  return found;
}

describe('writes of partition-state rows', () => {
  it('set changed_xid wherever they update a row', async () => {
    const files = (await readdir(SRC)).filter((f) => f.endsWith('.ts'));
    let writes = 0;
    const missing: string[] = [];
    for (const file of files) {
      const source = await readFile(SRC + file, 'utf8');
      writes += (source.match(WRITE) ?? []).length;
      for (const write of unstampedWrites(source)) missing.push(`${file}: ${write}…`);
    }
    // (Plans, recordings, failures, releases, restores, checks, source observations.)
    expect(writes).toBeGreaterThanOrEqual(8);
    expect(missing).toEqual([]);
  });

  it('finds a write that does not (the check can fail)', () => {
    const bad = [
      '`UPDATE weft_partition_state ps SET status = $1 WHERE ps.location = $2`',
      "`INSERT INTO weft_partition_state AS ps (location) VALUES ($1) ON CONFLICT (location) DO UPDATE SET status = 'fresh'`",
      "`MERGE INTO weft_partition_state ps USING given ON true WHEN MATCHED THEN UPDATE SET status = 'fresh'`",
      // Two writes in one statement: the second one forgets.
      "`WITH one AS (UPDATE weft_partition_state SET changed_xid = pg_current_xact_id()) UPDATE weft_partition_state SET status = 'x'`",
    ];
    for (const sql of bad) expect(unstampedWrites(sql), sql).toHaveLength(1);
    const good = ['`INSERT INTO weft_partition_state (location) VALUES ($1) ON CONFLICT DO NOTHING`', '`UPDATE weft_partition_state SET status = $1, changed_xid = pg_current_xact_id()`'];
    for (const sql of good) expect(unstampedWrites(sql), sql).toEqual([]);
  });
});
