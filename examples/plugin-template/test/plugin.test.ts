/**
 * The plugin as a project uses it: options checked when configured (errors name the plugin and
 * the field), secrets only as references (never their value, in options or messages), loaded by
 * `defineConfig`/`loadPlugins` from a real weft.config.ts, listed by `weft plugins`, and the
 * records check judging values.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { defineConfig, env, isPluginInstance, loadPlugins, PluginError, type WeftConfig } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { jsonl, judgeRecords } from '../src/index.js';

const fixture = fileURLToPath(new URL('./fixture', import.meta.url));
const root = fileURLToPath(new URL('./fixture/data', import.meta.url));

describe('options', () => {
  const cases: Array<{ what: string; make: () => unknown; message: string | RegExp; field: string }> = [
    { what: 'a relative root', make: () => jsonl({ root: 'data' }), message: 'plugin @weft/example-plugin-template: bad options: root: must be an absolute path', field: 'root' },
    { what: 'no options at all', make: () => (jsonl as (o?: unknown) => unknown)(), message: /bad options: options: Invalid input: expected object, received undefined/, field: 'options' },
    { what: 'an unknown option', make: () => jsonl({ root, recursive: true } as never), message: /bad options: options: Unrecognized key: "recursive"/, field: 'options' },
    { what: 'a pattern outside the root', make: () => jsonl({ root }).connectors.files({ pattern: '../etc/{key}' }), message: 'connector files: bad options: connectors.files.pattern: must be a path under root', field: 'connectors.files.pattern' },
    { what: 'an unknown placeholder', make: () => jsonl({ root }).connectors.files({ pattern: 'events/{day}.jsonl' }), message: /connectors\.files\.pattern: key pattern "events\/\{day\}\.jsonl": unknown placeholder \{day\}/, field: 'connectors.files.pattern' },
    { what: 'a secret written in the config', make: () => jsonl({ root }).connectors.files({ pattern: '{key}.jsonl', pseudonymize: { fields: ['email'], key: 'hunter2-pepper' as never } }), message: 'connectors.files.pseudonymize.key: must be a secret reference, env("NAME"), never the secret itself', field: 'connectors.files.pseudonymize.key' },
    { what: 'no field to pseudonymize', make: () => jsonl({ root }).connectors.files({ pattern: '{key}.jsonl', pseudonymize: { fields: [], key: env('P') } }), message: /connectors\.files\.pseudonymize\.fields: Too small/, field: 'connectors.files.pseudonymize.fields' },
    { what: 'a negative minRows', make: () => jsonl({ root }).checks.records({ minRows: -1 }), message: /check records: bad options: checks\.records\.minRows: Too small/, field: 'checks.records.minRows' },
  ];
  it.each(cases)('refuses $what, naming the plugin and the field', ({ make, message, field }) => {
    let error: unknown;
    try {
      make();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PluginError);
    expect((error as PluginError).message).toMatch(typeof message === 'string' ? new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : message);
    expect((error as PluginError).context).toEqual({ plugin: '@weft/example-plugin-template', field });
    expect((error as PluginError).code).toBe('plugin.bad_option');
  });

  it('keeps secrets as references: printed, serialized and named in messages, never read until used', () => {
    const instance = jsonl({ root });
    const connector = instance.connectors.files({ pattern: 'events/{date}.jsonl', pseudonymize: { fields: ['email'], key: env('NOT_SET_ANYWHERE') } });
    expect(connector.name).toBe('@weft/example-plugin-template/files(events/{date}.jsonl)');
    expect(JSON.stringify({ key: env('TEMPLATE_EVENTS_PEPPER') })).toBe('{"key":"[secret env:TEMPLATE_EVENTS_PEPPER]"}');
  });
});

describe('in a project', () => {
  it('is checked by defineConfig and loadPlugins the way weft.config.ts loads it', async () => {
    const config = ((await import('./fixture/weft.config.js')) as { default: WeftConfig }).default;
    const [instance] = config.plugins ?? [];
    expect(isPluginInstance(instance)).toBe(true);
    const loaded = loadPlugins(config.plugins, { storage: config.storage !== undefined });
    expect(loaded.plugins.map((p) => [p.name, p.version, p.weft])).toEqual([['@weft/example-plugin-template', '0.1.0', '^0.1.0']]);
    expect(loaded.plugins[0]?.provides).toEqual({ storage: false, compute: [], connectors: ['files'], checks: ['records'], listeners: [] });
    expect(await loaded.storage()).toBeUndefined();
    // Listed twice, or as the plugin function not called: refused, naming it.
    expect(() => defineConfig({ plugins: [jsonl({ root }), jsonl({ root })] })).toThrow('weft.config: plugin @weft/example-plugin-template is listed twice');
    expect(() => defineConfig({ plugins: [jsonl as never] })).toThrow('plugins[0] is not a configured plugin (a plugin not called: write plugin({ …options }))');
    // Loading a plugin built for another Weft fails, saying which.
    expect(() => loadPlugins(config.plugins, {}, '1.0.0')).toThrow('plugin @weft/example-plugin-template works with Weft ^0.1.0, and this is Weft 1.0.0');
  });

  it('is listed by `weft plugins` with what it provides', async () => {
    const bin = fileURLToPath(new URL('../../../cli/bin/weft.js', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'plugins', '--dir', fixture, '--json'], { timeout: 90_000 });
    expect(JSON.parse(stdout)).toEqual([
      { name: '@weft/example-plugin-template', version: '0.1.0', weft: '^0.1.0', provides: { storage: false, compute: [], connectors: ['files'], checks: ['records'], listeners: [] }, options: { root } },
    ]);
  }, 120_000);
});

describe('the records check', () => {
  const rows = [{ id: 'a', amount: 1 }, { id: 'b', amount: 2 }];
  it.each([
    { value: rows, options: { required: ['id'], unique: 'id' }, passed: true, message: '2 records with id, id unique' },
    { value: rows, options: { minRows: 3 }, passed: false, message: '2 records, at least 3 expected' },
    { value: [...rows, { id: 'c' }], options: { required: ['id', 'amount'] }, passed: false, message: 'record 2 has no amount' },
    { value: [...rows, { id: 'a', amount: 3 }], options: { unique: 'id' }, passed: false, message: 'records 0 and 2 have the same id "a"' },
    { value: [rows[0], null], options: {}, passed: false, message: 'record 1 is null, not an object' },
    { value: { id: 'a' }, options: {}, passed: false, message: 'expected a list of records, got object' },
    { value: [], options: {}, passed: true, message: '0 records' },
  ])('judges $message', ({ value, options, passed, message }) => {
    expect(judgeRecords(value, options)).toEqual({ passed, message });
  });

  it('is a check an asset lists, blocking unless told otherwise', () => {
    const instance = jsonl({ root });
    expect(instance.checks.records({}).blocking).toBe(true);
    const named = instance.checks.records({ name: 'ids_unique', unique: 'id', blocking: false });
    expect([named.name, named.blocking]).toEqual(['ids_unique', false]);
  });
});
