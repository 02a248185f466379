import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeToken,
  dataVersionOf,
  hashCanonical,
  tokenCanonicalForm,
  TOKEN_DOMAIN,
  UNKNOWN_DATA_VERSION,
  UNKNOWN_TOKEN,
  type TokenInput,
  type TokenRequest,
} from '../../src/hashing/index.js';
import { anyString, thrown } from './arbitraries.js';

const dv = (n: number): string => dataVersionOf(new Uint8Array([n]));

const base: TokenRequest = {
  assetKey: 'clean_orders',
  codeVersion: 'cv1',
  partitionKey: '2024-01-31',
  inputs: [
    { name: 'raw', assetKey: 'raw_orders', partitionKey: '2024-01-31', dataVersion: dv(1) },
    { name: 'days', assetKey: 'daily', count: 31, combinedHash: dv(2) },
    { name: 'config', assetKey: 'config', partitionKey: null, dataVersion: dv(3) },
  ],
};

function withInput(index: number, patch: Partial<Record<string, unknown>>): TokenRequest {
  return { ...base, inputs: base.inputs.map((input, i) => (i === index ? ({ ...input, ...patch } as TokenInput) : input)) };
}

describe('computeToken', () => {
  it('is sha256 of the canonical form, starting with the domain prefix', () => {
    const token = computeToken(base);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(token).toBe(hashCanonical(tokenCanonicalForm(base)));
    expect(tokenCanonicalForm(base)).toEqual([
      TOKEN_DOMAIN,
      'clean_orders',
      'cv1',
      '2024-01-31',
      [
        ['config', 'single', 'config', null, dv(3)],
        ['days', 'range', 'daily', 31, dv(2)],
        ['raw', 'single', 'raw_orders', '2024-01-31', dv(1)],
      ],
    ]);
  });

  it('keeps its format (golden value: changing it invalidates every stored token)', () => {
    expect(computeToken({ assetKey: 'a', codeVersion: 'c', partitionKey: null, inputs: [] })).toBe(
      hashCanonical([TOKEN_DOMAIN, 'a', 'c', null, []]),
    );
    expect(computeToken(base)).toBe(GOLDEN);
  });

  const changes: [string, TokenRequest][] = [
    ['asset key', { ...base, assetKey: 'clean_orders2' }],
    ['code version', { ...base, codeVersion: 'cv2' }],
    ['partition key', { ...base, partitionKey: '2024-02-01' }],
    ['partition key null', { ...base, partitionKey: null }],
    ['partition key "null"', { ...base, partitionKey: 'null' }],
    ['an input data version', withInput(0, { dataVersion: dv(9) })],
    ['an input upstream partition', withInput(0, { partitionKey: '2024-01-30' })],
    ['an input upstream asset', withInput(0, { assetKey: 'other' })],
    ['an input name', withInput(0, { name: 'raw2' })],
    ['an unpartitioned upstream becoming partitioned', withInput(2, { partitionKey: '' })],
    ['a range count', withInput(1, { count: 30 })],
    ['a range combined hash', withInput(1, { combinedHash: dv(8) })],
    ['an input removed', { ...base, inputs: base.inputs.slice(1) }],
    ['an input added', { ...base, inputs: [...base.inputs, { name: 'z', assetKey: 'z', partitionKey: null, dataVersion: dv(4) }] }],
  ];
  it.each(changes)('changes when this changes: %s', (_name, changed) => {
    expect(computeToken(changed)).not.toBe(computeToken(base));
  });

  it('does not confuse fields across their boundaries', () => {
    const t = (assetKey: string, codeVersion: string) => computeToken({ assetKey, codeVersion, partitionKey: null, inputs: [] });
    expect(t('ab', 'c')).not.toBe(t('a', 'bc'));
    const single = computeToken({ ...base, inputs: [{ name: 'x', assetKey: 'a', partitionKey: 'p', dataVersion: 'h' }] });
    const range = computeToken({ ...base, inputs: [{ name: 'x', assetKey: 'a', count: 0, combinedHash: 'h' }] });
    expect(single).not.toBe(range);
  });

  it('does not depend on the order of inputs', () => {
    const input = fc.record({ name: anyString, assetKey: anyString, partitionKey: fc.option(anyString), dataVersion: anyString });
    fc.assert(
      fc.property(fc.uniqueArray(input, { selector: (i) => i.name, maxLength: 6 }), fc.integer(), (inputs, seed) => {
        const shuffled = [...inputs].sort((a, b) => ((a.name.length * 31 + seed) % 7) - ((b.name.length * 31 + seed) % 7));
        const request = { assetKey: 'a', codeVersion: 'c', partitionKey: 'p' };
        const token = computeToken({ ...request, inputs });
        expect(computeToken({ ...request, inputs: shuffled })).toBe(token);
        expect(computeToken({ ...request, inputs: [...inputs].reverse() })).toBe(token);
        expect(token).toBe(hashCanonical(tokenCanonicalForm({ ...request, inputs })));
      }),
    );
  });

  it('is UNKNOWN when any input is unknown (unknown propagates)', () => {
    expect(computeToken(withInput(0, { dataVersion: UNKNOWN_DATA_VERSION }))).toBe(UNKNOWN_TOKEN);
    expect(computeToken(withInput(1, { combinedHash: UNKNOWN_DATA_VERSION }))).toBe(UNKNOWN_TOKEN);
    // …and a downstream of an unknown partition is unknown too, whatever the rest.
    const downstream = { assetKey: 'b', codeVersion: 'c', partitionKey: null, inputs: [{ name: 'up', assetKey: 'a', partitionKey: null, dataVersion: UNKNOWN_TOKEN }] };
    expect(computeToken(downstream)).toBe(UNKNOWN_TOKEN);
  });

  it('rejects duplicate input names and bad counts', () => {
    const duplicate = { ...base, inputs: [...base.inputs, { name: 'raw', assetKey: 'x', partitionKey: null, dataVersion: dv(5) }] };
    const error = thrown(() => computeToken(duplicate));
    expect(error.code).toBe('hashing.bad_value');
    expect(error.context).toMatchObject({ assetKey: 'clean_orders', field: 'inputs.raw' });
    expect(thrown(() => computeToken(withInput(1, { count: -1 }))).context?.field).toBe('inputs.days.count');
    expect(thrown(() => computeToken(withInput(1, { count: 1.5 }))).code).toBe('hashing.bad_value');
  });
});

const GOLDEN = '20789f0f9456b5762ef83aa160671289b225e31ab0580fac5c0629f7fc005864';
