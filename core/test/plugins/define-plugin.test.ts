import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { check, defineConfig, definePlugin, env, forgetSecrets, loadPlugins, PluginError, redactSecrets, secret, WEFT_VERSION, z, type ObjectStorage, type SourceConnector } from '../../src/index.js';

const memoryStorage = (label: string): ObjectStorage => {
  const objects = new Map<string, Uint8Array>();
  return {
    scheme: 'mem',
    put: async (key, bytes) => (objects.set(`mem://${label}/${key}`, bytes), `mem://${label}/${key}`),
    get: async (uri) => objects.get(uri) ?? new Uint8Array(),
    exists: async (uri) => objects.has(uri),
    delete: async (uri) => void objects.delete(uri),
  };
};

let made = 0;
const vault = definePlugin({
  name: '@acme/weft-plugin-vault',
  version: '1.2.3',
  weft: '^0.1.0',
  options: z.object({ bucket: z.string().min(1), password: secret(), retries: z.number().int().min(0).default(3), nested: z.object({ region: z.enum(['eu', 'us']) }).optional() }),
  storage: (options, ctx) => {
    made++;
    const { password } = ctx.resolve(options);
    return memoryStorage(`${options.bucket}:${password.length}`);
  },
  compute: { vaultRunner: () => ({ name: 'vaultRunner', execute: (task) => task.run(task.signal) }) },
  connectors: {
    table: {
      options: z.object({ table: z.string().regex(/^\w+$/), partitionColumn: z.string() }),
      label: (o) => `${o.table} by ${o.partitionColumn}`,
      create: (plugin, o, ctx): SourceConnector => {
        made++;
        const pw = ctx.resolve(plugin.password, 'password');
        return { name: 'inner', observe: async () => [{ partitionKey: 'a', version: { checksum: `${o.table}:${pw.length}` } }], read: async () => new Uint8Array([1]) };
      },
    },
  },
  checks: {
    minRows: { options: z.object({ min: z.number().int().positive() }), create: (_p, o) => check<unknown>({ name: 'min_rows', fn: (v) => Array.isArray(v) && v.length >= o.min }) },
  },
});

afterEach(() => {
  delete process.env['WEFT_TEST_VAULT_PASSWORD'];
  forgetSecrets();
});

