/**
 * The plugin SDK: a plugin declares what it provides — object storage, compute providers, source
 * connectors, checks — with its options as a zod schema, and the Weft versions it works with.
 *
 *   export const s3 = definePlugin({
 *     name: '@weft/plugin-s3', version: '0.1.0', weft: '^0.1.0',
 *     options: z.object({ bucket: z.string(), accessKey: secret(), secretKey: secret() }),
 *     storage: (options, ctx) => s3Storage(ctx.resolve(options)),
 *   });
 *   // weft.config.ts:  plugins: [s3({ bucket: 'lake', accessKey: env('S3_KEY'), secretKey: env('S3_SECRET') })]
 *
 * Options are validated when the plugin is configured (errors name the plugin and the field);
 * everything it provides is created lazily, at run time, when secrets are read from the
 * environment. A plugin whose `weft` range excludes this Weft fails to load, saying so.
 */
import semver from 'semver';
import { z } from 'zod';
import type { CheckDefinition } from '../definitions/types.js';
import { PluginError } from '../errors.js';
import type { ObjectStorage } from '../storage/object-storage.js';
import type { ComputeProvider } from './compute.js';
import type { SourceConnector } from './connector.js';
import type { MaterializationListener } from './listener.js';
import { isSecret, resolveSecret, type SecretRef } from './secrets.js';

/** The version of Weft's plugin API (the version of @weft/core), matched against each plugin's `weft` range. */
export const WEFT_VERSION = '0.1.0';

/** `T` with every secret reference replaced by its value. */
export type Resolved<T> = T extends SecretRef ? string : T extends ReadonlyArray<infer E> ? Array<Resolved<E>> : T extends object ? { [K in keyof T]: Resolved<T[K]> } : T;

/** What a plugin's factories receive besides their options. */
export interface PluginContext {
  /** The plugin's name, for messages. */
  readonly plugin: string;
  /** `value` with every secret reference read from the environment (throws naming the option when one is unset). */
  resolve<T>(value: T, field?: string): Resolved<T>;
}

/** A kind of source connector a plugin provides, configured per source. */
export interface ConnectorSpec<PO, S extends z.ZodType> {
  readonly description?: string;
  readonly options: S;
  create(pluginOptions: PO, options: z.output<S>, ctx: PluginContext): SourceConnector | Promise<SourceConnector>;
  /** A short label of one configured connector (`table orders by day`) for messages and deployments. */
  label?(options: z.output<S>): string;
}

/** A kind of check a plugin provides, configured per asset. */
export interface CheckSpec<PO, S extends z.ZodType> {
  readonly description?: string;
  readonly options: S;
  create(pluginOptions: PO, options: z.output<S>, ctx: PluginContext): CheckDefinition<unknown>;
}

/** What `definePlugin` takes. */
export interface PluginSpec<S extends z.ZodType, C extends Record<string, z.ZodType>, K extends Record<string, z.ZodType>> {
  /** The npm package name, e.g. `@acme/weft-plugin-kafka`. */
  readonly name: string;
  /** The plugin's own version (semver). */
  readonly version: string;
  /** The Weft versions it works with, a semver range (`^0.1.0`). */
  readonly weft: string;
  readonly description?: string;
  /** Its options (zod). @default no options */
  readonly options?: S;
  /** Object storage made from its options (at most one storage per project is used). */
  storage?(options: z.output<S>, ctx: PluginContext): ObjectStorage | Promise<ObjectStorage>;
  /** Compute providers by name (assets choose one with `computeProvider: '<name>'`). */
  readonly compute?: Readonly<Record<string, (options: z.output<S>, ctx: PluginContext) => ComputeProvider | Promise<ComputeProvider>>>;
  /** Listeners of materializations by name (lineage emitters, notifications), made when the worker starts. */
  readonly listeners?: Readonly<Record<string, (options: z.output<S>, ctx: PluginContext) => MaterializationListener | Promise<MaterializationListener>>>;
  /** Kinds of source connectors, by name, each with its own options. */
  readonly connectors?: { readonly [N in keyof C]: ConnectorSpec<z.output<S>, C[N]> };
  /** Kinds of checks, by name, each with its own options. */
  readonly checks?: { readonly [N in keyof K]: CheckSpec<z.output<S>, K[N]> };
}

