import { describe, expect, it } from 'vitest';
import { asset, daily, dynamicPartitions, materialize, multiPartitions, source, WeftError, type Codec, type SourceConnector } from '../../src/index.js';

const number: Codec<number> = { name: 'number', encode: (n) => new TextEncoder().encode(String(n)), decode: (b) => Number(new TextDecoder().decode(b)) };
const customers = dynamicPartitions({ name: 'customers' });

describe('materialize() with dynamic partitions', () => {
  it('takes the keys of a set up front, and the keys given sources bring', async () => {
    const orders = source({ key: 'orders', partitions: customers, codec: number });
    const doubled = asset({ key: 'doubled', partitions: customers, inputs: { orders }, codec: number, compute: ({ orders: n }) => n * 2 });
    const result = await materialize([orders, doubled], { sources: { orders: { acme: 3, globex: 5 } }, partitions: ['acme', 'globex'] });
    expect([result.value('doubled', 'acme'), result.value('doubled', 'globex')]).toEqual([6, 10]);
    // Keys named up front exist even before any source reports them: the partition is missing, not unknown.
    const upfront = await materialize([orders, doubled], { dynamicPartitions: { customers: ['initech'] }, sources: { orders: { acme: 1 } }, partitions: ['acme'] });
    expect(upfront.state('doubled', 'initech').status).toBe('blocked');
    expect(upfront.state('doubled', 'acme').status).toBe('fresh');
  });

  it('observes a dynamic source through its connector and materializes what it finds', async () => {
    const connector: SourceConnector = {
      name: 'files',
      observe: async () => [{ partitionKey: 'acme', version: { checksum: 'a' } }, { partitionKey: 'hooli', version: { checksum: 'h' } }],
      read: async (key) => new TextEncoder().encode(key === 'acme' ? '2' : '7'),
    };
    const files = source({ key: 'files', partitions: customers, observe: connector, codec: number });
    const tripled = asset({ key: 'tripled', partitions: customers, inputs: { files }, codec: number, compute: ({ files: n }) => n * 3 });
    const result = await materialize([files, tripled], { partitions: ['acme', 'hooli'] });
    expect([result.value('tripled', 'acme'), result.value('tripled', 'hooli')]).toEqual([6, 21]);
  });

  it('rebuilds its planner when new keys move a multi-dimensional definition\'s indices', async () => {
    const days = daily({ start: '2024-01-01' });
    const usage = source({ key: 'usage', partitions: multiPartitions({ customer: customers, day: days }), codec: number });
    const billed = asset({ key: 'billed', partitions: multiPartitions({ customer: customers, day: days }), inputs: { usage }, codec: number, compute: ({ usage: n }) => n + 100 });
    const keys = ['customer=acme|day=2024-01-01', 'customer=zed|day=2024-01-02', 'customer=acme|day=2024-01-02'];
    const result = await materialize([usage, billed], { sources: { usage: Object.fromEntries(keys.map((k, i) => [k, i])) }, partitions: keys, now: Date.parse('2024-01-03T00:00:00Z') });
    expect(keys.map((k) => result.value('billed', k))).toEqual([100, 101, 102]);
  });

  it('refuses a key that cannot be a partition key, naming the set', async () => {
    const orders = source({ key: 'orders', partitions: customers, codec: number });
    const error = await materialize([orders], { dynamicPartitions: { customers: ['ok', 'bad\nkey'] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeftError);
    expect((error as WeftError).message).toMatch(/dynamic partitions "customers": partition key "bad\\nkey" contains the control character U\+000A/);
  });
});
