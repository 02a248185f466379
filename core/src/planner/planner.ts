import type { AssetGraph, ResolvedInput } from '../definitions/graph.js';
import type { AssetKey } from '../definitions/types.js';
import { WeftError } from '../errors.js';
import type { MappingContext } from '../partitions/mappings/types.js';
import { RangeSet, RangeSetBuilder } from '../partitions/sets/range-set.js';
import type { PartitionContext, PartitionKey, PartitionsDefinition } from '../partitions/types.js';
import { AssetIndex } from './asset-index.js';
import { evaluatePartition, readsOf, readyToken, tokenOf, type EvaluationEnv, type PlannerStats } from './evaluate.js';
import { InputReader } from './input-reader.js';
import { explainPartition } from './explain.js';
import { selectBatches } from './select.js';
import { S, isReady, publicStatus } from './status-codes.js';
import { RangeTrees } from './token-inputs.js';
import {
  PARTITION_STATUSES,
  type AssetSnapshot,
  type ConcurrencyLimits,
  type PartitionStatus,
  type PlanResult,
  type PlannerRequest,
  type PlannerSnapshot,
  type Reason,
  type Seq,
  type StateChange,
  type WeftEvent,
} from './types.js';

/** How the planner is set up for one deployment. */
export interface PlannerOptions {
  /** The current code version of every asset (sources may be omitted). */
  readonly codeVersions: Readonly<Record<AssetKey, string>>;
  readonly limits?: ConcurrencyLimits;
  /** Partitions per batch for assets without `batchSize`. @default 1 */
  readonly defaultBatchSize?: number;
  /**
   * Run every stale or missing partition (true), or only what user requests need (false, as
   * `materialize()` does). @default true
   */
  readonly automatic?: boolean;
}

interface RequestState {
  readonly request: PlannerRequest;
  /** Partitions of each asset the request needs: its own and everything upstream of them. */
  readonly scope: Map<AssetIndex, RangeSet>;
}

const SOURCE_CODE_VERSION = 'source';

/**
 * The incremental planner: a cache of every partition's state in typed arrays, updated from log
 * events, that decides what to run. Its cost after a change is proportional to what the change
 * affects. It never reads the clock: `plan(now)` is told the time.
 *
 * @example
 * const planner = new Planner(graph, { codeVersions });
 * planner.load(snapshot, now);
 * planner.apply(eventsSinceCursor);
 * const { batches, changes } = planner.plan(now);
 */
export class Planner {
  private readonly indexes = new Map<AssetKey, AssetIndex>();
  private readonly order: AssetIndex[] = [];
  private readonly dirty = new Map<AssetIndex, RangeSetBuilder>();
  private readonly changedData = new Map<AssetIndex, RangeSetBuilder>();
  private readonly changes = new Map<AssetIndex, Map<PartitionStatus, RangeSetBuilder>>();
  private readonly mappingContexts = new Map<ResolvedInput, MappingContext>();
  /** Input readers per asset, for the context `readersCtx` (rebuilt when the context changes). */
  private readonly inputReaders = new Map<AssetIndex, InputReader[]>();
  private readersCtx: PartitionContext | undefined;
  private readonly dynamicKeys = new Map<string, PartitionKey[]>();
  private readonly requests = new Map<string, RequestState>();
  private readonly trees = new RangeTrees();
  private readonly ignored: string[] = [];
  private reloadRequired = false;
  /**
   * An event moved partition indices (dynamic keys removed, or added to a multi-dimensional
   * definition): what this planner holds is indexed the old way. It reads no further events and
   * plans nothing; its host rebuilds it from a snapshot, which replays the log from its cursor.
   */
  private invalidated = false;
  /** Partitions released since the last plan (to tell a stale plan from a planner that disagrees with the store). */
  private readonly released: Array<{ index: AssetIndex; i: number; token: string }> = [];
  /** Work counters: partitions evaluated and tokens computed since the planner was created. */
  readonly stats: PlannerStats = { evaluated: 0, tokens: 0 };
  private cursorValue: Seq = 0;
  private now = 0;
  private ctxValue: PartitionContext;

