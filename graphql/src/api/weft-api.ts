import type { Client } from '@temporalio/client';
import { graphFromCatalog, type AssetGraph, type CatalogAsset, type CatalogInput, type PartitionContext } from '@weft/core';
import { ProvenanceStore, type SqlDatabase } from '@weft/store';
import { WeftClient } from '@weft/workers/client';
import { EventHub } from './event-hub.js';
import { StatusCache } from './status-cache.js';

/** What the API server is wired to. */
export interface WeftApiOptions {
  /** The provenance store's database (PostgreSQL, or PGlite in `weft dev`). */
  readonly db: SqlDatabase;
  /** `tokens`: every request needs an API token; `off`: everyone is admin (`weft dev`, `--insecure-no-auth`). */
  readonly auth: 'tokens' | 'off';
  /** The Temporal client that wakes reconcile loops after a mutation; without one, requests wait for the loop's next tick. */
  readonly temporal?: { readonly client: Client; readonly taskQueue?: (location: string) => string };
  /** Masks unexpected errors (a correlation id in the answer, the error in the log). @default true */
  readonly production?: boolean;
  readonly now?: () => number;
  /** The location of arguments that name none. @default the only location with a deployment, else `default` */
  readonly defaultLocation?: string;
  /** Where the server logs (one JSON object a line). @default stderr */
  readonly log?: (entry: Readonly<Record<string, unknown>>) => void;
}

/** An asset of a location's latest deployment, and who reads it. */
export interface LocationCatalog {
  readonly location: string;
  readonly deploymentId: string;
  readonly assets: readonly CatalogAsset[];
  readonly byKey: ReadonlyMap<string, CatalogAsset>;
  /** Inputs of other assets that read each asset. */
  readonly downstream: ReadonlyMap<string, ReadonlyArray<{ readonly assetKey: string; readonly input: CatalogInput }>>;
  /** The asset graph rebuilt without code, unless a mapping cannot be (a user-defined kind). */
  readonly graph: AssetGraph | undefined;
  readonly graphProblem: string | undefined;
}

/**
 * The server's view of Weft: one provenance store per code location on one database, the latest
 * deployment's catalog of each (rebuilt once per deployment), status codes cached per state
 * version, one event listener per location, and the Temporal client that wakes reconcile loops.
 */
export class WeftApi {
  readonly events = new EventHub();
  readonly statusCache = new StatusCache();
  private readonly stores = new Map<string, ProvenanceStore>();
  private readonly catalogs = new Map<string, LocationCatalog>();

  constructor(readonly options: WeftApiOptions) {}

  get now(): number {
    return (this.options.now ?? Date.now)();
  }

  log(entry: Readonly<Record<string, unknown>>): void {
    if (this.options.log) this.options.log(entry);
    else process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
  }

  /** The store of a code location. */
  store(location: string): ProvenanceStore {
    let store = this.stores.get(location);
    if (!store) {
      store = new ProvenanceStore(this.options.db, location);
      this.stores.set(location, store);
    }
    return store;
  }

  /** The catalog of a location's latest deployment, or undefined when it has none. */
  async catalog(location: string): Promise<LocationCatalog | undefined> {
    const store = this.store(location);
    const deploymentId = await store.latestDeployment();
    if (deploymentId === undefined) return undefined;
    const cached = this.catalogs.get(deploymentId);
    if (cached) return cached;
    const definitions = (await store.explorer.deploymentDefinitions(deploymentId)) as { assets?: CatalogAsset[] } | undefined;
    const assets = definitions?.assets ?? [];
    let graph: AssetGraph | undefined;
    let graphProblem: string | undefined;
    try {
      graph = graphFromCatalog(assets);
    } catch (e) {
      graphProblem = (e as Error).message;
    }
    const downstream = new Map<string, Array<{ assetKey: string; input: CatalogInput }>>();
    for (const a of assets) for (const input of a.inputs) (downstream.get(input.upstream) ?? downstream.set(input.upstream, []).get(input.upstream))?.push({ assetKey: a.key, input });
    const catalog: LocationCatalog = { location, deploymentId, assets, byKey: new Map(assets.map((a) => [a.key, a])), downstream, graph, graphProblem };
    this.catalogs.set(deploymentId, catalog);
    return catalog;
  }

  /** The partition context of a location now: the clock and its dynamic keys. */
  async partitionContext(location: string): Promise<PartitionContext> {
    const keys = await this.store(location).dynamicKeys();
    return { now: this.now, dynamicKeys: (name) => keys[name] ?? [] };
  }

  /** A client of the location's reconcile loop, when Temporal is wired. */
  loopClient(location: string): WeftClient | undefined {
    const temporal = this.options.temporal;
    if (!temporal) return undefined;
    return new WeftClient({ store: this.store(location), client: temporal.client, location, taskQueue: temporal.taskQueue?.(location) ?? `weft-${location}` });
  }

  /** Wakes a location's reconcile loop; false when Temporal is not wired or did not answer (the loop's own tick picks the change up). */
  async wake(location: string, reason: 'request' | 'source_observed'): Promise<boolean> {
    const client = this.loopClient(location);
    if (!client) return false;
    try {
      await client.wake(reason);
      return true;
    } catch (e) {
      this.log({ level: 'warn', msg: 'could not wake the reconcile loop', location, error: (e as Error).message });
      return false;
    }
  }

  /** Stops the event listeners (the database is the caller's). */
  async close(): Promise<void> {
    await this.events.close();
  }
}
