import { DefinitionError } from './errors.js';
import type { ConcurrencyLimits } from './planner/types.js';
import type { ComputeProvider } from './plugins/compute.js';
import type { ObjectStorage } from './storage/object-storage.js';

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
  readonly temporal?: TemporalSettings;
}

/** Declares a project's configuration, validating it (errors name the field). */
export function defineConfig(config: WeftConfig): WeftConfig {
  const fail = (field: string, message: string): never => {
    throw new DefinitionError('definition.bad_option', `weft.config: ${field} ${message}`, { field });
  };
  if (config.assets !== undefined && (!Array.isArray(config.assets) || config.assets.some((g) => typeof g !== 'string' || g === ''))) fail('assets', 'must be a list of non-empty glob strings');
  if (config.location !== undefined && !/^[A-Za-z0-9_.-]+$/.test(config.location)) fail('location', `must contain only letters, digits, _, . and - (got ${JSON.stringify(config.location)})`);
  if (config.batchSize !== undefined && !(Number.isSafeInteger(config.batchSize) && config.batchSize > 0)) fail('batchSize', 'must be a positive integer');
  const limits = config.concurrency;
  if (limits?.global !== undefined && !(Number.isSafeInteger(limits.global) && limits.global > 0)) fail('concurrency.global', 'must be a positive integer');
  for (const [provider, limit] of Object.entries(limits?.perProvider ?? {})) {
    if (!(Number.isSafeInteger(limit) && limit > 0)) fail(`concurrency.perProvider.${provider}`, 'must be a positive integer');
  }
  for (const [name, provider] of Object.entries(config.compute ?? {})) {
    if (!provider || typeof provider.execute !== 'function') fail(`compute.${name}`, 'must be a compute provider (with execute())');
  }
  if (config.temporal?.address !== undefined && !/^[^:\s]+:\d+$/.test(config.temporal.address)) fail('temporal.address', `must be host:port, got ${JSON.stringify(config.temporal.address)}`);
  if (config.storage !== undefined && (typeof config.storage.put !== 'function' || typeof config.storage.get !== 'function')) fail('storage', 'must be an object storage (put/get/exists/delete)');
  return config;
}
