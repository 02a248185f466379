import type { AssetGraph } from '../definitions/graph.js';
import { loadDefinitions } from '../definitions/graph.js';
import type { AssetDefinition, ComputeContext, Definition, InputSpecs, SourceDefinition } from '../definitions/types.js';
import { UserCodeError, WeftError } from '../errors.js';
import { hashCanonical } from '../hashing/canonical-encoding.js';
import { dataVersionOf, sourceDataVersion } from '../hashing/data-version.js';
import { validateDynamicKey } from '../partitions/definitions/dynamic.js';
import { discoveredDynamicKeys } from '../partitions/definitions/dynamic-discovery.js';
import type { PartitionKey, PartitionsDefinition } from '../partitions/types.js';
import { Planner, type PlannerOptions } from '../planner/planner.js';
import type { PlannedBatch, PlannedPartition, PlannerRequest, PlanResult, WeftEvent } from '../planner/types.js';
import { callUserCode, failureFingerprint } from '../user-code.js';

type EventBody = WeftEvent extends infer E ? (E extends WeftEvent ? Omit<E, 'seq' | 'at'> : never) : never;

/** One materialization the runner executed. */
export interface RunRecord {
  readonly assetKey: string;
  readonly partitionKey: PartitionKey;
  readonly token: string;
  readonly status: 'succeeded' | 'failed';
  readonly dataVersion: string | undefined;
  readonly error: UserCodeError | undefined;
}

/** Options of the in-process runner. */
export interface InProcessRunnerOptions {
  /** The time the runner plans at (epoch ms); `advance()` moves it. */
  readonly now: number;
  /** Code versions per asset. @default each asset's `version`, else a hash of its module path, compute source and options */
  readonly codeVersions?: Readonly<Record<string, string>>;
  /** Run everything stale (true) or only what requests need (false). @default true */
  readonly automatic?: boolean;
  readonly limits?: PlannerOptions['limits'];
  /** In-process retries of transient failures before recording them. @default 2 */
  readonly transientRetries?: number;
}

/** The code version `materialize()` uses when none is given: cheap, for in-process tests. */
export function inProcessCodeVersion(def: AssetDefinition<unknown, InputSpecs>): string {
  if (def.options.version !== undefined) return `explicit:${def.options.version}`;
  return hashCanonical(['weft/in-process-code/v1', def.module ?? '', def.compute.toString(), JSON.stringify(def.options)]);
}

/**
 * Runs assets in this process with in-memory storage and the same planner the workers use: the
 * engine of `materialize()` and of planner simulations in tests. Values are kept as the bytes
 * their codecs wrote, so data versions, tokens and early cutoff behave as in production.
 */
export class InProcessRunner {
  readonly graph: AssetGraph;
  private plannerValue: Planner;
  private readonly plannerOptions: PlannerOptions;
  readonly runs: RunRecord[] = [];
  private readonly log: WeftEvent[] = [];
  private readonly values = new Map<string, Uint8Array>();
  private readonly tokensByPartition = new Map<string, string>();
  /** Called before each batch runs (tests check invariants here). */
  beforeBatch: ((batch: PlannedBatch) => void) | undefined;
  private readonly sourceBytes = new Map<string, Uint8Array>();
  private seq = 0;
  private nowValue: number;
  private readonly retries: number;

  constructor(definitions: readonly Definition[], options: InProcessRunnerOptions) {
    this.graph = loadDefinitions(definitions);
    const codeVersions: Record<string, string> = {};
    for (const key of this.graph.order) {
      const def = this.graph.node(key).definition;
      if (def.kind === 'asset') codeVersions[key] = options.codeVersions?.[key] ?? inProcessCodeVersion(def);
    }
    this.nowValue = options.now;
    this.retries = options.transientRetries ?? 2;
    this.plannerOptions = { codeVersions, automatic: options.automatic ?? true, ...(options.limits ? { limits: options.limits } : {}) };
    this.plannerValue = new Planner(this.graph, this.plannerOptions).load({ cursor: 0, dynamicKeys: {}, assets: [], requests: [] }, options.now);
  }

  /** The planner (a new one after dynamic keys moved partition indices). */
  get planner(): Planner {
    return this.plannerValue;
  }

  /**
   * Adds keys to dynamic partitions `name` (each checked; present ones ignored). Where that moves
   * partition indices (a multi-dimensional definition uses the set), the planner is rebuilt from the
   * event log with the new keys, as the workers' planner host does from the store.
   */
  addDynamicKeys(name: string, keys: readonly PartitionKey[]): void {
    const present = new Set(this.planner.context.dynamicKeys(name));
    const added = [...new Set(keys.map((key) => validateDynamicKey(key, name)))].filter((key) => !present.has(key));
    if (added.length === 0) return;
    this.emit({ kind: 'dynamic.keys_added', name, keys: added });
    if (!this.planner.needsRebuild) return;
    const sets = new Map<string, Set<PartitionKey>>();
    for (const event of this.log) if (event.kind === 'dynamic.keys_added') for (const key of event.keys) sets.set(event.name, (sets.get(event.name) ?? new Set()).add(key));
    const dynamicKeys = Object.fromEntries([...sets].map(([set, keys]) => [set, [...keys]]));
    const planner = new Planner(this.graph, this.plannerOptions).load({ cursor: 0, dynamicKeys, assets: [], requests: [] }, this.nowValue);
    planner.apply(this.log.filter((event) => event.kind !== 'dynamic.keys_added'), this.nowValue);
    this.plannerValue = planner;
  }

