/* eslint-disable @typescript-eslint/no-explicit-any -- GraphQL answers are JSON the test reads field by field. */
/**
 * Why a partition is not fresh, over HTTP: the reasons a plan saved with it (a blocked partition's
 * failed upstream), and for a stale partition a plan left without reasons (it changed more at once
 * than it explains), the code change told from the stored and the deployed code version.
 */
import { createHash } from 'node:crypto';
import { asset, catalogOf, daily, loadDefinitions, type PlanResult } from '@weft/core';
import { startApiServer, type ApiServer } from '@weft/graphql';
import { useTestDatabase } from '@weft/services/harness';
import { migrate, pgDatabase, ProvenanceStore, type SqlDatabase } from '@weft/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from './http.js';

const database = useTestDatabase();
const NOW = Date.parse('2024-01-04T00:00:00Z');
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const days = daily({ start: '2024-01-01' });
const up = asset({ key: 'up', partitions: days, compute: () => 1 });
const down = asset({ key: 'down', partitions: days, inputs: { up }, compute: ({ up: n }) => n });
const graph = loadDefinitions([up, down]);
const ctx = { now: NOW, dynamicKeys: () => [] };
let server: ApiServer;
let sql: SqlDatabase;

/** A plan result that changed `keys` of `assetKey` to `status`, saved at cursor `cursor`. */
const changed = (cursor: number, assetKey: string, status: 'stale' | 'blocked', first: number, last: number): PlanResult => ({
  cursor,
  batches: [],
  changes: [{ assetKey, status, ranges: [[first, last + 1]] }],
  deferred: 0,
  wakeAt: null,
  ignored: [],
  reloadRequired: false,
});

beforeAll(async () => {
  sql = pgDatabase(database.pool({ max: 4 }));
  await migrate(sql);
  const store = new ProvenanceStore(sql, 'default');
  await store.recordDeployment({ assets: catalogOf(graph) }, { up: 'up-v1', down: 'down-v1' });
  const mat = (assetKey: string, partitionKey: string, code: string) => ({ token: sha(`${assetKey}/${partitionKey}/${code}`), assetKey, partitionKey, codeVersion: code, dataVersion: sha(`d/${assetKey}/${partitionKey}`), inputsAsOf: 0, inputs: [], finishedAt: NOW - 1000 });
  await store.recordMaterializations(['2024-01-01', '2024-01-02', '2024-01-03'].map((d) => mat('up', d, 'up-v1')));
  await store.recordMaterializations(['2024-01-01', '2024-01-02'].map((d) => mat('down', d, 'down-v0')));
  // down 2024-01-03 is blocked because up 2024-01-03 failed: the plan says so with it.
  const cursor = (await store.db.query<{ id: string }>('SELECT max(id) AS id FROM weft_events'))[0]?.id;
  await store.savePlan(changed(Number(cursor), 'down', 'blocked', 2, 2), graph, ctx, () => [{ kind: 'upstream_failed', assetKey: 'up', input: 'up', partitions: ['2024-01-03'], more: 0 }]);
  // down 2024-01-01…02 made by down-v0 and deployed as down-v1: stale, saved without reasons.
  await store.savePlan(changed(Number(cursor), 'down', 'stale', 0, 1), graph, ctx);
  server = await startApiServer({ db: sql, auth: 'off', now: () => NOW, log: () => {} });
});

afterAll(async () => {
  await server?.close();
  await sql?.close();
});

const reasons = async (key: string): Promise<any> =>
  (await ok(server.url, `{ partition(assetKey: "down", partitionKey: "${key}") { ... on Partition { status reasons { kind description assetKey partitions fromCodeVersion toCodeVersion } } } }`)).partition;

describe('reasons over the API', () => {
  it('gives a blocked partition the failed upstream its plan saved', async () => {
    const p = await reasons('2024-01-03');
    expect(p.status).toBe('BLOCKED');
    expect(p.reasons).toEqual([expect.objectContaining({ kind: 'UPSTREAM_FAILED', assetKey: 'up', partitions: ['2024-01-03'], description: expect.stringContaining('up') })]);
  });

  it('tells a stale partition saved without reasons its code change, from the stored to the deployed version', async () => {
    const p = await reasons('2024-01-01');
    expect(p.status).toBe('STALE');
    expect(p.reasons).toEqual([expect.objectContaining({ kind: 'CODE_CHANGED', fromCodeVersion: 'down-v0', toCodeVersion: 'down-v1', description: expect.stringMatching(/down-v0.*down-v1/) })]);
  });
});
