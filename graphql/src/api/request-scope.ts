import DataLoader from 'dataloader';
import type { CatalogAsset, PartitionContext, PartitionsDefinition } from '@weft/core';
import { MAX_LOG_PAGE, type CheckResultDetail, type CodeVersionStep, type DeploymentRow, type InputEdgeDetail, type LogLine, type MaterializationDetail, type PartitionDetail, type ProvenanceStore, type RequestDetail } from '@weft/store';
import { NotFoundError, UnavailableError } from './errors.js';
import { DEFAULT_GROUP, type Role, type Viewer } from './viewer.js';
import type { LocationCatalog, WeftApi } from './weft-api.js';

/** An asset of a location, as resolvers pass it around. */
export interface AssetRef {
  readonly location: string;
  readonly catalog: LocationCatalog;
  readonly asset: CatalogAsset;
}

/** The group an asset belongs to for permissions. */
/** Log lines a `logs` field gives by default (batched across a request). */
export const DEFAULT_LOG_LINES = 200;

export const groupOf = (asset: CatalogAsset): string => asset.group ?? DEFAULT_GROUP;

/**
 * Everything one GraphQL request shares: the viewer, each location's catalog, partition context
 * and state version read once, and dataloaders that turn per-field lookups into one statement
 * per kind (materializations, edges, checks, partition detail, requests, status codes).
 */
export class RequestScope {
  private readonly memo = new Map<string, Promise<unknown>>();
  readonly materializations: DataLoader<number, MaterializationDetail | undefined>;
  readonly edges: DataLoader<number, InputEdgeDetail[]>;
  readonly checks: DataLoader<{ assetKey: string; partitionKey: string; dataVersion: string }, CheckResultDetail[], string>;

