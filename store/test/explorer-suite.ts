/**
 * What the API reads (the explorer), dynamic key removal and request cancellation, run against
 * every driver: `describeExplorer(name, factory)` (see store-pg.int.test.ts, store-pglite.int.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProvenanceStore, type SqlDatabase } from '../src/index.js';
import { NOW, jan, mat, readOne, sha, tableDigest } from './fixtures.js';
import type { StoreFactory } from './store-suite.js';

export function describeExplorer(name: string, factory: StoreFactory): void {
  describe(`store explorer on ${name}`, () => {
    let db: SqlDatabase;
    let store: ProvenanceStore;

    beforeEach(async () => {
      db = await factory();
      store = new ProvenanceStore(db);
    });
    afterEach(async () => {
      await db.close();
    });

    it('lists deployments newest first, pages them, and steps through an asset’s code versions', async () => {
      const a = await store.recordDeployment({ assets: [{ key: 'x' }] }, { x: 'v1', y: 'w1' });
      await new Promise((r) => setTimeout(r, 5));
      const b = await store.recordDeployment({ assets: [{ key: 'x' }, { key: 'y' }] }, { x: 'v1', y: 'w2' });
      await new Promise((r) => setTimeout(r, 5));
      const c = await store.recordDeployment({ assets: [{ key: 'x' }] }, { x: 'v2', y: 'w2' });
      const all = await store.explorer.deployments();
      expect(all.map((d) => d.id)).toEqual([c.id, b.id, a.id]);
      expect(all[0]).toMatchObject({ location: 'default', codeVersions: { x: 'v2', y: 'w2' } });
      expect(all[0]?.eventSeq).toBeGreaterThan(0);
      expect((await store.explorer.deployments({ first: 1, before: c.id })).map((d) => d.id)).toEqual([b.id]);
      expect(await store.explorer.deploymentDefinitions(b.id)).toEqual({ assets: [{ key: 'x' }, { key: 'y' }] });
      expect(await store.explorer.deploymentDefinitions('nope')).toBeUndefined();
      expect((await store.explorer.codeVersionHistory('x')).map((s) => [s.codeVersion, s.deploymentId])).toEqual([
        ['v1', a.id],
        ['v2', c.id],
      ]);
      expect((await store.explorer.codeVersionHistory('y')).map((s) => s.codeVersion)).toEqual(['w1', 'w2']);
      expect(await store.explorer.locations()).toEqual([{ location: 'default', deployments: 3, lastDeployedAt: expect.any(Number) }]);
    });

    it('reads partition detail in the order asked, missing where there is no row, and pages a status by key', async () => {
      await store.recordMaterializations([mat('d', jan(1)), mat('d', jan(2))]);
      await store.recordFailures([{ token: sha('t3'), assetKey: 'd', partitionKey: jan(3), attempt: 1, failureClass: 'actionable', fingerprint: 'fp', message: 'boom', retryAt: null, finishedAt: NOW }]);
      await store.recordFailures([{ token: sha('t4'), assetKey: 'd', partitionKey: jan(4), attempt: 1, failureClass: 'actionable', fingerprint: 'fp', message: 'boom', retryAt: null, finishedAt: NOW }]);
      const details = await store.explorer.partitionDetails('d', [jan(3), jan(9), jan(1)]);
      expect(details.map((d) => [d.partitionKey, d.status])).toEqual([
        [jan(3), 'failed'],
        [jan(9), 'missing'],
        [jan(1), 'fresh'],
      ]);
      expect(details[0]?.failure).toMatchObject({ fingerprint: 'fp', message: 'boom', failureClass: 'actionable' });
      expect(details[2]).toMatchObject({ token: mat('d', jan(1)).token, dataVersion: mat('d', jan(1)).dataVersion, codeVersion: 'code-1' });
      expect(details[2]?.changedSeq).toBeGreaterThan(0);
      const page1 = await store.explorer.partitionsInStatus('d', 'failed', { first: 1 });
      expect(page1.map((p) => p.partitionKey)).toEqual([jan(3)]);
      const page2 = await store.explorer.partitionsInStatus('d', 'failed', { first: 1, after: jan(3) });
      expect(page2.map((p) => p.partitionKey)).toEqual([jan(4)]);
      expect(await store.explorer.partitionsInStatus('d', 'failed', { first: 1, after: jan(4) })).toEqual([]);
      expect(await store.explorer.countInStatus('d', 'failed')).toBe(2);
      expect(await store.explorer.countInStatus('d', 'fresh')).toBe(2);
    });

    it('reads a partition’s materializations newest first with their edges and check results', async () => {
      const up = mat('d', jan(1));
      await store.recordMaterializations([up]);
      const v1 = mat('e', jan(1), { inputs: [readOne('day', up)] });
      await store.recordMaterializations([v1]);
      const v2 = mat('e', jan(1), { tag: 'v2', code: 'code-2', inputs: [readOne('day', up)] });
      await store.recordOutcome({ materializations: [v2], checks: [{ assetKey: 'e', partitionKey: jan(1), dataVersion: v2.dataVersion, check: 'positive', passed: false, blocking: true, message: 'negative total', metadata: { total: -3 } }] });
      const history = await store.explorer.materializationHistory('e', jan(1));
      expect(history.map((m) => [m.token, m.codeVersion, m.becameCurrent])).toEqual([
        [v2.token, 'code-2', true],
        [v1.token, 'code-1', true],
      ]);
      expect(history[0]).toMatchObject({ storageUri: `mem://e/${jan(1)}`, bytes: 42, worker: 'worker-1', computeProvider: 'local', attempt: 1 });
      expect((await store.explorer.materializationHistory('e', jan(1), { first: 1, before: history[0]?.id })).map((m) => m.token)).toEqual([v1.token]);
      const ids = history.map((m) => m.id);
      const [upRow] = await store.explorer.materializationHistory('d', jan(1));
      const edges = await store.explorer.inputEdges(ids);
      expect(edges).toHaveLength(2);
      expect(edges[0]).toMatchObject({ inputName: 'day', upstreamAsset: 'd', upstreamPartition: jan(1), upstreamMaterializationId: upRow?.id, dataVersion: up.dataVersion, range: null });
      expect((await store.explorer.materializations([ids[1] as number, 999_999])).map((m) => m.token)).toEqual([v1.token]);
      expect((await store.explorer.materializationByToken(v2.token))?.id).toBe(ids[0]);
      const checks = await store.explorer.checkResults([{ assetKey: 'e', partitionKey: jan(1), dataVersion: v2.dataVersion }]);
      expect(checks).toEqual([{ assetKey: 'e', partitionKey: jan(1), dataVersion: v2.dataVersion, check: 'positive', passed: false, blocking: true, message: 'negative total', metadata: { total: -3 }, at: expect.any(Number) }]);
      expect(await store.explorer.checkResults([{ assetKey: 'e', partitionKey: jan(1), dataVersion: v1.dataVersion }])).toEqual([]);
    });

    it('lists an asset’s latest materializations newest first, whichever partitions, and pages them', async () => {
      await store.recordMaterializations([mat('d', jan(1)), mat('d', jan(2)), mat('e', jan(1))]);
      await store.recordMaterializations([mat('d', jan(1), { tag: 'v2', value: 'again' })]);
      await store.recordMaterializations([mat('d', jan(3))]);
      const recent = await store.explorer.recentMaterializations('d');
      expect(recent.map((m) => [m.partitionKey, m.token])).toEqual([
        [jan(3), mat('d', jan(3)).token],
        [jan(1), mat('d', jan(1), { tag: 'v2' }).token],
        [jan(2), mat('d', jan(2)).token],
        [jan(1), mat('d', jan(1)).token],
      ]);
      const first = await store.explorer.recentMaterializations('d', { first: 2 });
      expect(first.map((m) => m.partitionKey)).toEqual([jan(3), jan(1)]);
      expect((await store.explorer.recentMaterializations('d', { first: 2, before: first[1]?.id })).map((m) => m.token)).toEqual([mat('d', jan(2)).token, mat('d', jan(1)).token]);
      expect(await store.explorer.recentMaterializations('nothing')).toEqual([]);
    });

    it('lists requests newest first, cancels an open one once, and says when there is none', async () => {
      await store.submitRequest({ id: 'r1', action: 'backfill', assetKey: 'd', partitionKeys: [jan(1)], priority: 0 }, 'alice');
      await new Promise((r) => setTimeout(r, 5));
      await store.submitRequest({ id: 'r2', action: 'materialize', assetKey: 'e', partitionKeys: null, priority: 1 });
      expect((await store.explorer.requests()).map((r) => r.id)).toEqual(['r2', 'r1']);
      expect((await store.explorer.requests({ before: 'r2' })).map((r) => r.id)).toEqual(['r1']);
      expect((await store.explorer.requests({ assetKey: 'd' }))[0]).toMatchObject({ id: 'r1', action: 'backfill', partitionKeys: [jan(1)], requestedBy: 'alice', status: 'open' });
      expect(await store.cancelRequest('r1')).toEqual({ status: 'cancelled', cancelled: true });
      expect(await store.cancelRequest('r1')).toEqual({ status: 'cancelled', cancelled: false });
      expect(await store.cancelRequest('nope')).toBeUndefined();
      const events = await store.eventsSince(0);
      expect(events.filter((e) => e.kind === 'request.cancelled')).toEqual([expect.objectContaining({ requestId: 'r1' })]);
      expect((await store.explorer.requestsById(['r1', 'x'])).map((r) => [r.id, r.status, r.finishedAt !== null])).toEqual([['r1', 'cancelled', true]]);
      const snapshotRequests = (await store.explorer.requests({ status: 'open' })).map((r) => r.id);
      expect(snapshotRequests).toEqual(['r2']);
    });

    it('submits several requests in one transaction: all with their events, or none when one is bad', async () => {
      const events = await store.submitRequests([
        { id: 'm1', action: 'materialize', assetKey: 'd', partitionKeys: [jan(1)], priority: 2 },
        { id: 'm2', action: 'materialize', assetKey: 'e', partitionKeys: null, priority: 2 },
      ], 'bob');
      expect(events.map((e) => [e.kind, (e as { request?: { id: string } }).request?.id])).toEqual([['request.submitted', 'm1'], ['request.submitted', 'm2']]);
      expect((await store.explorer.requestsById(['m1', 'm2'])).map((r) => [r.id, r.assetKey, r.partitionKeys, r.priority, r.requestedBy])).toEqual([
        ['m1', 'd', [jan(1)], 2, 'bob'],
        ['m2', 'e', null, 2, 'bob'],
      ]);
      const digest = await tableDigest(db);
      await expect(store.submitRequests([{ id: 'm3', action: 'materialize', assetKey: 'd', partitionKeys: null, priority: 0 }, { id: 'm4', action: 'materialize', assetKey: 'bad\u0000key', partitionKeys: null, priority: 0 }])).rejects.toThrow(/asset key .* contains a NUL byte/);
      // A duplicate id fails in the database, after the first row was inserted: rolled back whole.
      await expect(store.submitRequests([{ id: 'm5', action: 'materialize', assetKey: 'd', partitionKeys: null, priority: 0 }, { id: 'm1', action: 'materialize', assetKey: 'd', partitionKeys: null, priority: 0 }])).rejects.toThrow();
      expect(await tableDigest(db)).toEqual(digest);
    });

    it('removes dynamic keys: later keys move down, one event, unknown keys change nothing', async () => {
      await store.addDynamicKeys('customers', ['a', 'b', 'c', 'd']);
      const events = await store.removeDynamicKeys('customers', ['b', 'zz']);
      expect(events).toEqual([expect.objectContaining({ kind: 'dynamic.keys_removed', name: 'customers', keys: ['b'] })]);
      expect(await store.dynamicKeys()).toEqual({ customers: ['a', 'c', 'd'] });
      const digest = await tableDigest(db);
      expect(await store.removeDynamicKeys('customers', ['zz'])).toEqual([]);
      expect(await tableDigest(db)).toEqual(digest);
      await store.addDynamicKeys('customers', ['e']);
      expect(await store.dynamicKeys()).toEqual({ customers: ['a', 'c', 'd', 'e'] });
      await store.removeDynamicKeys('customers', ['a', 'e']);
      expect(await store.dynamicKeys()).toEqual({ customers: ['c', 'd'] });
    });

    it('lists tokens without secrets and the audit log newest first', async () => {
      const t = await store.createApiToken('ci', { '*': 'operator' });
      await store.audit('ci', 'materialize', 'd', { partitions: 3 });
      await store.audit('ci', 'cancel', 'r1');
      const tokens = await store.explorer.apiTokens();
      expect(tokens).toEqual([{ id: t.id, name: 'ci', roles: { '*': 'operator' }, createdAt: expect.any(Number), expiresAt: null, revokedAt: null, lastUsedAt: null }]);
      expect(JSON.stringify(tokens)).not.toContain(t.secret);
      const log = await store.explorer.auditLog();
      expect(log.map((e) => [e.action, e.target])).toEqual([
        ['cancel', 'r1'],
        ['materialize', 'd'],
      ]);
      expect((await store.explorer.auditLog({ before: log[0]?.id })).map((e) => e.action)).toEqual(['materialize']);
    });

    it('has a state version that moves with events and plans', async () => {
      const v0 = await store.explorer.stateVersion();
      expect(await store.explorer.stateVersion()).toBe(v0);
      await store.recordMaterializations([mat('d', jan(1))]);
      expect(await store.explorer.stateVersion()).not.toBe(v0);
    });
  });
}