  constructor(
    readonly graph: AssetGraph,
    private readonly options: PlannerOptions,
  ) {
    for (const key of graph.order) {
      const node = graph.node(key);
      const code = node.definition.kind === 'source' ? SOURCE_CODE_VERSION : options.codeVersions[key];
      if (code === undefined) throw new WeftError('definition.bad_option', `planner: no code version for asset ${key}`, { assetKey: key, field: 'codeVersions' });
      const index = new AssetIndex(node, code);
      this.indexes.set(key, index);
      this.order.push(index);
    }
    this.ctxValue = this.makeContext();
  }

  /** The sequence number of the last event applied. */
  get cursor(): Seq {
    return this.cursorValue;
  }

  /** The partition context of the last `load`/`plan` call. */
  get context(): PartitionContext {
    return this.ctxValue;
  }

  private makeContext(): PartitionContext {
    const now = this.now;
    const keys = this.dynamicKeys;
    return { now, dynamicKeys: (name) => keys.get(name) ?? [] };
  }

  private index(key: AssetKey): AssetIndex {
    const index = this.indexes.get(key);
    if (!index) throw new WeftError('definition.unknown_key', `unknown asset ${JSON.stringify(key)}`, { assetKey: key });
    return index;
  }

  private mappingContext(input: ResolvedInput, downstream: AssetIndex): MappingContext {
    let ctx = this.mappingContexts.get(input);
    if (!ctx || ctx.partitions !== this.ctxValue) {
      ctx = { upstream: this.index(input.upstreamKey).definition, downstream: downstream.definition, partitions: this.ctxValue };
      this.mappingContexts.set(input, ctx);
    }
    return ctx;
  }

  private readers(index: AssetIndex): InputReader[] {
    if (this.readersCtx !== this.ctxValue) {
      this.inputReaders.clear();
      this.readersCtx = this.ctxValue;
    }
    let readers = this.inputReaders.get(index);
    if (!readers) {
      readers = index.node.inputs.map((input) => new InputReader(input, this.index(input.upstreamKey), this.mappingContext(input, index)));
      this.inputReaders.set(index, readers);
    }
    return readers;
  }

  private markDirty(index: AssetIndex, i: number): void {
    let b = this.dirty.get(index);
    if (!b) this.dirty.set(index, (b = new RangeSetBuilder()));
    b.add(i);
  }

  private markDirtySet(index: AssetIndex, set: RangeSet): void {
    if (set.isEmpty()) return;
    let b = this.dirty.get(index);
    if (!b) this.dirty.set(index, (b = new RangeSetBuilder()));
    for (const [a, z] of set.ranges()) b.addRange(a, z);
  }

  private markDataChanged(index: AssetIndex, i: number, seq: Seq): void {
    index.changedSeq[i] = seq;
    this.trees.update(index, i);
    let b = this.changedData.get(index);
    if (!b) this.changedData.set(index, (b = new RangeSetBuilder()));
    b.add(i);
  }

  private recordChange(index: AssetIndex, i: number, code: number): void {
    const status = publicStatus(code, index.materialized[i] === 1);
    let byStatus = this.changes.get(index);
    if (!byStatus) this.changes.set(index, (byStatus = new Map()));
    let b = byStatus.get(status);
    if (!b) byStatus.set(status, (b = new RangeSetBuilder()));
    b.add(i);
  }

  /**
   * Loads a snapshot (the persisted state as of its cursor). Partitions that are not known to be
   * fresh, whose code version differs from the current one, or that came into existence since,
   * are evaluated by the next `plan`.
   */
  load(snapshot: PlannerSnapshot, now: number): this {
    this.now = now;
    this.cursorValue = snapshot.cursor;
    for (const [name, keys] of Object.entries(snapshot.dynamicKeys)) this.dynamicKeys.set(name, [...keys]);
    this.ctxValue = this.makeContext();
    const byKey = new Map(snapshot.assets.map((a) => [a.assetKey, a]));
    for (const index of this.order) {
      const data = byKey.get(index.node.key);
      if (data) this.loadAsset(index, data);
    }
    for (const request of snapshot.requests) this.addRequest(request);
    return this;
  }

