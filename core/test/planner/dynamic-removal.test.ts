/**
 * Removing dynamic partition keys moves the indices of the keys after them: a planner over such an
 * asset asks to be rebuilt from a snapshot, and its context no longer has the removed keys.
 */
import { describe, expect, it } from 'vitest';
import { asset, daily, dynamicPartitions, loadDefinitions, multiPartitions, Planner, source, staticPartitions } from '../../src/index.js';

const NOW = Date.parse('2024-01-04T00:00:00Z');

describe('planner: dynamic keys removed', () => {
  const customers = dynamicPartitions({ name: 'customers' });
  const byCustomer = asset({ key: 'by_customer', partitions: customers, compute: () => 1 });
  const byCustomerDay = asset({ key: 'by_customer_day', partitions: multiPartitions({ customer: customers, day: daily({ start: '2024-01-01' }) }), compute: () => 1 });
  const other = asset({ key: 'other', partitions: staticPartitions(['a']), compute: () => 1 });

  it.each([
    { name: 'a dynamic asset', defs: [byCustomer], reload: true },
    { name: 'a multi-dimensional asset with the dynamic dimension', defs: [byCustomerDay], reload: true },
    { name: 'assets over other partitions only', defs: [other], reload: false },
  ])('rebuilds for $name: $reload', ({ defs, reload }) => {
    const planner = new Planner(loadDefinitions(defs), { codeVersions: Object.fromEntries(defs.map((d) => [d.key, 'v1'])) });
    planner.load({ cursor: 0, dynamicKeys: { customers: ['acme', 'globex', 'initech'] }, assets: [], requests: [] }, NOW);
    planner.apply([
      { seq: 1, at: NOW, kind: 'dynamic.keys_removed', name: 'customers', keys: ['globex'] },
      { seq: 2, at: NOW, kind: 'dynamic.keys_added', name: 'customers', keys: ['umbrella'] },
    ]);
    const result = planner.plan(NOW);
    expect(result.reloadRequired).toBe(reload);
    expect(planner.needsRebuild).toBe(reload);
    if (reload) {
      // Indexed the old way: it stops reading at the removal (its replacement replays from there) and says nothing to save.
      expect(planner.cursor).toBe(1);
      expect(result).toMatchObject({ cursor: 1, batches: [], changes: [] });
      expect(customers.keyAt(1, planner.context)).toBe('initech');
    } else {
      expect(planner.cursor).toBe(2);
      expect(customers.count(planner.context)).toBe(3);
    }
  });

  it('ignores a source that does not use the removed definition', () => {
    const raw = source({ key: 'raw', partitions: daily({ start: '2024-01-01' }) });
    const planner = new Planner(loadDefinitions([raw]), { codeVersions: {} });
    planner.load({ cursor: 0, dynamicKeys: { customers: ['acme'] }, assets: [], requests: [] }, NOW);
    planner.apply([{ seq: 1, at: NOW, kind: 'dynamic.keys_removed', name: 'customers', keys: ['acme'] }]);
    expect(planner.plan(NOW).reloadRequired).toBe(false);
  });
});
