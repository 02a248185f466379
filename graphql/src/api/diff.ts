import { describeStoredPartitionSet } from '@weft/core';
import type { InputEdgeDetail, MaterializationDetail } from '@weft/store';

/** How one input differs between two materializations. */
export interface InputDiff {
  readonly name: string;
  readonly upstreamAsset: string;
  /** `added`, `removed`, `changed` or `same`. */
  readonly change: 'added' | 'removed' | 'changed' | 'same';
  /** Upstream partitions read by both with another data version. */
  readonly changedPartitions: ReadonlyArray<{ readonly partitionKey: string; readonly fromDataVersion: string | null; readonly toDataVersion: string | null; readonly fromMaterializationId: number | null; readonly toMaterializationId: number | null }>;
  readonly addedPartitions: readonly string[];
  readonly removedPartitions: readonly string[];
  /** A range input whose range or combined hash moved: `{ from, to }` of `first…last (count, hash)` (the exact set in place of first…last when that does not say it). */
  readonly range: { readonly from: string | null; readonly to: string | null } | null;
}

/** What changed between two materializations of one partition. */
export interface MaterializationDiff {
  readonly from: MaterializationDetail;
  readonly to: MaterializationDetail;
  readonly codeChanged: boolean;
  readonly outputChanged: boolean;
  readonly deploymentChanged: boolean;
  readonly inputs: readonly InputDiff[];
}

/** `first…last (count, hash)`, or the exact set read when first…last does not say it (one zone's days). */
const rangeText = (e: InputEdgeDetail | undefined): string | null =>
  e?.range ? `${e.range.set ? describeStoredPartitionSet(e.range.set) : `${e.range.first}…${e.range.last}`} (${e.range.count}, ${e.range.combinedHash.slice(0, 12)})` : null;

/** Compares what two materializations read, input by input (edges as the store keeps them). */
export function diffMaterializations(from: MaterializationDetail, fromEdges: readonly InputEdgeDetail[], to: MaterializationDetail, toEdges: readonly InputEdgeDetail[]): MaterializationDiff {
  const names = [...new Set([...fromEdges, ...toEdges].map((e) => e.inputName))].sort();
  const inputs = names.map((name): InputDiff => {
    const a = fromEdges.filter((e) => e.inputName === name);
    const b = toEdges.filter((e) => e.inputName === name);
    const upstreamAsset = (b[0] ?? a[0])!.upstreamAsset;
    if (a.length === 0 || b.length === 0) {
      const side = a.length === 0 ? b : a;
      const keys = side.flatMap((e) => (e.upstreamPartition === null ? [] : [e.upstreamPartition]));
      return { name, upstreamAsset, change: a.length === 0 ? 'added' : 'removed', changedPartitions: [], addedPartitions: a.length === 0 ? keys : [], removedPartitions: a.length === 0 ? [] : keys, range: null };
    }
    const byKey = (edges: readonly InputEdgeDetail[]) => new Map(edges.filter((e) => e.upstreamPartition !== null).map((e) => [e.upstreamPartition as string, e]));
    const ka = byKey(a);
    const kb = byKey(b);
    const changedPartitions = [...kb.entries()]
      .filter(([k, e]) => ka.has(k) && ka.get(k)!.dataVersion !== e.dataVersion)
      .map(([k, e]) => ({ partitionKey: k, fromDataVersion: ka.get(k)!.dataVersion, toDataVersion: e.dataVersion, fromMaterializationId: ka.get(k)!.upstreamMaterializationId, toMaterializationId: e.upstreamMaterializationId }));
    const addedPartitions = [...kb.keys()].filter((k) => !ka.has(k));
    const removedPartitions = [...ka.keys()].filter((k) => !kb.has(k));
    const ra = rangeText(a.find((e) => e.range));
    const rb = rangeText(b.find((e) => e.range));
    const range = ra === rb ? null : { from: ra, to: rb };
    const same = changedPartitions.length === 0 && addedPartitions.length === 0 && removedPartitions.length === 0 && range === null;
    return { name, upstreamAsset, change: same ? 'same' : 'changed', changedPartitions, addedPartitions, removedPartitions, range };
  });
  return { from, to, codeChanged: from.codeVersion !== to.codeVersion, outputChanged: from.dataVersion !== to.dataVersion, deploymentChanged: from.deploymentId !== to.deploymentId, inputs };
}