  private loadAsset(index: AssetIndex, data: AssetSnapshot): void {
    index.load(data);
    const current = index.currentCodeId;
    const fresh = PARTITION_STATUSES.indexOf('fresh');
    const checkFailed = PARTITION_STATUSES.indexOf('check_failed');
    const builder = new RangeSetBuilder();
    // The snapshot's public statuses become internal codes in place (the index took the array over).
    const { status, codeVersionId, materialized, isSource, count } = index;
    for (let i = 0; i < count; i++) {
      const code = status[i];
      if (code === fresh && (isSource || codeVersionId[i] === current)) status[i] = S.FRESH;
      else if (code === checkFailed && codeVersionId[i] === current) status[i] = S.CHECK_FAILED;
      else if (isSource) status[i] = materialized[i] === 1 ? S.FRESH : S.MISSING;
      else {
        status[i] = S.NEW;
        builder.add(i);
      }
    }
    this.markDirtySet(index, builder.build());
  }

  /**
   * Applies log events in order; events at or before the cursor are skipped (replays are
   * harmless). `now`, when given, moves the planner's clock first (so partitions that have just
   * come into existence can be placed).
   */
  apply(events: Iterable<WeftEvent>, now?: number): this {
    if (now !== undefined && now > this.now) {
      this.now = now;
      this.ctxValue = this.makeContext();
    }
    for (const event of events) {
      if (this.invalidated) break;
      if (event.seq <= this.cursorValue) continue;
      this.cursorValue = event.seq;
      this.applyOne(event);
    }
    return this;
  }

  /** Whether an event moved partition indices: this planner must be rebuilt from a snapshot before it plans. */
  get needsRebuild(): boolean {
    return this.invalidated;
  }

  private partitionIndex(index: AssetIndex, key: PartitionKey, what: string): number | undefined {
    const i = index.definition.indexOf(key, this.ctxValue);
    if (i === undefined) {
      if (this.ignored.length < 1000) this.ignored.push(`${what}: ${index.node.key} has no partition ${JSON.stringify(key)}`);
      return undefined;
    }
    this.grow(index, i + 1);
    return i;
  }

  /** Makes room for `count` partitions; new partitions of assets are evaluated by the next plan. */
  private grow(index: AssetIndex, count: number): void {
    const from = index.count;
    if (count <= from) return;
    index.extend(count);
    if (!index.isSource) this.markDirtySet(index, RangeSet.range(from, count));
  }

  private lookup(key: AssetKey, what: string): AssetIndex | undefined {
    const index = this.indexes.get(key);
    if (!index && this.ignored.length < 1000) this.ignored.push(`${what}: unknown asset ${JSON.stringify(key)}`);
    return index;
  }

