import { DefinitionError } from '../errors.js';
import { bytesCodec, type Codec } from '../hashing/codec.js';
import { unpartitioned } from '../partitions/definitions/unpartitioned.js';
import type { PartitionsDefinition } from '../partitions/types.js';
import type { SourceConnector } from '../plugins/connector.js';
import { assertAssetKey } from './asset-key.js';
import { callerModule } from './caller-module.js';
import type { SourceDefinition } from './types.js';

/** What `source()` takes. */
export interface SourceConfig<T> {
  readonly key: string;
  /** @default unpartitioned */
  readonly partitions?: PartitionsDefinition;
  /** The connector observing the external data (partitions and versions). */
  readonly observe?: SourceConnector;
  /** Poll interval of the connector, ms. @default 60000 */
  readonly observeIntervalMs?: number;
  /** How the bytes the connector reads become the value inputs receive. @default bytes as they are */
  readonly codec?: Codec<T>;
  readonly description?: string;
  readonly module?: string;
}

const THIS_FILES = ['/definitions/source.ts', '/definitions/caller-module.ts', '/definitions/source.js', '/definitions/caller-module.js'];

/** Defines a source: external data observed by a connector, with partitions and data versions but no compute. */
export function source<T = Uint8Array>(config: SourceConfig<T>): SourceDefinition<T> {
  assertAssetKey(config.key);
  const interval = config.observeIntervalMs ?? 60_000;
  if (!(Number.isSafeInteger(interval) && interval >= 100)) {
    throw new DefinitionError('definition.bad_option', `source ${config.key}: observeIntervalMs must be an integer ≥ 100, got ${JSON.stringify(config.observeIntervalMs)}`, {
      assetKey: config.key,
      field: 'observeIntervalMs',
    });
  }
  if (config.observe !== undefined && (typeof config.observe.observe !== 'function' || typeof config.observe.read !== 'function')) {
    throw new DefinitionError('definition.bad_option', `source ${config.key}: observe must be a connector with observe() and read()`, { assetKey: config.key, field: 'observe' });
  }
  return {
    kind: 'source',
    key: config.key,
    partitions: config.partitions ?? unpartitioned(),
    codec: config.codec ?? (bytesCodec() as unknown as Codec<T>),
    observe: config.observe,
    observeIntervalMs: interval,
    description: config.description,
    module: config.module ?? callerModule(THIS_FILES),
  };
}
