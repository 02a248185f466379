import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DefinitionError } from '../../../src/errors.js';
import { daily, dynamicPartitions, hourly, multiPartitions, staticPartitions } from '../../../src/partitions/definitions/index.js';
import { at } from './context.js';

const ctx = at('2024-01-04T00:00:00Z', { customers: ['acme', 'globex'] });

describe('multi-dimensional partitions', () => {
  const byDay = multiPartitions({ region: staticPartitions(['us', 'eu']), date: daily({ start: '2024-01-01' }) });

  it('sorts dimensions by name and puts the time dimension first in digit order', () => {
    expect(byDay.dimensions.map((d) => d.name)).toEqual(['date', 'region']);
    const three = multiPartitions({ zeta: staticPartitions(['z']), alpha: staticPartitions(['a1', 'a2']), when: daily({ start: '2024-01-01' }) });
    expect(three.dimensions.map((d) => d.name)).toEqual(['alpha', 'when', 'zeta']);
    expect(three.digitOrder.map((d) => d.name)).toEqual(['when', 'alpha', 'zeta']);
    const upper = multiPartitions({ b: staticPartitions(['x']), B: staticPartitions(['y']), _a: staticPartitions(['z']) });
    expect(upper.dimensions.map((d) => d.name)).toEqual(['B', '_a', 'b']);
  });

  it('numbers partitions mixed-radix, time most significant', () => {
    expect(byDay.count(ctx)).toBe(6);
    expect([0, 1, 2, 3, 4, 5].map((i) => byDay.keyAt(i, ctx))).toEqual([
      'date=2024-01-01|region=us',
      'date=2024-01-01|region=eu',
      'date=2024-01-02|region=us',
      'date=2024-01-02|region=eu',
      'date=2024-01-03|region=us',
      'date=2024-01-03|region=eu',
    ]);
    expect(byDay.decompose(3, ctx)).toEqual([1, 1]);
    expect(byDay.compose([2, 0], ctx)).toBe(4);
    expect(byDay.indexOf('date=2024-01-02|region=eu', ctx)).toBe(3);
    // A new day appends at the end; existing indices do not move.
    expect(byDay.indexOf('date=2024-01-02|region=eu', at('2024-02-01T00:00:00Z'))).toBe(3);
    expect(byDay.indexOf('date=2024-01-04|region=eu', ctx)).toBeUndefined();
    expect(() => byDay.keyAt(6, ctx)).toThrow(RangeError);
  });

  it('lets the time digit range beyond the windows that exist', () => {
    expect(byDay.compose([-1, 1], ctx)).toBe(-1);
    expect(byDay.decompose(-1, ctx)).toEqual([-1, 1]);
    expect(byDay.decompose(7, ctx)).toEqual([3, 1]);
    expect(() => byDay.compose([0, 2], ctx)).toThrow(/index 2 of dimension "region" is outside 0 … 1/);
  });

  it('takes its counts from the context', () => {
    const product = multiPartitions({ customer: dynamicPartitions({ name: 'customers' }), color: staticPartitions(['red', 'blue', 'green']) });
    expect(product.count(ctx)).toBe(6);
    expect(product.count(at(0))).toBe(0);
    expect(product.keyAt(5, ctx)).toBe('color=green|customer=globex');
    expect(product.indexOf('color=blue|customer=acme', ctx)).toBe(2);
    expect(() => product.decompose(0, at(0))).toThrow(RangeError);
  });

  it('escapes separators in values', () => {
    const odd = multiPartitions({ k: staticPartitions(['a|b', 'c=d', 'e\\f', 'plain']), t: hourly({ start: '2024-01-01' }) });
    const key = odd.joinKey({ k: 'a|b', t: '2024-01-01T00:00' });
    expect(key).toBe('k=a\\|b|t=2024-01-01T00:00');
    expect(odd.joinKey({ k: 'c=d', t: '2024-01-01T00:00' })).toBe('k=c\\=d|t=2024-01-01T00:00');
    expect(odd.joinKey({ k: 'e\\f', t: '2024-01-01T00:00' })).toBe('k=e\\\\f|t=2024-01-01T00:00');
    expect(odd.splitKey(key)).toEqual({ k: 'a|b', t: '2024-01-01T00:00' });
    expect(odd.indexOf(key, ctx)).toBe(0);
  });

  it.each([
    { key: 'region=us|date=2024-01-01', problem: /names the dimensions "region", "date" but needs exactly "date", "region" in that order/ },
    { key: 'date=2024-01-01', problem: /needs exactly "date", "region"/ },
    { key: 'date=2024-01-01|region=us|extra=1', problem: /needs exactly/ },
    { key: 'date=2024-01-01|region', problem: /"region" at the end has no "=value"/ },
    { key: 'date=2024-01-01|region=u=s', problem: /unescaped "=" at position 24/ },
    { key: 'date=2024-01-01|region=u\\s', problem: /"\\" at position 24 must be followed by/ },
    { key: 'date=2024-1-1|region=us', problem: /dimension "date": "2024-1-1" is not a valid daily partition key/ },
    { key: 'date=2024-01-01|region=mars', problem: /dimension "region": "mars" is not one of the static keys/ },
  ])('explains $key', ({ key, problem }) => {
    expect(byDay.splitKey(key) === undefined || byDay.checkKey(key) !== undefined).toBe(true);
    expect(byDay.indexOf(key, ctx)).toBeUndefined();
    const message = byDay.checkKey(key) ?? '';
    expect(message).toMatch(problem);
    expect(message).toContain('e.g. "date=2024-01-01|region=us"');
  });

  it('rejects joinKey values that do not fit the dimensions', () => {
    expect(() => byDay.joinKey({ date: '2024-01-01' })).toThrow(/no value for dimension "region"/);
    expect(() => byDay.joinKey({ date: '2024-01-01', region: 'us', planet: 'mars' })).toThrow(/unknown dimensions "planet"/);
  });

  it('describes itself and its spec', () => {
    expect(byDay.describe()).toBe('multi(date: daily from 2024-01-01 (UTC) × region: static ["us", "eu"])');
    expect(byDay.toSpec()).toEqual({
      kind: 'multi',
      dimensions: [
        { name: 'date', spec: daily({ start: '2024-01-01' }).toSpec() },
        { name: 'region', spec: { kind: 'static', keys: ['us', 'eu'] } },
      ],
    });
  });

  it.each([
    { build: () => multiPartitions({ only: staticPartitions(['a']) }), message: /at least 2 dimensions, got 1 \("only"\)/, field: 'partitions.dimensions' },
    { build: () => multiPartitions({ a: daily({ start: '2024-01-01' }), b: hourly({ start: '2024-01-01' }) }), message: /at most one time dimension, got 2: "a", "b"/, field: 'partitions.dimensions' },
    { build: () => multiPartitions({ 'bad-name': staticPartitions(['a']), b: staticPartitions(['b']) }), message: /dimension name "bad-name" must match/, field: 'partitions.dimensions.bad-name' },
    { build: () => multiPartitions({ '1st': staticPartitions(['a']), b: staticPartitions(['b']) }), message: /"1st"/, field: 'partitions.dimensions.1st' },
    { build: () => multiPartitions({ a: byDay as never, b: staticPartitions(['b']) }), message: /"a" is itself multi-dimensional/, field: 'partitions.dimensions.a' },
    { build: () => multiPartitions({ a: {} as never, b: staticPartitions(['b']) }), message: /"a" is not a partitions definition/, field: 'partitions.dimensions.a' },
  ])('rejects $message', ({ build, message, field }) => {
    let error: unknown;
    try {
      build();
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).code).toBe('definition.bad_option');
    expect((error as DefinitionError).context.field).toBe(field);
    expect((error as DefinitionError).message).toMatch(message);
  });
});

