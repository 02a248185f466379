import { describe, expect, it } from 'vitest';
import { asset, input, loadDefinitions, self, source, type Definition } from '../../src/definitions/index.js';
import { DefinitionError } from '../../src/errors.js';
import { daily, hourly, monthly, multiPartitions, staticPartitions } from '../../src/partitions/definitions/index.js';
import { offset, rollup, window } from '../../src/partitions/mappings/index.js';
import { expectDefinitionError } from './expect-error.js';

const days = daily({ start: '2024-01-01' });
const months = monthly({ start: '2024-01' });
const rawOrders = source<number>({ key: 'raw_orders', partitions: days });
const cleanOrders = asset({ key: 'clean_orders', partitions: days, inputs: { raw: rawOrders }, compute: ({ raw }) => raw * 2 });

describe('loadDefinitions(): a valid graph', () => {
  it('resolves inputs with their mappings, topological order and downstream edges', () => {
    const monthlyOrders = asset({ key: 'orders_monthly', partitions: months, inputs: { days: input(cleanOrders, rollup()) }, compute: ({ days: d }) => d.size });
    const graph = loadDefinitions([monthlyOrders, cleanOrders, rawOrders]);
    expect(graph.order).toEqual(['raw_orders', 'clean_orders', 'orders_monthly']);
    const clean = graph.node('clean_orders');
    expect(clean.inputs.map((i) => [i.name, i.upstreamKey, i.mapping.kind, i.cardinality, i.self, i.respectBlockingChecks])).toEqual([['raw', 'raw_orders', 'identity', 'one', false, true]]);
    expect(clean.downstream.map((d) => [d.assetKey, d.input.name])).toEqual([['orders_monthly', 'days']]);
    expect(graph.node('orders_monthly').inputs[0]?.cardinality).toBe('many');
    expect(() => graph.node('nope')).toThrow('unknown asset "nope"');
  });

  it('accepts the same definition object listed twice', () => {
    expect(loadDefinitions([rawOrders, cleanOrders, rawOrders]).order).toEqual(['raw_orders', 'clean_orders']);
  });

  it('accepts a bare input between equal multi-dimensional definitions (identity, one value)', () => {
    const byRegion = () => multiPartitions({ date: daily({ start: '2024-01-01' }), region: staticPartitions(['eu', 'us']) });
    const a = asset({ key: 'a', partitions: byRegion(), compute: () => 1 });
    const b = asset({ key: 'b', partitions: byRegion(), inputs: { a }, compute: ({ a: value }) => value + 1 });
    const resolved = loadDefinitions([a, b]).node('b').inputs[0];
    expect([resolved?.mapping.kind, resolved?.cardinality]).toEqual(['identity', 'one']);
  });

  it('respects input options', () => {
    const lenient = asset({ key: 'lenient', partitions: days, inputs: { raw: input(rawOrders, undefined, { respectBlockingChecks: false }) }, compute: ({ raw }) => raw });
    const resolved = loadDefinitions([rawOrders, lenient]).node('lenient').inputs[0];
    expect([resolved?.mapping.kind, resolved?.respectBlockingChecks]).toEqual(['identity', false]);
  });
});