  private applyOne(event: WeftEvent): void {
    switch (event.kind) {
      case 'source.observed': {
        const index = this.lookup(event.assetKey, event.kind);
        if (!index) return;
        for (const { partitionKey, dataVersion } of event.partitions) {
          const i = this.partitionIndex(index, partitionKey, event.kind);
          if (i === undefined) continue;
          const changed = index.setDataVersion(i, dataVersion);
          index.materialized[i] = 1;
          // A snapshot written after this event already holds its data (changed_seq = its seq): propagate anyway.
          if (changed || index.changedSeq[i] === event.seq) this.markDataChanged(index, i, event.seq);
          this.markDirty(index, i);
        }
        return;
      }
      case 'dynamic.keys_removed': {
        // Indices of the keys after a removed one move down: every asset over it is rebuilt.
        const gone = new Set(event.keys);
        this.dynamicKeys.set(event.name, (this.dynamicKeys.get(event.name) ?? []).filter((k) => !gone.has(k)));
        this.ctxValue = this.makeContext();
        const uses = (d: PartitionsDefinition): boolean => (d.kind === 'dynamic' && d.name === event.name) || (d.kind === 'multi' && d.dimensions.some((x) => uses(x.definition)));
        if (this.order.some((index) => uses(index.definition))) this.reloadRequired = this.invalidated = true;
        return;
      }
      case 'dynamic.keys_added': {
        const list = this.dynamicKeys.get(event.name) ?? [];
        const known = new Set(list);
        for (const key of event.keys) {
          if (known.has(key)) continue;
          known.add(key);
          list.push(key);
        }
        this.dynamicKeys.set(event.name, list);
        this.ctxValue = this.makeContext();
        for (const index of this.order) {
          if (index.definition.kind === 'multi' && index.definition.dimensions.some((d) => d.definition.kind === 'dynamic' && d.definition.name === event.name)) this.reloadRequired = this.invalidated = true;
        }
        return;
      }
      case 'materialization.started': {
        const index = this.lookup(event.assetKey, event.kind);
        if (!index) return;
        for (const { partitionKey, token } of event.partitions) {
          const i = this.partitionIndex(index, partitionKey, event.kind);
          if (i === undefined) continue;
          index.running.set(i, { token, since: event.at, batchId: null });
          this.markDirty(index, i);
        }
        return;
      }
      case 'materialization.succeeded':
      case 'materialization.restored': {
        const index = this.lookup(event.assetKey, event.kind);
        const i = index && this.partitionIndex(index, event.partitionKey, event.kind);
        if (!index || i === undefined) return;
        // An older plan's attempt that committed late: recorded, but a newer plan wants the partition.
        if (event.kind === 'materialization.succeeded' && event.current === false) return;
        // (A success of another token leaves the one running in place: its own outcome will come.)
        this.endRunning(index, i, event.token);
        index.failures.delete(i);
        index.retryRequested.delete(i);
        index.setToken(i, event.token);
        index.codeVersionId[i] = index.codeId(event.codeVersion);
        index.verifiedSeq[i] = event.inputsAsOf;
        const changed = index.setDataVersion(i, event.dataVersion);
        index.materialized[i] = 1;
        if (event.kind === 'materialization.restored') {
          if (event.checkFailure) index.checkFailures.set(i, event.checkFailure);
          else index.checkFailures.delete(i);
        } else if (changed) index.checkFailures.delete(i);
        if (changed || index.changedSeq[i] === event.seq) this.markDataChanged(index, i, event.seq);
        this.markDirty(index, i);
        return;
      }
      case 'materialization.released': {
        const index = this.lookup(event.assetKey, event.kind);
        if (!index) return;
        for (const { partitionKey, token } of event.partitions) {
          const i = this.partitionIndex(index, partitionKey, event.kind);
          if (i === undefined || index.running.get(i)?.token !== token) continue;
          index.running.delete(i);
          if (event.inputsChanged) this.released.push({ index, i, token });
          this.markDirty(index, i);
        }
        return;
      }
      case 'materialization.failed': {
        const index = this.lookup(event.assetKey, event.kind);
        const i = index && this.partitionIndex(index, event.partitionKey, event.kind);
        if (!index || i === undefined) return;
        // A failure of an older attempt while a newer token runs: its own outcome will come.
        const running = index.running.get(i);
        if (running && running.token !== event.token) return;
        index.running.delete(i);
        index.retryRequested.delete(i);
        index.failures.set(i, { index: i, token: event.token, failureClass: event.failureClass, fingerprint: event.fingerprint, message: event.message, retryAt: event.retryAt });
        this.markDirty(index, i);
        return;
      }
      case 'check.evaluated': {
        const index = this.lookup(event.assetKey, event.kind);
        const i = index && this.partitionIndex(index, event.partitionKey, event.kind);
        if (!index || i === undefined || !event.blocking) return;
        if (index.materialized[i] !== 1 || index.dataVersionHex(i) !== event.dataVersion) return;
        // A pass clears only the failure of the same check.
        if (!event.passed) index.checkFailures.set(i, { check: event.check, message: event.message });
        else if (index.checkFailures.get(i)?.check === event.check) index.checkFailures.delete(i);
        this.markDirty(index, i);
        return;
      }
      case 'request.submitted':
        this.addRequest(event.request);
        return;
      case 'request.cancelled':
        this.requests.delete(event.requestId);
        return;
      case 'definitions.deployed':
        // A new deployment gets a new planner (built from a snapshot by its host): nothing to do here.
        return;
    }
  }

