import { WeftError } from '../errors.js';
import { hashCanonical } from '../hashing/canonical-encoding.js';
import type { TokenInput } from '../hashing/token.js';
import type { RangeSet } from '../partitions/sets/range-set.js';
import type { PartitionContext } from '../partitions/types.js';
import type { AssetIndex } from './asset-index.js';
import { readsOf, tokenInputsOf, tokenOfInputs, type EvaluationEnv } from './evaluate.js';
import { S } from './status-codes.js';
import type { ConcurrencyLimits, PlannedBatch, PlannedPartition, PlannerRequest, Seq } from './types.js';

/** What selection needs from the planner. */
export interface SelectionEnv {
  readonly now: number;
  readonly cursor: Seq;
  readonly ctx: PartitionContext;
  readonly limits: ConcurrencyLimits;
  readonly defaultBatchSize: number;
  /** Pick partitions no request needs, too. */
  readonly automatic: boolean;
  /** What the planner evaluates with: what a picked partition reads, and its token when it has none yet. */
  readonly evaluation: EvaluationEnv;
  onStart(index: AssetIndex, i: number): void;
}

interface Pick {
  readonly index: AssetIndex;
  readonly i: number;
  readonly priority: number;
  readonly requestIds: readonly string[];
}

/** Free slots per asset, per compute provider and in total, after what already runs. */
class Slots {
  private global: number;
  private readonly perProvider = new Map<string, number>();
  private readonly perAsset = new Map<AssetIndex, number>();

  constructor(order: readonly AssetIndex[], limits: ConcurrencyLimits) {
    let running = 0;
    const byProvider = new Map<string, number>();
    for (const index of order) {
      running += index.running.size;
      const provider = providerOf(index);
      byProvider.set(provider, (byProvider.get(provider) ?? 0) + index.running.size);
      const own = index.node.definition.kind === 'asset' ? index.node.definition.options.concurrency : undefined;
      this.perAsset.set(index, own === undefined ? Number.POSITIVE_INFINITY : own - index.running.size);
    }
    this.global = (limits.global ?? Number.POSITIVE_INFINITY) - running;
    for (const [provider, limit] of Object.entries(limits.perProvider ?? {})) this.perProvider.set(provider, limit - (byProvider.get(provider) ?? 0));
  }

  free(index: AssetIndex): boolean {
    return this.global > 0 && (this.perAsset.get(index) ?? 0) > 0 && (this.perProvider.get(providerOf(index)) ?? Number.POSITIVE_INFINITY) > 0;
  }

  get exhausted(): boolean {
    return this.global <= 0;
  }

  take(index: AssetIndex): void {
    this.global--;
    this.perAsset.set(index, (this.perAsset.get(index) ?? 0) - 1);
    const provider = providerOf(index);
    if (this.perProvider.has(provider)) this.perProvider.set(provider, (this.perProvider.get(provider) ?? 0) - 1);
  }
}

function providerOf(index: AssetIndex): string {
  return index.node.definition.kind === 'asset' ? (index.node.definition.options.computeProvider ?? 'default') : 'default';
}

function assetPriority(index: AssetIndex): number {
  return index.node.definition.kind === 'asset' ? (index.node.definition.options.priority ?? 0) : 0;
}

/** Ready partitions of an asset, newest (highest index) first. */
function* readyDescending(index: AssetIndex): Generator<number> {
  if (index.ready.size === 0) return;
  if (index.ready.size <= 256) {
    yield* [...index.ready.keys()].sort((a, b) => b - a);
    return;
  }
  for (let i = index.count - 1; i >= 0; i--) {
    const s = index.status[i];
    if ((s === S.MISSING || s === S.STALE) && index.ready.has(i)) yield i;
  }
}

/**
 * Picks ready partitions within the limits: partitions user requests need first (highest request
 * priority first), then the rest by asset priority, newest time partitions first. Picked partitions
 * become running, and are grouped into batches of the asset's batch size.
 */
