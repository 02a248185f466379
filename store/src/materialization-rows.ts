/**
 * The rows a batch of materializations becomes (weft_materializations and weft_input_edges), as
 * COPY text lines, and the checks that keep every value storable exactly.
 */
import { parseStoredPartitionSet, storedSetKeys, WeftError } from '@weft/core';
import { copyFields, copyLine } from './copy-text.js';
import type { MaterializationRecord } from './types.js';
import { checkInteger, checkStoredText, checkText, MAX_INLINE_VALUE_BYTES, MAX_INT4, MAX_TIMESTAMP_MS } from './validate.js';

/** weft_materializations columns a recording fills, in COPY order. */
export const MATERIALIZATION_COLUMNS = [
  'id',
  'token',
  'asset_key',
  'partition_key',
  'code_version',
  'data_version',
  'storage_uri',
  'inline_value',
  'bytes',
  'started_at',
  'finished_at',
  'attempt',
  'worker',
  'compute_provider',
  'workflow_id',
  'run_id',
  'inputs_as_of',
  'deployment_id',
  'event_id',
] as const;

/** weft_input_edges columns, in COPY order. */
export const EDGE_COLUMNS = [
  'materialization_id',
  'input_name',
  'upstream_asset',
  'upstream_partition',
  'upstream_materialization_id',
  'data_version',
  'range_first',
  'range_last',
  'range_count',
  'combined_hash',
  'range_set',
] as const;

/** Rejects a record with a value the store cannot keep exactly, naming the asset, partition and field. */
export function checkRecord(r: MaterializationRecord): void {
  checkStoredText(r.assetKey, 'asset key');
  checkStoredText(r.partitionKey, 'partition key', { assetKey: r.assetKey });
  const where = { assetKey: r.assetKey, partitionKey: r.partitionKey };
  checkStoredText(r.token, 'token', where);
  checkStoredText(r.codeVersion, 'code version', where);
  checkStoredText(r.dataVersion, 'data version', where);
  if (r.storageUri != null) checkText(r.storageUri, 'storage URI', where);
  if (r.inlineValue != null) {
    if (!(r.inlineValue instanceof Uint8Array)) throw new WeftError('storage.bad_value', 'the inline value is not bytes', { ...where, field: 'inlineValue' });
    if (r.inlineValue.byteLength > MAX_INLINE_VALUE_BYTES)
      throw new WeftError('storage.bad_value', `the inline value is ${r.inlineValue.byteLength} bytes (at most ${MAX_INLINE_VALUE_BYTES}: larger values go to object storage)`, { ...where, field: 'inlineValue' });
    if (r.storageUri != null) throw new WeftError('storage.bad_value', 'a value is either inline or in object storage, not both', { ...where, field: 'inlineValue' });
  }
  if (r.worker != null) checkText(r.worker, 'worker', where);
  if (r.computeProvider != null) checkText(r.computeProvider, 'compute provider', where);
  if (r.workflowId != null) checkText(r.workflowId, 'workflow id', where);
  if (r.runId != null) checkText(r.runId, 'run id', where);
  if (r.deploymentId != null) checkText(r.deploymentId, 'deployment id', where);
  checkInteger(r.finishedAt, 'finishedAt', where, 0, MAX_TIMESTAMP_MS);
  checkInteger(r.inputsAsOf, 'inputsAsOf', where);
  if (r.startedAt != null) checkInteger(r.startedAt, 'startedAt', where, 0, MAX_TIMESTAMP_MS);
  if (r.bytes != null) checkInteger(r.bytes, 'bytes', where);
  if (r.attempt !== undefined) checkInteger(r.attempt, 'attempt', where, 1, MAX_INT4);
  // (No set for the usual single input.)
  const names = r.inputs.length > 1 ? new Set<string>() : undefined;
  for (const input of r.inputs) {
    checkStoredText(input.name, 'input name', where);
    if (names?.has(input.name)) throw new WeftError('storage.bad_value', `input name ${JSON.stringify(input.name)} appears twice`, { ...where, field: 'input name' });
    names?.add(input.name);
    checkStoredText(input.upstreamAsset, 'upstream asset key', where);
    if ('partitionKey' in input) {
      checkStoredText(input.partitionKey, 'upstream partition key', where);
      checkStoredText(input.dataVersion, 'upstream data version', where);
    } else {
      for (const key of [input.range.first, input.range.last]) checkStoredText(key, 'upstream range key', where);
      checkStoredText(input.range.combinedHash, 'upstream range hash', where);
      checkInteger(input.range.count, 'upstream range count', where, 1, MAX_INT4);
      if (input.range.set != null) {
        const field = `inputs.${input.name}.range.set`;
        if (parseStoredPartitionSet(input.range.set) === undefined)
          throw new WeftError('storage.bad_value', `the partition set of input ${JSON.stringify(input.name)} is not { runs } or { boxes } of key runs`, { ...where, field });
        for (const key of storedSetKeys(input.range.set)) checkStoredText(key, 'upstream range set key', where);
      }
    }
  }
}

/** weft_materializations lines: the i-th record gets id `firstId + i` and event seq `firstSeq + i`. */
export function* materializationLines(records: readonly MaterializationRecord[], firstId: number, firstSeq: number): Generator<string> {
  for (let i = 0; i < records.length; i++) yield materializationLine(firstId + i, materializationBody(records[i] as MaterializationRecord), firstSeq + i);
}

/** A weft_materializations line from its id, its {@link materializationBody} and its event seq. */
export function materializationLine(id: number, body: string, seq: number): string {
  return `${id}\t${body}\t${seq}\n`;
}

/**
 * The fields of a record's line between its id and its event seq: formatted before a recording
 * knows them (it learns them under the event lock, which is held for as short a time as can be).
 */
export function materializationBody(r: MaterializationRecord): string {
  return copyFields([
    r.token,
    r.assetKey,
    r.partitionKey,
    r.codeVersion,
    r.dataVersion,
    r.storageUri,
    r.inlineValue == null ? null : `\\x${Buffer.from(r.inlineValue.buffer, r.inlineValue.byteOffset, r.inlineValue.byteLength).toString('hex')}`,
    r.bytes,
    r.startedAt === null || r.startedAt === undefined ? null : new Date(r.startedAt),
    new Date(r.finishedAt),
    r.attempt ?? 1,
    r.worker,
    r.computeProvider,
    r.workflowId,
    r.runId,
    r.inputsAsOf,
    r.deploymentId,
  ]);
}

/**
 * weft_input_edges lines: one per input; a single input names the upstream materialization it
 * read (`upstreamOf`, null when not stored), a range input is one line with its range and hash
 * (and its partition set as JSON when first…last does not say it).
 */
export function* edgeLines(records: readonly MaterializationRecord[], firstId: number, upstreamOf: (asset: string, partition: string, dataVersion: string) => number | null): Generator<string> {
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as MaterializationRecord;
    for (const input of r.inputs) {
      yield 'partitionKey' in input
        ? copyLine([firstId + i, input.name, input.upstreamAsset, input.partitionKey, upstreamOf(input.upstreamAsset, input.partitionKey, input.dataVersion), input.dataVersion, null, null, null, null, null])
        : copyLine([firstId + i, input.name, input.upstreamAsset, null, null, null, input.range.first, input.range.last, input.range.count, input.range.combinedHash, input.range.set == null ? null : JSON.stringify(input.range.set)]);
    }
  }
}