  /** Adds the dynamic keys that observed `keys` of source `def` bring (see {@link discoveredDynamicKeys}). */
  private discover(def: SourceDefinition<unknown>, keys: readonly PartitionKey[]): void {
    for (const [name, found] of discoveredDynamicKeys(def.partitions, keys, this.planner.context)) this.addDynamicKeys(name, found);
  }

  get now(): number {
    return this.nowValue;
  }

  /** Every event recorded so far. */
  get events(): readonly WeftEvent[] {
    return this.log;
  }

  private emit(body: EventBody): WeftEvent {
    const event = { ...body, seq: ++this.seq, at: this.nowValue } as WeftEvent;
    this.log.push(event);
    this.planner.apply([event], this.nowValue);
    return event;
  }

  /** Moves the clock (time windows close, retries fall due). */
  advance(to: number): void {
    if (to < this.nowValue) throw new RangeError(`the clock cannot go back (from ${this.nowValue} to ${to})`);
    this.nowValue = to;
  }

  private source(key: string): SourceDefinition<unknown> {
    const def = this.graph.node(key).definition;
    if (def.kind !== 'source') throw new WeftError('definition.unknown_key', `${key} is not a source`, { assetKey: key });
    return def;
  }

  /** Sets a source partition's value (encoded with the source's codec) and reports it observed. */
  setSource(key: string, partitionKey: PartitionKey, value: unknown): string {
    const def = this.source(key);
    const bytes = value instanceof Uint8Array ? value : def.codec.encode(value);
    this.discover(def, [partitionKey]);
    this.sourceBytes.set(`${key}\u0000${partitionKey}`, bytes);
    const dataVersion = dataVersionOf(bytes);
    this.emit({ kind: 'source.observed', assetKey: key, partitions: [{ partitionKey, dataVersion }] });
    return dataVersion;
  }

  /** Asks every source connector (but those of `skip`) what exists and reports it observed. */
  async observeSources(signal: AbortSignal = new AbortController().signal, skip: ReadonlySet<string> = new Set()): Promise<void> {
    for (const key of this.graph.order) {
      const def = this.graph.node(key).definition;
      if (def.kind !== 'source' || !def.observe || skip.has(key)) continue;
      const connector = def.observe;
      const observed = await callUserCode(`observing source ${key}`, { assetKey: key }, () => connector.observe({ sourceKey: key, signal }));
      if (observed.length > 0) {
        this.discover(def, observed.map((o) => o.partitionKey));
        this.emit({ kind: 'source.observed', assetKey: key, partitions: observed.map((o) => ({ partitionKey: o.partitionKey, dataVersion: sourceDataVersion(o.version) })) });
      }
    }
  }

  /** Submits a user request (materialize, backfill or retry). */
  request(request: Omit<PlannerRequest, 'priority'> & { priority?: number }): void {
    this.emit({ kind: 'request.submitted', request: { priority: 0, ...request } });
  }

  /** Plans and runs until nothing more is ready; returns the runs of this call. */
  async runUntilIdle(maxRounds = 100_000): Promise<RunRecord[]> {
    const first = this.runs.length;
    for (let round = 0; round < maxRounds; round++) {
      const plan: PlanResult = this.planner.plan(this.nowValue);
      if (plan.batches.length === 0) return this.runs.slice(first);
      for (const batch of plan.batches) {
        this.beforeBatch?.(batch);
        await this.runBatch(batch);
      }
    }
    throw new WeftError('internal', `runner did not settle after ${maxRounds} planning rounds`);
  }

  /** Token of the latest successful materialization of every partition, keyed `asset\u0000partition`. */
  get tokens(): ReadonlyMap<string, string> {
    return this.tokensByPartition;
  }

  /** The stored value of a partition, decoded with the asset's codec (undefined if never materialized). */
  value(assetKey: string, partitionKey: PartitionKey): unknown {
    const bytes = this.bytes(assetKey, partitionKey);
    return bytes === undefined ? undefined : this.graph.node(assetKey).definition.codec.decode(bytes);
  }

  private bytes(assetKey: string, partitionKey: PartitionKey): Uint8Array | undefined {
    const def = this.graph.node(assetKey).definition;
    return def.kind === 'source' ? this.sourceBytes.get(`${assetKey}\u0000${partitionKey}`) : this.values.get(`${assetKey}\u0000${partitionKey}`);
  }

