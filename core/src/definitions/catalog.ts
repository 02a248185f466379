import { DefinitionError } from '../errors.js';
import { partitionsFromSpec } from '../partitions/definitions/from-spec.js';
import { mappingFromSpec } from '../partitions/mappings/from-spec.js';
import type { MappingCardinality, MappingSpec } from '../partitions/mappings/types.js';
import type { PartitionsSpec } from '../partitions/types.js';
import { asset, input, self } from './asset.js';
import { loadDefinitions, type AssetGraph } from './graph.js';
import { source } from './source.js';
import type { AssetOptions, Definition, InputSpec } from './types.js';

/** One input of a catalog asset. */
export interface CatalogInput {
  readonly name: string;
  readonly upstream: string;
  readonly mapping: MappingSpec;
  /** The mapping in words (`a rolling window of 7 days`). */
  readonly mappingDescription?: string;
  readonly cardinality?: MappingCardinality;
  readonly respectBlockingChecks?: boolean;
}

/** A check of a catalog asset (its function stays with the code). */
export interface CatalogCheck {
  readonly name: string;
  readonly blocking: boolean;
  readonly description: string | null;
}

/**
 * What a deployment records of one asset or source: everything but its code, as JSON. The API
 * server rebuilds the asset graph from it, so it needs none of the user's modules.
 */
export interface CatalogAsset {
  readonly key: string;
  readonly kind: 'asset' | 'source';
  readonly partitions: PartitionsSpec;
  /** The partitions in words. */
  readonly partitionsDescription?: string;
  readonly inputs: readonly CatalogInput[];
  readonly group?: string | null;
  readonly description?: string | null;
  readonly metadata?: Readonly<Record<string, unknown>> | null;
  readonly computeProvider?: string | null;
  readonly checks?: readonly CatalogCheck[];
  readonly concurrency?: number | null;
  readonly batchSize?: number | null;
  readonly priority?: number | null;
  readonly timeoutMs?: number | null;
  readonly retry?: AssetOptions['retry'] | null;
  readonly observeIntervalMs?: number | null;
}

/** The catalog of a loaded graph, in topological order (upstream first). */
export function catalogOf(graph: AssetGraph): CatalogAsset[] {
  return graph.order.map((key) => {
    const node = graph.node(key);
    const def = node.definition;
    const inputs = node.inputs.map((i) => ({
      name: i.name,
      upstream: i.upstreamKey,
      mapping: i.mapping.toSpec(),
      mappingDescription: i.mapping.describe(),
      cardinality: i.cardinality,
      respectBlockingChecks: i.respectBlockingChecks,
    }));
    const base = { key, kind: def.kind, partitions: node.partitions.toSpec(), partitionsDescription: node.partitions.describe(), inputs };
    if (def.kind === 'source') return { ...base, description: def.description ?? null, observeIntervalMs: def.observeIntervalMs };
    const o = def.options;
    return {
      ...base,
      group: o.group ?? null,
      description: o.description ?? null,
      metadata: o.metadata ?? null,
      computeProvider: o.computeProvider ?? 'default',
      checks: def.checks.map((c) => ({ name: c.name, blocking: c.blocking, description: c.description ?? null })),
      concurrency: o.concurrency ?? null,
      batchSize: o.batchSize ?? null,
      priority: o.priority ?? null,
      timeoutMs: o.timeoutMs ?? null,
      retry: o.retry ?? null,
    };
  });
}

function notHere(key: string): never {
  throw new DefinitionError('definition.bad_option', `asset ${key} was rebuilt from its deployment's catalog: its code runs only in its workers`, { assetKey: key });
}

function optional<K extends string, V>(name: K, value: V | null | undefined): Partial<Record<K, V>> {
  return value === null || value === undefined ? {} : ({ [name]: value } as Record<K, V>);
}

/**
 * Rebuilds the asset graph a catalog describes, with partitions and mappings but no code (compute,
 * checks and connectors throw when called). Accepts catalogs of older deployments, which hold only
 * keys, partitions and inputs. Throws a DefinitionError naming the asset and input it cannot rebuild.
 */
export function graphFromCatalog(catalog: readonly CatalogAsset[]): AssetGraph {
  const byKey = new Map<string, Definition>();
  const pending = new Map(catalog.map((a) => [a.key, a]));
  const build = (entry: CatalogAsset, path: readonly string[]): Definition => {
    const done = byKey.get(entry.key);
    if (done) return done;
    if (path.includes(entry.key)) throw new DefinitionError('definition.cycle', `catalog assets ${[...path, entry.key].join(' → ')} form a cycle`, { assetKey: entry.key });
    const module = `catalog:${entry.key}`;
    const partitions = partitionsFromSpec(entry.partitions);
    if (entry.kind === 'source') {
      const def = source({ key: entry.key, partitions, module, ...optional('description', entry.description), ...optional('observeIntervalMs', entry.observeIntervalMs) });
      byKey.set(entry.key, def);
      return def;
    }
    const inputs: Record<string, InputSpec> = {};
    for (const i of entry.inputs) {
      let mapping;
      try {
        mapping = mappingFromSpec(i.mapping);
      } catch (e) {
        throw new DefinitionError('definition.bad_option', `asset ${entry.key}, input ${i.name}: ${(e as Error).message}`, { assetKey: entry.key, field: `inputs.${i.name}.mapping` });
      }
      const options = optional('respectBlockingChecks', i.respectBlockingChecks);
      if (i.upstream === entry.key) {
        inputs[i.name] = self(mapping as never, options);
        continue;
      }
      const up = pending.get(i.upstream);
      if (!up) throw new DefinitionError('definition.unknown_key', `asset ${entry.key}, input ${i.name}: upstream ${i.upstream} is not in the catalog`, { assetKey: entry.key, field: `inputs.${i.name}` });
      inputs[i.name] = input(build(up, [...path, entry.key]), mapping, options);
    }
    const def = asset({
      key: entry.key,
      partitions,
      inputs,
      module,
      compute: () => notHere(entry.key),
      checks: (entry.checks ?? []).map((c) => ({ name: c.name, blocking: c.blocking, description: c.description ?? undefined, fn: () => notHere(entry.key) })),
      ...optional('group', entry.group),
      ...optional('description', entry.description),
      ...optional('metadata', entry.metadata),
      ...optional('computeProvider', entry.computeProvider),
      ...optional('concurrency', entry.concurrency),
      ...optional('batchSize', entry.batchSize),
      ...optional('priority', entry.priority),
      ...optional('timeoutMs', entry.timeoutMs),
      ...optional('retry', entry.retry),
    });
    byKey.set(entry.key, def);
    return def;
  };
  for (const entry of catalog) build(entry, []);
  return loadDefinitions([...byKey.values()]);
}