describe('multi-dimensional partitions (properties)', () => {
  const value = fc.string({ unit: fc.constantFrom('a', 'b', '|', '=', '\\', 'é', '🙂'), minLength: 1, maxLength: 6 });
  const keys = fc.uniqueArray(value, { minLength: 1, maxLength: 5 });

  it('indexOf(keyAt(i)) === i, and keys with |, = and \\ round-trip', () => {
    fc.assert(
      fc.property(keys, keys, fc.boolean(), fc.nat(), (first, second, withTime, seed) => {
        const product = multiPartitions({
          first: staticPartitions(first),
          second: staticPartitions(second),
          ...(withTime ? { time: daily({ start: '2024-01-01' }) } : {}),
        });
        const count = product.count(ctx);
        expect(count).toBe(first.length * second.length * (withTime ? 3 : 1));
        const index = seed % count;
        const key = product.keyAt(index, ctx);
        expect(product.indexOf(key, ctx)).toBe(index);
        expect(product.checkKey(key)).toBeUndefined();
        const values = product.splitKey(key);
        expect(values?.first).toBe(first[product.decompose(index, ctx)[0] ?? -1]);
        expect(product.joinKey(values ?? {})).toBe(key);
        expect(product.compose(product.decompose(index, ctx), ctx)).toBe(index);
      }),
    );
  });
});
