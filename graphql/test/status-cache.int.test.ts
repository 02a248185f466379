/**
 * The API's status cache on real stores (PostgreSQL and PGlite): after any interleaving of plans,
 * started batches, recordings, releases, restores, failures, check results, source observations,
 * retention prunes, dynamic keys added and removed and the clock moving, its codes equal a full
 * read of the state rows; it patches instead of reading whole wherever the partitions still line up;
 * concurrent requests share reads; it stays within its byte budget.
 */
import { createHash } from 'node:crypto';
import { asset, daily, dynamicPartitions, hourly, loadDefinitions, multiPartitions, PARTITION_STATUSES, staticPartitions, type AssetGraph, type PartitionContext, type PartitionsDefinition, type PlanResult } from '@weft/core';
import { useTestDatabase } from '@weft/services/harness';
import { pgDatabase, pgliteDatabase, ProvenanceStore, type SqlClient, type SqlDatabase } from '@weft/store';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useMigratedPGlite } from '../../store/test/fixtures.js';
import { entryBytes, StatusCache } from '../src/api/status-cache.js';
import { statusLayout } from '../src/api/status-layout.js';

const database = useTestDatabase();
const pglite = useMigratedPGlite();

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2024-01-01T00:00:00Z');
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const FAILED = PARTITION_STATUSES.indexOf('failed');
const STALE = PARTITION_STATUSES.indexOf('stale');

const hours = hourly({ start: '2024-01-01T00:00' });
const days = daily({ start: '2024-01-01' });
const customers = dynamicPartitions({ name: 'customers' });
const defs: Record<string, PartitionsDefinition> = {
  hours,
  regions: multiPartitions({ date: days, region: staticPartitions(['eu', 'us']) }),
  // Dynamic dimension leading (no time dimension): keys added append; a key removed renumbers.
  tiers: multiPartitions({ customer: customers, tier: staticPartitions(['gold', 'silver']) }),
  // Dynamic dimension trailing the time one: any key added renumbers.
  visits: multiPartitions({ date: days, customer: customers }),
  customers,
  letters: staticPartitions(['x', 'y', 'z']),
};
const ASSETS = Object.keys(defs);
const graph: AssetGraph = loadDefinitions(ASSETS.map((key) => asset({ key, partitions: defs[key] as PartitionsDefinition, compute: () => 0 })));
const assets = ASSETS.map((assetKey) => ({ assetKey, def: defs[assetKey] as PartitionsDefinition }));

/**
 * Counts what a status cache reads: statements of each kind (whole reads, reads of changes) and
 * the assets they read (the first parameter of both lists them).
 */
function counting(db: SqlDatabase, counts: Counts): SqlDatabase {
  const tally = (text: string, params: readonly unknown[] | undefined) => {
    const kind = text.includes('changed_xid >=') ? 'changes' : text.includes('string_agg(partition_key') ? 'whole' : undefined;
    if (kind === undefined) return;
    counts[kind]++;
    counts[kind === 'changes' ? 'assetsPatched' : 'assetsWhole'] += (params?.[0] as unknown[]).length;
  };
  const wrap = (q: SqlClient): SqlClient => ({
    query: (text, params) => (tally(text, params), q.query(text, params)),
    execute: (text, params) => (tally(text, params), q.execute(text, params)),
    copy: (table, columns, lines) => q.copy(table, columns, lines),
  });
  return { ...db, ...wrap(db), transaction: (fn) => db.transaction((tx) => fn(wrap(tx))) };
}

interface Counts {
  whole: number;
  changes: number;
  assetsWhole: number;
  assetsPatched: number;
}
const noCounts = (): Counts => ({ whole: 0, changes: 0, assetsWhole: 0, assetsPatched: 0 });

const OPS = ['plan', 'start', 'record', 'release', 'restore', 'fail', 'check', 'observe', 'future', 'prune', 'addKeys', 'removeKeys', 'tick', 'read'] as const;
interface Op {
  readonly kind: (typeof OPS)[number];
  readonly asset: number;
  readonly picks: readonly number[];
  readonly n: number;
}
const opArb: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom(...OPS), asset: fc.nat(ASSETS.length - 1), picks: fc.array(fc.nat(400), { minLength: 1, maxLength: 6 }), n: fc.nat(1000) });

let runs = 0;