  constructor(
    readonly api: WeftApi,
    readonly viewer: Viewer,
    readonly requestId: string,
    /** Aborts when the client goes away (subscriptions stop). */
    readonly signal: AbortSignal = new AbortController().signal,
  ) {
    // Materializations are shared by every location (content-addressed): any store reads them.
    const reader = api.store('default').explorer;
    this.materializations = new DataLoader(async (ids) => {
      const rows = await reader.materializations(ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id));
    });
    this.edges = new DataLoader(async (ids) => {
      const rows = await reader.inputEdges(ids);
      return ids.map((id) => rows.filter((r) => r.materializationId === id));
    });
    this.checks = new DataLoader(
      async (versions) => {
        const rows = await reader.checkResults(versions);
        return versions.map((v) => rows.filter((r) => r.assetKey === v.assetKey && r.partitionKey === v.partitionKey && r.dataVersion === v.dataVersion));
      },
      { cacheKeyFn: (v) => `${v.assetKey}\u0000${v.partitionKey}\u0000${v.dataVersion}` },
    );
  }

  private once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = make();
      this.memo.set(key, p);
    }
    return p;
  }

  store(location: string): ProvenanceStore {
    return this.api.store(location);
  }

  /**
   * The location an argument names, or the server's default: the one it was started for
   * (`weft dev`), else the only location with a deployment, else `default`.
   */
  async location(given: string | null | undefined): Promise<string> {
    if (given !== null && given !== undefined) return given;
    if (this.api.options.defaultLocation) return this.api.options.defaultLocation;
    const all = await this.locations();
    return all.length === 1 ? (all[0] as string) : 'default';
  }

  /** Code locations with a deployment. */
  locations(): Promise<string[]> {
    return this.once('locations', async () => (await this.api.store('default').explorer.locations()).map((l) => l.location));
  }

  catalog(location: string): Promise<LocationCatalog | undefined> {
    return this.once(`catalog:${location}`, () => this.api.catalog(location));
  }

  partitionContext(location: string): Promise<PartitionContext> {
    return this.once(`ctx:${location}`, () => this.api.partitionContext(location));
  }

  stateVersion(location: string): Promise<string> {
    return this.once(`version:${location}`, () => this.store(location).explorer.stateVersion());
  }

  /** An asset of a location; NotFound when the location or the asset does not exist. */
  async asset(location: string, key: string): Promise<AssetRef> {
    const catalog = await this.catalog(location);
    if (!catalog) throw new NotFoundError('code location', location, `code location ${JSON.stringify(location)} has no deployment`);
    const asset = catalog.byKey.get(key);
    if (!asset) throw new NotFoundError('asset', key, `asset ${JSON.stringify(key)} does not exist in code location ${JSON.stringify(location)}`);
    return { location, catalog, asset };
  }

  /** Whether the viewer holds `role` on the asset's group. */
  can(role: Role, ref: AssetRef): boolean {
    return this.viewer.can(role, groupOf(ref.asset));
  }

  /** The partitions definition of an asset (Unavailable when the catalog cannot be rebuilt). */
  definition(ref: AssetRef): PartitionsDefinition {
    const graph = ref.catalog.graph;
    if (!graph) throw new UnavailableError(`the asset graph of code location ${ref.location} cannot be rebuilt here: ${ref.catalog.graphProblem ?? 'unknown problem'}`);
    return graph.node(ref.asset.key).partitions;
  }

  /** Status codes of these assets of one location (one statement for every miss of the cache). */
  async statusCodes(location: string, refs: readonly AssetRef[]): Promise<Map<string, Uint8Array>> {
    const ctx = await this.partitionContext(location);
    const version = await this.stateVersion(location);
    return this.api.statusCache.codesOf(
      this.store(location),
      version,
      refs.map((r) => ({ assetKey: r.asset.key, def: this.definition(r) })),
      ctx,
    );
  }

  private readonly codeLoaders = new Map<string, DataLoader<AssetRef, Uint8Array, string>>();

  /** One asset's status codes, batched with every other asset's asked for in the same tick. */
  codesOf(ref: AssetRef): Promise<Uint8Array> {
    let loader = this.codeLoaders.get(ref.location);
    if (!loader) {
      loader = new DataLoader(
        async (refs) => {
          const codes = await this.statusCodes(ref.location, refs);
          return refs.map((r) => codes.get(r.asset.key) as Uint8Array);
        },
        { cacheKeyFn: (r) => r.asset.key },
      );
      this.codeLoaders.set(ref.location, loader);
    }
    return loader.load(ref);
  }

  private readonly detailLoaders = new Map<string, DataLoader<{ assetKey: string; partitionKey: string }, PartitionDetail, string>>();

  /** One partition's state, batched with every other partition of the location asked for in the same tick. */
  partitionDetail(ref: AssetRef, partitionKey: string): Promise<PartitionDetail> {
    let loader = this.detailLoaders.get(ref.location);
    if (!loader) {
      loader = new DataLoader((keys) => this.store(ref.location).explorer.partitionDetailsOf(keys), { cacheKeyFn: (k) => `${k.assetKey}\u0000${k.partitionKey}` });
      this.detailLoaders.set(ref.location, loader);
    }
    return loader.load({ assetKey: ref.asset.key, partitionKey });
  }

  private readonly logLoaders = new Map<string, DataLoader<string, LogLine[]>>();

  /**
   * The log lines of a token in a location: the first {@link DEFAULT_LOG_LINES} batched with every
   * other token asked for in the same tick; other pages read on their own.
   */
  logs(location: string, token: string, page: { first?: number | null; after?: { attempt: number; line: number } | null } = {}): Promise<LogLine[]> {
    const first = Math.max(1, Math.min(page.first ?? DEFAULT_LOG_LINES, MAX_LOG_PAGE));
    if (first !== DEFAULT_LOG_LINES || page.after) return this.store(location).explorer.logs([token], { first, ...(page.after ? { after: page.after } : {}) }).then((m) => m.get(token) ?? []);
    let loader = this.logLoaders.get(location);
    if (!loader) {
      loader = new DataLoader(async (tokens) => {
        const byToken = await this.store(location).explorer.logs(tokens, { first: DEFAULT_LOG_LINES });
        return tokens.map((t) => byToken.get(t) ?? []);
      });
      this.logLoaders.set(location, loader);
    }
    return loader.load(token);
  }

  /** A deployment of a location (read once per request). */
  deployment(location: string, id: string): Promise<DeploymentRow | undefined> {
    return this.once(`deployment:${location}:${id}`, () => this.store(location).explorer.deployment(id));
  }

  /** An asset's code versions in deployment order (the location's last 1,000 deployments, read once per request). */
  async codeVersionHistory(location: string, assetKey: string): Promise<CodeVersionStep[]> {
    const deployments = await this.once(`deployments:${location}`, () => this.store(location).explorer.deployments({ first: 1000 }));
    const steps: CodeVersionStep[] = [];
    for (const d of [...deployments].reverse()) {
      const version = d.codeVersions[assetKey];
      if (version === undefined || steps.at(-1)?.codeVersion === version) continue;
      steps.push({ codeVersion: version, deploymentId: d.id, deployedAt: d.createdAt });
    }
    return steps;
  }

  private readonly requestLoaders = new Map<string, DataLoader<string, RequestDetail | undefined>>();

  request(location: string, id: string): Promise<RequestDetail | undefined> {
    let loader = this.requestLoaders.get(location);
    if (!loader) {
      loader = new DataLoader(async (ids) => {
        const rows = await this.store(location).explorer.requestsById(ids);
        return ids.map((i) => rows.find((r) => r.id === i));
      });
      this.requestLoaders.set(location, loader);
    }
    return loader.load(id);
  }

  /** The status counts of every asset of a location (one grouped statement). */
  statusCounts(location: string): Promise<Map<string, Record<string, number>>> {
    return this.once(`counts:${location}`, async () => {
      const { counts } = await this.store(location).statusCounts();
      const out = new Map<string, Record<string, number>>();
      for (const c of counts) (out.get(c.assetKey) ?? out.set(c.assetKey, {}).get(c.assetKey)!)[c.status] = c.count;
      return out;
    });
  }
}
