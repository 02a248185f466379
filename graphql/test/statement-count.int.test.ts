/* eslint-disable @typescript-eslint/no-explicit-any -- GraphQL answers are JSON the test reads field by field. */
/**
 * No N+1: a page of 100 assets with their status counts, summaries, first partitions (with
 * state) and code versions costs a fixed number of SQL statements, the same as a page of 10.
 */
import { asset, catalogOf, daily, loadDefinitions, staticPartitions } from '@weft/core';
import { startApiServer, type ApiServer } from '@weft/graphql';
import { useTestDatabase } from '@weft/services/harness';
import { migrate, pgDatabase, ProvenanceStore, type SqlClient, type SqlDatabase } from '@weft/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from './http.js';

const database = useTestDatabase();
const NOW = Date.parse('2024-02-01T00:00:00Z');
let server: ApiServer;
let statements = 0;
let sql: SqlDatabase;

/** The database, counting every statement sent through it (transactions included). */
function counting(db: SqlDatabase): SqlDatabase {
  const wrap = (q: SqlClient): SqlClient => ({
    query: (text, params) => (statements++, q.query(text, params)),
    execute: (text, params) => (statements++, q.execute(text, params)),
    copy: (table, columns, lines) => (statements++, q.copy(table, columns, lines)),
  });
  return { ...db, ...wrap(db), transaction: (fn) => db.transaction((tx) => fn(wrap(tx))) };
}

beforeAll(async () => {
  sql = pgDatabase(database.pool({ max: 4 }));
  await migrate(sql);
  const days = daily({ start: '2024-01-01' });
  const defs = Array.from({ length: 100 }, (_, i) => asset({ key: `asset_${String(i).padStart(3, '0')}`, group: i % 2 ? 'odd' : 'even', partitions: i % 10 === 0 ? staticPartitions(['a', 'b']) : days, compute: () => i }));
  const store = new ProvenanceStore(sql, 'default');
  await store.recordDeployment({ assets: catalogOf(loadDefinitions(defs)) }, Object.fromEntries(defs.map((d) => [d.key, `v-${d.key}`])));
  await store.recordFailures(defs.slice(0, 50).map((d, i) => ({ token: `${'0'.repeat(63)}${i % 10}${d.key}`.slice(-64), assetKey: d.key, partitionKey: i % 10 === 0 ? 'a' : '2024-01-05', attempt: 1, failureClass: 'actionable' as const, fingerprint: 'fp', message: 'boom', retryAt: null, finishedAt: NOW })));
  server = await startApiServer({ db: counting(sql), auth: 'off', now: () => NOW, log: () => {} });
});

afterAll(async () => {
  await server?.close();
  await sql?.close();
});

const page = (n: number): string => `{ assets(first: ${n}) { nodes { key group codeVersion codeVersionHistory { codeVersion } statusCounts { fresh failed missing } statusSummary(level: MONTH) { total { failed } dimensions { buckets { label count } } } partitions(first: 5) { totalCount nodes { key status reasons { kind } failure { fingerprint } } } } } }`;

async function count(query: string): Promise<{ statements: number; data: Record<string, any> }> {
  statements = 0;
  const data = await ok(server.url, query);
  return { statements, data };
}

describe('statements per page', () => {
  it('a 100-asset page with summaries and partitions costs the same few statements as a 10-asset page', async () => {
    await count(page(1)); // the catalog is rebuilt once per deployment, not per request
    const ten = await count(page(10));
    const hundred = await count(page(100));
    expect(hundred.data.assets.nodes).toHaveLength(100);
    expect(hundred.data.assets.nodes[1].statusCounts).toEqual({ fresh: 0, failed: 1, missing: 30 });
    expect(hundred.data.assets.nodes[1].partitions.nodes.find((p: { key: string }) => p.key === '2024-01-05')).toEqual({ key: '2024-01-05', status: 'FAILED', reasons: [{ kind: 'FAILED' }], failure: { fingerprint: 'fp' } });
    expect(hundred.data.assets.nodes[1].codeVersionHistory).toEqual([{ codeVersion: 'v-asset_001' }]);
    console.info(`statements: 10 assets ${ten.statements}, 100 assets ${hundred.statements}`);
    expect(hundred.statements).toBe(ten.statements);
    expect(hundred.statements).toBeLessThanOrEqual(10);
  });
});