  private async readInput(upstreamKey: string, key: PartitionKey): Promise<unknown> {
    const up = this.graph.node(upstreamKey).definition;
    let bytes = this.bytes(upstreamKey, key);
    if (bytes === undefined && up.kind === 'source' && up.observe) {
      const connector = up.observe;
      bytes = await callUserCode(`reading source ${upstreamKey}`, { assetKey: upstreamKey, partitionKey: key }, () => connector.read(key, { sourceKey: upstreamKey, signal: new AbortController().signal }));
    }
    if (bytes === undefined) throw new WeftError('storage.not_found', `no stored value for ${upstreamKey} partition ${JSON.stringify(key)}`, { assetKey: upstreamKey, partitionKey: key }, 'transient');
    return up.codec.decode(bytes);
  }

  private async inputsOf(partition: PlannedPartition): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    const ctx = this.planner.context;
    for (const input of partition.inputs) {
      const upDef = this.graph.node(input.assetKey).partitions;
      const keys: PartitionKey[] = [];
      for (const [a, b] of input.ranges) for (let u = a; u < b; u++) keys.push(upDef.keyAt(u, ctx));
      if (input.cardinality === 'many') {
        const map = new Map<PartitionKey, unknown>();
        for (const key of keys) map.set(key, await this.readInput(input.assetKey, key));
        out[input.name] = map;
      } else {
        out[input.name] = keys[0] === undefined ? undefined : await this.readInput(input.assetKey, keys[0]);
      }
    }
    return out;
  }

  private computeContext(assetKey: string, partitionKey: PartitionKey, token: string, def: PartitionsDefinition, signal: AbortSignal): ComputeContext {
    const timeDim = def.kind === 'time' ? def : def.kind === 'multi' ? def.dimensions.find((d) => d.definition.kind === 'time')?.definition : undefined;
    let window: ComputeContext['window'];
    if (timeDim?.kind === 'time') {
      const key = def.kind === 'multi' ? def.splitKey(partitionKey)?.[def.dimensions.find((d) => d.definition === timeDim)?.name ?? ''] : partitionKey;
      const w = key === undefined ? undefined : timeDim.parseKey(key);
      window = w === undefined ? undefined : timeDim.windowAt(w);
    }
    return {
      assetKey,
      partitionKey,
      token,
      window,
      dimensions: def.kind === 'multi' ? def.splitKey(partitionKey) : undefined,
      signal,
      heartbeat: () => {},
      log: () => {},
    };
  }

  private async runBatch(batch: PlannedBatch): Promise<void> {
    const node = this.graph.node(batch.assetKey);
    const def = node.definition as AssetDefinition<unknown, InputSpecs>;
    this.emit({ kind: 'materialization.started', assetKey: batch.assetKey, partitions: batch.partitions.map((p) => ({ partitionKey: p.partitionKey, token: p.token })) });
    for (const partition of batch.partitions) {
      const context = { assetKey: batch.assetKey, partitionKey: partition.partitionKey };
      let attempt = 0;
      for (;;) {
        attempt++;
        try {
          const signal = new AbortController().signal;
          const inputs = await this.inputsOf(partition);
          const ctx = this.computeContext(batch.assetKey, partition.partitionKey, partition.token, node.partitions, signal);
          const value = await callUserCode('compute', context, () => def.compute(inputs as never, ctx));
          const bytes = await callUserCode('encoding the value', context, () => def.codec.encode(value));
          const dataVersion = dataVersionOf(bytes);
          this.values.set(`${batch.assetKey}\u0000${partition.partitionKey}`, bytes);
          this.tokensByPartition.set(`${batch.assetKey}\u0000${partition.partitionKey}`, partition.token);
          this.emit({ kind: 'materialization.succeeded', assetKey: batch.assetKey, partitionKey: partition.partitionKey, token: partition.token, dataVersion, codeVersion: batch.codeVersion, inputsAsOf: batch.inputsAsOf });
          this.runs.push({ ...context, token: partition.token, status: 'succeeded', dataVersion, error: undefined });
          for (const check of def.checks) {
            let passed: boolean;
            let message = '';
            try {
              const outcome = await callUserCode(`check ${check.name}`, context, () => check.fn(value, ctx));
              passed = typeof outcome === 'boolean' ? outcome : outcome.passed;
              message = typeof outcome === 'boolean' ? '' : (outcome.message ?? '');
            } catch (error) {
              passed = false;
              message = error instanceof Error ? error.message : String(error);
            }
            this.emit({ kind: 'check.evaluated', ...context, dataVersion, check: check.name, passed, blocking: check.blocking, message });
          }
          break;
        } catch (thrown) {
          const error = thrown instanceof UserCodeError ? thrown : new UserCodeError(`materialization failed: ${String(thrown)}`, context, thrown instanceof WeftError ? thrown.failureClass : 'actionable', thrown);
          if (error.failureClass === 'transient' && attempt <= this.retries) continue;
          const retryAt = error.failureClass === 'transient' ? this.nowValue + (def.options.retry?.maximumIntervalMs ?? 60_000) : null;
          this.emit({
            kind: 'materialization.failed',
            ...context,
            token: partition.token,
            failureClass: error.failureClass,
            fingerprint: failureFingerprint(error.cause instanceof Error ? error.cause : error),
            message: error.message,
            retryAt,
          });
          this.runs.push({ ...context, token: partition.token, status: 'failed', dataVersion: undefined, error });
          break;
        }
      }
    }
  }
}
