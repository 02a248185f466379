/**
 * Issue 14, scenario 4: a blocking check is recorded in the same transaction as its
 * materialization. The connection dies once, right when the batch's check results are written:
 * the whole outcome must be rolled back and retried, so the failing check is never lost and the
 * downstream asset never runs on the data it rejects. On real PostgreSQL and Temporal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { asset, check, daily } from '@weft/core';
import { migrate, pgDatabase, ProvenanceStore, type SqlDatabase } from '@weft/store';
import { fsStorage } from '@weft/plugin-fs';
import { useTemporal, useTestDatabase } from '@weft/services/harness';
import { afterAll, describe, expect, it } from 'vitest';
import { startWeftWorker } from '../../src/index.js';
import { intCodec } from './slow-asset.js';

const db = useTestDatabase();
const temporal = useTemporal();
const dir = mkdtempSync(join(tmpdir(), 'weft-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A database whose connection fails once, on the first statement that writes check results. */
function dyingOnce(inner: SqlDatabase): { db: SqlDatabase; died: () => boolean } {
  let died = false;
  const fail = (text: string): void => {
    if (died || !text.includes('INSERT INTO weft_check_results')) return;
    died = true;
    throw Object.assign(new Error('connection terminated unexpectedly'), { code: 'ECONNRESET' });
  };
  return {
    died: () => died,
    db: {
      ...inner,
      query: async <T>(text: string, params?: readonly unknown[]) => {
        fail(text);
        return inner.query<T>(text, params);
      },
      transaction: (fn) =>
        inner.transaction((tx) =>
          fn({
            copy: (table, columns, lines) => tx.copy(table, columns, lines),
            execute: (text, params) => tx.execute(text, params),
            query: async <T>(text: string, params?: readonly unknown[]) => {
              fail(text);
              return tx.query<T>(text, params);
            },
          }),
        ),
    },
  };
}

describe('issue 14, scenario 4: blocking checks are atomic with their materialization', () => {
  it('a crash while the checks are written loses neither the check nor its effect: the downstream never runs on rejected data', async () => {
    const pool = db.pool({ max: 4 });
    const sql = pgDatabase(pool, { ownsPool: false });
    await migrate(sql);
    const dying = dyingOnce(sql);
    const store = new ProvenanceStore(dying.db, 'atomic');
    const downstreamRan: string[] = [];
    const scored = asset({
      key: 'scored',
      partitions: daily({ start: '2024-01-01' }),
      codec: intCodec,
      version: 'v1',
      // Day 2 scores negative: its blocking check fails.
      checks: [check<number>({ name: 'non_negative', blocking: true, fn: (v) => ({ passed: v >= 0, message: `score ${v}` }) })],
      compute: (_inputs, ctx): number => (ctx.partitionKey === '2024-01-02' ? -5 : 5),
    });
    const used = asset({
      key: 'used',
      partitions: daily({ start: '2024-01-01' }),
      codec: intCodec,
      version: 'v1',
      inputs: { score: scored },
      compute: ({ score }, ctx) => {
        downstreamRan.push(ctx.partitionKey);
        return score * 2;
      },
    });
    const worker = await startWeftWorker({
      definitions: [scored, used],
      location: 'atomic',
      store,
      storage: fsStorage({ root: join(dir, 'objects') }),
      connection: await temporal.nativeConnection(),
      client: temporal.client,
      taskQueue: temporal.taskQueue,
      workflowBundle: temporal.workflowBundle,
      batchSize: 3,
      now: () => Date.parse('2024-01-04T00:00:00Z'),
    });
    const states = () => store.db.query<{ asset_key: string; partition_key: string; status: string }>("SELECT asset_key, partition_key, status FROM weft_partition_state WHERE asset_key IN ('scored', 'used') ORDER BY 1, 2");
    try {
      const expected = [
        ['scored', '2024-01-01', 'fresh'],
        ['scored', '2024-01-02', 'check_failed'],
        ['scored', '2024-01-03', 'fresh'],
        ['used', '2024-01-01', 'fresh'],
        ['used', '2024-01-02', 'blocked'],
        ['used', '2024-01-03', 'fresh'],
      ];
      const deadline = Date.now() + 45_000;
      let seen: string[][] = [];
      while (Date.now() < deadline) {
        seen = (await states()).map((s) => [s.asset_key, s.partition_key, s.status]);
        if (JSON.stringify(seen) === JSON.stringify(expected)) break;
        await sleep(100);
      }
      expect(dying.died(), 'the connection died while the checks were written').toBe(true);
      expect(seen).toEqual(expected);
      // The rejected day was never used downstream, and the check is on record, once, for the data that is current.
      await sleep(500);
      expect(downstreamRan.sort()).toEqual(['2024-01-01', '2024-01-03']);
      const checks = await store.db.query<{ partition_key: string; passed: boolean }>("SELECT partition_key, passed FROM weft_check_results WHERE asset_key = 'scored' ORDER BY partition_key");
      expect(checks.map((c) => [c.partition_key, c.passed])).toEqual([
        ['2024-01-01', true],
        ['2024-01-02', false],
        ['2024-01-03', true],
      ]);
    } finally {
      await temporal.client.workflow.getHandle('weft/reconcile/atomic').terminate('test over').catch(() => {});
      await worker.shutdown();
      await pool.end();
    }
  }, 120_000);
});
