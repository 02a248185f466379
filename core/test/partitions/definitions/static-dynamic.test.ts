import { describe, expect, it } from 'vitest';
import { DefinitionError } from '../../../src/errors.js';
import { dynamicPartitions, staticPartitions, validateDynamicKey } from '../../../src/partitions/definitions/index.js';
import type { PartitionKey } from '../../../src/partitions/types.js';
import { at } from './context.js';

describe('static partitions', () => {
  const regions = staticPartitions(['us', 'eu', 'a|b=c\\d']);
  const ctx = at(0);

  it('indexes keys in the order given', () => {
    expect(regions.count(ctx)).toBe(3);
    expect([0, 1, 2].map((i) => regions.keyAt(i, ctx))).toEqual(['us', 'eu', 'a|b=c\\d']);
    expect(regions.indexOf('eu', ctx)).toBe(1);
    expect(regions.indexOf('apac', ctx)).toBeUndefined();
    expect(() => regions.keyAt(3, ctx)).toThrow(RangeError);
    expect(() => regions.keyAt(-1, ctx)).toThrow(RangeError);
    expect(regions.toSpec()).toEqual({ kind: 'static', keys: ['us', 'eu', 'a|b=c\\d'] });
    expect(regions.describe()).toBe('static ["us", "eu", "a|b=c\\\\d"]');
  });

  it('explains keys that are not in the list', () => {
    expect(regions.checkKey('us')).toBeUndefined();
    expect(regions.checkKey('apac')).toBe('"apac" is not one of the static keys "us", "eu", "a|b=c\\\\d"');
    expect(regions.checkKey('')).toBe('partition key is empty');
  });

  it.each([
    { keys: ['a', ''], message: /key #1: partition key is empty/ },
    { keys: ['a', 'b\u0000c'], message: /"b\\u0000c" contains the control character U\+0000 at position 1/ },
    { keys: ['line\n'], message: /"line\\n" contains the control character U\+000A/ },
    { keys: ['x\u0085'], message: /U\+0085/ },
    { keys: ['bad\ud800'], message: /unpaired UTF-16 surrogate/ },
    { keys: ['us', 'eu', 'us'], message: /key "us" appears more than once/ },
    { keys: ['ok', 42], message: /partition key 42 is not a string/ },
  ])('rejects $keys', ({ keys, message }) => {
    let error: unknown;
    try {
      staticPartitions(keys as PartitionKey[]);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).code).toBe('definition.bad_partition_key');
    expect((error as DefinitionError).context.field).toBe('partitions.keys');
    expect((error as DefinitionError).message).toMatch(message);
  });

  it('rejects an empty list', () => {
    expect(() => staticPartitions([])).toThrow(/non-empty array of keys/);
  });

  it('allows emoji and other well-formed Unicode', () => {
    expect(staticPartitions(['🇩🇪', 'Zürich', ' spaced ']).count(ctx)).toBe(3);
  });
});

describe('dynamic partitions', () => {
  const customers = dynamicPartitions({ name: 'customers' });

  it('reads keys from the context in insertion order', () => {
    const keys = ['acme', 'globex'];
    expect(customers.count(at(0, { customers: keys }))).toBe(2);
    expect(customers.keyAt(1, at(0, { customers: keys }))).toBe('globex');
    expect(customers.indexOf('acme', at(0, { customers: keys }))).toBe(0);
    expect(customers.indexOf('initech', at(0, { customers: keys }))).toBeUndefined();
    expect(customers.count(at(0))).toBe(0);
    expect(() => customers.keyAt(0, at(0))).toThrow(RangeError);
  });

  it('sees keys appended to the same list', () => {
    const keys: PartitionKey[] = ['a'];
    const ctx = at(0, { customers: keys });
    expect(customers.indexOf('b', ctx)).toBeUndefined();
    keys.push('b');
    expect(customers.indexOf('b', ctx)).toBe(1);
    keys.splice(0, 2, 'b', 'a'); // edited in place: still right
    expect(customers.indexOf('b', ctx)).toBe(0);
    expect(customers.indexOf('a', ctx)).toBe(1);
  });

  it('checks keys and names', () => {
    expect(customers.checkKey('acme')).toBeUndefined();
    expect(customers.checkKey('')).toBe('partition key is empty');
    expect(customers.checkKey('a\tb')).toMatch(/control character U\+0009/);
    expect(customers.toSpec()).toEqual({ kind: 'dynamic', name: 'customers' });
    expect(customers.describe()).toBe('dynamic "customers"');
    expect(() => dynamicPartitions({ name: '' })).toThrow(/name is empty/);
    expect(() => dynamicPartitions({ name: ' x' })).toThrow(/leading or trailing spaces/);
    expect(() => dynamicPartitions({} as never)).toThrow(DefinitionError);
  });

  it('validates keys for the store', () => {
    expect(validateDynamicKey('acme')).toBe('acme');
    expect(() => validateDynamicKey('a\u0000', 'customers')).toThrow(/dynamic partitions "customers": partition key "a\\u0000" contains the control character U\+0000/);
    const error = (() => {
      try {
        validateDynamicKey('', 'customers');
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).code).toBe('definition.bad_partition_key');
    expect((error as DefinitionError).context).toMatchObject({ field: 'partitions.keys', partitionKey: '', partitionsName: 'customers' });
  });
});