describe('loadDefinitions(): errors name the asset and the field', () => {
  it('duplicate keys: definition.duplicate_key', () => {
    const first = asset({ key: 'orders', compute: () => 1, module: 'assets/a.ts' });
    const second = asset({ key: 'orders', compute: () => 2, module: 'assets/b.ts' });
    expectDefinitionError(() => loadDefinitions([first, second]), {
      code: 'definition.duplicate_key',
      message: 'asset key orders is defined twice (in assets/a.ts and assets/b.ts)',
      assetKey: 'orders',
      field: 'key',
    });
  });

  it('a source and an asset with the same key: definition.duplicate_key', () => {
    const clash = asset({ key: 'raw_orders', compute: () => 1, module: 'assets/clash.ts' });
    expectDefinitionError(() => loadDefinitions([rawOrders, clash]), { code: 'definition.duplicate_key', message: /^asset key raw_orders is defined twice \(in .+ and assets\/clash\.ts\)$/, assetKey: 'raw_orders', field: 'key' });
  });

  it('an input reading an asset that is not loaded: definition.unknown_key', () => {
    expectDefinitionError(() => loadDefinitions([cleanOrders]), {
      code: 'definition.unknown_key',
      message: 'asset clean_orders: input raw reads raw_orders, which is not among the loaded definitions',
      assetKey: 'clean_orders',
      field: 'inputs.raw',
    });
  });

  it('an input reading another definition with a loaded key: definition.duplicate_key', () => {
    const otherRaw = source<number>({ key: 'raw_orders', partitions: days });
    const reader = asset({ key: 'reader', partitions: days, inputs: { raw: otherRaw }, compute: ({ raw }) => raw });
    expectDefinitionError(() => loadDefinitions([rawOrders, reader]), {
      code: 'definition.duplicate_key',
      message: 'asset reader: input raw reads a different definition of raw_orders than the one loaded',
      assetKey: 'reader',
      field: 'inputs.raw',
    });
  });

  it('a mapping that does not fit (rollup from monthly to daily): definition.bad_mapping', () => {
    const monthlyOrders = asset({ key: 'orders_monthly', partitions: months, compute: () => 1 });
    const daysFromMonths = asset({ key: 'days_from_months', partitions: days, inputs: { month: input(monthlyOrders, rollup()) }, compute: ({ month }) => month.size });
    expectDefinitionError(() => loadDefinitions([monthlyOrders, daysFromMonths]), {
      code: 'definition.bad_mapping',
      message: 'asset days_from_months: input month (rollup from orders_monthly): rollup() needs a finer upstream (upstream month, downstream day)',
      assetKey: 'days_from_months',
      field: 'inputs.month',
    });
  });

  it('a bare input whose default mapping reads many partitions (daily → monthly): definition.bad_mapping', () => {
    const bare = asset({ key: 'orders_monthly', partitions: months, inputs: { days: cleanOrders }, compute: ({ days: d }) => d });
    expectDefinitionError(() => loadDefinitions([rawOrders, cleanOrders, bare]), {
      code: 'definition.bad_mapping',
      message:
        'asset orders_monthly: input days reads many partitions of clean_orders (default mapping: all upstream windows inside the window (rollup)); declare it as input(clean_orders, rollup()) so the compute receives a Map',
      assetKey: 'orders_monthly',
      field: 'inputs.days',
    });
    // Declared with rollup() it loads.
    const declared = asset({ key: 'orders_monthly', partitions: months, inputs: { days: input(cleanOrders, rollup()) }, compute: ({ days: d }) => d.size });
    expect(loadDefinitions([rawOrders, cleanOrders, declared]).order).toContain('orders_monthly');
  });

  it('a bare input into a multi-dimensional asset suggests the dimension to name', () => {
    const byRegion = multiPartitions({ date: daily({ start: '2024-01-01' }), region: staticPartitions(['eu', 'us']) });
    const regional = asset({ key: 'regional', partitions: byRegion, inputs: { raw: rawOrders }, compute: ({ raw }) => raw });
    expectDefinitionError(() => loadDefinitions([rawOrders, regional]), {
      code: 'definition.bad_mapping',
      message: 'asset regional: input raw reads many partitions of raw_orders (default mapping: dimension date); declare it as input(raw_orders, dimension("date")) so the compute receives a Map',
      assetKey: 'regional',
      field: 'inputs.raw',
    });
  });

  it('no default mapping between unrelated definitions: definition.bad_mapping', () => {
    const regions = staticPartitions(['eu', 'us']);
    const perRegion = asset({ key: 'per_region', partitions: regions, inputs: { raw: rawOrders }, compute: ({ raw }) => raw });
    expectDefinitionError(() => loadDefinitions([rawOrders, perRegion]), {
      code: 'definition.bad_mapping',
      message: `asset per_region: input raw: no default mapping from ${days.describe()} to ${regions.describe()}: pass one with input(upstream, mapping)`,
      assetKey: 'per_region',
      field: 'inputs.raw',
    });
  });

  it('a cycle a → b → c → a: definition.cycle, printed in data-flow order', () => {
    const a = asset({ key: 'a', partitions: days, compute: () => 1 });
    const b = asset({ key: 'b', partitions: days, inputs: { a }, compute: ({ a: v }) => v + 1 });
    const c = asset({ key: 'c', partitions: days, inputs: { b }, compute: ({ b: v }) => v + 1 });
    // Close the cycle after the fact (module code cannot reference a later const): a reads c.
    Object.assign(a.inputs, { fromC: c });
    for (const order of [
      [a, b, c],
      [c, b, a],
      [b, a, c],
    ]) {
      const error = expectDefinitionError(() => loadDefinitions(order), {
        code: 'definition.cycle',
        message: 'assets depend on each other in a cycle: a → b → c → a (asset a: input fromC reads c)',
        assetKey: 'a',
        field: 'inputs.fromC',
      });
      expect(error.context.cycle).toEqual(['a', 'b', 'c', 'a']);
    }
  });

  it('a cycle with an asset hanging off it reports only the cycle', () => {
    const x = asset({ key: 'x', partitions: days, compute: () => 1 });
    const y = asset({ key: 'y', partitions: days, inputs: { x }, compute: ({ x: v }) => v });
    const after = asset({ key: 'after', partitions: days, inputs: { y }, compute: ({ y: v }) => v });
    Object.assign(x.inputs, { y });
    // The walk starts from the first stuck asset in key order (`after`) and follows its inputs upstream into the cycle.
    const error = expectDefinitionError(() => loadDefinitions([x, y, after]), { code: 'definition.cycle', message: 'assets depend on each other in a cycle: y → x → y (asset y: input x reads x)', assetKey: 'y', field: 'inputs.x' });
    expect(error.context.cycle).toEqual(['y', 'x', 'y']);
  });

  it('a self input that reads the same partition (window(2) includes itself): definition.cycle', () => {
    const rolling = asset({ key: 'rolling', partitions: days, inputs: { previous: self<number>(window(2)) }, compute: ({ previous }) => previous.size });
    expectDefinitionError(() => loadDefinitions([rolling]), {
      code: 'definition.cycle',
      message: 'asset rolling: input previous reads the asset itself, which is allowed only for earlier partitions: partition 2024-01-02 would read itself or a later partition through a rolling window of 2',
      assetKey: 'rolling',
      field: 'inputs.previous',
    });
  });

  it('a self input that reads a later partition (offset(+1)): definition.cycle', () => {
    const ahead = asset({ key: 'ahead', partitions: days, inputs: { next: self<number>(offset(1)) }, compute: ({ next }) => next ?? 0 });
    expectDefinitionError(() => loadDefinitions([ahead]), { code: 'definition.cycle', message: /partition 2024-01-02 would read itself or a later partition through the window 1 after$/, assetKey: 'ahead', field: 'inputs.next' });
  });

  it('self(offset(-1)) and self(window(3, { offset: -1 })) only read earlier partitions: fine', () => {
    const running = asset({ key: 'running', partitions: days, inputs: { today: rawOrders, previous: self<number>(offset(-1)) }, compute: ({ today, previous }) => today + (previous ?? 0) });
    const graph = loadDefinitions([rawOrders, running]);
    const previous = graph.node('running').inputs.find((i) => i.name === 'previous');
    expect([previous?.upstreamKey, previous?.self, previous?.cardinality]).toEqual(['running', true, 'optional']);
    expect(graph.node('running').downstream.map((d) => d.assetKey)).toEqual(['running']);
    const lastThree = asset({ key: 'last_three', partitions: hourly({ start: '2024-01-01' }), inputs: { before: self<number>(window(3, { offset: -1 })) }, compute: ({ before }) => before.size });
    expect(loadDefinitions([lastThree]).order).toEqual(['last_three']);
  });

  it('a self input on an unpartitioned asset: definition.bad_mapping', () => {
    const counter = asset({ key: 'counter', inputs: { previous: self<number>(offset(-1)) }, compute: ({ previous }) => (previous ?? 0) + 1 });
    expectDefinitionError(() => loadDefinitions([counter]), {
      code: 'definition.bad_mapping',
      message: 'asset counter: input previous (offset from counter): offset() connects time-window partitions only (upstream is unpartitioned, downstream is unpartitioned)',
      assetKey: 'counter',
      field: 'inputs.previous',
    });
  });

  it('something that is not a definition: definition.bad_option', () => {
    expectDefinitionError(() => loadDefinitions([{ kind: 'table', key: 't' } as unknown as Definition]), { code: 'definition.bad_option', message: 'not an asset or source definition: {"kind":"table","key":"t"}' });
  });

  it('errors are DefinitionErrors, classified actionable', () => {
    expect(() => loadDefinitions([cleanOrders])).toThrow(DefinitionError);
  });
});