/** One history on a location of its own: after every step, the cache's codes equal a full read. */
async function history(db: SqlDatabase, ops: readonly Op[], maxBytes: number, counts: Counts): Promise<void> {
  const location = `history-${++runs}-${Math.random().toString(36).slice(2, 8)}`;
  const store = new ProvenanceStore(db, location);
  const cached = new ProvenanceStore(counting(db, counts), location);
  const cache = new StatusCache(maxBytes);
  let now = START + 2 * DAY + 1;
  const running = new Map<string, string>();
  const committed = new Map<string, { token: string; dataVersion: string }>();
  let step = 0;
  const contextNow = async (): Promise<PartitionContext> => {
    const keys = await store.dynamicKeys();
    return { now, dynamicKeys: (name) => keys[name] ?? [] };
  };
  const lastEvent = async () => Number((await store.explorer.stateVersion()).split('/')[0]);
  const compare = async (what: string) => {
    const ctx = await contextNow();
    const version = await store.explorer.stateVersion();
    const [one, two] = await Promise.all([cache.codesOf(cached, version, assets, ctx), cache.codesOf(cached, version, assets.slice(0, 2), ctx)]);
    const full = await store.statusCodesOf(assets, ctx);
    for (const { assetKey } of assets) {
      expect([...(one.get(assetKey) ?? [])], `${what}: ${assetKey}`).toEqual([...(full.get(assetKey) ?? [])]);
      if (two.has(assetKey)) expect([...(two.get(assetKey) ?? [])], `${what}: ${assetKey} (the concurrent request)`).toEqual([...(full.get(assetKey) ?? [])]);
    }
  };
  await compare('empty');
  for (const op of ops) {
    step++;
    const ctx = await contextNow();
    const assetKey = ASSETS[op.asset] as string;
    const def = defs[assetKey] as PartitionsDefinition;
    const count = def.count(ctx);
    const indices = count === 0 ? [] : [...new Set(op.picks.map((p) => p % count))];
    const keys = indices.map((i) => def.keyAt(i, ctx));
    const id = (key: string) => `${assetKey}\u0000${key}`;
    const tokenFor = (key: string) => sha(`${location}:${step}:${assetKey}:${key}`);
    const plan = (cursor: number, rest: Pick<PlanResult, 'batches' | 'changes'>): PlanResult => ({ cursor, deferred: 0, wakeAt: null, ignored: [], reloadRequired: false, ...rest });
    switch (op.kind) {
      case 'plan': {
        // A cursor below the newest event as often as not: the rows it writes are still changes.
        const status = (['stale', 'missing', 'blocked', 'fresh', 'failed'] as const)[op.n % 5] ?? 'stale';
        if (indices.length) await store.savePlan(plan(op.n % ((await lastEvent()) + 3), { batches: [], changes: [{ assetKey, status, ranges: indices.map((i) => [i, i + 1] as const) }] }), graph, ctx);
        break;
      }
      case 'start': {
        if (!indices.length) break;
        const partitions = keys.map((k) => ({ partitionKey: k, token: tokenFor(k), inputs: [] }));
        const cursor = (await lastEvent()) + (op.n % 3);
        await store.savePlan(
          plan(cursor, {
            batches: [{ id: `batch-${step}`, assetKey, computeProvider: 'default', codeVersion: 'c1', inputsAsOf: cursor, priority: 0, requestIds: [], partitions }],
            changes: [{ assetKey, status: 'running', ranges: indices.map((i) => [i, i + 1] as const) }],
          }),
          graph,
          ctx,
        );
        for (const p of partitions) running.set(id(p.partitionKey), p.token);
        break;
      }
      case 'record': {
        const records = keys.map((k) => ({ token: running.get(id(k)) ?? tokenFor(k), assetKey, partitionKey: k, codeVersion: 'c1', dataVersion: sha(`${step}:${k}:${op.n}`), finishedAt: now, inputsAsOf: op.n % ((step % 7) + 3), inputs: [] }));
        if (records.length) await store.recordMaterializations(records);
        for (const r of records) {
          running.delete(id(r.partitionKey));
          committed.set(id(r.partitionKey), { token: r.token, dataVersion: r.dataVersion });
        }
        break;
      }
      case 'release': {
        const partitions = keys.filter((k) => running.has(id(k))).map((k) => ({ assetKey, partitionKey: k, token: running.get(id(k)) as string }));
        if (partitions.length) await store.releasePartitions(partitions, 'given back');
        for (const p of partitions) running.delete(id(p.partitionKey));
        break;
      }
      case 'restore': {
        const restore = keys.filter((k) => committed.has(id(k))).map((k) => ({ assetKey, partitionKey: k, token: (committed.get(id(k)) as { token: string }).token, inputsAsOf: op.n % 50 }));
        if (restore.length) await store.recordOutcome({ restore });
        break;
      }
      case 'fail': {
        const failures = keys.map((k) => ({ token: running.get(id(k)) ?? tokenFor(k), assetKey, partitionKey: k, attempt: 1, failureClass: 'actionable' as const, fingerprint: `fp-${op.n % 3}`, message: 'boom', retryAt: null, finishedAt: now }));
        if (failures.length) await store.recordFailures(failures);
        for (const f of failures) running.delete(id(f.partitionKey));
        break;
      }
      case 'check': {
        const results = keys.filter((k) => committed.has(id(k))).map((k) => ({ assetKey, partitionKey: k, dataVersion: (committed.get(id(k)) as { dataVersion: string }).dataVersion, check: 'positive', passed: op.n % 2 === 0, blocking: true, message: 'checked' }));
        if (results.length) await store.recordCheckResults(results);
        break;
      }
      case 'observe':
        if (keys.length) await store.recordSourceObservations(assetKey, keys.map((k) => ({ partitionKey: k, dataVersion: sha(`observed ${op.n} ${k}`) })));
        break;
      case 'future': {
        // Rows of hours that do not exist yet (a worker whose clock is ahead): they count once the clock gets there.
        const ahead = op.picks.map((p) => hours.formatKey(hours.count(ctx) + (p % 30)));
        await store.recordFailures([...new Set(ahead)].map((k) => ({ token: sha(`${location}:${step}:future:${k}`), assetKey: 'hours', partitionKey: k, attempt: 1, failureClass: 'transient' as const, fingerprint: 'ahead', message: 'early', retryAt: null, finishedAt: now })));
        break;
      }
      case 'prune':
        await store.prune({ eventsOlderThanMs: 0, detailOlderThanMs: 0, checksOlderThanMs: 0 }, now + DAY);
        break;
      case 'addKeys':
        await store.addDynamicKeys('customers', op.picks.map((p) => `c${p % 12}`));
        break;
      case 'removeKeys':
        await store.removeDynamicKeys('customers', [`c${op.n % 12}`]);
        break;
      case 'tick':
        now += (op.n % 40) * HOUR;
        break;
      case 'read':
        break;
    }
    await compare(`step ${step} (${op.kind} ${assetKey} ${JSON.stringify(keys)})`);
  }
}