  /** A partition's run of `token` ended (a run of another token is left in place). */
  private endRunning(index: AssetIndex, i: number, token: string): void {
    if (index.running.get(i)?.token === token) index.running.delete(i);
  }

  /**
   * Gives running partitions back (their batch ended without an outcome for them: the workflow is
   * gone or closed), so the next plan evaluates them again. Returns how many were released.
   */
  release(partitions: Iterable<{ assetKey: AssetKey; partitionKey: PartitionKey; token: string }>): number {
    let n = 0;
    for (const { assetKey, partitionKey, token } of partitions) {
      const index = this.indexes.get(assetKey);
      const i = index?.definition.indexOf(partitionKey, this.ctxValue);
      if (!index || i === undefined || index.running.get(i)?.token !== token) continue;
      index.running.delete(i);
      this.markDirty(index, i);
      n++;
    }
    return n;
  }

  /** Every running partition with its token and batch (what a host checks against the workflows). */
  runningPartitions(): Array<{ assetKey: AssetKey; partitionKey: PartitionKey; token: string; since: number; batchId: string | null }> {
    const out: Array<{ assetKey: AssetKey; partitionKey: PartitionKey; token: string; since: number; batchId: string | null }> = [];
    for (const index of this.order) {
      for (const [i, r] of index.running) out.push({ assetKey: index.node.key, partitionKey: index.definition.keyAt(i, this.ctxValue), token: r.token, since: r.since, batchId: r.batchId });
    }
    return out;
  }

  private addRequest(request: PlannerRequest): void {
    const index = this.lookup(request.assetKey, 'request');
    if (!index) return;
    this.grow(index, index.definition.count(this.ctxValue));
    let own: RangeSet;
    if (request.partitionKeys === null) own = RangeSet.range(0, index.count);
    else {
      const found: number[] = [];
      for (const key of request.partitionKeys) {
        const i = this.partitionIndex(index, key, `request ${request.id}`);
        if (i !== undefined) found.push(i);
      }
      own = RangeSet.of(found);
    }
    if (request.action === 'retry') {
      for (const i of own.values()) {
        if (index.failures.has(i)) {
          index.retryRequested.add(i);
          this.markDirty(index, i);
        }
      }
    }
    this.requests.set(request.id, { request, scope: this.upstreamClosure(index, own) });
  }

  /** The partitions `set` of `index` needs, and everything upstream of them, per asset. */
  private upstreamClosure(index: AssetIndex, set: RangeSet): Map<AssetIndex, RangeSet> {
    const scope = new Map<AssetIndex, RangeSet>([[index, set]]);
    for (let pos = this.order.indexOf(index); pos >= 0; pos--) {
      const current = this.order[pos] as AssetIndex;
      const mine = scope.get(current);
      if (!mine || mine.isEmpty()) continue;
      for (const input of current.node.inputs) {
        const up = this.index(input.upstreamKey);
        let needed = input.mapping.upstreamFor(mine, this.mappingContext(input, current)).existing;
        if (up === current) {
          // Self inputs: everything before the earliest requested partition may be needed.
          needed = needed.isEmpty() ? needed : RangeSet.range(0, (mine.max() ?? 0) + 1);
        }
        scope.set(up, (scope.get(up) ?? RangeSet.EMPTY).union(needed));
      }
    }
    return scope;
  }