describe('definePlugin', () => {
  it('is the version of @weft/core', () => {
    expect(WEFT_VERSION).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  });

  it('refuses a plugin built for another Weft, and a malformed spec, with errors that say what to do', () => {
    const spec = { name: '@acme/old', version: '1.0.0', weft: '^2.0.0' };
    expect(() => definePlugin(spec)).toThrow(PluginError);
    expect(() => definePlugin(spec)).toThrow(`plugin @acme/old works with Weft ^2.0.0, and this is Weft ${WEFT_VERSION}: install a version of the plugin built for Weft ${WEFT_VERSION}`);
    expect(() => definePlugin({ ...spec, weft: 'soon' })).toThrow('its weft range "soon" is not a semver range');
    expect(() => definePlugin({ ...spec, weft: '^0.1.0', version: 'one' })).toThrow('version "one" is not a semver version');
    expect(() => definePlugin({ ...spec, weft: '^0.1.0', name: 'Not A Name' })).toThrow('must be an npm package name');
    expect(() => definePlugin(spec)).toThrow(expect.objectContaining({ code: 'plugin.incompatible', context: { plugin: '@acme/old', field: 'weft' } }));
  });

  it('validates options when configured, naming the plugin and the field', () => {
    expect(() => vault({ bucket: '', password: env('WEFT_TEST_VAULT_PASSWORD') })).toThrow(/^plugin @acme\/weft-plugin-vault: bad options: bucket: Too small/);
    expect(() => vault({ bucket: 'b', password: env('WEFT_TEST_VAULT_PASSWORD'), nested: { region: 'mars' as 'eu' } })).toThrow(/nested\.region: Invalid option/);
    expect(() => vault({ bucket: 'b', password: env('X'), retries: -1 })).toThrow(expect.objectContaining({ name: 'PluginError', code: 'plugin.bad_option', context: { plugin: '@acme/weft-plugin-vault', field: 'retries' } }));
    expect(vault({ bucket: 'b', password: env('X') }).options).toMatchObject({ retries: 3 });
  });

  it('takes secrets only as references, which never serialize as their value', () => {
    expect(() => vault({ bucket: 'b', password: 'hunter22' as never })).toThrow('password: must be a secret reference, env("NAME"), never the secret itself');
    expect(() => env('not a name')).toThrow('is not an environment variable name');
    const instance = vault({ bucket: 'b', password: env('WEFT_TEST_VAULT_PASSWORD') });
    process.env['WEFT_TEST_VAULT_PASSWORD'] = 'hunter22-secret';
    expect(JSON.stringify(instance.options)).toBe('{"bucket":"b","password":"[secret env:WEFT_TEST_VAULT_PASSWORD]","retries":3}');
    expect(String((instance.options as { password: unknown }).password)).toBe('[secret env:WEFT_TEST_VAULT_PASSWORD]');
  });

  it('creates what it provides lazily, at run time, reading secrets then (a missing one names the option and the variable)', async () => {
    made = 0;
    const instance = vault({ bucket: 'lake', password: env('WEFT_TEST_VAULT_PASSWORD') });
    const source = instance.connectors.table({ table: 'orders', partitionColumn: 'day' });
    expect(made).toBe(0);
    expect(source.name).toBe('@acme/weft-plugin-vault/table(orders by day)');
    await expect(instance.storage()).rejects.toThrow('plugin @acme/weft-plugin-vault: option password reads the secret WEFT_TEST_VAULT_PASSWORD from the environment, and WEFT_TEST_VAULT_PASSWORD is not set');
    process.env['WEFT_TEST_VAULT_PASSWORD'] = 'hunter22-secret';
    const storage = await instance.storage();
    expect(await storage?.put('k', new Uint8Array([1]))).toBe('mem://lake:15/k');
    expect(await instance.storage()).toBe(storage);
    expect(await source.observe({ sourceKey: 's', signal: new AbortController().signal })).toEqual([{ partitionKey: 'a', version: { checksum: 'orders:15' } }]);
    await source.observe({ sourceKey: 's', signal: new AbortController().signal });
    // The storage tried twice (the first without its secret), the connector made once.
    expect(made).toBe(3);
    // A secret read once is redacted from text that would be stored (an error a driver echoes).
    expect(redactSecrets('connect failed: postgres://app:hunter22-secret@db/x')).toBe('connect failed: postgres://app:[redacted]@db/x');
    expect(Object.keys(await instance.compute())).toEqual(['vaultRunner']);
    expect(() => instance.connectors.table({ table: 'bad name!', partitionColumn: 'day' })).toThrow('plugin @acme/weft-plugin-vault: connector table: bad options: connectors.table.table: Invalid string');
    expect(instance.checks.minRows({ min: 2 }).name).toBe('min_rows');
    expect(() => instance.checks.minRows({ min: 0 })).toThrow(/checks\.minRows\.min: Too small/);
  });
});

describe('the plugins of a config', () => {
  const other = definePlugin({ name: 'weft-plugin-other', version: '0.0.1', weft: '>=0.1.0 <1', storage: () => memoryStorage('other'), compute: { vaultRunner: () => ({ name: 'x', execute: (t) => t.run(t.signal) }) } });

  it('lists what they provide and refuses clashes', async () => {
    const a = vault({ bucket: 'b', password: env('WEFT_TEST_VAULT_PASSWORD') });
    expect(a.provides).toEqual({ storage: true, compute: ['vaultRunner'], connectors: ['table'], checks: ['minRows'], listeners: [] });
    expect(() => loadPlugins([a, a])).toThrow('plugin @acme/weft-plugin-vault is listed twice');
    expect(() => loadPlugins([a, other()])).toThrow('plugin weft-plugin-other provides storage, and so does plugin @acme/weft-plugin-vault');
    expect(() => loadPlugins([a], { storage: true })).toThrow('provides storage, and so does weft.config storage');
    expect(() => loadPlugins([a], { compute: ['vaultRunner'] })).toThrow('compute provider "vaultRunner" of plugin @acme/weft-plugin-vault is also provided by weft.config compute');
    expect(() => loadPlugins([vault])).toThrow('plugins[0] is not a configured plugin (a plugin not called: write plugin({ …options }))');
    expect(() => loadPlugins('s3')).toThrow('plugins must be a list');
    expect(() => loadPlugins([a], {}, '2.0.0')).toThrow('works with Weft ^0.1.0, and this is Weft 2.0.0');
    const loaded = loadPlugins([a]);
    process.env['WEFT_TEST_VAULT_PASSWORD'] = 'pw-1234';
    expect((await loaded.storage())?.scheme).toBe('mem');
    expect(Object.keys(await loaded.compute())).toEqual(['vaultRunner']);
    expect(await loadPlugins(undefined).storage()).toBeUndefined();
  });

  it('are checked by defineConfig', () => {
    expect(() => defineConfig({ plugins: [vault({ bucket: 'b', password: env('P') }), other()] })).toThrow(PluginError);
    expect(defineConfig({ plugins: [other()] }).plugins).toHaveLength(1);
  });
});