const drivers: Array<[string, () => SqlDatabase]> = [
  ['PostgreSQL', () => pgDatabase(database.pool({ max: 4 }))],
  ['PGlite', () => pgliteDatabase(pglite.get(), { ownsDb: false })],
];

for (const [driver, open] of drivers) {
  describe(`the status cache on ${driver}`, () => {
    it('equals a full read after every step of random histories, and patches most of the time', async () => {
      const db = open();
      const counts = noCounts();
      try {
        // (A 48-byte budget in some histories: assets are evicted and read whole again.)
        await fc.assert(
          fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 16 }), fc.constantFrom(48, 256 * 1024 * 1024, 256 * 1024 * 1024), (ops, maxBytes) => history(db, ops, maxBytes, counts)),
          { numRuns: 20 },
        );
      } finally {
        await db.close();
      }
      // Read whole: each asset once per history, renumbered assets, changes past the limit, evictions.
      // (About 60% of the assets asked for are patched: 278 of 540 on PGlite, 431 of 674 on PostgreSQL.)
      expect(counts.assetsPatched).toBeGreaterThan(counts.assetsWhole / 2);
    });

    it('reads the changed rows only, shares reads among concurrent requests, and reads whole what was renumbered or evicted', async () => {
      const db = open();
      const counts = noCounts();
      const kinds = () => ({ whole: counts.whole, changes: counts.changes });
      try {
        const location = `shared-${++runs}`;
        const store = new ProvenanceStore(db, location);
        const cached = new ProvenanceStore(counting(db, counts), location);
        const ctx: PartitionContext = { now: START + 60 * DAY, dynamicKeys: () => [] };
        const cache = new StatusCache();
        const two = [assets[0], assets[5]] as Array<{ assetKey: string; def: PartitionsDefinition }>;
        const v1 = await store.explorer.stateVersion();
        const [x, y, z] = await Promise.all([cache.codesOf(cached, v1, two, ctx), cache.codesOf(cached, v1, two, ctx), cache.codesOf(cached, v1, two.slice(0, 1), ctx)]);
        expect(kinds()).toEqual({ whole: 1, changes: 0 });
        expect(x.get('hours')).toBe(y.get('hours'));
        expect(z.get('hours')).toBe(x.get('hours'));
        expect(x.get('hours')?.length).toBe(1440);
        await cache.codesOf(cached, v1, two, ctx);
        expect(kinds()).toEqual({ whole: 1, changes: 0 });

        // A failure of one hour: one read of changes, and the new codes say it (the old array is left as it was).
        await store.recordFailures([{ token: sha('t1'), assetKey: 'hours', partitionKey: '2024-01-03T05:00', attempt: 1, failureClass: 'actionable', fingerprint: 'fp', message: 'boom', retryAt: null, finishedAt: START }]);
        const v2 = await store.explorer.stateVersion();
        expect(v2).not.toBe(v1);
        const after = await cache.codesOf(cached, v2, two, ctx);
        expect(kinds()).toEqual({ whole: 1, changes: 1 });
        expect(after.get('hours')?.[53]).toBe(FAILED);
        expect(x.get('hours')?.[53]).not.toBe(FAILED);
        expect(after.get('letters')).toBe(x.get('letters'));

        // The clock moves: the new hours are read (no whole read), the rest patched.
        const later = { ...ctx, now: ctx.now + 5 * HOUR };
        expect((await cache.codesOf(cached, v2, two, later)).get('hours')?.length).toBe(1445);
        expect(kinds()).toEqual({ whole: 1, changes: 2 });
        // Backwards: the partitions no longer line up with the cached ones: read whole.
        expect((await cache.codesOf(cached, v2, two, ctx)).get('hours')?.length).toBe(1440);
        expect(kinds()).toEqual({ whole: 2, changes: 2 });

        // More changed rows than a patch is worth (1,000 for a small asset): read whole. (The plan's
        // cursor is below the failure's event: that row stays failed.)
        await store.savePlan({ cursor: 0, deferred: 0, wakeAt: null, ignored: [], reloadRequired: false, batches: [], changes: [{ assetKey: 'hours', status: 'stale', ranges: [[0, 1440]] }] }, graph, ctx);
        const v3 = await store.explorer.stateVersion();
        const many = (await cache.codesOf(cached, v3, two.slice(0, 1), ctx)).get('hours') as Uint8Array;
        expect(kinds()).toEqual({ whole: 3, changes: 3 });
        expect(many.filter((c) => c === STALE)).toHaveLength(1439);
        expect(many[53]).toBe(FAILED);

        // A budget that holds the 1,440 hours or the 3 letters, not both: the least recently used goes.
        const sizeOf = (a: { def: PartitionsDefinition }): number => entryBytes({ codes: new Uint8Array(a.def.count(ctx)), layout: statusLayout(a.def, ctx) });
        const small = new StatusCache(sizeOf(two[0] as (typeof two)[0]) + sizeOf(two[1] as (typeof two)[1]) - 1);
        const before = { ...counts };
        await small.codesOf(cached, v3, [two[0] as (typeof two)[0]], ctx);
        await small.codesOf(cached, v3, [two[1] as (typeof two)[0]], ctx);
        await small.codesOf(cached, v3, [two[1] as (typeof two)[0]], ctx);
        expect(counts.whole - before.whole).toBe(2);
        await small.codesOf(cached, v3, [two[0] as (typeof two)[0]], ctx);
        expect(counts.whole - before.whole).toBe(3);
        // A dynamic definition's keys count too (an entry keeps the key list it was read with).
        const keys = Array.from({ length: 10_000 }, (_, k) => `customer-${k}`);
        const withKeys = entryBytes({ codes: new Uint8Array(keys.length), layout: statusLayout(customers, { ...ctx, dynamicKeys: () => keys }) });
        expect(withKeys).toBeGreaterThan(keys.length + keys.reduce((n, k) => n + 2 * k.length, 0));
      } finally {
        await db.close();
      }
    });
  });
}
