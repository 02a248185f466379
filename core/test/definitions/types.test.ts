/**
 * Type-level tests (checked by `tsc -p tsconfig.json --noEmit`, which includes core/test): the
 * compute function's inputs are typed from the upstream value types and the mappings'
 * cardinality. Each case also checks at run time that the resolved cardinality agrees with the type.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { asset, input, loadDefinitions, self, source, type AssetDefinition, type InputValue, type InputValues } from '../../src/definitions/index.js';
import { jsonCodec } from '../../src/hashing/index.js';
import { daily, monthly, multiPartitions, staticPartitions } from '../../src/partitions/definitions/index.js';
import { all, dimension, fanOut, identity, offset, rollup, window } from '../../src/partitions/mappings/index.js';

interface Order {
  readonly id: string;
  readonly amount: number;
}

const days = daily({ start: '2024-01-01' });
const orders = source<Order[]>({ key: 'orders', partitions: days, codec: jsonCodec<Order[]>() });
const bytes = source({ key: 'bytes', partitions: days });

describe('input value types', () => {
  it('a bare source input gives its value type; a source without a codec gives bytes', () => {
    const totals = asset({
      key: 'totals',
      partitions: days,
      inputs: { orders, bytes },
      compute: ({ orders: o, bytes: b }) => {
        expectTypeOf(o).toEqualTypeOf<Order[]>();
        expectTypeOf(b).toEqualTypeOf<Uint8Array>();
        return o.reduce((sum, x) => sum + x.amount, 0) + b.byteLength;
      },
    });
    expectTypeOf<InputValues<typeof totals.inputs>>().toEqualTypeOf<{ readonly orders: Order[]; readonly bytes: Uint8Array }>();
    expect(loadDefinitions([orders, bytes, totals]).node('totals').inputs.map((i) => i.cardinality)).toEqual(['one', 'one']);
  });

  it('input(x, rollup()) gives a ReadonlyMap<string, T>; so do window(), all() and dimension()', () => {
    const monthlyTotals = asset({
      key: 'monthly',
      partitions: monthly({ start: '2024-01' }),
      inputs: { days: input(orders, rollup()), everything: input(orders, all()) },
      compute: ({ days: d, everything }) => {
        expectTypeOf(d).toEqualTypeOf<ReadonlyMap<string, Order[]>>();
        expectTypeOf(everything).toEqualTypeOf<ReadonlyMap<string, Order[]>>();
        return d.size;
      },
    });
    const rolling = asset({ key: 'rolling', partitions: days, inputs: { week: input(orders, window(7)) }, compute: ({ week }) => week.size });
    expectTypeOf<InputValue<typeof rolling.inputs.week>>().toEqualTypeOf<ReadonlyMap<string, Order[]>>();
    const byRegion = asset({
      key: 'by_region',
      partitions: multiPartitions({ date: daily({ start: '2024-01-01' }), region: staticPartitions(['eu']) }),
      inputs: { day: input(orders, dimension('date')) },
      compute: ({ day }) => day.size,
    });
    expectTypeOf<InputValue<typeof byRegion.inputs.day>>().toEqualTypeOf<ReadonlyMap<string, Order[]>>();
    const graph = loadDefinitions([orders, monthlyTotals, rolling, byRegion]);
    expect(graph.node('monthly').inputs.map((i) => i.cardinality)).toEqual(['many', 'many']);
    expect(graph.node('rolling').inputs[0]?.cardinality).toBe('many');
    expect(graph.node('by_region').inputs[0]?.cardinality).toBe('many');
  });

  it('input(x, offset(-1)) gives T | undefined', () => {
    const change = asset({
      key: 'change',
      partitions: days,
      inputs: { today: orders, yesterday: input(orders, offset(-1)) },
      compute: ({ today, yesterday }) => {
        expectTypeOf(yesterday).toEqualTypeOf<Order[] | undefined>();
        return today.length - (yesterday?.length ?? 0);
      },
    });
    expect(loadDefinitions([orders, change]).node('change').inputs.map((i) => i.cardinality)).toEqual(['one', 'optional']);
  });

  it('one-partition mappings (identity, fanOut) give T', () => {
    const months = asset({ key: 'months', partitions: monthly({ start: '2024-01' }), compute: () => 'budget' });
    const daily2 = asset({
      key: 'daily2',
      partitions: days,
      inputs: { same: input(orders, identity()), budget: input(months, fanOut()) },
      compute: ({ same, budget }) => {
        expectTypeOf(same).toEqualTypeOf<Order[]>();
        expectTypeOf(budget).toEqualTypeOf<string>();
        return `${budget}:${same.length}`;
      },
    });
    expect(loadDefinitions([orders, months, daily2]).node('daily2').inputs.map((i) => i.cardinality)).toEqual(['one', 'one']);
  });

  it('self<T>(offset(-1)) gives T | undefined; self<T>(window(…)) a map', () => {
    const running = asset({
      key: 'running',
      partitions: days,
      inputs: { today: orders, previous: self<number>(offset(-1)), lastWeek: self<number>(window(7, { offset: -1 })) },
      compute: ({ today, previous, lastWeek }) => {
        expectTypeOf(previous).toEqualTypeOf<number | undefined>();
        expectTypeOf(lastWeek).toEqualTypeOf<ReadonlyMap<string, number>>();
        return today.length + (previous ?? 0) + lastWeek.size;
      },
    });
    expectTypeOf<InputValue<typeof running>>().toEqualTypeOf<number>();
    expectTypeOf(running).toExtend<AssetDefinition<number>>();
    expect(loadDefinitions([orders, running]).node('running').inputs.map((i) => [i.name, i.cardinality, i.self])).toEqual([
      ['today', 'one', false],
      ['previous', 'optional', true],
      ['lastWeek', 'many', true],
    ]);
  });
});

describe('asset value types', () => {
  it("the asset's value type is inferred from compute's return type (also through a Promise)", () => {
    const summary = asset({ key: 'summary', partitions: days, inputs: { orders }, compute: ({ orders: o }) => ({ count: o.length, ids: o.map((x) => x.id) }) });
    expectTypeOf<InputValue<typeof summary>>().toEqualTypeOf<{ count: number; ids: string[] }>();
    const later = asset({ key: 'later', compute: async () => 42 });
    expectTypeOf<InputValue<typeof later>>().toEqualTypeOf<number>();
    const reader = asset({
      key: 'reader',
      partitions: days,
      inputs: { summary, later, recent: input(summary, window(2)) },
      compute: ({ summary: s, later: l, recent }) => {
        expectTypeOf(s).toEqualTypeOf<{ count: number; ids: string[] }>();
        expectTypeOf(l).toEqualTypeOf<number>();
        expectTypeOf(recent).toEqualTypeOf<ReadonlyMap<string, { count: number; ids: string[] }>>();
        return s.count + l;
      },
    });
    expect(loadDefinitions([orders, summary, later, reader]).order.at(-1)).toBe('reader');
  });

  it('checks and codecs are typed by the value type, not used to infer it', () => {
    const counted = asset({
      key: 'counted',
      compute: () => 3,
      checks: [{ name: 'positive', blocking: true, description: undefined, fn: (v) => (expectTypeOf(v).toEqualTypeOf<number>(), v > 0) }],
    });
    expectTypeOf(counted.codec.encode).parameter(0).toEqualTypeOf<number>();
    // @ts-expect-error a check on strings does not fit a number asset
    asset({ key: 'bad_check', compute: () => 3, checks: [{ name: 'c', blocking: false, description: undefined, fn: (v: string) => v.length > 0 }] });
    expect(counted.checks.map((c) => c.name)).toEqual(['positive']);
  });

  it('compute cannot treat a one-value input as a map, nor an optional one as always present', () => {
    const misuse = asset({
      key: 'misuse',
      partitions: days,
      inputs: { today: orders, yesterday: input(orders, offset(-1)) },
      compute: ({ today, yesterday }) => {
        // @ts-expect-error a one-partition input is not a Map
        void today.size;
        // @ts-expect-error an optional input may be undefined
        void yesterday.length;
        return 0;
      },
    });
    expect(loadDefinitions([orders, misuse]).node('misuse').inputs.map((i) => i.cardinality)).toEqual(['one', 'optional']);
  });
});
