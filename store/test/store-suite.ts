/**
 * The provenance store's test suite, run against every driver: `describeStore(name, factory)`
 * where the factory gives a fresh, migrated database. PostgreSQL runs it in store-pg.int.test.ts,
 * PGlite in store-pglite.int.test.ts.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_STACK_BYTES, ProvenanceStore, type CheckResultInput, type FailureInput, type InputRecord, type MaterializationRecord, type NewEvent, type SqlDatabase } from '../src/index.js';
import { env, forgetSecrets, Planner, PARTITION_STATUSES, resolveSecret, WeftError, type PartitionContext, type PlanResult, type WeftEvent } from '@weft/core';
import { DAY, NOW, TABLES, contextAt, countRows, jan, mat, readOne, readRange, sha, storeGraph, tableDigest } from './fixtures.js';

/** Gives a fresh, migrated database; the suite closes it after each test. */
export type StoreFactory = () => Promise<SqlDatabase>;

const CTX = contextAt(NOW);
const DIGEST_BYTES = 32;

/** Resolves with the first value `fn` is called with that passes `accept`, or rejects after `ms`. */
function waitFor<T>(subscribe: (fn: (value: T) => void) => void, accept: (value: T) => boolean, ms = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no notification within ${ms} ms`)), ms);
    subscribe((value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** An event's fields, whatever its kind. */
type Succeeded = WeftEvent & { kind: 'materialization.succeeded'; token: string; assetKey: string; partitionKey: string };

const payload = (event: WeftEvent | undefined): Record<string, unknown> => (event ?? {}) as unknown as Record<string, unknown>;

function failure(assetKey: string, partitionKey: string, fingerprint: string, message: string, tag = 'v1', finishedAt = NOW): FailureInput {
  return { token: sha(`token:${assetKey}:${partitionKey}:${tag}`), assetKey, partitionKey, attempt: 1, failureClass: 'actionable', fingerprint, message, retryAt: null, startedAt: finishedAt - 10, finishedAt, worker: 'w', workflowId: 'wf', runId: 'run' };
}

/** Expects `promise` to reject with a `storage.bad_key` WeftError naming `field`. */
async function expectBadKey(promise: Promise<unknown>, field: string): Promise<WeftError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a rejection naming ${field}`).toBeInstanceOf(WeftError);
  const weft = error as WeftError;
  expect(weft.code).toBe('storage.bad_key');
  expect(weft.message.startsWith(`${field} `)).toBe(true);
  expect(weft.context.field).toBe(field);
  expect(weft.message.length).toBeLessThan(400);
  return weft;
}

