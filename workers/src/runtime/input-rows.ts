import type { PartitionContext, PartitionKey, PlannedInput, PlannedPartition } from '@weft/core';
import type { WeftRuntime } from './runtime.js';

/** The current data version and stored object of an upstream partition, as the store has them. */
export interface InputRow {
  readonly partitionKey: PartitionKey;
  readonly dataVersion: string | null;
  readonly storageUri: string | null;
  /** The value itself, when its materialization kept it inline. */
  readonly inlineValue: Uint8Array | null;
}

/** Reads the rows of one input of a partition (the keys it reads, in order). */
export type InputRowReader = (input: PlannedInput, keys: readonly PartitionKey[]) => Promise<InputRow[]>;

/** The upstream keys an input reads, in the order of its ranges. */
export function inputKeys(runtime: WeftRuntime, input: PlannedInput, ctx: PartitionContext): PartitionKey[] {
  const def = runtime.graph.node(input.assetKey).partitions;
  const keys: PartitionKey[] = [];
  for (const [a, b] of input.ranges) for (let i = a; i < b; i++) keys.push(def.keyAt(i, ctx));
  return keys;
}

/**
 * The input rows of a batch's partitions, read from the store a window of partitions at a time:
 * one query per upstream asset for the `window` partitions around the one asking (instead of one
 * per input of every partition). A window is read when its first partition needs its inputs, so a
 * row is never older than the start of its window's partitions: a change committed after that is
 * caught as before, by the token of the materialization, and the planner plans the partition again.
 */
export class BatchInputRows {
  private readonly windows = new Map<number, Promise<Map<string, Map<PartitionKey, InputRow>>>>();

  constructor(
    private readonly runtime: WeftRuntime,
    private readonly partitions: readonly PlannedPartition[],
    private readonly ctx: PartitionContext,
    private readonly window: number,
  ) {}

  /** The reader for the partition at `index` of the batch. */
  readerFor(index: number): InputRowReader {
    return async (input, keys) => {
      const rows = await this.windowOf(Math.floor(index / this.window));
      const byKey = rows.get(input.assetKey);
      const out: InputRow[] = [];
      for (const key of keys) {
        const row = byKey?.get(key);
        // (Not in the window: only if the plan changed under us. Read it directly.)
        if (row === undefined) return this.runtime.store.currentValues(input.assetKey, keys);
        out.push(row);
      }
      return out;
    };
  }

  private windowOf(w: number): Promise<Map<string, Map<PartitionKey, InputRow>>> {
    let rows = this.windows.get(w);
    if (!rows) {
      rows = this.read(this.partitions.slice(w * this.window, (w + 1) * this.window));
      // (A failed read is not kept: the partitions asking next read again.)
      rows.catch(() => this.windows.delete(w));
      this.windows.set(w, rows);
      // Windows already started are done with: forget them (their partitions hold their rows).
      for (const k of this.windows.keys()) if (k < w - 1) this.windows.delete(k);
    }
    return rows;
  }

  private async read(partitions: readonly PlannedPartition[]): Promise<Map<string, Map<PartitionKey, InputRow>>> {
    const wanted = new Map<string, Set<PartitionKey>>();
    for (const p of partitions) {
      for (const input of p.inputs) {
        const set = wanted.get(input.assetKey) ?? new Set<PartitionKey>();
        for (const key of inputKeys(this.runtime, input, this.ctx)) set.add(key);
        wanted.set(input.assetKey, set);
      }
    }
    const out = new Map<string, Map<PartitionKey, InputRow>>();
    await Promise.all(
      [...wanted].map(async ([assetKey, keys]) => {
        const rows = keys.size === 0 ? [] : await this.runtime.store.currentValues(assetKey, [...keys]);
        out.set(assetKey, new Map(rows.map((r) => [r.partitionKey, r])));
      }),
    );
    return out;
  }
}
