import { AgeError, parseAge } from './age.js';
import { DefinitionError } from './errors.js';
import type { ConcurrencyLimits } from './planner/types.js';
import type { ComputeProvider } from './plugins/compute.js';
import type { PluginInstance } from './plugins/define-plugin.js';
import { loadPlugins } from './plugins/load-plugins.js';
import { MAX_INLINE_VALUE_BYTES, type ObjectStorage } from './storage/object-storage.js';
import type { RetentionPolicy } from './storage/retention-policy.js';

/** Where the Temporal cluster is (environment variables override it; see the operations docs). */
export interface TemporalSettings {
  /** host:port of the frontend. When absent, `weft dev` starts a dev server. */
  readonly address?: string;
  /** @default 'default' */
  readonly namespace?: string;
  /** `true` for TLS with the system's roots, or file paths for a private CA and mutual TLS. */
  readonly tls?: boolean | { readonly caPath?: string; readonly certPath?: string; readonly keyPath?: string; readonly serverName?: string };
  /** An API key (sent over TLS). Prefer the TEMPORAL_API_KEY environment variable to writing it here. */
  readonly apiKey?: string;
}

/**
 * Retention applied by a Temporal schedule of the location (`weft prune` does the same by hand).
 * Ages like `30d`, `12h`. Locations that share a database each run their own: give them the same.
 */
export interface RetentionSettings {
  /** Remove events older than this (never one a planner has yet to read). */
  readonly events?: string;
  /** Remove superseded materializations (with their edges) and attempts older than this; at least 1h. */
  readonly detail?: string;
  /** Remove check results of past data versions older than this. */
  readonly checks?: string;
  /** How often to apply it. @default '1h' (at least 1m) */
  readonly every?: string;
}

/** The minimum `detail` age: a run may still be reading a materialization superseded a moment ago. */
export const MIN_DETAIL_AGE_MS = 3_600_000;

/** A retention setting as a policy and an interval; throws an `AgeError` naming the field. */
export function retentionSchedule(settings: RetentionSettings, prefix = 'retention'): { policy: RetentionPolicy; everyMs: number } {
  const policy: RetentionPolicy = {
    ...(settings.events === undefined ? {} : { eventsOlderThanMs: parseAge(settings.events, `${prefix}.events`) }),
    ...(settings.detail === undefined ? {} : { detailOlderThanMs: parseAge(settings.detail, `${prefix}.detail`, { min: MIN_DETAIL_AGE_MS }) }),
    ...(settings.checks === undefined ? {} : { checksOlderThanMs: parseAge(settings.checks, `${prefix}.checks`) }),
  };
  if (Object.keys(policy).length === 0) throw new AgeError(`${prefix} needs events, detail and/or checks (ages like 30d)`);
  return { policy, everyMs: parseAge(settings.every ?? '1h', `${prefix}.every`, { min: 60_000 }) };
}

/** A project's `weft.config.ts`. */
export interface WeftConfig {
  /** Globs of asset modules, relative to the config file. @default ['./assets/**\/*.ts'] */
  readonly assets?: readonly string[];
  /** Where values are stored. @default fsStorage('.weft/objects') */
  readonly storage?: ObjectStorage;
  /** Compute providers by name; assets pick one with `computeProvider`. @default { default: localCompute() } */
  readonly compute?: Readonly<Record<string, ComputeProvider>>;
  /** Concurrency limits: in total and per compute provider. */
  readonly concurrency?: ConcurrencyLimits;
  /** Name of this code location (one reconcile loop each). @default 'default' */
  readonly location?: string;
  /** Partitions per materialization batch for assets without their own `batchSize`. @default 1 */
  readonly batchSize?: number;
  /**
   * Values up to this many bytes are kept in the provenance store with their materialization,
   * not in `storage` (0: every value goes to storage; at most 65,536). @default 1024
   */
  readonly inlineValueBytes?: number;
  readonly temporal?: TemporalSettings;
  /** Retention applied periodically by the location's workers. @default none (keep everything) */
  readonly retention?: RetentionSettings;
  /**
   * Configured plugins (`plugins: [s3({ bucket: 'lake', secretKey: env('S3_SECRET_KEY') })]`): their
   * storage (when `storage` is not set) and compute providers are used; `weft plugins` lists them.
   */
  readonly plugins?: readonly PluginInstance[];
}

/** Declares a project's configuration, validating it (errors name the field). */
export function defineConfig(config: WeftConfig): WeftConfig {
  const fail = (field: string, message: string): never => {
    throw new DefinitionError('definition.bad_option', `weft.config: ${field} ${message}`, { field });
  };
  if (config.assets !== undefined && (!Array.isArray(config.assets) || config.assets.some((g) => typeof g !== 'string' || g === ''))) fail('assets', 'must be a list of non-empty glob strings');
  if (config.location !== undefined && !/^[A-Za-z0-9_.-]+$/.test(config.location)) fail('location', `must contain only letters, digits, _, . and - (got ${JSON.stringify(config.location)})`);
  if (config.batchSize !== undefined && !(Number.isSafeInteger(config.batchSize) && config.batchSize > 0)) fail('batchSize', 'must be a positive integer');
  if (config.inlineValueBytes !== undefined && !(Number.isSafeInteger(config.inlineValueBytes) && config.inlineValueBytes >= 0 && config.inlineValueBytes <= MAX_INLINE_VALUE_BYTES))
    fail('inlineValueBytes', `must be a whole number of bytes from 0 to ${MAX_INLINE_VALUE_BYTES}`);
  const limits = config.concurrency;
  if (limits?.global !== undefined && !(Number.isSafeInteger(limits.global) && limits.global > 0)) fail('concurrency.global', 'must be a positive integer');
  for (const [provider, limit] of Object.entries(limits?.perProvider ?? {})) {
    if (!(Number.isSafeInteger(limit) && limit > 0)) fail(`concurrency.perProvider.${provider}`, 'must be a positive integer');
  }
  for (const [name, provider] of Object.entries(config.compute ?? {})) {
    if (!provider || typeof provider.execute !== 'function') fail(`compute.${name}`, 'must be a compute provider (with execute())');
  }
  if (config.temporal?.address !== undefined && !/^[^:\s]+:\d+$/.test(config.temporal.address)) fail('temporal.address', `must be host:port, got ${JSON.stringify(config.temporal.address)}`);
  if (config.retention !== undefined) {
    if (typeof config.retention !== 'object' || config.retention === null) fail('retention', 'must be an object like { events: "30d", detail: "90d", checks: "30d" }');
    try {
      retentionSchedule(config.retention);
    } catch (error) {
      if (!(error instanceof AgeError)) throw error;
      const field = /^(retention(?:\.\w+)?)/.exec(error.message)?.[1] ?? 'retention';
      throw new DefinitionError('definition.bad_option', `weft.config: ${error.message}`, { field });
    }
  }
  if (config.storage !== undefined && (typeof config.storage.put !== 'function' || typeof config.storage.get !== 'function')) fail('storage', 'must be an object storage (put/get/exists/delete)');
  // Plugins: each built for this Weft, none twice, one storage, compute names unique (throws a PluginError naming it).
  loadPlugins(config.plugins, { storage: config.storage !== undefined, compute: Object.keys(config.compute ?? {}) });
  return config;
}