  /**
   * Plans at time `now`: brings new time windows into existence, re-evaluates what changed, and
   * picks ready partitions to start within the concurrency limits, highest priority first.
   */
  plan(now: number): PlanResult {
    if (this.invalidated) {
      // Indexed the old way: nothing it would say is safe to save (its changes are dropped too).
      this.drainChanges();
      return { cursor: this.cursorValue, batches: [], changes: [], deferred: 0, wakeAt: now, ignored: this.ignored.splice(0), reloadRequired: true };
    }
    const wakeAt = this.settle(now);
    // A partition released because its inputs had changed since its plan, and wanted again with the
    // very token it was released with: what this planner holds of its inputs differs from the store
    // (the truth). Start nothing for it; rebuild from the store instead.
    const released = this.released.splice(0);
    const evalEnv = this.env();
    for (const { index, i, token } of released) {
      if (index.ready.has(i) && readyToken(index, i, evalEnv) === token) {
        index.ready.delete(i);
        this.reloadRequired = true;
      }
    }
    const selection = selectBatches(this.order, this.requests, {
      now: this.now,
      cursor: this.cursorValue,
      ctx: this.ctxValue,
      limits: this.options.limits ?? {},
      defaultBatchSize: this.options.defaultBatchSize ?? 1,
      automatic: this.options.automatic ?? true,
      evaluation: evalEnv,
      onStart: (index, i) => this.recordChange(index, i, S.RUNNING),
    });
    return {
      cursor: this.cursorValue,
      batches: selection.batches,
      changes: this.drainChanges(),
      deferred: selection.deferred,
      wakeAt,
      ignored: this.ignored.splice(0),
      reloadRequired: this.reloadRequired,
    };
  }

  /**
   * Brings the state up to date at `now` without starting anything: new time windows come into
   * existence, due retries and every dirty partition are re-evaluated, upstream first. Returns
   * when the planner next needs to run without new events.
   */
  settle(now: number): number | null {
    if (now > this.now) this.now = now;
    // A new context only when the clock moved (dynamic key events make their own): mapping contexts
    // and input readers prepared for the current one stay valid from plan to plan.
    if (this.ctxValue.now !== this.now) this.ctxValue = this.makeContext();
    now = this.now;
    const env = this.env();
    let wakeAt: number | null = null;
    const wake = (t: number): void => {
      if (t > now && (wakeAt === null || t < wakeAt)) wakeAt = t;
    };
    for (const index of this.order) {
      const count = index.definition.count(this.ctxValue);
      if (count > index.count) {
        const from = index.count;
        index.extend(count);
        this.markDirtySet(index, RangeSet.range(from, count));
      }
      const def = index.definition;
      if (def.kind === 'time' && (def.endMs === undefined || def.windowAt(index.count).start < def.endMs)) wake(def.windowAt(index.count).end + def.lagMs);
      for (const failure of index.failures.values()) {
        if (failure.retryAt === null) continue;
        if (failure.retryAt <= now && index.status[failure.index] === S.FAILED) this.markDirty(index, failure.index);
        else wake(failure.retryAt);
      }
    }
    for (const index of this.order) this.process(index, env);
    return wakeAt;
  }

  private env(): EvaluationEnv {
    return {
      ctx: this.ctxValue,
      now: this.now,
      cursor: this.cursorValue,
      trees: this.trees,
      stats: this.stats,
      index: (key) => this.index(key),
      mappingContext: (input, down) => this.mappingContext(input, down),
      readers: (index) => this.readers(index),
    };
  }

  private evaluate(index: AssetIndex, i: number, env: EvaluationEnv): boolean {
    this.stats.evaluated++;
    const before = index.status[i] as number;
    const after = index.isSource ? (index.materialized[i] === 1 ? S.FRESH : S.MISSING) : evaluatePartition(index, i, env);
    if (!isReady(after)) index.ready.delete(i);
    if (after === before) return false;
    index.status[i] = after;
    this.recordChange(index, i, after);
    return true;
  }