/** A configured plugin, as listed in `weft.config.ts`'s `plugins`. */
export interface PluginInstance<C extends Record<string, z.ZodType> = Record<string, z.ZodType>, K extends Record<string, z.ZodType> = Record<string, z.ZodType>> {
  readonly kind: 'weft.plugin';
  readonly name: string;
  readonly version: string;
  readonly weft: string;
  readonly description: string | undefined;
  /** What it provides, by kind and name. */
  readonly provides: { readonly storage: boolean; readonly compute: readonly string[]; readonly connectors: readonly string[]; readonly checks: readonly string[]; readonly listeners: readonly string[] };
  /** Its storage, created on first call (secrets read then); undefined when it provides none. */
  storage(): Promise<ObjectStorage> | undefined;
  /** Its compute providers, created on first call. */
  compute(): Promise<Record<string, ComputeProvider>>;
  /** Its listeners, created on first call. */
  listeners(): Promise<MaterializationListener[]>;
  /** Configures a connector (options validated now, created on first use). */
  readonly connectors: { readonly [N in keyof C]: (options: z.input<C[N]>) => SourceConnector };
  /** Configures a check (options validated now). */
  readonly checks: { readonly [N in keyof K]: (options: z.input<K[N]>) => CheckDefinition<unknown> };
  /** Its options with secrets as references (safe to print or store). */
  readonly options: unknown;
}

/** A plugin: call it with its options to configure it. */
export interface WeftPlugin<S extends z.ZodType, C extends Record<string, z.ZodType>, K extends Record<string, z.ZodType>> {
  (...options: undefined extends z.input<S> ? [options?: z.input<S>] : [options: z.input<S>]): PluginInstance<C, K>;
  readonly pluginName: string;
  readonly version: string;
  readonly weft: string;
}

/** A zod schema for a secret option: only `env('NAME')` passes, never the secret itself. */
export function secret(): z.ZodType<SecretRef> {
  return z.custom<SecretRef>(isSecret, { message: 'must be a secret reference, env("NAME"), never the secret itself' });
}

/** Whether `value` is a configured plugin. */
export function isPluginInstance(value: unknown): value is PluginInstance {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'weft.plugin';
}

/** The problems of `value` against `schema`, each naming its field (`bucket: expected string`). */
function problems(error: z.ZodError, prefix: string): string {
  return error.issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
      // A bad record key (zod's "Invalid key in record") carries the key's own problem inside.
      const inner = (i as { issues?: ReadonlyArray<{ message: string }> }).issues?.[0]?.message;
      return `${path || 'options'}: ${i.code === 'invalid_key' && inner ? inner : i.message}`;
    })
    .join('; ');
}

function parse<S extends z.ZodType>(plugin: string, schema: S, value: unknown, what: string, prefix = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const first = result.error.issues[0];
    const field = [prefix, ...(first?.path ?? []).map(String)].filter(Boolean).join('.') || 'options';
    throw new PluginError('plugin.bad_option', `plugin ${plugin}: ${what}: ${problems(result.error, prefix)}`, { plugin, field });
  }
  return result.data;
}

/** Checks that a plugin built for `range` can load on this Weft; throws a PluginError saying why not. */
export function checkCompatible(plugin: string, range: string, weftVersion: string = WEFT_VERSION): void {
  if (typeof range !== 'string' || semver.validRange(range) === null) {
    throw new PluginError('plugin.incompatible', `plugin ${plugin}: its weft range ${JSON.stringify(range)} is not a semver range (e.g. "^0.1.0")`, { plugin, field: 'weft' });
  }
  if (!semver.satisfies(weftVersion, range, { includePrerelease: true })) {
    throw new PluginError('plugin.incompatible', `plugin ${plugin} works with Weft ${range}, and this is Weft ${weftVersion}: install a version of the plugin built for Weft ${weftVersion}`, { plugin, field: 'weft' });
  }
}

function contextOf(plugin: string): PluginContext {
  const resolve = <T>(value: T, field = ''): Resolved<T> => {
    if (isSecret(value)) return resolveSecret(value, { plugin, field: field || 'options' }) as Resolved<T>;
    if (Array.isArray(value)) return value.map((v, i) => resolve(v, `${field}[${i}]`)) as Resolved<T>;
    if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, field ? `${field}.${k}` : k)])) as Resolved<T>;
    }
    return value as Resolved<T>;
  };
  return { plugin, resolve };
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= make().catch((e: unknown) => {
      p = undefined; // a missing secret set later, or a transient failure, may work next time
      throw e;
    });
    return p;
  };
}

