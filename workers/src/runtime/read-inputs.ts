import { ABSENT_INPUT, encodePartitionSet, PartitionSet, RangeSet, rangeInputHashOf, StalePlanError, TransientError, WeftError, type PartitionContext, type PartitionKey, type PlannedInput } from '@weft/core';
import type { InputRecord } from '@weft/store';
import { mapConcurrent } from './concurrent.js';
import type { InputRow, InputRowReader } from './input-rows.js';
import type { WeftRuntime } from './runtime.js';

/** Values of a range input read at once. */
const RANGE_READS = 8;

/** What an input of a partition resolved to: the values for the compute and the edge to record. */
export interface ResolvedInputValue {
  readonly value: unknown;
  readonly record: InputRecord;
}

/**
 * Reads the inputs of a planned partition: finds the current data version and stored object of
 * every upstream partition, proves they are the versions the token was computed from (else the
 * partition must be replanned: a transient failure), and decodes the values. `readRows` finds the
 * rows (a batch reads them for many partitions at once); the values of a range are read a few at once.
 */
export async function readInputs(
  runtime: WeftRuntime,
  ctx: PartitionContext,
  inputs: readonly PlannedInput[],
  signal: AbortSignal,
  readRows: InputRowReader = (input, keys) => runtime.store.currentValues(input.assetKey, keys),
): Promise<Map<string, ResolvedInputValue>> {
  const out = new Map<string, ResolvedInputValue>();
  for (const input of inputs) {
    const node = runtime.graph.node(input.assetKey);
    const def = node.partitions;
    const keys: PartitionKey[] = [];
    for (const [a, b] of input.ranges) for (let i = a; i < b; i++) keys.push(def.keyAt(i, ctx));
    const rows = await readRows(input, keys);
    const versions = rows.map((r) => r.dataVersion ?? undefined);
    if (input.cardinality === 'many') {
      const runs = input.ranges.map(([a, b], k) => {
        const offset = input.ranges.slice(0, k).reduce((n, [x, y]) => n + y - x, 0);
        const keysOf = input.rangeKeys[k] as readonly [string, string];
        return { firstKey: keysOf[0], lastKey: keysOf[1], versions: versions.slice(offset, offset + (b - a)) };
      });
      const hash = rangeInputHashOf(runs);
      if (hash !== input.expected) throw new StalePlanError(`input ${input.name} (${input.assetKey}) changed since it was planned: replanning`, { assetKey: input.assetKey, field: `inputs.${input.name}` });
      const read = await mapConcurrent(keys, RANGE_READS, (key, k) => readValue(runtime, input.assetKey, key, rows[k], signal));
      const values = new Map<PartitionKey, unknown>(keys.map((key, k) => [key, read[k]]));
      const first = input.rangeKeys[0]?.[0] ?? '';
      const last = input.rangeKeys.at(-1)?.[1] ?? '';
      // The exact set read when first…last does not say it (one zone's days of a zone × day asset).
      const set = encodePartitionSet(PartitionSet.fromIndices(def, RangeSet.fromRanges(input.ranges)), ctx);
      out.set(input.name, { value: values, record: { name: input.name, upstreamAsset: input.assetKey, range: { first, last, count: keys.length, combinedHash: hash, ...(set ? { set } : {}) } } });
    } else {
      const key = keys[0];
      if (key === undefined) {
        if (input.expected !== ABSENT_INPUT) throw new StalePlanError(`input ${input.name} (${input.assetKey}) changed since it was planned: replanning`, { assetKey: input.assetKey, field: `inputs.${input.name}` });
        out.set(input.name, { value: undefined, record: { name: input.name, upstreamAsset: input.assetKey, partitionKey: '', dataVersion: ABSENT_INPUT } });
        continue;
      }
      const version = versions[0];
      if (version !== input.expected) throw new StalePlanError(`input ${input.name} (${input.assetKey} ${key}) changed since it was planned: replanning`, { assetKey: input.assetKey, partitionKey: key, field: `inputs.${input.name}` });
      const value = await readValue(runtime, input.assetKey, key, rows[0], signal);
      out.set(input.name, { value, record: { name: input.name, upstreamAsset: input.assetKey, partitionKey: key, dataVersion: version } });
    }
  }
  return out;
}

async function readValue(runtime: WeftRuntime, assetKey: string, partitionKey: PartitionKey, row: InputRow | undefined, signal: AbortSignal): Promise<unknown> {
  const def = runtime.graph.node(assetKey).definition;
  let bytes: Uint8Array;
  if (def.kind === 'source') {
    if (!def.observe) throw new WeftError('definition.bad_option', `source ${assetKey} has no connector to read partition ${JSON.stringify(partitionKey)} from`, { assetKey, partitionKey, field: 'observe' });
    bytes = await def.observe.read(partitionKey, { sourceKey: assetKey, signal });
  } else if (row?.inlineValue) {
    bytes = row.inlineValue;
  } else {
    const uri = row?.storageUri ?? null;
    if (uri === null) throw new TransientError(`${assetKey} partition ${JSON.stringify(partitionKey)} has no stored value yet`);
    bytes = runtime.recentValues?.get(uri) ?? (await runtime.storage.get(uri));
  }
  return def.codec.decode(bytes);
}
