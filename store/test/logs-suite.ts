/**
 * Log lines of computes, run against every driver: written with the outcome they belong to,
 * read back per token in order and paged, refused whole when one line is bad, pruned with their
 * attempt's detail (see store-pg.int.test.ts, store-pglite.int.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProvenanceStore, type LogLineInput, type SqlDatabase } from '../src/index.js';
import { NOW, jan, mat, sha, tableDigest } from './fixtures.js';
import type { StoreFactory } from './store-suite.js';

const line = (token: string, n: number, over: Partial<LogLineInput> = {}): LogLineInput => ({ token, attempt: 1, line: n, assetKey: 'd', partitionKey: jan(1), at: NOW + n, level: 'info', message: `line ${n}`, ...over });

export function describeLogs(name: string, factory: StoreFactory): void {
  describe(`log lines on ${name}`, () => {
    let db: SqlDatabase;
    let store: ProvenanceStore;

    beforeEach(async () => {
      db = await factory();
      store = new ProvenanceStore(db);
    });
    afterEach(async () => {
      await db.close();
    });

    it('writes lines with the outcome, and reads them per token in attempt and line order, paged', async () => {
      const m = mat('d', jan(1));
      const failedToken = sha('failed');
      await store.recordOutcome({
        materializations: [m],
        logs: [line(m.token, 1, { attempt: 2 }), line(m.token, 0, { attempt: 2, level: 'warn', fields: { rows: 3, nested: { a: [1, 2] } } }), line(m.token, 0), line(failedToken, 0, { level: 'error', message: 'NUL \u0000 kept, and ünïcode' })],
        failures: [{ token: failedToken, assetKey: 'd', partitionKey: jan(2), attempt: 1, failureClass: 'actionable', fingerprint: 'fp', message: 'boom', retryAt: null, finishedAt: NOW }],
      });
      const logs = await store.explorer.logs([m.token, failedToken, sha('none')]);
      expect(logs.get(m.token)?.map((l) => [l.attempt, l.line, l.level, l.message])).toEqual([
        [1, 0, 'info', 'line 0'],
        [2, 0, 'warn', 'line 0'],
        [2, 1, 'info', 'line 1'],
      ]);
      expect(logs.get(m.token)?.[1]?.fields).toEqual({ rows: 3, nested: { a: [1, 2] } });
      expect(logs.get(m.token)?.[0]).toMatchObject({ at: NOW, fields: null });
      expect(logs.get(failedToken)?.[0]?.message).toBe('NUL \u0000 kept, and ünïcode');
      expect(logs.get(sha('none'))).toEqual([]);
      const page = await store.explorer.logs([m.token], { first: 1, after: { attempt: 1, line: 0 } });
      expect(page.get(m.token)?.map((l) => [l.attempt, l.line])).toEqual([[2, 0]]);
      // A line written again (a retried recording) is kept once.
      await store.recordOutcome({ logs: [line(m.token, 0, { message: 'again' })] });
      expect((await store.explorer.logs([m.token])).get(m.token)?.[0]?.message).toBe('line 0');
      // Another location's store sees none of them.
      expect((await new ProvenanceStore(db, 'other').explorer.logs([m.token])).get(m.token)).toEqual([]);
    });

    it('refuses a whole outcome with a bad line, naming the field, and writes nothing', async () => {
      const m = mat('d', jan(1));
      const before = await tableDigest(db);
      await expect(store.recordOutcome({ materializations: [m], logs: [line(m.token, 0), line(m.token, 1, { level: 'loud' as never })] })).rejects.toThrow(/log level must be one of debug, info, warn, error, got "loud"/);
      await expect(store.recordOutcome({ materializations: [m], logs: [line(m.token, 0, { message: 'x'.repeat(70_000) })] })).rejects.toThrow(/log message must be text of at most 65536 bytes/);
      await expect(store.recordOutcome({ materializations: [m], logs: [line(m.token, -1)] })).rejects.toThrow(/log line must be an integer/);
      expect(await tableDigest(db)).toEqual(before);
    });

    it('prunes the lines of old attempts with their detail, keeping those of current tokens', async () => {
      const DAY = 86_400_000;
      const old = mat('d', jan(1), { tag: 'old', finishedAt: NOW - 10 * DAY });
      await store.recordOutcome({ materializations: [old], logs: [line(old.token, 0, { at: NOW - 10 * DAY })] });
      const current = mat('d', jan(1), { tag: 'new', finishedAt: NOW - 9 * DAY });
      await store.recordOutcome({ materializations: [current], logs: [line(current.token, 0, { at: NOW - 9 * DAY })] });
      const result = await store.prune({ detailOlderThanMs: 5 * DAY }, NOW, { dryRun: true });
      expect(result.logs).toBe(1);
      expect((await store.explorer.logs([old.token])).get(old.token)).toHaveLength(1);
      expect((await store.prune({ detailOlderThanMs: 5 * DAY }, NOW)).logs).toBe(1);
      expect((await store.explorer.logs([old.token])).get(old.token)).toEqual([]);
      expect((await store.explorer.logs([current.token])).get(current.token)).toHaveLength(1);
    });
  });
}
