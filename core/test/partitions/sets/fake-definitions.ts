/**
 * Tiny partitions definitions for the set tests, written against `types.ts` only so these tests do
 * not depend on the real definitions' calendars and escaping.
 */
import type { MultiPartitions, PartitionContext, PartitionDimension, PartitionKey, StaticPartitions } from '../../../src/partitions/types.js';

/** A context with a fixed clock and no dynamic keys. */
export const ctx: PartitionContext = { now: 0, dynamicKeys: () => [] };

/** A static definition over `keys`. */
export function fakeStatic(keys: readonly string[]): StaticPartitions {
  const positions = new Map(keys.map((key, index) => [key, index]));
  return {
    kind: 'static',
    keys,
    count: () => keys.length,
    keyAt(index) {
      const key = keys[index];
      if (key === undefined || !Number.isInteger(index)) throw new RangeError(`no partition ${index}`);
      return key;
    },
    indexOf: (key) => positions.get(key),
    checkKey: (key) => (key.length === 0 ? 'empty key' : undefined),
    describe: () => `static [${keys.join(', ')}]`,
    toSpec: () => ({ kind: 'static', keys: [...keys] }),
  };
}

/** `n` keys `k0 … k{n-1}`. */
export function fakeNumbered(n: number, prefix = 'k'): StaticPartitions {
  return fakeStatic(Array.from({ length: n }, (_, i) => `${prefix}${i}`));
}

/**
 * A multi definition over static dimensions, `dimensions` sorted by name and `digitOrder` as
 * given (names, most significant first), so the two orders can differ as they do with time.
 */
export function fakeMulti(dimensions: ReadonlyArray<{ name: string; keys: readonly string[] }>, digitNames: readonly string[]): MultiPartitions {
  const byName: PartitionDimension[] = dimensions
    .map((d) => ({ name: d.name, definition: fakeStatic(d.keys) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const digitOrder = digitNames.map((name) => byName.find((d) => d.name === name)!);
  const digitPosition = digitOrder.map((d) => byName.indexOf(d)); // digit k is byName[digitPosition[k]]
  const radices = (c: PartitionContext): number[] => digitOrder.map((d) => d.definition.count(c));

  const decompose = (index: number, c: PartitionContext): number[] => {
    const r = radices(c);
    const out = new Array<number>(byName.length).fill(0);
    let rest = index;
    for (let k = r.length - 1; k >= 0; k--) {
      out[digitPosition[k]!] = rest % r[k]!;
      rest = Math.floor(rest / r[k]!);
    }
    return out;
  };
  const compose = (indices: readonly number[], c: PartitionContext): number => {
    const r = radices(c);
    let index = 0;
    for (let k = 0; k < r.length; k++) index = index * r[k]! + indices[digitPosition[k]!]!;
    return index;
  };
  const count = (c: PartitionContext): number => radices(c).reduce((a, b) => a * b, 1);
  const splitKey = (key: PartitionKey): Record<string, PartitionKey> | undefined => {
    const parts = key.split('|').map((part) => part.split('='));
    if (parts.length !== byName.length || parts.some((p, i) => p.length !== 2 || p[0] !== byName[i]!.name)) return undefined;
    return Object.fromEntries(parts.map((p) => [p[0]!, p[1]!]));
  };
  const joinKey = (values: Readonly<Record<string, PartitionKey>>): PartitionKey => byName.map((d) => `${d.name}=${values[d.name]!}`).join('|');

  return {
    kind: 'multi',
    dimensions: byName,
    digitOrder,
    decompose,
    compose,
    splitKey,
    joinKey,
    count,
    keyAt(index, c) {
      if (!Number.isInteger(index) || index < 0 || index >= count(c)) throw new RangeError(`no partition ${index}`);
      const digits = decompose(index, c);
      return joinKey(Object.fromEntries(byName.map((d, i) => [d.name, d.definition.keyAt(digits[i]!, c)])));
    },
    indexOf(key, c) {
      const values = splitKey(key);
      if (values === undefined) return undefined;
      const digits: number[] = [];
      for (const d of byName) {
        const index = d.definition.indexOf(values[d.name]!, c);
        if (index === undefined) return undefined;
        digits.push(index);
      }
      return compose(digits, c);
    },
    checkKey: (key) => (splitKey(key) === undefined ? 'malformed multi key' : undefined),
    describe: () => `multi(${byName.map((d) => d.name).join(', ')})`,
    toSpec: () => ({ kind: 'multi', dimensions: byName.map((d) => ({ name: d.name, spec: d.definition.toSpec() })) }),
  };
}