export function selectBatches(
  order: readonly AssetIndex[],
  requests: ReadonlyMap<string, { readonly request: PlannerRequest; readonly scope: ReadonlyMap<AssetIndex, RangeSet> }>,
  env: SelectionEnv,
): { batches: PlannedBatch[]; deferred: number } {
  const slots = new Slots(order, env.limits);
  const picks: Pick[] = [];
  const picked = new Set<string>();
  let deferred = 0;
  const pick = (index: AssetIndex, i: number, priority: number, requestIds: readonly string[]): void => {
    const id = `${index.node.key}\u0000${i}`;
    if (picked.has(id)) return;
    if (!slots.free(index)) {
      deferred++;
      return;
    }
    picked.add(id);
    slots.take(index);
    picks.push({ index, i, priority, requestIds });
  };

  const byPriority = [...requests.values()].sort((a, b) => b.request.priority - a.request.priority);
  for (const { request, scope } of byPriority) {
    for (const index of order) {
      const set = scope.get(index);
      if (!set || index.ready.size === 0) continue;
      for (const i of readyDescending(index)) if (set.has(i)) pick(index, i, 1_000_000 + request.priority, [request.id]);
    }
  }
  const byAsset = env.automatic ? [...order].sort((a, b) => assetPriority(b) - assetPriority(a)) : [];
  for (const index of byAsset) {
    if (index.ready.size === 0) continue;
    if (slots.exhausted) {
      deferred += index.ready.size;
      continue;
    }
    for (const i of readyDescending(index)) pick(index, i, assetPriority(index), []);
  }
  return { batches: toBatches(picks, env), deferred };
}

function toBatches(picks: readonly Pick[], env: SelectionEnv): PlannedBatch[] {
  const groups = new Map<AssetIndex, Pick[]>();
  for (const p of picks) {
    const list = groups.get(p.index) ?? [];
    list.push(p);
    groups.set(p.index, list);
  }
  const batches: PlannedBatch[] = [];
  for (const [index, list] of groups) {
    const def = index.node.definition;
    const size = def.kind === 'asset' ? (def.options.batchSize ?? env.defaultBatchSize) : env.defaultBatchSize;
    for (let start = 0; start < list.length; start += size) {
      const chunk = list.slice(start, start + size);
      const started: Array<{ i: number; token: string }> = [];
      const partitions: PlannedPartition[] = chunk.map(({ i }) => {
        // What it reads, hashed once: for the batch's expected inputs and, when evaluation left it
        // none, for its token.
        const reads = readsOf(index, i, env.evaluation);
        if (reads === undefined) throw new WeftError('internal', `ready partition ${index.definition.keyAt(i, env.ctx)} of ${index.node.key} lost an upstream partition before it was picked`, { assetKey: index.node.key });
        const read = tokenInputsOf(reads, env.evaluation);
        const token = index.ready.get(i) ?? tokenOfInputs(index, i, read, env.evaluation);
        index.ready.delete(i);
        index.status[i] = S.RUNNING;
        started.push({ i, token });
        env.onStart(index, i);
        return {
          partitionKey: index.definition.keyAt(i, env.ctx),
          token,
          inputs: reads.map(({ input, up, existing }, k) => {
            const one = read[k] as TokenInput;
            const ranges = existing.toJSON();
            return {
              name: input.name,
              assetKey: input.upstreamKey,
              cardinality: input.cardinality,
              ranges,
              rangeKeys: ranges.map(([a, b]) => [up.definition.keyAt(a, env.ctx), up.definition.keyAt(b - 1, env.ctx)] as const),
              expected: 'combinedHash' in one ? one.combinedHash : one.dataVersion,
            };
          }),
        };
      });
      const tokens = partitions.map((p) => p.token).sort();
      const id = hashCanonical(['weft/batch/v1', ...tokens]);
      for (const { i, token } of started) index.running.set(i, { token, since: env.now, batchId: id });
      batches.push({
        id,
        assetKey: index.node.key,
        computeProvider: providerOf(index),
        codeVersion: index.currentCodeVersion,
        inputsAsOf: env.cursor,
        priority: Math.max(...chunk.map((c) => c.priority)),
        requestIds: [...new Set(chunk.flatMap((c) => c.requestIds))],
        partitions,
      });
    }
  }
  return batches.sort((a, b) => b.priority - a.priority);
}
