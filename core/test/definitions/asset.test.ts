import { describe, expect, it } from 'vitest';
import { asset, check, checkAssetKey, input, notEmpty, source, type AssetConfig } from '../../src/definitions/index.js';
import { daily, unpartitioned } from '../../src/partitions/definitions/index.js';
import { expectDefinitionError } from './expect-error.js';

describe('asset(): options', () => {
  const base = { key: 'orders', compute: () => 1 };

  it.each([
    { name: 'batchSize 0', options: { batchSize: 0 }, field: 'batchSize', message: 'asset orders: batchSize must be a positive integer, got 0' },
    { name: 'batchSize 2.5', options: { batchSize: 2.5 }, field: 'batchSize', message: 'asset orders: batchSize must be a positive integer, got 2.5' },
    { name: 'concurrency -1', options: { concurrency: -1 }, field: 'concurrency', message: 'asset orders: concurrency must be a positive integer, got -1' },
    { name: 'retry.backoffCoefficient 0.5', options: { retry: { backoffCoefficient: 0.5 } }, field: 'retry.backoffCoefficient', message: 'asset orders: retry.backoffCoefficient must be a number ≥ 1' },
    { name: 'retry.maximumAttempts 0', options: { retry: { maximumAttempts: 0 } }, field: 'retry.maximumAttempts', message: 'asset orders: retry.maximumAttempts must be a positive integer, got 0' },
    { name: 'retry not an object', options: { retry: 3 as never }, field: 'retry', message: 'asset orders: retry must be an object' },
    { name: 'timeoutMs 1.5', options: { timeoutMs: 1.5 }, field: 'timeoutMs', message: 'asset orders: timeoutMs must be a positive integer of milliseconds, got 1.5' },
    { name: 'priority NaN', options: { priority: Number.NaN }, field: 'priority', message: 'asset orders: priority must be a finite number, got null' },
    { name: 'blank version', options: { version: '  ' }, field: 'version', message: 'asset orders: version must be a non-empty string, got "  "' },
    { name: 'empty computeProvider', options: { computeProvider: '' }, field: 'computeProvider', message: 'asset orders: computeProvider must be a provider name' },
    {
      name: 'an unknown option name',
      options: { retries: 3 } as never,
      field: 'retries',
      message: 'asset orders: retries is not an asset option (options: version, computeProvider, concurrency, batchSize, priority, retry, timeoutMs, group, description, metadata)',
    },
  ])('$name: definition.bad_option naming the asset and the field', ({ options, field, message }) => {
    expectDefinitionError(() => asset({ ...base, ...options } as AssetConfig<number, Record<never, never>>), { code: 'definition.bad_option', message, assetKey: 'orders', field });
  });

  it('keeps valid options', () => {
    const a = asset({ ...base, batchSize: 10, concurrency: 2, priority: -1, retry: { maximumAttempts: 3, backoffCoefficient: 1 }, timeoutMs: 1000, group: 'sales', version: 'v2' });
    expect(a.options).toEqual({ batchSize: 10, concurrency: 2, priority: -1, retry: { maximumAttempts: 3, backoffCoefficient: 1 }, timeoutMs: 1000, group: 'sales', version: 'v2' });
    expect(a.partitions).toBe(unpartitioned());
    expect(a.kind).toBe('asset');
  });

  it('compute must be a function', () => {
    expectDefinitionError(() => asset({ key: 'orders', compute: 'sum' as never }), { code: 'definition.bad_option', message: 'asset orders: compute must be a function', assetKey: 'orders', field: 'compute' });
  });

  it('records the defining module from the stack, or the one given', () => {
    expect(asset(base).module).toMatch(/core\/test\/definitions\/asset\.test\.ts$/);
    expect(asset({ ...base, module: 'bundle.js' }).module).toBe('bundle.js');
  });
});

