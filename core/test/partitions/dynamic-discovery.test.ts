import { describe, expect, it } from 'vitest';
import { daily, discoveredDynamicKeys, dynamicPartitions, multiPartitions, staticPartitions, type PartitionContext } from '../../src/index.js';

const ctx = (sets: Record<string, string[]>): PartitionContext => ({ now: Date.parse('2024-01-05T00:00:00Z'), dynamicKeys: (name) => sets[name] ?? [] });
const customers = dynamicPartitions({ name: 'customers' });
const regions = dynamicPartitions({ name: 'regions' });
const found = (m: Map<string, string[]>) => Object.fromEntries(m);

describe('discoveredDynamicKeys', () => {
  it.each([
    ['new keys of a dynamic set, first-seen order, once each', customers, ['b', 'a', 'c', 'b'], { customers: ['a'] }, { customers: ['b', 'c'] }],
    ['nothing when every key exists', customers, ['a'], { customers: ['a'] }, {}],
    ['no key that cannot be a partition key', customers, ['', 'line\nbreak', 'ok'], {}, { customers: ['ok'] }],
    ['nothing for a time definition', daily({ start: '2024-01-01' }), ['2030-01-01', 'x'], {}, {}],
    ['nothing for a static definition', staticPartitions(['a']), ['b'], {}, {}],
    ['the dynamic values of multi keys valid in their other dimensions', multiPartitions({ customer: customers, plan: staticPartitions(['basic', 'pro']) }), ['customer=a|plan=pro', 'customer=b|plan=gold', 'customer=c|plan=basic', 'plan=pro|customer=d', 'customer=e'], { customers: ['a'] }, { customers: ['c'] }],
    ['a multi key outside its time dimension adds nothing', multiPartitions({ customer: customers, day: daily({ start: '2024-01-01' }) }), ['customer=a|day=2023-12-31', 'customer=b|day=2024-01-02', 'customer=c|day=2024-01-09'], {}, { customers: ['b'] }],
    ['several dynamic dimensions at once', multiPartitions({ customer: customers, region: regions }), ['customer=a|region=eu', 'customer=b|region=us', 'customer=a|region=us'], { regions: ['eu'] }, { customers: ['a', 'b'], regions: ['us'] }],
  ] as const)('%s', (_name, def, keys, sets, expected) => {
    expect(found(discoveredDynamicKeys(def, keys, ctx({ ...sets } as Record<string, string[]>)))).toEqual(expected);
  });
});