  /** Re-evaluates the dirty partitions of one asset and marks what their changes affect downstream. */
  private process(index: AssetIndex, env: EvaluationEnv): void {
    const dirtyBuilder = this.dirty.get(index);
    const dataBuilder = this.changedData.get(index);
    this.dirty.delete(index);
    this.changedData.delete(index);
    const dirty = (dirtyBuilder?.build() ?? RangeSet.EMPTY).clamp(0, index.count);
    const changed = new RangeSetBuilder();
    const dataChanged = dataBuilder?.build() ?? RangeSet.EMPTY;
    const selfInputs = this.readers(index).filter((reader) => reader.input.self);
    if (selfInputs.length === 0) {
      for (const i of dirty.values()) if (this.evaluate(index, i, env)) changed.add(i);
    } else if (!dirty.isEmpty()) {
      // Reading earlier partitions of itself: evaluate in order, so a change reaches later partitions in this pass.
      // Flags of [lo, hi): partitions to evaluate; they grow as changes reach later partitions.
      const lo = dirty.min() as number;
      let hi = lo;
      let flags = new Uint8Array(Math.min(index.count - lo, Math.max(64, (dirty.max() as number) + 1 - lo)));
      const mark = (a: number, b: number): void => {
        a = Math.max(a, lo);
        b = Math.min(b, index.count);
        if (b <= a) return;
        if (b - lo > flags.length) {
          const grown = new Uint8Array(Math.min(index.count - lo, Math.max(b - lo, 2 * flags.length)));
          grown.set(flags);
          flags = grown;
        }
        flags.fill(1, a - lo, b - lo);
        if (b > hi) hi = b;
      };
      dirty.forEachRange(mark);
      for (let i = lo; i < hi; i++) {
        if (flags[i - lo] !== 1) continue;
        const statusChanged = this.evaluate(index, i, env);
        if (!statusChanged && !dataChanged.has(i)) continue;
        changed.add(i);
        for (const reader of selfInputs) {
          reader.readDown(i);
          const bounds = reader.downBounds;
          for (let k = 0; k < reader.downCount; k++) mark(bounds[2 * k] as number, bounds[2 * k + 1] as number);
        }
      }
    }
    const affected = changed.build().union(dataChanged);
    if (affected.isEmpty()) return;
    for (const { assetKey, input } of index.node.downstream) {
      if (input.self) continue;
      const down = this.index(assetKey);
      this.markDirtySet(down, input.mapping.downstreamFor(affected, this.mappingContext(input, down)));
    }
  }

  private drainChanges(): StateChange[] {
    const out: StateChange[] = [];
    for (const [index, byStatus] of this.changes) {
      // A partition may change several times in one pass: only its final status counts.
      for (const [status, builder] of byStatus) {
        const ranges: Array<[number, number]> = [];
        for (const [a, b] of builder.build().ranges()) {
          let start = -1;
          for (let i = a; i < b; i++) {
            const current = publicStatus(index.status[i] as number, index.materialized[i] === 1);
            if (current === status) {
              if (start < 0) start = i;
            } else if (start >= 0) {
              ranges.push([start, i]);
              start = -1;
            }
          }
          if (start >= 0) ranges.push([start, b]);
        }
        if (ranges.length > 0) out.push({ assetKey: index.node.key, status, ranges });
      }
    }
    this.changes.clear();
    return out;
  }

  /**
   * Declares what is stored current, without running anything: every partition of every asset
   * whose upstream partitions exist gets the token computed now from its upstreams' data versions
   * and the data version `dataVersionFor` gives it (the hash of bytes already in storage, when
   * adopting existing data). Partitions are visited upstream first, in index order.
   */
  adoptAll(dataVersionFor: (assetKey: AssetKey, partitionKey: PartitionKey, token: string) => string): void {
    const env = this.env();
    for (const index of this.order) {
      index.extend(index.definition.count(this.ctxValue));
      if (index.isSource) {
        for (let i = 0; i < index.count; i++) index.status[i] = index.materialized[i] === 1 ? S.FRESH : S.MISSING;
        continue;
      }
      const code = index.codeId(index.currentCodeVersion);
      for (let i = 0; i < index.count; i++) {
        const reads = readsOf(index, i, env);
        if (!reads || reads.some((r) => [...r.existing.ranges()].some(([a, b]) => { for (let u = a; u < b; u++) if (r.up.status[u] !== S.FRESH) return true; return false; }))) continue;
        const token = tokenOf(index, i, reads, env);
        index.setToken(i, token);
        index.setDataVersion(i, dataVersionFor(index.node.key, index.definition.keyAt(i, this.ctxValue), token));
        index.materialized[i] = 1;
        index.codeVersionId[i] = code;
        index.verifiedSeq[i] = this.cursorValue;
        index.changedSeq[i] = this.cursorValue;
        index.status[i] = S.FRESH;
        index.ready.delete(i);
        this.trees.update(index, i);
      }
    }
    this.dirty.clear();
    this.changedData.clear();
    this.changes.clear();
    for (const index of this.order) {
      if (index.isSource) continue;
      for (let i = 0; i < index.count; i++) if (index.status[i] !== S.FRESH) this.markDirty(index, i);
    }
  }