describe('asset keys', () => {
  it.each([
    { key: '', message: 'an asset key must not be empty' },
    { key: 'clean orders', message: 'asset key "clean orders": segment "clean orders" must start with a letter, digit or _ and contain only letters, digits, _, - and . (segments are separated by /)' },
    { key: '../x', message: 'asset key "../x": segment ".." must start with a letter, digit or _ and contain only letters, digits, _, - and . (segments are separated by /)' },
    { key: 'sales/', message: /segment "" must start/ },
    { key: '/sales', message: /segment "" must start/ },
    { key: '.hidden', message: /segment "\.hidden" must start/ },
    { key: 'a'.repeat(256), message: 'an asset key is at most 255 characters (got 256)' },
  ])('asset key $key: definition.bad_option, field key', ({ key, message }) => {
    expectDefinitionError(() => asset({ key, compute: () => 1 }), { code: 'definition.bad_option', message, assetKey: key, field: 'key' });
    expectDefinitionError(() => source({ key }), { code: 'definition.bad_option', message, assetKey: key, field: 'key' });
  });

  it('a non-string key', () => {
    const error = expectDefinitionError(() => asset({ key: 42 as never, compute: () => 1 }), { code: 'definition.bad_option', message: 'an asset key must be a string, got number', field: 'key' });
    expect(error.context.assetKey).toBeUndefined();
  });

  it.each(['orders', 'sales/orders_daily', 'v1.2/x-y', '_private', '2024_report'])('accepts %s', (key) => {
    expect(checkAssetKey(key)).toBeUndefined();
    expect(asset({ key, compute: () => 1 }).key).toBe(key);
  });
});

describe('inputs and checks', () => {
  const raw = source<number>({ key: 'raw', partitions: daily({ start: '2024-01-01' }) });

  it('an input that is not an asset, a source or input(…): definition.unknown_key', () => {
    expectDefinitionError(() => asset({ key: 'q', inputs: { x: 42 as never }, compute: () => 1 }), {
      code: 'definition.unknown_key',
      message: 'asset q: input x is not an asset, a source or input(…) (got number)',
      assetKey: 'q',
      field: 'inputs.x',
    });
    expectDefinitionError(() => input(undefined as never), { code: 'definition.unknown_key', message: 'input(): the upstream must be an asset or a source (got undefined)', field: 'inputs' });
  });

  it('two checks with the same name: definition.duplicate_key', () => {
    const c = check<number>({ name: 'positive', fn: (v) => v > 0 });
    expectDefinitionError(() => asset({ key: 'q', checks: [c, c], compute: () => 1 }), { code: 'definition.duplicate_key', message: 'asset q: two checks are named "positive"', assetKey: 'q', field: 'checks' });
  });

  it('check names and functions are validated', () => {
    expectDefinitionError(() => check({ name: 'not ok', fn: () => true }), { code: 'definition.bad_option', message: /^check name "not ok" must start with a letter or _/, field: 'checks' });
    expectDefinitionError(() => check({ name: 'ok', fn: undefined as never }), { code: 'definition.bad_option', message: 'check ok: fn must be a function', field: 'checks' });
  });

  it('source options are validated', () => {
    expectDefinitionError(() => source({ key: 'raw', observeIntervalMs: 5 }), { code: 'definition.bad_option', message: 'source raw: observeIntervalMs must be an integer ≥ 100, got 5', assetKey: 'raw', field: 'observeIntervalMs' });
    expectDefinitionError(() => source({ key: 'raw', observe: {} as never }), { code: 'definition.bad_option', message: 'source raw: observe must be a connector with observe() and read()', assetKey: 'raw', field: 'observe' });
  });

  it('notEmpty() is blocking by default and judges emptiness', async () => {
    const c = notEmpty();
    expect(c.blocking).toBe(true);
    expect(notEmpty({ blocking: false }).blocking).toBe(false);
    const ctx = undefined as never;
    const outcomes = await Promise.all([[], [1], '', 'x', {}, { a: 1 }, new Map(), new Set([1]), null, new Uint8Array(0), 0].map((v) => c.fn(v, ctx)));
    expect(outcomes.map((o) => (typeof o === 'boolean' ? o : o.passed))).toEqual([false, true, false, true, false, true, false, true, false, false, true]);
    expect(raw.kind).toBe('source');
  });
});