export function describeStore(name: string, factory: StoreFactory): void {
  describe(`provenance store on ${name}`, () => {
    let db: SqlDatabase;
    let store: ProvenanceStore;

    beforeEach(async () => {
      db = await factory();
      store = new ProvenanceStore(db);
    });
    afterEach(async () => {
      await db.close();
    });
    /** Every `materialization.succeeded` event of the log, as the planner reads it. */
    const succeeded = async (): Promise<Succeeded[]> => (await store.eventsSince(0, 1_000_000)).filter((e): e is Succeeded => e.kind === 'materialization.succeeded');

    // ─── inline values ───────────────────────────────────────────────────────────────────────

    describe('inline values', () => {
      it('keeps a small value in its row: inputs read it back byte for byte, the explorer says where it is', async () => {
        // Bytes a text field would mangle: NUL, a backslash, tab, newline, high bytes.
        const bytes = new Uint8Array([0, 92, 9, 10, 13, 255, 0x7b, 0x22, 0x7d, 128]);
        const small = { ...mat('counts', jan(1)), storageUri: null, inlineValue: bytes };
        const filed = mat('counts', jan(2));
        await store.recordMaterializations([small, filed]);
        const [one, two, none] = await store.currentValues('counts', [jan(1), jan(2), jan(3)]);
        expect(one?.storageUri).toBeNull();
        expect(Array.from(one?.inlineValue ?? [])).toEqual(Array.from(bytes));
        expect(two).toMatchObject({ storageUri: filed.storageUri, inlineValue: null });
        expect(none).toMatchObject({ dataVersion: null, storageUri: null, inlineValue: null });
        const history = await store.explorer.materializationHistory('counts', jan(1));
        expect(history[0]).toMatchObject({ storedInline: true, storageUri: null });
        expect(Array.from((await store.explorer.inlineValue(history[0]?.id as number)) ?? [])).toEqual(Array.from(bytes));
        const [other] = await store.explorer.materializationHistory('counts', jan(2));
        expect(other?.storedInline).toBe(false);
        expect(await store.explorer.inlineValue(other?.id as number)).toBeNull();
      });

      it.each([
        ['larger than the store keeps inline', { storageUri: null, inlineValue: new Uint8Array(64 * 1024 + 1) }, /65537 bytes/],
        ['both inline and in object storage', { storageUri: 'mem://counts/x', inlineValue: new Uint8Array([1]) }, /not both/],
      ])('refuses a value %s, naming the partition, and writes nothing', async (_what, value, message) => {
        const before = await tableDigest(db);
        const error = await store.recordMaterializations([mat('counts', jan(1)), { ...mat('counts', jan(2)), ...value }]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WeftError);
        expect((error as WeftError).message).toMatch(message);
        expect((error as WeftError).context).toMatchObject({ assetKey: 'counts', partitionKey: jan(2), field: 'inlineValue' });
        expect(await tableDigest(db)).toEqual(before);
      });
    });

    // ─── events ──────────────────────────────────────────────────────────────────────────────

    describe('event log', () => {
      it('appends events with increasing ids and reads them back in order after a cursor', async () => {
        const first = await store.appendEvents([
          { kind: 'dynamic.keys_added', name: 'regions', keys: ['eu'] },
          { kind: 'request.cancelled', requestId: 'r1', at: Date.parse('2024-01-02T03:04:05.678Z') },
          { kind: 'dynamic.keys_added', name: 'regions', keys: ['us'] },
        ]);
        const second = await store.appendEvents([{ kind: 'request.cancelled', requestId: 'r2' }]);
        expect(first.map((e) => e.kind)).toEqual(['dynamic.keys_added', 'request.cancelled', 'dynamic.keys_added']);
        const seqs = [...first, ...second].map((e) => e.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(new Set(seqs).size).toBe(4);
        expect(first[1]?.at).toBe(Date.parse('2024-01-02T03:04:05.678Z'));

        const all = await store.eventsSince(0);
        expect(all).toEqual([...first, ...second]);
        expect(all[0]).toMatchObject({ kind: 'dynamic.keys_added', name: 'regions', keys: ['eu'] });
        const cursor = first[1]?.seq as number;
        expect((await store.eventsSince(cursor)).map((e) => e.seq)).toEqual(seqs.slice(2));
        expect((await store.eventsSince(0, 2)).map((e) => e.seq)).toEqual(seqs.slice(0, 2));
        expect(await store.eventsSince(seqs.at(-1) as number)).toEqual([]);
        expect(await store.appendEvents([])).toEqual([]);
      });

      it('keeps code locations apart', async () => {
        const other = new ProvenanceStore(db, 'other');
        await store.appendEvents([{ kind: 'request.cancelled', requestId: 'mine' }]);
        await other.appendEvents([{ kind: 'request.cancelled', requestId: 'theirs' }]);
        expect((await store.eventsSince(0)).map((e) => (e as { requestId?: string }).requestId)).toEqual(['mine']);
        expect((await other.eventsSince(0)).map((e) => (e as { requestId?: string }).requestId)).toEqual(['theirs']);
      });

      it('wakes listeners through LISTEN/NOTIFY, and stops after unsubscribing', async () => {
        const seen: number[] = [];
        let notify: (id: number) => void = () => {};
        const unsubscribe = await store.onEvents((id) => {
          seen.push(id);
          notify(id);
        });
        try {
          const woken = waitFor<number>((fn) => (notify = fn), () => true);
          const [event] = await store.appendEvents([{ kind: 'request.cancelled', requestId: 'wake' }]);
          expect(await woken).toBe(event?.seq);

          // A recording wakes listeners too, with the id of its last event.
          const woken2 = waitFor<number>((fn) => (notify = fn), (id) => id > (event?.seq ?? 0));
          const recorded = await store.recordMaterializations([mat('d', jan(1)), mat('d', jan(2))]);
          expect(await woken2).toBe(recorded.events.at(-1)?.seq);
        } finally {
          await unsubscribe();
        }
        const before = seen.length;
        await store.appendEvents([{ kind: 'request.cancelled', requestId: 'after' }]);
        await new Promise((r) => setTimeout(r, 200));
        expect(seen.length).toBe(before);
      });

      it('does not wake listeners for a transaction that rolled back', async () => {
        const seen: number[] = [];
        let notify: (id: number) => void = () => {};
        const unsubscribe = await store.onEvents((id) => {
          seen.push(id);
          notify(id);
        });
        try {
          await expect(
            db.transaction(async (tx) => {
              await store.appendEvents([{ kind: 'request.cancelled', requestId: 'rolled back' }], tx);
              throw new Error('abort');
            }),
          ).rejects.toThrow('abort');
          // Notifications arrive in commit order: had the rollback notified, it would come first.
          const woken = waitFor<number>((fn) => (notify = fn), () => true);
          const [event] = await store.appendEvents([{ kind: 'request.cancelled', requestId: 'committed' }]);
          expect(await woken).toBe(event?.seq);
          expect(seen).toEqual([event?.seq]);
          expect((await store.eventsSince(0)).map((e) => payload(e).requestId)).toEqual(['committed']);
        } finally {
          await unsubscribe();
        }
      });
    });

    // ─── deployments ─────────────────────────────────────────────────────────────────────────

    it('records deployments once per content, with an event', async () => {
      const a = await store.recordDeployment({ assets: ['d'] }, { d: 'code-1' });
      const again = await store.recordDeployment({ assets: ['d'] }, { d: 'code-1' });
      const b = await store.recordDeployment({ assets: ['d'] }, { d: 'code-2' });
      expect(a.created).toBe(true);
      expect(again).toEqual({ id: a.id, created: false });
      expect(b.created).toBe(true);
      expect(b.id).not.toBe(a.id);
      const events = await store.eventsSince(0);
      expect(events.map((e) => [e.kind, (e as { deploymentId?: string }).deploymentId])).toEqual([
        ['definitions.deployed', a.id],
        ['definitions.deployed', b.id],
      ]);
      const rows = await db.query<{ id: string; event_id: string; code_versions: unknown }>('SELECT id, event_id, code_versions FROM weft_deployments ORDER BY event_id');
      expect(rows.map((r) => [r.id, Number(r.event_id), r.code_versions])).toEqual([
        [a.id, events[0]?.seq, { d: 'code-1' }],
        [b.id, events[1]?.seq, { d: 'code-2' }],
      ]);
      expect(await store.latestDeployment()).toBe(b.id);
    });

    it('announces a deployment again when another came after it (a rollback), and names the latest', async () => {
      expect(await store.latestDeployment()).toBeUndefined();
      const v1 = await store.recordDeployment({ assets: ['d'] }, { d: 'code-1' });
      const v2 = await store.recordDeployment({ assets: ['d'] }, { d: 'code-2' });
      const back = await store.recordDeployment({ assets: ['d'] }, { d: 'code-1' });
      expect(back).toEqual({ id: v1.id, created: false });
      expect(await store.latestDeployment()).toBe(v1.id);
      // A restart of the latest one announces nothing.
      await store.recordDeployment({ assets: ['d'] }, { d: 'code-1' });
      expect((await store.eventsSince(0)).map((e) => (e as { deploymentId?: string }).deploymentId)).toEqual([v1.id, v2.id, v1.id]);
      expect(await new ProvenanceStore(db, 'other').latestDeployment()).toBeUndefined();
    });

    // ─── exactly-once recording ──────────────────────────────────────────────────────────────

    describe('recording materializations', () => {
      const upstream = mat('d', jan(1));
      const record = (tag = 'v1') => mat('e', jan(1), { tag, inputs: [readOne('day', upstream), readRange('window', 'd', jan(1), jan(3), 3)] });

      async function detailCounts(token: string) {
        return {
          materializations: await countRows(db, 'weft_materializations', 'token = $1', [token]),
          edges: await countRows(db, 'weft_input_edges', 'materialization_id IN (SELECT id FROM weft_materializations WHERE token = $1)', [token]),
          attempts: await countRows(db, 'weft_attempts', 'token = $1', [token]),
          events: (await succeeded()).filter((e) => e.token === token).length,
        };
      }

      it('commits a token once; recording it again is reported as a duplicate and writes nothing', async () => {
        await store.recordMaterializations([upstream]);
        const r = record();
        const first = await store.recordMaterializations([r]);
        expect(first.committed).toEqual([r.token]);
        expect(first.duplicates).toEqual([]);
        expect(first.events).toHaveLength(1);
        expect(first.events[0]).toMatchObject({ kind: 'materialization.succeeded', assetKey: 'e', partitionKey: jan(1), token: r.token, dataVersion: r.dataVersion, codeVersion: 'code-1', inputsAsOf: 0 });
        const digest = await tableDigest(db);

        const second = await store.recordMaterializations([{ ...r, attempt: 2, worker: 'worker-2' }]);
        expect(second).toEqual({ committed: [], duplicates: [r.token], events: [] });
        expect(await tableDigest(db)).toEqual(digest);
        expect(await detailCounts(r.token)).toEqual({ materializations: 1, edges: 2, attempts: 0, events: 1 });
      });

      it('admits one of many concurrent recordings of the same token (Promise.all)', async () => {
        await store.recordMaterializations([upstream]);
        for (let round = 0; round < 5; round++) {
          const r = record(`race-${round}`);
          const results = await Promise.all([0, 1, 2, 3].map((i) => store.recordMaterializations([{ ...r, attempt: i + 1, worker: `worker-${i}` }])));
          expect(results.filter((x) => x.committed.length === 1)).toHaveLength(1);
          expect(results.filter((x) => x.duplicates.length === 1 && x.committed.length === 0 && x.events.length === 0)).toHaveLength(3);
          expect(await detailCounts(r.token)).toEqual({ materializations: 1, edges: 2, attempts: 0, events: 1 });
        }
      });

      it('admits each token once when overlapping batches race in opposite orders', async () => {
        for (let round = 0; round < 5; round++) {
          const records = Array.from({ length: 300 }, (_, i) => mat(`race${round}`, `p${String(i).padStart(3, '0')}`, { tag: 'overlap' }));
          const shuffled = [...records].sort((a, b) => (a.token < b.token ? -1 : 1));
          const results = await Promise.all([
            store.recordMaterializations(records),
            store.recordMaterializations([...records].reverse()),
            store.recordMaterializations(shuffled),
            store.recordMaterializations(records.slice(100, 200)),
          ]);
          const committed = results.flatMap((r) => r.committed);
          expect([...committed].sort()).toEqual(records.map((r) => r.token).sort());
          for (const [i, r] of results.entries()) expect([...r.committed, ...r.duplicates].sort()).toEqual((i === 3 ? records.slice(100, 200) : records).map((x) => x.token).sort());
          expect(await countRows(db, 'weft_materializations', 'asset_key = $1', [`race${round}`])).toBe(300);
          expect(await countRows(db, 'weft_attempts', 'asset_key = $1', [`race${round}`])).toBe(0); // successes are their materialization rows
          expect((await succeeded()).filter((e) => e.assetKey === `race${round}`)).toHaveLength(300);
          expect(await countRows(db, 'weft_partition_state', "status = 'fresh' AND asset_key = $1", [`race${round}`])).toBe(300);
        }
      });

      it('concurrent recordings of different tokens for the same partitions neither deadlock nor mix state', async () => {
        for (let round = 0; round < 2; round++) {
          const keys = Array.from({ length: 1500 }, (_, i) => `p${round}-${String(i).padStart(4, '0')}`);
          const a = keys.map((k) => mat('same', k, { tag: 'a' }));
          const b = [...keys].reverse().map((k) => mat('same', k, { tag: 'b' }));
          const failuresA = keys.slice(0, 300).map((k, i) => failure('failing', k, `fp-${i % 50}`, 'a', 'a'));
          const failuresB = keys.slice(0, 300).reverse().map((k, i) => failure('failing', k, `fp-${i % 50}`, 'b', 'b'));
          const [ra, rb] = await Promise.all([store.recordMaterializations(a), store.recordMaterializations(b), store.recordFailures(failuresA), store.recordFailures(failuresB)]);
          expect(ra.committed).toHaveLength(keys.length);
          expect(rb.committed).toHaveLength(keys.length);
          const states = await db.query<{ token: string; mtoken: string }>(
            "SELECT ps.token, m.token AS mtoken FROM weft_partition_state ps JOIN weft_materializations m ON m.id = ps.materialization_id WHERE ps.asset_key = 'same' AND ps.partition_key LIKE $1",
            [`p${round}-%`],
          );
          expect(states).toHaveLength(keys.length);
          expect(states.every((x) => x.token === x.mtoken)).toBe(true);
        }
        expect((await store.failureGroups('failing')).reduce((n, g) => n + g.occurrences, 0)).toBe(1200);
        expect(await countRows(db, 'weft_attempts', "asset_key = 'failing'")).toBe(1200);
      });

      it('records a batch of 1,000 in one call: one event each, with their edges', async () => {
        const records = Array.from({ length: 1000 }, (_, i) =>
          mat('batch', `p${String(i).padStart(4, '0')}`, { inputsAsOf: 7, inputs: [{ name: 'one', upstreamAsset: 'src', partitionKey: `s${i}`, dataVersion: sha(`s${i}`) }, readRange('many', 'src', `s${i}`, `s${i + 9}`, 10)] }),
        );
        const result = await store.recordMaterializations(records);
        expect(result.committed).toEqual(records.map((r) => r.token));
        expect(result.duplicates).toEqual([]);
        expect(result.events.map((e) => (e as { token?: string }).token)).toEqual(records.map((r) => r.token));
        expect(result.events.every((e) => e.kind === 'materialization.succeeded' && e.assetKey === 'batch')).toBe(true);
        expect(await countRows(db, 'weft_materializations')).toBe(1000);
        expect(await countRows(db, 'weft_input_edges')).toBe(2000);
        expect(await countRows(db, 'weft_input_edges', 'range_count = 10')).toBe(1000);
        expect(await countRows(db, 'weft_attempts')).toBe(0); // successes are their materialization rows
        // One log row for the batch, read back as one event per materialization, each with the
        // seq its materialization row holds; the last seq is the log row's id.
        expect(await countRows(db, 'weft_events')).toBe(1);
        const logged = await store.eventsSince(0);
        expect(logged).toEqual(result.events);
        const rows = await db.query<{ token: string; event_id: string }>('SELECT token, event_id FROM weft_materializations ORDER BY id');
        expect(logged.map((e) => [(e as { token?: string }).token, e.seq])).toEqual(rows.map((r) => [r.token, Number(r.event_id)]));
        expect(await countRows(db, 'weft_events', 'id = $1', [logged.at(-1)?.seq])).toBe(1);
        const page = await store.partitions('batch', { offset: 998, limit: 10 });
        expect(page.map((p) => [p.partitionKey, p.status, p.token])).toEqual([
          ['p0998', 'fresh', records[998]?.token],
          ['p0999', 'fresh', records[999]?.token],
        ]);
      });

      it('pages through the log exactly when a page ends inside a batch: no event lost, none repeated', async () => {
        const before = await store.appendEvents([{ kind: 'request.cancelled', requestId: 'before' }]);
        const a = await store.recordMaterializations(Array.from({ length: 7 }, (_, i) => mat('paged', `a${i}`)));
        const middle = await store.appendEvents([{ kind: 'request.cancelled', requestId: 'middle' }]);
        const b = await store.recordMaterializations(Array.from({ length: 5 }, (_, i) => mat('paged', `b${i}`)));
        const c = await store.recordMaterializations([mat('paged', 'c0')]);
        const after = await store.appendEvents([{ kind: 'request.cancelled', requestId: 'after' }]);
        const all = [...before, ...a.events, ...middle, ...b.events, ...c.events, ...after];
        expect(await store.eventsSince(0)).toEqual(all);
        for (const limit of [1, 2, 3, 4, 6, 7, 8, 11, 100]) {
          const read: WeftEvent[] = [];
          let cursor = 0;
          for (let pages = 0; pages < 100; pages++) {
            const page = await store.eventsSince(cursor, limit);
            expect(page.length).toBeLessThanOrEqual(limit);
            if (page.length === 0) break;
            // A short page means the log is read to its end.
            if (page.length < limit) expect(page.at(-1)).toEqual(all.at(-1));
            read.push(...page);
            cursor = page.at(-1)?.seq as number;
          }
          expect(read, `pages of ${limit}`).toEqual(all);
        }
        // From every cursor, the rest of the log.
        for (const [i, e] of all.entries()) expect(await store.eventsSince(e.seq)).toEqual(all.slice(i + 1));
      });

      it('records the new tokens of a batch that holds already committed ones, reporting those as duplicates', async () => {
        const old = [mat('mixed', 'p0'), mat('mixed', 'p2')];
        await store.recordMaterializations(old);
        const batch = [0, 1, 2, 3].map((i) => mat('mixed', `p${i}`));
        const result = await store.recordMaterializations(batch);
        expect(result.committed).toEqual([batch[1]?.token, batch[3]?.token]);
        expect(result.duplicates).toEqual([batch[0]?.token, batch[2]?.token]);
        expect(result.events.map((e) => (e as Succeeded).token)).toEqual(result.committed);
        expect((await succeeded()).map((e) => e.token)).toEqual([...old, batch[1], batch[3]].map((r) => r?.token));
        expect(await countRows(db, 'weft_materializations', "asset_key = 'mixed'")).toBe(4);
        expect((await store.partitions('mixed')).map((p) => p.token)).toEqual([0, 1, 2, 3].map((i) => mat('mixed', `p${i}`).token));
      });

      it('rejects a record with an unstorable value, naming the field, and writes nothing of its batch', async () => {
        const digest = await tableDigest(db);
        const good = mat('bad', 'p0');
        const cases: Array<[MaterializationRecord, string, string]> = [
          [{ ...mat('bad', 'p1'), worker: 'w\u0000' }, 'worker', 'storage.bad_key'],
          [{ ...mat('bad', 'p1'), storageUri: 'file:///\uD800' }, 'storage URI', 'storage.bad_key'],
          [{ ...mat('bad', 'p1'), bytes: Number.NaN }, 'bytes', 'storage.bad_value'],
          [{ ...mat('bad', 'p1'), finishedAt: 1.5 }, 'finishedAt', 'storage.bad_value'],
          [{ ...mat('bad', 'p1'), attempt: 0 }, 'attempt', 'storage.bad_value'],
          [{ ...mat('bad', 'p1'), attempt: 2 ** 31 }, 'attempt', 'storage.bad_value'],
          [{ ...mat('bad', 'p1'), finishedAt: Date.UTC(10000, 0, 1) }, 'finishedAt', 'storage.bad_value'],
          [{ ...mat('bad', 'p1'), startedAt: 9e15 }, 'startedAt', 'storage.bad_value'],
          [{ ...mat('bad', 'p1'), inputs: [readRange('r', 'bad', 'a', 'b', 2 ** 31)] }, 'upstream range count', 'storage.bad_value'],
          [{ ...mat('bad', 'p1'), dataVersion: 'x\u0000' }, 'data version', 'storage.bad_key'],
          [{ ...mat('bad', 'p1'), inputs: [readOne('x', good), readOne('x', good)] }, 'input name', 'storage.bad_value'],
          [{ ...mat('bad', 'p1'), inputs: [readRange('r', 'bad', 'a', 'b', 0)] }, 'upstream range count', 'storage.bad_value'],
        ];
        for (const [record, field, code] of cases) {
          const error = await store.recordMaterializations([good, record]).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error, field).toBeInstanceOf(WeftError);
          expect((error as WeftError).code).toBe(code);
          expect((error as WeftError).context).toMatchObject({ assetKey: 'bad', partitionKey: 'p1', field });
        }
        expect(await tableDigest(db)).toEqual(digest);
        // Found late in a batch large enough to be streamed in many chunks: the COPY is aborted,
        // nothing is kept, and the store (its connection) works on.
        const many = Array.from({ length: 3000 }, (_, i) => mat('bad', `q${i}`));
        many[2500] = { ...(many[2500] as MaterializationRecord), runId: 'r\u0000' };
        await expect(store.recordMaterializations(many)).rejects.toMatchObject({ code: 'storage.bad_key', context: { partitionKey: 'q2500', field: 'run id' } });
        expect(await tableDigest(db)).toEqual(digest);
        const after = await store.recordMaterializations([good]);
        expect(after.committed).toEqual([good.token]);
      });

      it('keeps text with tabs, newlines, backslashes and quotes exactly (COPY escaping)', async () => {
        const odd = 'a\tb\nc\rd\\e\\N "f" \'g\' \u00e9\u{1F600}';
        const up = mat(odd, odd);
        const r = { ...mat(`${odd}/down`, `${odd}-p`, { inputs: [readOne(odd, up), readRange(`${odd}2`, odd, `${odd}1`, `${odd}9`, 9)] }), storageUri: odd, worker: odd, computeProvider: odd, workflowId: odd, runId: odd, deploymentId: odd };
        await store.recordMaterializations([up, r]);
        const [row] = await db.query<Record<string, string>>('SELECT asset_key, partition_key, storage_uri, worker, compute_provider, workflow_id, run_id, deployment_id FROM weft_materializations WHERE token = $1', [r.token]);
        expect(row).toEqual({ asset_key: `${odd}/down`, partition_key: `${odd}-p`, storage_uri: odd, worker: odd, compute_provider: odd, workflow_id: odd, run_id: odd, deployment_id: odd });
        const edges = await db.query<Record<string, string | null>>(
          'SELECT input_name, upstream_asset, upstream_partition, range_first, range_last FROM weft_input_edges WHERE materialization_id = (SELECT id FROM weft_materializations WHERE token = $1) ORDER BY input_name',
          [r.token],
        );
        expect(edges).toEqual([
          { input_name: odd, upstream_asset: odd, upstream_partition: odd, range_first: null, range_last: null },
          { input_name: `${odd}2`, upstream_asset: odd, upstream_partition: null, range_first: `${odd}1`, range_last: `${odd}9` },
        ]);
        expect((await succeeded()).map((e) => [e.assetKey, e.partitionKey])).toEqual([
          [odd, odd],
          [`${odd}/down`, `${odd}-p`],
        ]);
      });

      it('resolves a single input to the upstream materialization current when it was read', async () => {
        const up1 = mat('d', jan(1), { tag: 'v1' });
        const { events: e1 } = await store.recordMaterializations([up1]);
        const down1 = mat('e', jan(1), { tag: 'v1', inputs: [readOne('day', up1)] });
        await store.recordMaterializations([down1]);
        // The upstream changes; a downstream that read the new version points at the new row,
        // the old edge keeps pointing at the old one; a read of an unknown version is unresolved.
        const up2 = mat('d', jan(1), { tag: 'v2' });
        await store.recordMaterializations([up2]);
        const down2 = mat('e', jan(1), { tag: 'v2', inputs: [readOne('day', up2)] });
        const stale = mat('e', jan(2), { inputs: [{ name: 'day', upstreamAsset: 'd', partitionKey: jan(2), dataVersion: sha('never stored') }] });
        await store.recordMaterializations([down2, stale]);
        const edges = await db.query<{ token: string; upstream_materialization_id: string | null; upstream_partition: string; data_version: string; range_first: string | null }>(
          'SELECT m.token, e.upstream_materialization_id, e.upstream_partition, e.data_version, e.range_first FROM weft_input_edges e JOIN weft_materializations m ON m.id = e.materialization_id',
        );
        const ids = new Map((await db.query<{ id: string; token: string }>('SELECT id, token FROM weft_materializations')).map((r) => [r.token, Number(r.id)]));
        const byToken = new Map(edges.map((e) => [e.token, e]));
        expect(Number(byToken.get(down1.token)?.upstream_materialization_id)).toBe(ids.get(up1.token));
        expect(Number(byToken.get(down2.token)?.upstream_materialization_id)).toBe(ids.get(up2.token));
        expect(byToken.get(stale.token)).toMatchObject({ upstream_materialization_id: null, upstream_partition: jan(2), data_version: sha('never stored'), range_first: null });
        expect(e1).toHaveLength(1);
      });

      it('resolves an input to an upstream recorded in the same call', async () => {
        const up = mat('d', jan(4));
        const down = mat('e', jan(4), { inputs: [readOne('day', up)] });
        await store.recordMaterializations([up, down]);
        const [row] = await db.query<{ resolved: boolean }>(
          `SELECT e.upstream_materialization_id = (SELECT id FROM weft_materializations WHERE token = $2) AS resolved
           FROM weft_input_edges e JOIN weft_materializations m ON m.id = e.materialization_id WHERE m.token = $1`,
          [down.token, up.token],
        );
        expect(row?.resolved).toBe(true);
      });

      it('stores a range input as one row with its first and last keys, count and combined hash', async () => {
        const days = Array.from({ length: 31 }, (_, i) => mat('d', jan(i + 1)));
        await store.recordMaterializations(days);
        const month = mat('m', '2024-01', { inputs: [readRange('days', 'd', jan(1), jan(31), 31)] });
        await store.recordMaterializations([month]);
        const edges = await db.query<Record<string, unknown>>(
          'SELECT input_name, upstream_asset, upstream_partition, upstream_materialization_id, data_version, range_first, range_last, range_count, combined_hash FROM weft_input_edges WHERE materialization_id = (SELECT id FROM weft_materializations WHERE token = $1)',
          [month.token],
        );
        expect(edges).toEqual([
          { input_name: 'days', upstream_asset: 'd', upstream_partition: null, upstream_materialization_id: null, data_version: null, range_first: jan(1), range_last: jan(31), range_count: 31, combined_hash: sha(`range:d:${jan(1)}:${jan(31)}`) },
        ]);
      });

      it('keeps partition state incrementally: changed_seq moves only when the data version changes', async () => {
        type State = { status: string; token: string; data_version: string; code_version: string; verified_seq: string; changed_seq: string; materialization_id: string };
        const state = async () => (await db.query<State>("SELECT status, token, data_version, code_version, verified_seq, changed_seq, materialization_id FROM weft_partition_state WHERE asset_key = 'd' AND partition_key = $1", [jan(1)]))[0];
        const a = await store.recordMaterializations([mat('d', jan(1), { tag: 'a', value: 'X', inputsAsOf: 3 })]);
        const s1 = await state();
        expect(s1).toMatchObject({ status: 'fresh', token: sha(`token:d:${jan(1)}:a`), data_version: sha('data:X'), code_version: 'code-1' });
        expect(Number(s1?.verified_seq)).toBe(3);
        expect(Number(s1?.changed_seq)).toBe(a.events[0]?.seq);

        // New code, same bytes: the token moves, the data version (and changed_seq) do not.
        await store.recordMaterializations([mat('d', jan(1), { tag: 'b', value: 'X', code: 'code-2', inputsAsOf: 9 })]);
        const s2 = await state();
        expect(s2).toMatchObject({ token: sha(`token:d:${jan(1)}:b`), data_version: sha('data:X'), code_version: 'code-2' });
        expect(Number(s2?.verified_seq)).toBe(9);
        expect(Number(s2?.changed_seq)).toBe(a.events[0]?.seq);
        expect(s2?.materialization_id).not.toBe(s1?.materialization_id);

        const c = await store.recordMaterializations([mat('d', jan(1), { tag: 'c', value: 'Y', code: 'code-2', inputsAsOf: 12 })]);
        const s3 = await state();
        expect(Number(s3?.changed_seq)).toBe(c.events[0]?.seq);
        expect(s3?.data_version).toBe(sha('data:Y'));
        expect(await countRows(db, 'weft_partition_state')).toBe(1);
      });
    });

    it('a partition recorded more than once in one call ends in the state of its last record', async () => {
      type Row = { token: string; data_version: string; changed_seq: string; status: string; failure: { token: string; message: string } | null };
      const state = async (assetKey: string, key: string) =>
        (await db.query<Row>('SELECT token, data_version, changed_seq, status, failure FROM weft_partition_state WHERE asset_key = $1 AND partition_key = $2', [assetKey, key]))[0];
      // X, then Y twice: changed_seq is the first Y's event.
      const records = [mat('d', jan(1), { tag: 'a', value: 'X' }), mat('d', jan(1), { tag: 'b', value: 'Y' }), mat('d', jan(2)), mat('d', jan(1), { tag: 'c', value: 'Y' })];
      const result = await store.recordMaterializations(records);
      expect(result.committed).toEqual(records.map((r) => r.token));
      expect(result.events).toHaveLength(4);
      const s1 = await state('d', jan(1));
      expect(s1).toMatchObject({ token: records[3]?.token, data_version: sha('data:Y'), status: 'fresh' });
      expect(Number(s1?.changed_seq)).toBe(result.events[1]?.seq);
      expect((await store.attempts('d', jan(1))).map((a) => a.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);

      const attempts = [1, 2].map((n) => ({ ...failure('e', jan(1), `fp-${n}`, `attempt ${n}`), attempt: n }));
      const events = await store.recordFailures(attempts);
      expect(events).toHaveLength(2);
      expect(await state('e', jan(1))).toMatchObject({ status: 'failed', failure: { token: attempts[1]?.token, message: 'attempt 2' } });
      expect((await store.attempts('e', jan(1))).map((a) => a.message)).toEqual(['attempt 2', 'attempt 1']);

      const observed = await store.recordSourceObservations('raw', [
        { partitionKey: jan(1), dataVersion: sha('first') },
        { partitionKey: jan(2), dataVersion: sha('other') },
        { partitionKey: jan(1), dataVersion: sha('last') },
      ]);
      expect(payload(observed[0]).partitions).toEqual(expect.arrayContaining([{ partitionKey: jan(1), dataVersion: sha('last') }]));
      expect(payload(observed[0]).partitions).toHaveLength(2);
      expect((await state('raw', jan(1)))?.data_version).toBe(sha('last'));
    });

    // ─── failures, checks, sources, dynamic keys, requests ───────────────────────────────────

    it('keeps each failed attempt\'s stack trace and the group\'s latest, redacted and bounded', async () => {
      const password = 'hunter2-stack-secret-value';
      resolveSecret(env('WEFT_STACK_TEST_SECRET'), { plugin: 'test', field: 'password' }, { WEFT_STACK_TEST_SECRET: password });
      const first = `Error: boom\n    at compute (/app/assets/d.ts:10:5)\n    at connect (postgres://u:${password}@db/x)`;
      const later = 'Error: boom\n    at compute (/app/assets/d.ts:12:7)';
      await store.recordFailures([{ ...failure('d', jan(1), 'fp-s', 'boom'), stack: first }, failure('d', jan(2), 'fp-s', 'boom without stack', 'v1', NOW + 10)]);
      // The latest failure had no stack: the group keeps the one it has.
      expect((await store.failureGroups('d'))[0]?.lastStack).toBe(first.replace(password, '[redacted]'));
      await store.recordFailures([{ ...failure('d', jan(3), 'fp-s', 'boom', 'v1', NOW + 20), stack: later }]);
      // An older failure reported late does not replace the latest stack.
      await store.recordFailures([{ ...failure('d', jan(4), 'fp-s', 'boom', 'v1', NOW - 1000), stack: 'Error: old\n    at old (/app/old.ts:1:1)' }]);
      const [group] = await store.failureGroups('d');
      expect([group?.occurrences, group?.lastStack]).toEqual([4, later]);
      expect((await store.attempts('d', jan(1))).map((a) => [a.message, a.stack])).toEqual([['boom', first.replace(password, '[redacted]')]]);
      expect((await store.attempts('d', jan(2)))[0]?.stack).toBeNull();
      // A huge stack is cut on a line end, says how much it lost, and stays valid UTF-8.
      const frames = Array.from({ length: 2000 }, (_, i) => `    at frame${i} (/app/é/${'x'.repeat(20)}.ts:${i}:1)`);
      await store.recordFailures([{ ...failure('e', jan(5), 'fp-big', 'deep'), stack: `RangeError: deep\n${frames.join('\n')}` }]);
      const big = (await store.attempts('e', jan(5)))[0]?.stack ?? '';
      expect(Buffer.byteLength(big)).toBeLessThanOrEqual(MAX_STACK_BYTES + 100);
      expect(big.startsWith('RangeError: deep\n    at frame0 (')).toBe(true);
      expect(big).toMatch(/\n {4}… \d+ more bytes of stack trace not kept$/);
      expect(big).not.toContain('\uFFFD');
      forgetSecrets();
    });

    it('groups failures by fingerprint with the partitions they currently affect', async () => {
      const events = await store.recordFailures([
        failure('d', jan(1), 'fp-a', 'boom: division by zero'),
        failure('d', jan(2), 'fp-a', 'boom: division by zero (again)'),
        failure('d', jan(3), 'fp-b', 'network down'),
        failure('e', jan(1), 'fp-a', 'other asset'),
      ]);
      expect(events.map((e) => [e.kind, payload(e).assetKey, payload(e).partitionKey])).toEqual([
        ['materialization.failed', 'd', jan(1)],
        ['materialization.failed', 'd', jan(2)],
        ['materialization.failed', 'd', jan(3)],
        ['materialization.failed', 'e', jan(1)],
      ]);
      await store.recordFailures([failure('d', jan(4), 'fp-a', 'boom later', 'v1', NOW + 1000)]);
      const groups = await store.failureGroups('d');
      expect(groups.map((g) => [g.fingerprint, g.occurrences, g.partitions, g.sampleMessage, g.failureClass])).toEqual([
        ['fp-a', 3, [jan(1), jan(2), jan(4)], 'boom: division by zero', 'actionable'],
        ['fp-b', 1, [jan(3)], 'network down', 'actionable'],
      ]);
      expect(groups[0]?.lastSeen).toBe(NOW + 1000);
      expect(groups[0]?.firstSeen).toBe(NOW);
      // One call holding a group's failures out of time order: the earliest and the latest count.
      await store.recordFailures([failure('z', jan(1), 'fp-z', 'first told', 'v1', NOW + 2000), failure('z', jan(2), 'fp-z', 'second told', 'v1', NOW - 3000)]);
      await store.recordFailures([failure('z', jan(3), 'fp-z', 'later, but earlier still', 'v1', NOW - 5000)]);
      expect((await store.failureGroups('z')).map((g) => [g.occurrences, g.firstSeen, g.lastSeen, g.sampleMessage])).toEqual([[3, NOW - 5000, NOW + 2000, 'first told']]);
      expect((await store.failureGroups()).map((g) => `${g.assetKey}/${g.fingerprint}`).sort()).toEqual(['d/fp-a', 'd/fp-b', 'e/fp-a', 'z/fp-z']);

      // A success takes the partition out of its group (the group's history stays).
      await store.recordMaterializations([mat('d', jan(2))]);
      const after = await store.failureGroups('d');
      expect(after.find((g) => g.fingerprint === 'fp-a')?.partitions).toEqual([jan(1), jan(4)]);
      expect((await store.partitions('d')).map((p) => [p.partitionKey, p.status])).toEqual([
        [jan(1), 'failed'],
        [jan(2), 'fresh'],
        [jan(3), 'failed'],
        [jan(4), 'failed'],
      ]);
      const attempts = await store.attempts('d', jan(2));
      expect(attempts.map((a) => [a.status, a.fingerprint, a.message])).toEqual([
        ['succeeded', null, null],
        ['failed', 'fp-a', 'boom: division by zero (again)'],
      ]);
      const snapshot = await store.loadSnapshot(storeGraph(), () => CTX);
      const d = snapshot.assets.find((a) => a.assetKey === 'd');
      expect(d?.failures.map((f) => [f.index, f.fingerprint, f.message]).sort()).toEqual([
        [0, 'fp-a', 'boom: division by zero'],
        [2, 'fp-b', 'network down'],
        [3, 'fp-a', 'boom later'],
      ]);
    });

    describe('check results', () => {
      it('a failed blocking check of the current data version marks the partition check_failed', async () => {
        const r = mat('d', jan(1));
        await store.recordMaterializations([r, mat('d', jan(2))]);
        const events = await store.recordCheckResults([
          { assetKey: 'd', partitionKey: jan(1), dataVersion: r.dataVersion, check: 'not_empty', passed: false, blocking: true, message: 'no rows', metadata: { rows: 0 } },
          { assetKey: 'd', partitionKey: jan(2), dataVersion: mat('d', jan(2)).dataVersion, check: 'soft', passed: false, blocking: false, message: 'warn only' },
          { assetKey: 'd', partitionKey: jan(3), dataVersion: sha('old'), check: 'not_empty', passed: false, blocking: true, message: 'not current' },
        ]);
        expect(events.map((e) => [e.kind, (e as { check?: string }).check, (e as { passed?: boolean }).passed])).toEqual([
          ['check.evaluated', 'not_empty', false],
          ['check.evaluated', 'soft', false],
          ['check.evaluated', 'not_empty', false],
        ]);
        const states = await db.query<{ partition_key: string; status: string; check_failure: unknown }>("SELECT partition_key, status, check_failure FROM weft_partition_state WHERE asset_key = 'd' ORDER BY partition_key");
        expect(states).toEqual([
          { partition_key: jan(1), status: 'check_failed', check_failure: { check: 'not_empty', message: 'no rows' } },
          { partition_key: jan(2), status: 'fresh', check_failure: null },
        ]);
        const rows = await db.query<{ check_name: string; materialization_id: string | null; metadata: unknown }>('SELECT check_name, materialization_id, metadata FROM weft_check_results ORDER BY id');
        expect(rows.map((x) => [x.check_name, x.materialization_id === null, x.metadata])).toEqual([
          ['not_empty', false, { rows: 0 }],
          ['soft', false, null],
          ['not_empty', true, null],
        ]);
        const snapshot = await store.loadSnapshot(storeGraph(), () => CTX);
        const d = snapshot.assets.find((a) => a.assetKey === 'd');
        expect(d?.checkFailures).toEqual([{ index: 0, check: 'not_empty', message: 'no rows' }]);
        expect(d?.status[0]).toBe(PARTITION_STATUSES.indexOf('check_failed'));

        // A new data version clears the check failure.
        await store.recordMaterializations([mat('d', jan(1), { tag: 'v2' })]);
        expect((await db.query<{ status: string; check_failure: unknown }>("SELECT status, check_failure FROM weft_partition_state WHERE asset_key = 'd' AND partition_key = $1", [jan(1)]))[0]).toEqual({ status: 'fresh', check_failure: null });
      });

      it('another blocking check passing does not clear a failed one', async () => {
        const r = mat('d', jan(1));
        await store.recordMaterializations([r]);
        await store.recordCheckResults([
          { assetKey: 'd', partitionKey: jan(1), dataVersion: r.dataVersion, check: 'not_empty', passed: false, blocking: true, message: 'no rows' },
          { assetKey: 'd', partitionKey: jan(1), dataVersion: r.dataVersion, check: 'non_negative', passed: true, blocking: true, message: '' },
        ]);
        const state = async () => (await db.query<{ status: string; check_failure: unknown }>("SELECT status, check_failure FROM weft_partition_state WHERE asset_key = 'd'"))[0];
        expect(await state()).toEqual({ status: 'check_failed', check_failure: { check: 'not_empty', message: 'no rows' } });
        // The failed check itself passing (re-evaluated) clears it.
        await store.recordCheckResults([{ assetKey: 'd', partitionKey: jan(1), dataVersion: r.dataVersion, check: 'not_empty', passed: true, blocking: true, message: '' }]);
        expect(await state()).toEqual({ status: 'fresh', check_failure: null });
      });

      it('results of one call end in the state that recording them one call at a time gives', async () => {
        let seed = 0x9e3779b9;
        const next = (n: number): number => {
          // xorshift32
          seed ^= seed << 13;
          seed ^= seed >>> 17;
          seed ^= seed << 5;
          return (seed >>> 0) % n;
        };
        const checks = ['a', 'b', 'c'];
        for (let round = 0; round < 30; round++) {
          const together = mat('seq', `t${round}`);
          const apart = mat('seq', `s${round}`);
          await store.recordMaterializations([together, apart]);
          const start = next(3); // 0: nothing failed yet; else check `a` or `b` failed before
          const results = Array.from({ length: 1 + next(5) }, () => ({ check: checks[next(3)] as string, passed: next(2) === 0, message: `m${next(100)}` }));
          const as = (r: MaterializationRecord, x: { check: string; passed: boolean; message: string }): CheckResultInput => ({ assetKey: 'seq', partitionKey: r.partitionKey, dataVersion: r.dataVersion, check: x.check, passed: x.passed, blocking: true, message: x.message });
          if (start > 0) for (const r of [together, apart]) await store.recordCheckResults([as(r, { check: checks[start - 1] as string, passed: false, message: 'before' })]);
          await store.recordCheckResults(results.map((x) => as(together, x)));
          for (const x of results) await store.recordCheckResults([as(apart, x)]);
          const rows = await db.query<{ partition_key: string; status: string; check_failure: unknown }>('SELECT partition_key, status, check_failure FROM weft_partition_state WHERE asset_key = $1 AND partition_key = ANY($2::text[])', [
            'seq',
            [together.partitionKey, apart.partitionKey],
          ]);
          const of = (key: string) => rows.find((x) => x.partition_key === key);
          expect({ status: of(together.partitionKey)?.status, failure: of(together.partitionKey)?.check_failure }, JSON.stringify({ start, results })).toEqual({ status: of(apart.partitionKey)?.status, failure: of(apart.partitionKey)?.check_failure });
        }
      });
    });

    it('source observations append an event only for partitions whose data version changed', async () => {
      const first = await store.recordSourceObservations('raw', [
        { partitionKey: jan(1), dataVersion: sha('a'), reported: { etag: '"a"' } },
        { partitionKey: jan(2), dataVersion: sha('b') },
      ]);
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({ kind: 'source.observed', assetKey: 'raw' });
      expect(payload(first[0]).partitions).toEqual(
        expect.arrayContaining([
          { partitionKey: jan(1), dataVersion: sha('a') },
          { partitionKey: jan(2), dataVersion: sha('b') },
        ]),
      );
      expect(await store.recordSourceObservations('raw', [{ partitionKey: jan(1), dataVersion: sha('a') }, { partitionKey: jan(2), dataVersion: sha('b') }])).toEqual([]);
      const second = await store.recordSourceObservations('raw', [
        { partitionKey: jan(1), dataVersion: sha('a') },
        { partitionKey: jan(2), dataVersion: sha('b2') },
        { partitionKey: jan(3), dataVersion: sha('c') },
      ]);
      expect(second).toHaveLength(1);
      const partitions = payload(second[0]).partitions as Array<{ partitionKey: string }>;
      expect(partitions.map((p) => p.partitionKey).sort()).toEqual([jan(2), jan(3)]);
      expect(await store.recordSourceObservations('raw', [])).toEqual([]);
      expect(await countRows(db, 'weft_events')).toBe(2);
      const rows = await db.query<{ partition_key: string; data_version: string; reported: unknown; event_id: string }>('SELECT partition_key, data_version, reported, event_id FROM weft_source_observations ORDER BY partition_key');
      expect(rows.map((r) => [r.partition_key, r.data_version, r.reported, Number(r.event_id)])).toEqual([
        [jan(1), sha('a'), { etag: '"a"' }, first[0]?.seq],
        [jan(2), sha('b2'), null, second[0]?.seq],
        [jan(3), sha('c'), null, second[0]?.seq],
      ]);
      const snapshot = await store.loadSnapshot(storeGraph(), () => CTX);
      const raw = snapshot.assets.find((a) => a.assetKey === 'raw');
      expect([...(raw?.materialized.slice(0, 4) ?? [])]).toEqual([1, 1, 1, 0]);
      expect(raw?.changedSeq[0]).toBe(first[0]?.seq);
      expect(raw?.changedSeq[1]).toBe(second[0]?.seq);
      expect(Buffer.from(raw?.dataVersion.subarray(32, 64) ?? []).toString('hex')).toBe(sha('b2'));
    });

    it('dynamic keys keep their order and ignore duplicates', async () => {
      const first = await store.addDynamicKeys('regions', ['eu', 'us', 'apac']);
      expect(first.map((e) => (e as { keys?: string[] }).keys)).toEqual([['eu', 'us', 'apac']]);
      const second = await store.addDynamicKeys('regions', ['us', 'latam', 'latam', 'africa', 'eu']);
      expect(second.map((e) => (e as { keys?: string[] }).keys)).toEqual([['latam', 'africa']]);
      expect(await store.addDynamicKeys('regions', ['apac', 'eu'])).toEqual([]);
      await store.addDynamicKeys('colors', ['red']);
      const snapshot = await store.loadSnapshot(storeGraph(), (keys) => contextAt(NOW, keys));
      expect(snapshot.dynamicKeys).toEqual({ regions: ['eu', 'us', 'apac', 'latam', 'africa'], colors: ['red'] });
      expect(await countRows(db, 'weft_events')).toBe(3);
    });

    it('requests are stored, announced and part of the snapshot', async () => {
      const request = { id: 'req-1', action: 'backfill' as const, assetKey: 'd', partitionKeys: [jan(1), jan(2)], priority: 5 };
      const [event] = await store.submitRequest(request, 'alice');
      expect(event).toMatchObject({ kind: 'request.submitted', request });
      await store.submitRequest({ id: 'req-2', action: 'materialize', assetKey: 'e', partitionKeys: null, priority: 0 });
      const snapshot = await store.loadSnapshot(storeGraph(), () => CTX);
      expect(snapshot.requests).toEqual([request, { id: 'req-2', action: 'materialize', assetKey: 'e', partitionKeys: null, priority: 0 }]);
      const rows = await db.query<{ id: string; requested_by: string | null; status: string }>('SELECT id, requested_by, status FROM weft_requests ORDER BY id');
      expect(rows).toEqual([
        { id: 'req-1', requested_by: 'alice', status: 'open' },
        { id: 'req-2', requested_by: null, status: 'open' },
      ]);
      // The same id again is refused, and nothing else is written.
      const digest = await tableDigest(db);
      await expect(store.submitRequest(request)).rejects.toThrow();
      expect(await tableDigest(db)).toEqual(digest);
    });

    // ─── batch outcomes ──────────────────────────────────────────────────────────────────────

    describe('batch outcomes (recordOutcome): one transaction, the store decides what is current', () => {
      /** A plan at `cursor` that started `records`' partitions with their tokens, in one batch per asset. */
      function startedPlan(cursor: number, started: ReadonlyArray<Pick<MaterializationRecord, 'assetKey' | 'partitionKey' | 'token'>>, batchId = 'batch-1'): PlanResult {
        const byAsset = new Map<string, Array<Pick<MaterializationRecord, 'partitionKey' | 'token'>>>();
        for (const r of started) byAsset.set(r.assetKey, [...(byAsset.get(r.assetKey) ?? []), r]);
        return {
          cursor,
          batches: [...byAsset].map(([assetKey, list]) => ({ id: batchId, assetKey, computeProvider: 'default', codeVersion: 'code-1', inputsAsOf: cursor, priority: 0, requestIds: [], partitions: list.map((p) => ({ partitionKey: p.partitionKey, token: p.token, inputs: [] })) })),
          changes: [...byAsset].map(([assetKey, list]) => ({ assetKey, status: 'running' as const, ranges: list.map((p) => { const i = Number(p.partitionKey.slice(-2)) - 1; return [i, i + 1] as const; }) })),
          deferred: 0,
          wakeAt: null,
          ignored: [],
          reloadRequired: false,
        };
      }
      const state = async (assetKey: string, partitionKey: string) =>
        (await db.query<{ status: string; token: string | null; materialization_id: string | null; running_token: string | null; running_batch: string | null; planned_seq: string; check_failure: unknown }>(
          'SELECT status, token, materialization_id::text, running_token, running_batch, planned_seq::text, check_failure FROM weft_partition_state WHERE asset_key = $1 AND partition_key = $2',
          [assetKey, partitionKey],
        ))[0];
      const idOf = async (token: string) => Number((await db.query<{ id: string }>('SELECT id FROM weft_materializations WHERE token = $1', [token]))[0]?.id);

      it('outcomes recorded at once are written together, each caller getting what recording it alone gives', async () => {
        // Six batches' outcomes arrive together: materializations, a failure, a passing and a failing
        // blocking check, a restore of a token committed before.
        const earlier = mat('g', 'p-restored');
        await store.recordMaterializations([earlier]);
        const outcomes = Array.from({ length: 6 }, (_, k) => {
          const done = [mat('g', `p${k}-a`), mat('g', `p${k}-b`)];
          return {
            materializations: done,
            checks: [
              { assetKey: 'g', partitionKey: done[0]!.partitionKey, dataVersion: done[0]!.dataVersion, check: 'ok', passed: true, blocking: true, message: '' },
              { assetKey: 'g', partitionKey: done[1]!.partitionKey, dataVersion: done[1]!.dataVersion, check: 'ok', passed: false, blocking: true, message: `batch ${k}` },
            ],
            failures: [failure('g', `p${k}-c`, `fp-${k}`, `failed in batch ${k}`)],
            ...(k === 3 ? { restore: [{ assetKey: 'g', partitionKey: earlier.partitionKey, token: earlier.token, inputsAsOf: 0 }] } : {}),
            logs: [{ token: done[0]!.token, attempt: 1, line: 0, assetKey: 'g', partitionKey: done[0]!.partitionKey, at: NOW, level: 'info' as const, message: `hello from ${k}` }],
          };
        });
        const [last] = await db.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM weft_events');
        const results = await Promise.all(outcomes.map((o) => store.recordOutcome(o)));
        for (const [k, r] of results.entries()) {
          expect(r.committed).toEqual(outcomes[k]!.materializations.map((m) => m.token));
          expect(r.duplicates).toEqual([]);
          expect(r.failed).toBe(1);
          expect(r.restored).toEqual(k === 3 ? [earlier.token] : []);
          expect(r.released).toBe(0);
          // Its events are its partitions' alone.
          const mine = new Set([...outcomes[k]!.materializations.map((m) => m.partitionKey), `p${k}-c`, ...(k === 3 ? [earlier.partitionKey] : [])]);
          expect(r.events.length).toBeGreaterThan(0);
          for (const e of r.events) expect(mine.has((e as { partitionKey: string }).partitionKey), JSON.stringify(e)).toBe(true);
        }
        // Written in fewer transactions than outcomes: the first alone, the five that waited together.
        expect(await countRows(db, 'weft_events', "kind = 'materializations.recorded' AND id > $1", [Number(last?.id)])).toBeLessThan(outcomes.length);
        // The state is what recording them one at a time gives.
        for (let k = 0; k < 6; k++) {
          expect(await state('g', `p${k}-a`)).toMatchObject({ status: 'fresh', check_failure: null });
          expect(await state('g', `p${k}-b`)).toMatchObject({ status: 'check_failed' });
          expect(await state('g', `p${k}-c`)).toMatchObject({ status: 'failed' });
        }
        const logs = await store.explorer.logs(outcomes.map((o) => o.materializations[0]!.token));
        expect(outcomes.map((o) => (logs.get(o.materializations[0]!.token) ?? []).map((l) => l.message))).toEqual(outcomes.map((_, k) => [`hello from ${k}`]));
      });

      it('a bad outcome among outcomes recorded at once fails alone, and outcomes of the same partition keep their order', async () => {
        const good = [mat('h', 'p1'), mat('h', 'p2')];
        const bad = { ...mat('h', 'p3'), codeVersion: 'bad\u0000version' };
        const first = mat('h', 'p4', { tag: 'first' });
        const second = mat('h', 'p4', { tag: 'second' });
        const settled = await Promise.allSettled([
          store.recordOutcome({ materializations: [mat('h', 'p0')] }),
          store.recordOutcome({ materializations: [good[0]!] }),
          store.recordOutcome({ materializations: [bad] }),
          store.recordOutcome({ materializations: [good[1]!] }),
          store.recordOutcome({ materializations: [first] }),
          store.recordOutcome({ materializations: [second] }),
        ]);
        expect(settled.map((x) => x.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
        const error = (settled[2] as PromiseRejectedResult).reason as WeftError;
        expect(error).toBeInstanceOf(WeftError);
        expect(error.context).toMatchObject({ assetKey: 'h', partitionKey: 'p3' });
        expect((settled[1] as PromiseFulfilledResult<{ readonly committed: readonly string[] }>).value.committed).toEqual([good[0]!.token]);
        expect(await state('h', 'p3')).toBeUndefined();
        for (const r of good) expect(await state('h', r.partitionKey)).toMatchObject({ status: 'fresh', token: r.token });
        // The later outcome of p4 was written after the earlier one: its materialization is current.
        expect(await state('h', 'p4')).toMatchObject({ status: 'fresh', token: second.token });
      });

      it('an older plan\'s attempt committing after a newer plan wanted the partition is kept as history, not made current', async () => {
        const graph = storeGraph();
        const v0 = mat('d', jan(1), { tag: 'v0', inputsAsOf: 1 });
        await store.recordOutcome({ materializations: [v0] });
        const old = mat('d', jan(1), { tag: 'old', inputsAsOf: 5 });
        const wanted = mat('d', jan(1), { tag: 'new', inputsAsOf: 10 });
        await store.savePlan(startedPlan(10, [wanted]), graph, CTX);
        expect(await state('d', jan(1))).toMatchObject({ status: 'running', running_token: wanted.token, running_batch: 'batch-1', planned_seq: '10' });
        const planner = new Planner(graph, { codeVersions: Object.fromEntries(graph.order.map((k) => [k, 'code-1'])) }).load(await store.loadSnapshot(graph, () => CTX), NOW);

        const late = await store.recordOutcome({ materializations: [old] });
        expect(late.committed).toEqual([old.token]);
        expect(late.notCurrent).toEqual([old.token]);
        // Still what the newer plan wants: running, and the data of v0.
        expect(await state('d', jan(1))).toMatchObject({ status: 'running', token: v0.token, materialization_id: String(await idOf(v0.token)), running_token: wanted.token });
        const [lateEvent] = (await store.eventsSince(0)).filter((e) => (e as { token?: string }).token === old.token);
        expect(lateEvent).toMatchObject({ kind: 'materialization.succeeded', current: false });
        // A planner fed the log agrees with the store: the late success changes nothing.
        planner.apply(await store.eventsSince(planner.cursor));
        expect(planner.runningPartitions()).toEqual([expect.objectContaining({ assetKey: 'd', partitionKey: jan(1), token: wanted.token, batchId: 'batch-1' })]);
        const d = planner.snapshot().assets.find((a) => a.assetKey === 'd');
        expect(Buffer.from(d?.token.subarray(0, DIGEST_BYTES) ?? []).toString('hex')).toBe(v0.token);

        const done = await store.recordOutcome({ materializations: [wanted] });
        expect(done.notCurrent ?? []).toEqual([]);
        expect(await state('d', jan(1))).toMatchObject({ status: 'fresh', token: wanted.token, running_token: null, running_batch: null });
      });

      it('restores a committed token the planner wants back: it becomes current again, with its failed blocking check', async () => {
        const graph = storeGraph();
        const v1 = mat('d', jan(2), { tag: 'v1', inputsAsOf: 1 });
        await store.recordOutcome({ materializations: [v1], checks: [{ assetKey: 'd', partitionKey: jan(2), dataVersion: v1.dataVersion, check: 'positive', passed: false, blocking: true, message: 'was negative' }] });
        const v2 = mat('d', jan(2), { tag: 'v2', inputsAsOf: 3 });
        await store.recordOutcome({ materializations: [v2] });
        expect(await state('d', jan(2))).toMatchObject({ status: 'fresh', token: v2.token, check_failure: null });

        // A rollback: a plan at cursor 20 wants v1 again; the activity finds it committed.
        await store.savePlan(startedPlan(20, [v1], 'batch-r'), graph, CTX);
        const outcome = await store.recordOutcome({ restore: [{ assetKey: 'd', partitionKey: jan(2), token: v1.token, inputsAsOf: 20 }] });
        expect(outcome.restored).toEqual([v1.token]);
        expect(outcome.events).toEqual([
          expect.objectContaining({ kind: 'materialization.restored', token: v1.token, dataVersion: v1.dataVersion, materializationId: await idOf(v1.token), inputsAsOf: 20, checkFailure: { check: 'positive', message: 'was negative' } }),
        ]);
        expect(await state('d', jan(2))).toMatchObject({ status: 'check_failed', token: v1.token, materialization_id: String(await idOf(v1.token)), running_token: null, check_failure: { check: 'positive', message: 'was negative' } });
        expect(await countRows(db, 'weft_materializations', 'token = $1', [v1.token])).toBe(1);
        // The planner reads it as the partition's current token again.
        const snapshot = await store.loadSnapshot(graph, () => CTX);
        const d = snapshot.assets.find((a) => a.assetKey === 'd');
        expect(Buffer.from(d?.token.subarray(DIGEST_BYTES, 2 * DIGEST_BYTES) ?? []).toString('hex')).toBe(v1.token);
        expect(d?.running).toEqual([]);

        // A plan older than the latest one that wanted the partition restores nothing: the partition goes back to the planner.
        await store.savePlan(startedPlan(30, [v2], 'batch-s'), graph, CTX);
        const refused = await store.recordOutcome({ restore: [{ assetKey: 'd', partitionKey: jan(2), token: v1.token, inputsAsOf: 25 }] });
        expect(refused.restored).toEqual([]);
        expect(refused.events).toEqual([expect.objectContaining({ kind: 'materialization.released', partitions: [{ partitionKey: jan(2), token: v1.token }], inputsChanged: false })]);
        expect(await state('d', jan(2))).toMatchObject({ token: v1.token, running_token: v2.token, status: 'running' });
      });

      it('releases give partitions back: the marker of that token is cleared, an event says why, and the run remembers them', async () => {
        const graph = storeGraph();
        const a = mat('d', jan(3), { tag: 'a', inputsAsOf: 7 });
        const b = mat('d', jan(4), { tag: 'b', inputsAsOf: 7 });
        await store.savePlan(startedPlan(7, [a, b]), graph, CTX);
        const out = await store.recordOutcome({ release: { partitions: [{ assetKey: 'd', partitionKey: jan(3), token: a.token, attempt: 2, workflowId: 'wf-r', runId: 'run-r', worker: 'w' }, { assetKey: 'd', partitionKey: jan(4), token: sha('another token') }], reason: 'input raw changed since it was planned', inputsChanged: true } });
        expect(out.events).toEqual([expect.objectContaining({ kind: 'materialization.released', assetKey: 'd', reason: 'input raw changed since it was planned', inputsChanged: true })]);
        expect(await state('d', jan(3))).toMatchObject({ status: 'missing', running_token: null, running_batch: null });
        // A release of a token that does not run there leaves the marker alone.
        expect(await state('d', jan(4))).toMatchObject({ status: 'running', running_token: b.token });
        expect(await store.tokensSettledInRun([a.token, b.token], 'wf-r', 'run-r')).toEqual(new Set([a.token]));
        expect((await store.attempts('d', jan(3)))[0]).toMatchObject({ status: 'released', attempt: 2, message: 'input raw changed since it was planned' });
      });

      it('a failure of an older token while a newer one runs is history only; the running partition stays running', async () => {
        const graph = storeGraph();
        const wanted = mat('d', jan(5), { tag: 'new', inputsAsOf: 9 });
        await store.savePlan(startedPlan(9, [wanted]), graph, CTX);
        await store.recordOutcome({ failures: [{ ...failure('d', jan(5), 'fp-old', 'old attempt failed', 'old') }] });
        expect(await state('d', jan(5))).toMatchObject({ status: 'running', running_token: wanted.token });
        await store.recordOutcome({ failures: [{ ...failure('d', jan(5), 'fp-new', 'this one failed', 'new') }] });
        expect(await state('d', jan(5))).toMatchObject({ status: 'failed', running_token: null });
      });

      it('a plan saved after a recording it had not read leaves the newer state alone', async () => {
        const graph = storeGraph();
        const r = mat('d', jan(6), { inputsAsOf: 0 });
        await store.recordOutcome({ materializations: [r] });
        // A plan computed at cursor 0 (before the recording) thought the partition was missing.
        await store.savePlan({ cursor: 0, batches: [], changes: [{ assetKey: 'd', status: 'missing', ranges: [[5, 6]] }], deferred: 0, wakeAt: null, ignored: [], reloadRequired: false }, graph, CTX);
        expect(await state('d', jan(6))).toMatchObject({ status: 'fresh', token: r.token });
      });

      it('materializations, their checks and failures commit together: a crash between them loses all, and no plan sees one without the other', async () => {
        const r = mat('d', jan(7), { inputsAsOf: 0 });
        const before = await tableDigest(db);
        // The connection dies between the materializations and the check results.
        const crashing: SqlDatabase = {
          ...db,
          transaction: (fn) =>
            db.transaction((tx) =>
              fn({
                copy: (table, columns, lines) => tx.copy(table, columns, lines),
                execute: (text, params) => tx.execute(text, params),
                query: async <T>(text: string, params?: readonly unknown[]) => {
                  if (text.includes('INSERT INTO weft_check_results')) throw new Error('connection lost');
                  return tx.query<T>(text, params);
                },
              }),
            ),
        };
        const outcome = {
          materializations: [r],
          checks: [{ assetKey: 'd', partitionKey: jan(7), dataVersion: r.dataVersion, check: 'positive', passed: false, blocking: true, message: 'negative total' }],
          failures: [failure('d', jan(8), 'fp', 'boom')],
        };
        await expect(new ProvenanceStore(crashing).recordOutcome(outcome)).rejects.toThrow('connection lost');
        expect(await tableDigest(db)).toEqual(before);
        const done = await store.recordOutcome(outcome);
        expect(done.events.map((e) => e.kind)).toEqual(['materialization.succeeded', 'check.evaluated', 'materialization.failed']);
        expect(await state('d', jan(7))).toMatchObject({ status: 'check_failed', check_failure: { check: 'positive', message: 'negative total' } });
        // One snapshot holds both: the planner never starts downstream of data whose blocking check failed.
        const snapshot = await store.loadSnapshot(storeGraph(), () => CTX);
        expect(snapshot.assets.find((a) => a.assetKey === 'd')?.checkFailures).toEqual([{ index: 6, check: 'positive', message: 'negative total' }]);
      });

      it('rejects a bad failure in an outcome before writing anything of it', async () => {
        const before = await tableDigest(db);
        await expectBadKey(store.recordOutcome({ materializations: [mat('d', jan(9))], failures: [{ ...failure('d', jan(9), 'fp\u0000', 'x') }] }), 'fingerprint');
        expect(await tableDigest(db)).toEqual(before);
      });
    });

    // ─── code locations ──────────────────────────────────────────────────────────────────────

    it('keeps the state of code locations apart: two locations with the same asset keys never see each other', async () => {
      const graph = storeGraph();
      const other = new ProvenanceStore(db, 'other');
      // The same source partition observed in both: each location records its own observation.
      expect(await store.recordSourceObservations('raw', [{ partitionKey: jan(1), dataVersion: sha('raw-1') }])).toHaveLength(1);
      expect(await other.recordSourceObservations('raw', [{ partitionKey: jan(1), dataVersion: sha('raw-1') }])).toHaveLength(1);
      expect(await other.recordSourceObservations('raw', [{ partitionKey: jan(1), dataVersion: sha('raw-2') }])).toHaveLength(1);
      // The same asset key materialized differently in each.
      await store.recordOutcome({ materializations: [mat('d', jan(1), { tag: 'mine' })] });
      await other.recordOutcome({ materializations: [mat('d', jan(1), { tag: 'theirs' })], failures: [failure('d', jan(2), 'fp-theirs', 'their failure')] });
      await store.addDynamicKeys('regions', ['eu']);
      await other.addDynamicKeys('regions', ['us', 'eu']);
      await store.submitRequest({ id: 'req-mine', action: 'materialize', assetKey: 'd', partitionKeys: [jan(3)], priority: 1 });
      await other.submitRequest({ id: 'req-theirs', action: 'backfill', assetKey: 'd', partitionKeys: null, priority: 1 });

      expect((await store.partitions('d')).map((p) => [p.partitionKey, p.token])).toEqual([[jan(1), mat('d', jan(1), { tag: 'mine' }).token]]);
      expect((await other.partitions('d')).map((p) => [p.partitionKey, p.status])).toEqual([
        [jan(1), 'fresh'],
        [jan(2), 'failed'],
      ]);
      expect(await store.failureGroups()).toEqual([]);
      expect((await other.failureGroups()).map((g) => [g.fingerprint, g.partitions])).toEqual([['fp-theirs', [jan(2)]]]);
      expect(await store.dynamicKeys()).toEqual({ regions: ['eu'] });
      expect(await other.dynamicKeys()).toEqual({ regions: ['us', 'eu'] });
      expect(await store.request('req-theirs')).toBeUndefined();
      expect((await store.currentValues('raw', [jan(1)]))[0]?.dataVersion).toBe(sha('raw-1'));
      expect((await other.currentValues('raw', [jan(1)]))[0]?.dataVersion).toBe(sha('raw-2'));
      const mine = await store.loadSnapshot(graph, () => CTX);
      const theirs = await other.loadSnapshot(graph, () => CTX);
      expect(mine.requests.map((r) => r.id)).toEqual(['req-mine']);
      expect(theirs.requests.map((r) => r.id)).toEqual(['req-theirs']);
      expect(mine.dynamicKeys).toEqual({ regions: ['eu'] });
      expect(mine.assets.find((a) => a.assetKey === 'd')?.failures).toEqual([]);
      expect(theirs.assets.find((a) => a.assetKey === 'd')?.failures.map((f) => f.index)).toEqual([1]);
      const lineage = await store.lineage(graph, CTX, { assetKey: 'd', partitionKey: jan(1), direction: 'upstream', depth: 1 });
      expect(lineage.root?.token).toBe(mat('d', jan(1), { tag: 'mine' }).token);
    });

    it('a token another location committed already is made current in this one (the same computation runs once)', async () => {
      const other = new ProvenanceStore(db, 'other');
      const shared = mat('d', jan(4), { tag: 'shared', inputsAsOf: 0 });
      await other.recordOutcome({ materializations: [shared] });
      const out = await store.recordOutcome({ materializations: [shared] });
      expect(out.committed).toEqual([]);
      expect(out.restored).toEqual([shared.token]);
      expect((await store.partitions('d')).map((p) => [p.partitionKey, p.status, p.token])).toEqual([[jan(4), 'fresh', shared.token]]);
      expect((await store.eventsSince(0)).map((e) => e.kind)).toEqual(['materialization.restored']);
    });

    // ─── planner round trip ──────────────────────────────────────────────────────────────────

    describe('planner state (loadSnapshot / savePlan) with a real planner', () => {
      // Events carry the database's wall-clock time, and the planner's clock follows them: the
      // definitions end with January so the partitions are the same whenever the test runs.
      const graph = storeGraph('2024-02-01');
      const codeVersions = Object.fromEntries(graph.order.map((k) => [k, `${k}-code-1`]));
      const now = Date.parse('2024-02-01T00:00:00Z');
      const ctxFor = (keys: Readonly<Record<string, readonly string[]>>): PartitionContext => contextAt(now, keys);
      const dataVersions = new Map<string, string>();

      async function plan(): Promise<{ planner: Planner; result: PlanResult; cursorBefore: number }> {
        const snapshot = await store.loadSnapshot(graph, ctxFor);
        const planner = new Planner(graph, { codeVersions, defaultBatchSize: 50 }).load(snapshot, now);
        planner.apply(await store.eventsSince(snapshot.cursor));
        const result = planner.plan(now);
        await store.savePlan(result, graph, planner.context, (assetKey, key) => planner.state(assetKey, key).reasons);
        return { planner, result, cursorBefore: snapshot.cursor };
      }

      async function run(result: PlanResult, ctx: PartitionContext): Promise<MaterializationRecord[]> {
        const records: MaterializationRecord[] = [];
        for (const batch of result.batches) {
          for (const p of batch.partitions) {
            const inputs: InputRecord[] = p.inputs.map((i) => {
              const def = graph.node(i.assetKey).partitions;
              const keys = i.ranges.flatMap(([a, b]) => Array.from({ length: b - a }, (_, k) => def.keyAt(a + k, ctx)));
              if (i.cardinality === 'one') {
                const key = keys[0] as string;
                return { name: i.name, upstreamAsset: i.assetKey, partitionKey: key, dataVersion: dataVersions.get(`${i.assetKey}/${key}`) as string };
              }
              return { name: i.name, upstreamAsset: i.assetKey, range: { first: keys[0] as string, last: keys.at(-1) as string, count: keys.length, combinedHash: sha(keys.map((k) => dataVersions.get(`${i.assetKey}/${k}`)).join()) } };
            });
            const dataVersion = sha(`${batch.assetKey}/${p.partitionKey}/${inputs.map((i) => ('dataVersion' in i ? i.dataVersion : i.range.combinedHash)).join()}`);
            dataVersions.set(`${batch.assetKey}/${p.partitionKey}`, dataVersion);
            records.push({ token: p.token, assetKey: batch.assetKey, partitionKey: p.partitionKey, codeVersion: batch.codeVersion, dataVersion, finishedAt: now, inputsAsOf: batch.inputsAsOf, inputs });
          }
        }
        const result2 = await store.recordMaterializations(records);
        expect(result2.committed).toHaveLength(records.length);
        return records;
      }

      it('round-trips the planner state: what was recorded is fresh after reloading, and only a changed source partition reruns', async () => {
        dataVersions.clear();
        const days = Array.from({ length: 31 }, (_, i) => jan(i + 1));
        const observed = days.map((k) => ({ partitionKey: k, dataVersion: sha(`raw/${k}/1`) }));
        for (const o of observed) dataVersions.set(`raw/${o.partitionKey}`, o.dataVersion);
        await store.recordSourceObservations('raw', observed);

        // Plan 1: every d and c0 partition of January (their source partitions are all there) starts.
        const one = await plan();
        const started = (asset: string) => one.result.batches.filter((b) => b.assetKey === asset).flatMap((b) => b.partitions.map((p) => p.partitionKey)).sort();
        expect(started('d')).toEqual(days);
        expect(started('c0')).toEqual(days);
        expect(started('m')).toEqual([]);
        const saved = await store.loadSnapshot(graph, ctxFor);
        expect(saved.cursor).toBe(one.result.cursor);
        const dSnap = saved.assets.find((a) => a.assetKey === 'd');
        expect(dSnap?.running.map((r) => r.token).sort()).toEqual(one.result.batches.filter((b) => b.assetKey === 'd').flatMap((b) => b.partitions.map((p) => p.token)).sort());
        expect(new Set((await store.partitions('d', { limit: 100 })).map((p) => p.status))).toEqual(new Set(['running']));
        const mRows = await store.partitions('m');
        expect(mRows.map((r) => r.partitionKey)).toEqual(['2024-01']);
        expect(mRows[0]?.status).not.toBe('fresh');
        expect(mRows[0]?.reasons?.length).toBeGreaterThan(0);

        // A planner rebuilt from the snapshot alone (no events applied) sees what was recorded fresh.
        await run(one.result, one.planner.context);
        const reloaded = new Planner(graph, { codeVersions, defaultBatchSize: 50 }).load(await store.loadSnapshot(graph, ctxFor), now);
        expect(reloaded.summary('d').fresh).toBe(31);
        expect(reloaded.summary('c0').fresh).toBe(31);
        expect(reloaded.state('d', jan(5)).status).toBe('fresh');
        expect(reloaded.plan(now).batches.map((b) => b.assetKey).sort()).toEqual(['c1', 'e', 'm']);

        // Plan 2 (snapshot + events): what reads d and c0 is ready now; d and c0 are not rerun.
        const two = await plan();
        expect(two.cursorBefore).toBe(one.result.cursor);
        expect(two.result.batches.map((b) => b.assetKey).sort()).toEqual(['c1', 'e', 'm']);
        await run(two.result, two.planner.context);
        for (let i = 0; i < 8; i++) {
          const next = await plan();
          if (next.result.batches.length === 0) break;
          await run(next.result, next.planner.context);
        }
        const settled = await plan();
        expect(settled.result.batches).toEqual([]);
        for (const key of ['d', 'e', 'c0', 'c5']) expect(settled.planner.summary(key).fresh).toBe(31);
        expect(settled.planner.summary('m').fresh).toBe(1);
        expect(await store.statusSummary('m', graph, settled.planner.context)).toEqual([{ firstKey: '2024-01', lastKey: '2024-01', count: 1, status: 'fresh' }]);

        // One source partition changes: only its closure reruns.
        const changedVersion = sha('raw/2024-01-05/2');
        dataVersions.set(`raw/${jan(5)}`, changedVersion);
        await store.recordSourceObservations('raw', [{ partitionKey: jan(5), dataVersion: changedVersion }]);
        const three = await plan();
        expect(three.result.batches.map((b) => [b.assetKey, b.partitions.map((p) => p.partitionKey)])).toEqual(
          expect.arrayContaining([
            ['d', [jan(5)]],
            ['c0', [jan(5)]],
          ]),
        );
        expect(three.result.batches).toHaveLength(2);
      });
    });

    // ─── queries ─────────────────────────────────────────────────────────────────────────────

    it('summarizes status as ranges in the definition order (missing where no state row is)', async () => {
      const graph = storeGraph();
      await store.recordMaterializations([1, 2, 3, 7, 8].map((d) => mat('d', jan(d))));
      await store.recordFailures([failure('d', jan(4), 'fp', 'x')]);
      await store.recordMaterializations([mat('d', '2023-12-31')]); // outside the definition: ignored
      const ctx = contextAt(Date.parse('2024-01-11T00:00:00Z'));
      expect(await store.statusSummary('d', graph, ctx)).toEqual([
        { firstKey: jan(1), lastKey: jan(3), count: 3, status: 'fresh' },
        { firstKey: jan(4), lastKey: jan(4), count: 1, status: 'failed' },
        { firstKey: jan(5), lastKey: jan(6), count: 2, status: 'missing' },
        { firstKey: jan(7), lastKey: jan(8), count: 2, status: 'fresh' },
        { firstKey: jan(9), lastKey: jan(10), count: 2, status: 'missing' },
      ]);
      expect(await store.statusSummary('e', graph, ctx)).toEqual([{ firstKey: jan(1), lastKey: jan(10), count: 10, status: 'missing' }]);
      expect(await store.statusSummary('d', graph, contextAt(Date.parse('2024-01-01T00:00:00Z')))).toEqual([]);
    });

    it('pages through partitions in key order, optionally by status', async () => {
      const keys = Array.from({ length: 25 }, (_, i) => jan(i + 1));
      await store.recordMaterializations([...keys].reverse().map((k) => mat('d', k)));
      await store.recordFailures([failure('d', jan(3), 'fp', 'x'), failure('d', jan(17), 'fp', 'y')]);
      const pages = [];
      for (let offset = 0; offset < 30; offset += 10) pages.push(await store.partitions('d', { offset, limit: 10 }));
      expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
      expect(pages.flat().map((p) => p.partitionKey)).toEqual(keys);
      const first = pages[0]?.[0];
      expect(first).toMatchObject({ partitionKey: jan(1), status: 'fresh', token: mat('d', jan(1)).token, dataVersion: mat('d', jan(1)).dataVersion, codeVersion: 'code-1', reasons: null });
      expect(typeof first?.materializationId).toBe('number');
      expect((await store.partitions('d', { status: 'failed' })).map((p) => p.partitionKey)).toEqual([jan(3), jan(17)]);
      expect((await store.partitions('d', { status: 'fresh', offset: 20 })).map((p) => p.partitionKey)).toEqual([jan(23), jan(24), jan(25)]);
      expect(await store.partitions('nothing')).toEqual([]);
    });

    describe('lineage', () => {
      const graph = storeGraph();

      /** raw (source) → c0 → c1 → … → c5 for one day, recorded level by level. */
      async function chain(day: string): Promise<MaterializationRecord[]> {
        const records: MaterializationRecord[] = [];
        let previous: InputRecord = { name: 'up', upstreamAsset: 'raw', partitionKey: day, dataVersion: sha(`raw/${day}`) };
        for (let i = 0; i <= 5; i++) {
          const r = mat(`c${i}`, day, { inputs: [previous] });
          await store.recordMaterializations([r]);
          records.push(r);
          previous = readOne('up', r);
        }
        return records;
      }

      it('follows a chain upstream to depth N, and downstream', async () => {
        const records = await chain(jan(1));
        await chain(jan(2));
        const up3 = await store.lineage(graph, CTX, { assetKey: 'c5', partitionKey: jan(1), direction: 'upstream', depth: 3 });
        expect(up3.root).toMatchObject({ assetKey: 'c5', partitionKey: jan(1), token: records[5]?.token, dataVersion: records[5]?.dataVersion, codeVersion: 'code-1', depth: 0, finishedAt: NOW });
        expect(up3.nodes.map((n) => [n.assetKey, n.depth])).toEqual([
          ['c5', 0],
          ['c4', 1],
          ['c3', 2],
          ['c2', 3],
        ]);
        expect(up3.edges.map((e) => e.inputName)).toEqual(['up', 'up', 'up']);
        const ids = new Map(up3.nodes.map((n) => [n.assetKey, n.materializationId]));
        expect(up3.edges[0]).toEqual({ downstreamId: ids.get('c5'), upstreamId: ids.get('c4'), inputName: 'up' });
        expect(up3.unresolved).toEqual([]);

        const full = await store.lineage(graph, CTX, { assetKey: 'c5', partitionKey: jan(1), direction: 'upstream', depth: 10 });
        expect(full.nodes.map((n) => n.assetKey)).toEqual(['c5', 'c4', 'c3', 'c2', 'c1', 'c0']);
        expect(full.nodes.every((n) => n.partitionKey === jan(1))).toBe(true);
        // The source partition c0 read has no materialization: it is reported, not lost.
        expect(full.unresolved).toEqual([{ downstreamId: full.nodes[5]?.materializationId, inputName: 'up', assetKey: 'raw', partitionKey: jan(1), dataVersion: sha(`raw/${jan(1)}`) }]);

        const zero = await store.lineage(graph, CTX, { assetKey: 'c5', partitionKey: jan(1), direction: 'upstream', depth: 0 });
        expect(zero.nodes).toHaveLength(1);
        expect(zero.edges).toEqual([]);

        const down = await store.lineage(graph, CTX, { assetKey: 'c1', partitionKey: jan(1), direction: 'downstream', depth: 2 });
        expect(down.nodes.map((n) => [n.assetKey, n.depth])).toEqual([
          ['c1', 0],
          ['c2', 1],
          ['c3', 2],
        ]);
        const byId = await store.lineage(graph, CTX, { assetKey: 'ignored', partitionKey: 'ignored', direction: 'upstream', depth: 1, materializationId: full.nodes[2]?.materializationId as number });
        expect(byId.nodes.map((n) => n.assetKey)).toEqual(['c3', 'c2']);

        expect(await store.lineage(graph, CTX, { assetKey: 'c5', partitionKey: jan(9), direction: 'upstream', depth: 3 })).toEqual({ root: undefined, nodes: [], edges: [], unresolved: [] });
        await expect(store.lineage(graph, CTX, { assetKey: 'c5', partitionKey: jan(1), direction: 'upstream', depth: 1000 })).rejects.toThrow(/depth/);
        await expect(store.lineage(graph, CTX, { assetKey: 'c5', partitionKey: jan(1), direction: 'upstream', depth: -1 })).rejects.toBeInstanceOf(WeftError);
      });

      it('expands a rollup range to the materializations current when it was read, not later ones', async () => {
        const days = Array.from({ length: 31 }, (_, i) => mat('d', jan(i + 1), { inputs: [{ name: 'raw', upstreamAsset: 'raw', partitionKey: jan(i + 1), dataVersion: sha(`raw${i}`) }] }));
        const { events } = await store.recordMaterializations(days);
        const asOf = events.at(-1)?.seq as number;
        const month = mat('m', '2024-01', { inputsAsOf: asOf, inputs: [readRange('days', 'd', jan(1), jan(31), 31)] });
        await store.recordMaterializations([month]);
        // Day 5 is recomputed after the month read it.
        const later = mat('d', jan(5), { tag: 'v2' });
        await store.recordMaterializations([later]);

        const up = await store.lineage(graph, CTX, { assetKey: 'm', partitionKey: '2024-01', direction: 'upstream', depth: 1 });
        expect(up.root?.token).toBe(month.token);
        expect(up.nodes.slice(1).map((n) => n.token)).toEqual(days.map((d) => d.token));
        expect(up.nodes.some((n) => n.token === later.token)).toBe(false);
        expect(up.edges).toHaveLength(31);
        expect(up.edges.every((e) => e.inputName === 'days' && e.downstreamId === up.root?.materializationId)).toBe(true);
        expect(up.unresolved).toEqual([]);

        const two = await store.lineage(graph, CTX, { assetKey: 'm', partitionKey: '2024-01', direction: 'upstream', depth: 2 });
        expect(two.unresolved.map((u) => [u.assetKey, u.partitionKey]).sort()).toEqual(days.map((d) => ['raw', d.partitionKey]));

        // Downstream: the old day 5 fed the month; the new one did not (yet).
        const ids = new Map((await db.query<{ id: string; token: string }>('SELECT id, token FROM weft_materializations')).map((r) => [r.token, Number(r.id)]));
        const fromOld = await store.lineage(graph, CTX, { assetKey: 'd', partitionKey: jan(5), direction: 'downstream', depth: 3, materializationId: ids.get(days[4]?.token as string) as number });
        expect(fromOld.nodes.map((n) => n.token)).toEqual([days[4]?.token, month.token]);
        expect(fromOld.edges).toEqual([{ downstreamId: ids.get(month.token), upstreamId: ids.get(days[4]?.token as string), inputName: 'days' }]);
        const fromNew = await store.lineage(graph, CTX, { assetKey: 'd', partitionKey: jan(5), direction: 'downstream', depth: 3 });
        expect(fromNew.nodes.map((n) => n.token)).toEqual([later.token]);
      });

      it('reaches single and range readers downstream at once', async () => {
        const day = mat('d', jan(2));
        const { events } = await store.recordMaterializations([day]);
        const reader = mat('e', jan(2), { inputs: [readOne('day', day)] });
        const month = mat('m', '2024-01', { inputsAsOf: events[0]?.seq as number, inputs: [readRange('days', 'd', jan(1), jan(31), 31)] });
        await store.recordMaterializations([reader, month]);
        const down = await store.lineage(graph, CTX, { assetKey: 'd', partitionKey: jan(2), direction: 'downstream', depth: 1 });
        expect(down.nodes.map((n) => n.assetKey).sort()).toEqual(['d', 'e', 'm']);
        expect(down.edges.map((e) => e.inputName).sort()).toEqual(['day', 'days']);
        // Upstream from the month: day 2 found, the 30 days never materialized are unresolved.
        const up = await store.lineage(graph, CTX, { assetKey: 'm', partitionKey: '2024-01', direction: 'upstream', depth: 1 });
        expect(up.nodes.map((n) => n.partitionKey)).toEqual(['2024-01', jan(2)]);
        expect(up.unresolved).toHaveLength(30);
        expect(up.unresolved.every((u) => u.assetKey === 'd' && u.dataVersion === null && u.inputName === 'days')).toBe(true);
      });
    });

    // ─── API tokens and audit ────────────────────────────────────────────────────────────────

    it('stores only a hash of API tokens; verifies, expires and revokes them', async () => {
      const a = await store.createApiToken('ci', { analytics: 'viewer' });
      const b = await store.createApiToken('temp', { '*': 'admin' }, NOW + 60_000);
      expect(a.secret).not.toBe(b.secret);
      const dump = await db.query<{ row: string }>('SELECT t::text AS row FROM weft_api_tokens t');
      expect(dump).toHaveLength(2);
      for (const { row } of dump) {
        expect(row).not.toContain(a.secret);
        expect(row).not.toContain(b.secret);
        expect(row).not.toContain(a.secret.slice(5));
      }
      expect(await countRows(db, 'weft_api_tokens', 'token_hash = $1', [sha(a.secret)])).toBe(1);

      expect(await store.verifyApiToken(a.secret, NOW)).toEqual({ id: a.id, name: 'ci', roles: { analytics: 'viewer' } });
      expect(await store.verifyApiToken(`${a.secret}x`, NOW)).toBeUndefined();
      expect(await store.verifyApiToken('', NOW)).toBeUndefined();
      const [used] = await db.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM weft_api_tokens WHERE id = $1', [a.id]);
      expect(new Date(used?.last_used_at ?? 0).getTime()).toBe(NOW);

      expect((await store.verifyApiToken(b.secret, NOW + 59_999))?.id).toBe(b.id);
      expect(await store.verifyApiToken(b.secret, NOW + 60_000)).toBeUndefined();

      await store.revokeApiToken(a.id, NOW + 1);
      expect(await store.verifyApiToken(a.secret, NOW + 2)).toBeUndefined();
    });

    it('keeps an audit log', async () => {
      await store.audit('alice', 'materialize', 'asset:d', { partitions: [jan(1)] });
      await store.audit('bob', 'token.revoke', null);
      const rows = await db.query<{ actor: string; action: string; target: string | null; details: unknown; at: Date }>('SELECT actor, action, target, details, at FROM weft_audit_log ORDER BY id');
      expect(rows.map((r) => [r.actor, r.action, r.target, r.details])).toEqual([
        ['alice', 'materialize', 'asset:d', { partitions: [jan(1)] }],
        ['bob', 'token.revoke', null, null],
      ]);
      expect(rows.every((r) => r.at instanceof Date || typeof r.at === 'string')).toBe(true);
    });

    // ─── retention ───────────────────────────────────────────────────────────────────────────

    describe('retention (prune)', () => {
      const OLD = NOW - 10 * DAY;
      const policy = { eventsOlderThanMs: DAY, detailOlderThanMs: DAY, checksOlderThanMs: DAY };

      function emptyPlan(cursor: number): PlanResult {
        return { cursor, batches: [], changes: [], deferred: 0, wakeAt: null, ignored: [], reloadRequired: false };
      }

      it('drops old events up to the lowest planner cursor, never past it', async () => {
        const graph = storeGraph();
        const old = await store.appendEvents(Array.from({ length: 10 }, (_, i) => ({ kind: 'request.cancelled', requestId: `old-${i}`, at: OLD }) as NewEvent));
        const recent = await store.appendEvents([{ kind: 'request.cancelled', requestId: 'recent' }]);
        expect(await store.prune(policy, NOW)).toMatchObject({ events: 0 }); // no planner cursor yet
        await store.savePlan(emptyPlan(old[4]?.seq as number), graph, CTX);
        await new ProvenanceStore(db, 'second').savePlan(emptyPlan(recent[0]?.seq as number), graph, CTX);
        const pruned = await store.prune(policy, NOW);
        expect(pruned.events).toBe(5);
        expect((await store.eventsSince(0)).map((e) => e.seq)).toEqual([...old.slice(5), ...recent].map((e) => e.seq));
        // The cursor moves on: old events up to it go, the recent one stays (younger than the policy).
        await store.savePlan(emptyPlan(recent[0]?.seq as number), graph, CTX);
        expect((await store.prune(policy, NOW)).events).toBe(5);
        expect((await store.eventsSince(0)).map((e) => e.seq)).toEqual([recent[0]?.seq]);
        expect((await store.prune({}, NOW)).events).toBe(0);
      });

      it('drops superseded materializations but keeps current ones and everything upstream of them', async () => {
        const at = (i: number) => OLD + i * 1000;
        // d/jan1: v1 read by e/jan1 (current), then superseded by v2. d/jan2: v1 superseded by v2, read by nobody current.
        // A failed attempt of a token that never succeeded (superseded), recorded first.
        await store.recordFailures([failure('d', jan(2), 'fp', 'old failure', 'v0', at(0))]);
        const d1v1 = mat('d', jan(1), { tag: 'v1', finishedAt: at(1) });
        const d2v1 = mat('d', jan(2), { tag: 'v1', finishedAt: at(1) });
        await store.recordMaterializations([d1v1, d2v1]);
        const e2old = mat('e', jan(2), { tag: 'old', finishedAt: at(2), inputs: [readOne('day', d2v1)] });
        const e1 = mat('e', jan(1), { tag: 'v1', finishedAt: at(2), inputs: [readOne('day', d1v1)] });
        await store.recordMaterializations([e1, e2old]);
        const d1v2 = mat('d', jan(1), { tag: 'v2', finishedAt: at(3) });
        const d2v2 = mat('d', jan(2), { tag: 'v2', finishedAt: at(3) });
        await store.recordMaterializations([d1v2, d2v2]);
        const e2new = mat('e', jan(2), { tag: 'new', finishedAt: at(4), inputs: [readOne('day', d2v2)] });
        await store.recordMaterializations([e2new]);
        // The current failure of d/jan3: its attempt stays.
        await store.recordFailures([failure('d', jan(3), 'fp', 'current failure', 'v1', at(5))]);
        const lineageBefore = await store.lineage(storeGraph(), CTX, { assetKey: 'e', partitionKey: jan(1), direction: 'upstream', depth: 5 });

        // Until a planner has read their events, superseded materializations stay: the log reads
        // its `materialization.succeeded` events from them.
        const log = await store.eventsSince(0);
        expect(await store.prune(policy, NOW)).toMatchObject({ materializations: 0, attempts: 1 }); // (attempts do not wait for cursors)
        expect(await store.eventsSince(0)).toEqual(log);
        await store.savePlan(emptyPlan(log.at(-1)?.seq as number), storeGraph(), CTX);
        const pruned = await store.prune(policy, NOW);
        const left = (await db.query<{ token: string }>('SELECT token FROM weft_materializations')).map((r) => r.token).sort();
        expect(left).toEqual([d1v1, e1, d1v2, d2v2, e2new].map((r) => r.token).sort());
        expect(pruned.materializations).toBe(2);
        expect(await countRows(db, 'weft_input_edges')).toBe(2);
        const attemptTokens = (await db.query<{ token: string; status: string }>('SELECT token, status FROM weft_attempts')).map((r) => `${r.status}:${r.token}`).sort();
        // Successes are their materialization rows; the attempts table keeps the failures: the current one stays.
        expect(attemptTokens).toEqual([`failed:${failure('d', jan(3), 'fp', '').token}`]);
        expect(pruned.attempts).toBe(0);
        expect(await store.lineage(storeGraph(), CTX, { assetKey: 'e', partitionKey: jan(1), direction: 'upstream', depth: 5 })).toEqual(lineageBefore);
        // Nothing more to do the second time; recent detail is never touched.
        expect(await store.prune(policy, NOW)).toEqual({ events: 0, attempts: 0, logs: 0, materializations: 0, checks: 0 });
        expect(await store.prune(policy, OLD)).toEqual({ events: 0, attempts: 0, logs: 0, materializations: 0, checks: 0 });
      });

      it('keeps the provenance of a current rollup: what its range read, and what those read', async () => {
        const at = (i: number) => OLD + i * 1000;
        // c0 day 5 (v1) → d day 5 (v1, read by the month) → month; then c0 and d day 5 are recomputed.
        const days = Array.from({ length: 31 }, (_, i) => mat('d', jan(i + 1), { finishedAt: at(1) }));
        const c0v1 = mat('c0', jan(5), { tag: 'v1', finishedAt: at(0) });
        await store.recordMaterializations([c0v1]);
        days[4] = mat('d', jan(5), { finishedAt: at(1), inputs: [readOne('up', c0v1)] });
        const { events } = await store.recordMaterializations(days);
        const month = mat('m', '2024-01', { finishedAt: at(2), inputsAsOf: events.at(-1)?.seq as number, inputs: [readRange('days', 'd', jan(1), jan(31), 31)] });
        await store.recordMaterializations([month]);
        const c0v2 = mat('c0', jan(5), { tag: 'v2', finishedAt: at(3) });
        await store.recordMaterializations([c0v2]);
        const d5v2 = mat('d', jan(5), { tag: 'v2', finishedAt: at(4), inputs: [readOne('up', c0v2)] });
        await store.recordMaterializations([d5v2]);
        // Superseded and read by nothing: goes.
        const c0day6 = mat('c0', jan(6), { tag: 'v1', finishedAt: at(0) });
        await store.recordMaterializations([c0day6]);
        await store.recordMaterializations([mat('c0', jan(6), { tag: 'v2', finishedAt: at(1) })]);

        const graph = storeGraph();
        const before = await store.lineage(graph, CTX, { assetKey: 'm', partitionKey: '2024-01', direction: 'upstream', depth: 3 });
        expect(before.nodes.map((n) => n.token)).toContain(c0v1.token);
        await store.savePlan(emptyPlan((await store.eventsSince(0)).at(-1)?.seq as number), graph, CTX);
        const pruned = await store.prune(policy, NOW);
        expect(pruned.materializations).toBe(1);
        const left = new Set((await db.query<{ token: string }>('SELECT token FROM weft_materializations')).map((r) => r.token));
        expect(left.has(c0day6.token)).toBe(false);
        for (const r of [...days, month, c0v1, c0v2, d5v2]) expect(left.has(r.token), `${r.assetKey}/${r.partitionKey}`).toBe(true);
        expect(await store.lineage(graph, CTX, { assetKey: 'm', partitionKey: '2024-01', direction: 'upstream', depth: 3 })).toEqual(before);
      });

      it('keeps exactly what a model of the rule keeps, over random histories, and leaves no edge dangling', async () => {
        // Steps: record a new version of d (no inputs), e (reads d's current version of the same
        // day) or m (reads a range over d, as of the latest event), old or recent; then a planner
        // cursor somewhere in the log, and a prune. The model computes the kept set from the rows.
        const step = fc.record({ asset: fc.constantFrom('d', 'd', 'e', 'm'), day: fc.integer({ min: 1, max: 3 }), to: fc.integer({ min: 1, max: 3 }), recent: fc.boolean() });
        let run = 0;
        await fc.assert(
          fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), fc.constantFrom(1, 1, 1, 0.75, 0.5, 0.25), fc.boolean(), async (steps, cursorAt, ordered) => {
            run += 1;
            await db.query(`TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY`);
            const current = new Map<string, MaterializationRecord>();
            let lastSeq = 0;
            for (const [i, s] of steps.entries()) {
              const finishedAt = s.recent ? NOW - 1000 : OLD + i * 1000;
              const tag = `r${run}s${i}`;
              let record: MaterializationRecord;
              if (s.asset === 'd') record = mat('d', jan(s.day), { tag, finishedAt, inputsAsOf: lastSeq });
              else if (s.asset === 'e') {
                const up = current.get(`d/${jan(s.day)}`);
                if (!up) continue;
                record = mat('e', jan(s.day), { tag, finishedAt, inputsAsOf: lastSeq, inputs: [readOne('day', up)] });
              } else record = mat('m', '2024-01', { tag, finishedAt, inputsAsOf: lastSeq, inputs: [readRange('days', 'd', jan(Math.min(s.day, s.to)), jan(Math.max(s.day, s.to)), Math.abs(s.day - s.to) + 1)] });
              const { events } = await store.recordMaterializations([record]);
              lastSeq = events.at(-1)?.seq ?? lastSeq;
              current.set(`${record.assetKey}/${record.partitionKey}`, record);
            }
            const cursor = Math.floor(cursorAt * lastSeq);
            await store.savePlan(emptyPlan(cursor), storeGraph(), CTX);

            // The model, from the rows as they are before the prune.
            const rows = await db.query<{ id: string; asset_key: string; partition_key: string; event_id: string; finished_at: Date | string; inputs_as_of: string }>(
              'SELECT id, asset_key, partition_key, event_id, finished_at, inputs_as_of FROM weft_materializations ORDER BY id',
            );
            const edges = await db.query<{ materialization_id: string; upstream_asset: string; upstream_materialization_id: string | null; range_count: number | null; range_first: string | null; range_last: string | null }>(
              'SELECT materialization_id, upstream_asset, upstream_materialization_id, range_count, range_first, range_last FROM weft_input_edges',
            );
            const states = await db.query<{ materialization_id: string | null }>('SELECT materialization_id FROM weft_partition_state');
            const ms = rows.map((r) => ({ id: Number(r.id), asset: r.asset_key, partition: r.partition_key, born: Number(r.event_id), finished: new Date(r.finished_at).getTime(), asOf: Number(r.inputs_as_of) }));
            const died = new Map<number, number>();
            for (const m of ms) {
              const next = ms.find((n) => n.asset === m.asset && n.partition === m.partition && n.id > m.id);
              if (next) died.set(m.id, next.born);
            }
            const kept = new Set<number>(states.flatMap((st) => (st.materialization_id === null ? [] : [Number(st.materialization_id)])));
            for (const m of ms) {
              const successor = ms.find((n) => n.asset === m.asset && n.partition === m.partition && n.id > m.id);
              if (!successor || successor.finished >= NOW - DAY || m.finished >= NOW - DAY || m.born > cursor) kept.add(m.id);
            }
            for (let grew = true; grew; ) {
              grew = false;
              for (const k of [...kept]) {
                const reader = ms.find((m) => m.id === k);
                for (const e of edges.filter((x) => Number(x.materialization_id) === k)) {
                  const reads =
                    e.range_count === null
                      ? [Number(e.upstream_materialization_id)]
                      : ms
                          .filter((x) => x.asset === e.upstream_asset && x.born <= (reader?.asOf ?? 0) && (!died.has(x.id) || (reader?.asOf ?? 0) < (died.get(x.id) as number)))
                          // With the asset's keys ordered as text, only the range's partitions.
                          .filter((x) => !ordered || (x.partition >= (e.range_first as string) && x.partition <= (e.range_last as string)))
                          .map((x) => x.id);
                  for (const id of reads) {
                    if (kept.has(id)) continue;
                    kept.add(id);
                    grew = true;
                  }
                }
              }
            }

            const pruned = await store.prune({ detailOlderThanMs: DAY }, NOW, ordered ? { orderedAssets: ['d'] } : {});
            const left = (await db.query<{ id: string }>('SELECT id FROM weft_materializations ORDER BY id')).map((r) => Number(r.id));
            expect(left).toEqual(ms.map((m) => m.id).filter((id) => kept.has(id)));
            expect(pruned.materializations).toBe(ms.length - left.length);
            const dangling = await db.query(
              'SELECT 1 FROM weft_input_edges e WHERE NOT EXISTS (SELECT 1 FROM weft_materializations m WHERE m.id = e.materialization_id) OR (e.upstream_materialization_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM weft_materializations m WHERE m.id = e.upstream_materialization_id))',
            );
            expect(dangling).toEqual([]);
          }),
          { numRuns: 40 },
        );
      });

      it('a dry run counts what a prune would remove, removes nothing, and equals the real prune', async () => {
        const at = (i: number) => OLD + i * 1000;
        await store.appendEvents(Array.from({ length: 4 }, (_, i) => ({ kind: 'request.cancelled', requestId: `old-${i}`, at: OLD }) as NewEvent));
        await store.recordFailures([failure('d', jan(2), 'fp', 'old failure', 'v0', at(0))]);
        await store.recordMaterializations([mat('d', jan(1), { tag: 'v1', finishedAt: at(1) })]);
        await store.recordMaterializations([mat('d', jan(1), { tag: 'v2', finishedAt: at(2) })]);
        await store.recordMaterializations([mat('d', jan(2), { tag: 'v1', finishedAt: at(3) })]);
        await store.savePlan(emptyPlan((await store.eventsSince(0)).at(-1)?.seq as number), storeGraph(), CTX);
        const tables = ['weft_events', 'weft_materializations', 'weft_input_edges', 'weft_attempts', 'weft_partition_state', 'weft_check_results'];
        const counts = async () => Promise.all(tables.map((t) => countRows(db, t)));
        const before = await counts();
        const log = await store.eventsSince(0);
        const dry = await store.prune(policy, NOW, { dryRun: true });
        // 4 old requests and the old failure's event; the recordings' events are recent.
        expect(dry).toEqual({ events: 5, attempts: 1, logs: 0, materializations: 1, checks: 0 });
        expect(await counts()).toEqual(before);
        expect(await store.eventsSince(0)).toEqual(log);
        expect(await store.prune(policy, NOW)).toEqual(dry);
        expect(await store.prune(policy, NOW, { dryRun: true })).toEqual({ events: 0, attempts: 0, logs: 0, materializations: 0, checks: 0 });
      });

      it('rejects a policy that is not a whole number of milliseconds ≥ 0, naming the field, and removes nothing', async () => {
        await store.appendEvents([{ kind: 'request.cancelled', requestId: 'old', at: OLD } as NewEvent]);
        await store.savePlan(emptyPlan((await store.eventsSince(0)).at(-1)?.seq as number), storeGraph(), CTX);
        for (const [field, value] of [['eventsOlderThanMs', -1], ['detailOlderThanMs', Number.NaN], ['checksOlderThanMs', 1.5], ['eventsOlderThanMs', Number.POSITIVE_INFINITY]] as const) {
          const error = await store.prune({ ...policy, [field]: value }, NOW).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(WeftError);
          expect((error as WeftError).code).toBe('storage.bad_value');
          expect((error as WeftError).context.field).toBe(field);
          expect((error as Error).message).toContain(field);
        }
        expect(await countRows(db, 'weft_events')).toBe(1);
      });

      it('lists planner cursors, the one holding retention back first; forgetting a gone location lets retention move on', async () => {
        const graph = storeGraph();
        const gone = new ProvenanceStore(db, 'gone "location" 🧵');
        // Interleaved: g0 m0 g1 m1 g2 m2 (gone's and default's own events), all old.
        const seqs: number[] = [];
        for (let i = 0; i < 3; i++) {
          for (const s of [gone, store]) seqs.push((await s.appendEvents([{ kind: 'request.cancelled', requestId: `${s.location}-${i}`, at: OLD } as NewEvent]))[0]?.seq as number);
        }
        const [g0, , g1, m1, g2, m2] = seqs as [number, number, number, number, number, number];
        await gone.savePlan(emptyPlan(g0), graph, CTX);
        await store.savePlan(emptyPlan(m2), graph, CTX);
        await db.query('UPDATE weft_planner_cursors SET updated_at = $1 WHERE location = $2', [new Date(OLD), gone.location]);
        const cursors = await store.plannerCursors();
        // gone has read its own g0 and has nothing of its own to read before g1: it has read through m0.
        expect(cursors.map((c) => [c.location, c.cursor, c.readThrough, c.eventsBehind])).toEqual([
          [gone.location, g0, g1 - 1, 2],
          ['default', m2, m2, 0],
        ]);
        expect(cursors[0]?.updatedAt).toBe(OLD);
        expect(Math.abs((cursors[1]?.updatedAt as number) - Date.now())).toBeLessThan(DAY);
        expect((await store.prune(policy, NOW)).events).toBe(2); // g0 and m0: held back by gone's unread g1
        expect((await store.eventsSince(0)).map((e) => e.seq)).toEqual([m1, m2]);
        expect((await gone.eventsSince(g0)).map((e) => e.seq)).toEqual([g1, g2]);

        // A location whose planner saved a plan after `idleSince` is kept; an unknown one is reported.
        expect(await store.forgetLocation('default', { idleSince: OLD + DAY })).toBe('active');
        expect(await store.forgetLocation('nowhere')).toBe('unknown');
        expect(await store.forgetLocation(gone.location, { idleSince: OLD + DAY })).toBe('forgotten');
        expect(await store.forgetLocation(gone.location)).toBe('unknown');
        expect((await store.plannerCursors()).map((c) => c.location)).toEqual(['default']);
        expect((await store.prune(policy, NOW)).events).toBe(4);
        await expect(store.forgetLocation('nul\u0000')).rejects.toThrow(/location/);
      });

      it('a location with nothing of its own to read never holds retention back; unread events of another do', async () => {
        const graph = storeGraph();
        const quiet = new ProvenanceStore(db, 'quiet');
        const q0 = (await quiet.appendEvents([{ kind: 'request.cancelled', requestId: 'q0', at: OLD } as NewEvent]))[0]?.seq as number;
        await quiet.savePlan(emptyPlan(q0), graph, CTX);
        // The busy location writes a batch of materializations (one log row for 3 seqs) and more events.
        const { events } = await store.recordMaterializations([jan(1), jan(2), jan(3)].map((d) => mat('d', d, { finishedAt: OLD })));
        const later = await store.appendEvents(Array.from({ length: 3 }, (_, i) => ({ kind: 'request.cancelled', requestId: `busy-${i}`, at: OLD }) as NewEvent));
        await db.query('UPDATE weft_events SET at = $1', [new Date(OLD)]);
        const last = later.at(-1)?.seq as number;
        // The busy planner stops inside the batch: events after seq 2 of it are unread.
        await store.savePlan(emptyPlan(events[1]?.seq as number), graph, CTX);
        const cursors = await store.plannerCursors();
        expect(cursors.map((c) => [c.location, c.readThrough, c.eventsBehind])).toEqual([
          ['default', events[1]?.seq, 4],
          ['quiet', last, 0],
        ]);
        expect((await store.prune(policy, NOW)).events).toBe(1); // quiet's own q0; the batch row is partly unread
        expect((await store.eventsSince(events[1]?.seq as number)).map((e) => e.seq)).toEqual([events[2]?.seq, ...later.map((e) => e.seq)]);
        await store.savePlan(emptyPlan(last), graph, CTX);
        expect((await store.plannerCursors()).map((c) => c.readThrough)).toEqual([last, last]);
        expect((await store.prune(policy, NOW)).events).toBe(4);
        expect(await countRows(db, 'weft_events')).toBe(0);
      });

      it('drops old check results of data versions that are no longer current', async () => {
        const v1 = mat('d', jan(1), { tag: 'v1', finishedAt: OLD });
        await store.recordMaterializations([v1]);
        await store.recordCheckResults([{ assetKey: 'd', partitionKey: jan(1), dataVersion: v1.dataVersion, check: 'c', passed: true, blocking: false, message: 'ok' }]);
        await db.query('UPDATE weft_check_results SET at = $1', [new Date(OLD)]);
        expect((await store.prune(policy, NOW)).checks).toBe(0); // still the current data version
        const v2 = mat('d', jan(1), { tag: 'v2', finishedAt: OLD });
        await store.recordMaterializations([v2]);
        await store.recordCheckResults([{ assetKey: 'd', partitionKey: jan(1), dataVersion: v2.dataVersion, check: 'c', passed: true, blocking: false, message: 'ok' }]);
        await db.query('UPDATE weft_check_results SET at = $1', [new Date(OLD)]);
        expect((await store.prune(policy, NOW)).checks).toBe(1);
        expect((await db.query<{ data_version: string }>('SELECT data_version FROM weft_check_results')).map((r) => r.data_version)).toEqual([v2.dataVersion]);
      });
    });

    // ─── bad input ───────────────────────────────────────────────────────────────────────────

    describe('bad input', () => {
      const TRICKY = [
        `it's a "quote"`,
        'back\\slash \\\\ and \\u0000 spelled out',
        'emoji 🧵👩‍👩‍👧‍👦 and RTL مرحبا بالعالم \u202Ereversed\u202C עברית',
        "'; DROP TABLE weft_events; --",
        "$1 $$ %s %% ' || pg_sleep(1) || '",
        'line\nbreak\ttab\r\n',
      ];
      const MESSAGES = [...TRICKY, 'nul\u0000inside\u0000', '\u0000', `${'0123456789abcdef🧵'.repeat(6000)}\u0000end`];

      it('round-trips error messages exactly (attempts, failure groups, partition state)', async () => {
        expect(MESSAGES.at(-1)?.length).toBeGreaterThan(100_000);
        const failures = MESSAGES.map((message, i) => failure('d', `p${i}`, `fp-${i}`, message));
        await store.recordFailures(failures);
        for (const [i, message] of MESSAGES.entries()) {
          const attempts = await store.attempts('d', `p${i}`);
          expect(attempts).toHaveLength(1);
          expect(attempts[0]?.message === message, `message ${i}`).toBe(true);
        }
        const groups = await store.failureGroups('d');
        for (const [i, message] of MESSAGES.entries()) expect(groups.find((g) => g.fingerprint === `fp-${i}`)?.sampleMessage === message, `group ${i}`).toBe(true);
        // Events and state keep messages as JSON: NULs are spelled out, everything else is exact.
        const events = await store.eventsSince(0);
        for (const [i, message] of TRICKY.entries()) expect((events[i] as { message?: string }).message).toBe(message);
        expect((events[6] as { message?: string }).message).toBe('nul\\u0000inside\\u0000');
        const snapshot = await store.loadSnapshot(storeGraph(), () => CTX);
        expect(snapshot.assets.flatMap((a) => a.failures)).toEqual([]); // p0… are not keys of d's definition
        expect(await countRows(db, 'weft_events')).toBe(MESSAGES.length);
      });

      it('round-trips check messages exactly', async () => {
        const r = mat('d', jan(1));
        await store.recordMaterializations([r]);
        await store.recordCheckResults(MESSAGES.map((message, i) => ({ assetKey: 'd', partitionKey: jan(1), dataVersion: r.dataVersion, check: `c${i}`, passed: false, blocking: false, message })));
        const rows = await db.query<{ message: Uint8Array }>('SELECT message FROM weft_check_results ORDER BY id');
        expect(rows.map((x) => Buffer.from(x.message).toString('utf8'))).toEqual(MESSAGES);
      });

      it('round-trips keys with quotes, backslashes, unicode and SQL exactly', async () => {
        const keys = TRICKY;
        const assetKey = `weird/${TRICKY[0]}/${TRICKY[3]}`;
        const up = keys.map((k) => mat(assetKey, k));
        await store.recordMaterializations(up);
        const down = keys.map((k, i) => mat('e', k, { inputs: [readOne(`in ${TRICKY[3]}`, up[i] as MaterializationRecord), readRange('range', assetKey, keys[0] as string, k, 2)] }));
        await store.recordMaterializations(down);
        await store.recordFailures(keys.map((k) => failure(assetKey, `${k} failing`, TRICKY[3] as string, TRICKY[2] as string)));
        await store.recordSourceObservations(TRICKY[0] as string, keys.map((k) => ({ partitionKey: k, dataVersion: sha(k) })));
        await store.addDynamicKeys(TRICKY[3] as string, keys);
        await store.submitRequest({ id: TRICKY[3] as string, action: 'materialize', assetKey, partitionKeys: keys, priority: 0 });
        await store.audit(TRICKY[0] as string, TRICKY[3] as string, TRICKY[2] as string, { keys });

        expect(await countRows(db, 'weft_events')).toBeGreaterThan(0); // the table survived
        const page = await store.partitions(assetKey, { limit: 100 });
        expect(page.map((p) => p.partitionKey).sort()).toEqual([...keys, ...keys.map((k) => `${k} failing`)].sort());
        expect((await store.partitions('e', { limit: 100 })).map((p) => p.partitionKey).sort()).toEqual([...keys].sort());
        const events = await store.eventsSince(0);
        const succeeded = events.filter((e) => e.kind === 'materialization.succeeded') as Array<WeftEvent & { partitionKey: string; assetKey: string }>;
        expect(succeeded.slice(0, keys.length).map((e) => [e.assetKey, e.partitionKey])).toEqual(keys.map((k) => [assetKey, k]));
        const edges = await db.query<{ input_name: string; upstream_asset: string; upstream_partition: string | null; range_first: string | null; resolved: boolean }>(
          'SELECT input_name, upstream_asset, upstream_partition, range_first, upstream_materialization_id IS NOT NULL AS resolved FROM weft_input_edges ORDER BY materialization_id, input_name',
        );
        expect(edges).toHaveLength(keys.length * 2);
        expect(edges.filter((e) => e.input_name === `in ${TRICKY[3]}`).map((e) => [e.upstream_asset, e.upstream_partition, e.resolved]).sort()).toEqual(keys.map((k) => [assetKey, k, true]).sort());
        expect(edges.filter((e) => e.input_name === 'range').every((e) => e.range_first === keys[0])).toBe(true);
        const lineage = await store.lineage(storeGraph(), CTX, { assetKey: 'e', partitionKey: keys[3] as string, direction: 'upstream', depth: 2 });
        expect(lineage.nodes.map((n) => [n.assetKey, n.partitionKey])).toEqual([
          ['e', keys[3]],
          [assetKey, keys[3]],
        ]);
        const snapshot = await store.loadSnapshot(storeGraph(), (k) => contextAt(NOW, k));
        expect(snapshot.dynamicKeys[TRICKY[3] as string]).toEqual(keys);
        expect(snapshot.requests[0]).toEqual({ id: TRICKY[3], action: 'materialize', assetKey, partitionKeys: keys, priority: 0 });
        expect((await store.attempts(assetKey, `${keys[2]} failing`))[0]?.message).toBe(TRICKY[2]);
        const [audit] = await db.query<{ actor: string; action: string; target: string; details: unknown }>('SELECT actor, action, target, details FROM weft_audit_log');
        expect(audit).toEqual({ actor: TRICKY[0], action: TRICKY[3], target: TRICKY[2], details: { keys } });
      });

      describe('keys with NUL bytes are rejected, naming the field, and nothing is written', () => {
        const NUL = 'bad\u0000key';
        const good = mat('d', jan(1));
        const cases: Array<[string, string, (s: ProvenanceStore) => Promise<unknown>]> = [
          ['materialization asset key', 'asset key', (s) => s.recordMaterializations([good, mat(NUL, jan(2))])],
          ['materialization partition key', 'partition key', (s) => s.recordMaterializations([good, mat('d', NUL)])],
          ['upstream asset key', 'upstream asset key', (s) => s.recordMaterializations([good, mat('e', jan(1), { inputs: [{ name: 'x', upstreamAsset: NUL, partitionKey: jan(1), dataVersion: sha('x') }] })])],
          ['upstream partition key', 'upstream partition key', (s) => s.recordMaterializations([good, mat('e', jan(1), { inputs: [{ name: 'x', upstreamAsset: 'd', partitionKey: NUL, dataVersion: sha('x') }] })])],
          ['upstream range key', 'upstream range key', (s) => s.recordMaterializations([good, mat('m', '2024-01', { inputs: [readRange('days', 'd', jan(1), NUL, 2)] })])],
          ['input name', 'input name', (s) => s.recordMaterializations([good, mat('e', jan(1), { inputs: [{ name: NUL, upstreamAsset: 'd', partitionKey: jan(1), dataVersion: sha('x') }] })])],
          ['failure partition key', 'partition key', (s) => s.recordFailures([failure('d', jan(1), 'fp', 'ok'), failure('d', NUL, 'fp', 'ok')])],
          ['failure asset key', 'asset key', (s) => s.recordFailures([failure(NUL, jan(1), 'fp', 'ok')])],
          ['check partition key', 'partition key', (s) => s.recordCheckResults([{ assetKey: 'd', partitionKey: jan(1), dataVersion: good.dataVersion, check: 'c', passed: false, blocking: true, message: 'm' }, { assetKey: 'd', partitionKey: NUL, dataVersion: good.dataVersion, check: 'c', passed: false, blocking: true, message: 'm' }])],
          ['check name', 'check name', (s) => s.recordCheckResults([{ assetKey: 'd', partitionKey: jan(1), dataVersion: good.dataVersion, check: NUL, passed: false, blocking: true, message: 'm' }])],
          ['source partition key', 'partition key', (s) => s.recordSourceObservations('raw', [{ partitionKey: jan(1), dataVersion: sha('a') }, { partitionKey: NUL, dataVersion: sha('b') }])],
          ['source asset key', 'asset key', (s) => s.recordSourceObservations(NUL, [{ partitionKey: jan(1), dataVersion: sha('a') }])],
          ['dynamic key', 'dynamic partition key', (s) => s.addDynamicKeys('regions', ['eu', NUL])],
          ['dynamic partitions name', 'dynamic partitions name', (s) => s.addDynamicKeys(NUL, ['eu'])],
          ['request asset key', 'asset key', (s) => s.submitRequest({ id: 'r', action: 'materialize', assetKey: NUL, partitionKeys: null, priority: 0 })],
          ['request partition key', 'request partition key', (s) => s.submitRequest({ id: 'r', action: 'backfill', assetKey: 'd', partitionKeys: [jan(1), NUL], priority: 0 })],
          ['event asset key', 'asset key', (s) => s.appendEvents([{ kind: 'request.cancelled', requestId: 'ok' }, { kind: 'materialization.started', assetKey: NUL, partitions: [] }])],
        ];
        for (const [what, field, call] of cases) {
          it(what, async () => {
            await store.recordMaterializations([mat('d', jan(9))]);
            await store.addDynamicKeys('regions', ['apac']);
            const before = await tableDigest(db);
            const error = await expectBadKey(call(store), field);
            expect(error.message).toContain('NUL');
            expect(await tableDigest(db)).toEqual(before);
          });
        }
      });

      it('rejects 100 KB keys clearly, and keys too long for an index', async () => {
        const huge = 'k'.repeat(100_000);
        // sha256 hex has no repeats for PostgreSQL's compression to find.
        const random = (bytes: number) => Array.from({ length: Math.ceil(bytes / 64) }, (_, i) => sha(`random ${i}`)).join('').slice(0, bytes);
        const before = await tableDigest(db);
        await expectBadKey(store.recordMaterializations([mat('d', huge)]), 'partition key');
        await expectBadKey(store.recordMaterializations([mat(huge, jan(1))]), 'asset key');
        await expectBadKey(store.recordFailures([failure('d', huge, 'fp', 'm')]), 'partition key');
        await expectBadKey(store.recordSourceObservations('raw', [{ partitionKey: huge, dataVersion: sha('x') }]), 'partition key');
        await expectBadKey(store.addDynamicKeys('regions', [huge]), 'dynamic partition key');
        // Longer than PostgreSQL can index (~2.7 KB per index entry), even when incompressible.
        const long = random(3000);
        await expectBadKey(store.recordMaterializations([mat('d', long)]), 'partition key');
        expect(await tableDigest(db)).toEqual(before);
        // The longest key accepted round-trips, incompressible as it is.
        const longest = random(1024);
        await store.recordMaterializations([mat('d', longest)]);
        await store.recordFailures([failure('e', longest, 'fp', 'm')]);
        expect((await store.partitions('d'))[0]?.partitionKey).toBe(longest);
        expect((await store.failureGroups('e'))[0]?.partitions).toEqual([longest]);
      });
    });

    it('every table of the schema exists after migration', async () => {
      for (const table of TABLES) expect(await countRows(db, table)).toBe(0);
    });
  });
}