  /** The status of one partition and why, with machine-readable reasons. */
  state(assetKey: AssetKey, partitionKey: PartitionKey): { status: PartitionStatus; reasons: Reason[] } {
    const index = this.index(assetKey);
    const i = index.definition.indexOf(partitionKey, this.ctxValue);
    if (i === undefined || i >= index.count) {
      throw new WeftError('definition.bad_partition_key', `asset ${assetKey} has no partition ${JSON.stringify(partitionKey)}${index.definition.checkKey(partitionKey) ? `: ${index.definition.checkKey(partitionKey)}` : ''}`, { assetKey, partitionKey });
    }
    return explainPartition(index, i, this.env());
  }

  /** Counts of an asset's partitions per status (a scan of a typed array). */
  summary(assetKey: AssetKey): Record<PartitionStatus, number> {
    const index = this.index(assetKey);
    const counts = Object.fromEntries(PARTITION_STATUSES.map((s) => [s, 0])) as Record<PartitionStatus, number>;
    for (let i = 0; i < index.count; i++) counts[publicStatus(index.status[i] as number, index.materialized[i] === 1)]++;
    return counts;
  }

  /** Status of every partition of an asset, as public status codes (position in PARTITION_STATUSES). */
  statusCodes(assetKey: AssetKey): Uint8Array {
    const index = this.index(assetKey);
    const out = new Uint8Array(index.count);
    for (let i = 0; i < index.count; i++) out[i] = PARTITION_STATUSES.indexOf(publicStatus(index.status[i] as number, index.materialized[i] === 1));
    return out;
  }

  /** Forgets a request (done or cancelled). */
  forgetRequest(id: string): void {
    this.requests.delete(id);
  }

  /** Ids of the requests the planner holds. */
  requestIds(): string[] {
    return [...this.requests.keys()];
  }

  /** Progress of a request: its partitions (and what they need upstream) by status. */
  requestProgress(requestId: string): { total: number; byStatus: Record<PartitionStatus, number> } | undefined {
    const state = this.requests.get(requestId);
    if (!state) return undefined;
    const byStatus = Object.fromEntries(PARTITION_STATUSES.map((s) => [s, 0])) as Record<PartitionStatus, number>;
    let total = 0;
    for (const [index, set] of state.scope) {
      for (const i of set.clamp(0, index.count).values()) {
        byStatus[publicStatus(index.status[i] as number, index.materialized[i] === 1)]++;
        total++;
      }
    }
    return { total, byStatus };
  }

  /** The planner's state as a snapshot (what a store persists), settled first, e.g. to restart from. */
  snapshot(): PlannerSnapshot {
    this.settle(this.now);
    return {
      cursor: this.cursorValue,
      dynamicKeys: Object.fromEntries(this.dynamicKeys),
      requests: [...this.requests.values()].map((r) => r.request),
      assets: this.order.map((index) => ({
        assetKey: index.node.key,
        count: index.count,
        status: this.statusCodes(index.node.key),
        materialized: index.materialized.slice(0, index.count),
        token: index.token.slice(0, index.count * 32),
        dataVersion: index.dataVersion.slice(0, index.count * 32),
        codeVersionId: index.codeVersionId.slice(0, index.count),
        codeVersions: [...index.codeVersions],
        verifiedSeq: index.verifiedSeq.slice(0, index.count),
        changedSeq: index.changedSeq.slice(0, index.count),
        failures: [...index.failures.values()],
        running: [...index.running].map(([i, r]) => ({ index: i, token: r.token, since: r.since, batchId: r.batchId })),
        checkFailures: [...index.checkFailures].map(([i, c]) => ({ index: i, ...c })),
      })),
    };
  }
}