/** Declares a plugin. Throws a PluginError if it was built for another Weft, or its spec is malformed. */
export function definePlugin<S extends z.ZodType = z.ZodUndefined, C extends Record<string, z.ZodType> = Record<never, never>, K extends Record<string, z.ZodType> = Record<never, never>>(
  spec: PluginSpec<S, C, K>,
): WeftPlugin<S, C, K> {
  const name = spec?.name;
  if (typeof name !== 'string' || !/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/.test(name)) throw new PluginError('plugin.bad_option', `definePlugin: name ${JSON.stringify(name)} must be an npm package name`, { plugin: String(name), field: 'name' });
  if (typeof spec.version !== 'string' || semver.valid(spec.version) === null) throw new PluginError('plugin.bad_option', `plugin ${name}: version ${JSON.stringify(spec.version)} is not a semver version`, { plugin: name, field: 'version' });
  checkCompatible(name, spec.weft);
  for (const [kind, table] of [['compute', spec.compute], ['connectors', spec.connectors], ['checks', spec.checks], ['listeners', spec.listeners]] as const) {
    for (const key of Object.keys(table ?? {})) if (!/^[A-Za-z][\w-]*$/.test(key)) throw new PluginError('plugin.bad_option', `plugin ${name}: ${kind} name ${JSON.stringify(key)} must start with a letter and contain only letters, digits, _ and -`, { plugin: name, field: `${kind}.${key}` });
  }
  const schema = (spec.options ?? z.undefined()) as S;

  const configure = (raw?: unknown): PluginInstance<C, K> => {
    const options = parse(name, schema, raw, 'bad options');
    const ctx = contextOf(name);
    const storage = spec.storage ? once(async () => spec.storage!(options, ctx)) : undefined;
    const compute = once(async () => Object.fromEntries(await Promise.all(Object.entries(spec.compute ?? {}).map(async ([n, make]) => [n, await make(options, ctx)] as const))));
    const listeners = once(async () => Promise.all(Object.values(spec.listeners ?? {}).map((make) => make(options, ctx))));
    const connectors = Object.fromEntries(
      Object.entries<ConnectorSpec<z.output<S>, z.ZodType>>(spec.connectors ?? {}).map(([kind, c]) => [
        kind,
        (connectorOptions: unknown) => {
          const parsed = parse(name, c.options, connectorOptions, `connector ${kind}: bad options`, `connectors.${kind}`);
          const real = once(async () => c.create(options, parsed, ctx));
          const label = c.label?.(parsed);
          const connector: SourceConnector = {
            name: `${name}/${kind}${label ? `(${label})` : ''}`,
            observe: async (cctx) => (await real()).observe(cctx),
            read: async (key, cctx) => (await real()).read(key, cctx),
          };
          return connector;
        },
      ]),
    ) as PluginInstance<C, K>['connectors'];
    const checks = Object.fromEntries(
      Object.entries<CheckSpec<z.output<S>, z.ZodType>>(spec.checks ?? {}).map(([kind, c]) => [kind, (checkOptions: unknown) => c.create(options, parse(name, c.options, checkOptions, `check ${kind}: bad options`, `checks.${kind}`), ctx)]),
    ) as PluginInstance<C, K>['checks'];
    return Object.freeze({
      kind: 'weft.plugin' as const,
      name,
      version: spec.version,
      weft: spec.weft,
      description: spec.description,
      provides: { storage: spec.storage !== undefined, compute: Object.keys(spec.compute ?? {}), connectors: Object.keys(spec.connectors ?? {}), checks: Object.keys(spec.checks ?? {}), listeners: Object.keys(spec.listeners ?? {}) },
      storage: () => storage?.(),
      compute,
      listeners,
      connectors,
      checks,
      options,
    });
  };
  const plugin = ((raw?: unknown) => configure(raw)) as unknown as WeftPlugin<S, C, K>;
  Object.defineProperties(plugin, { pluginName: { value: name }, version: { value: spec.version }, weft: { value: spec.weft } });
  return plugin;
}
