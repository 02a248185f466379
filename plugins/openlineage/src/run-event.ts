/**
 * OpenLineage 2-0-2 RunEvents from Weft's materialization events. A job is an asset; a run is one
 * attempt at one partition (its id a UUID derived from the token and attempt, the same for its
 * START and its COMPLETE or FAIL); the parent run is the Temporal workflow that ran the batch.
 * Inputs are the upstream assets read, outputs the asset itself with its data version, the
 * partition (a custom `weft_partition` facet, and `nominalTime` for time windows) and its checks
 * as data-quality assertions.
 */
import { createHash } from 'node:crypto';
import type { MaterializationEvent } from '@weft/core';

export const SPEC = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';
const FACETS = 'https://openlineage.io/spec/facets';
/** Weft's OpenLineage producer (a URN: the events name the plugin and its version). */
export const PRODUCER = 'urn:weft:plugin-openlineage:0.1.0';
/** Weft's custom facets (`weft_run`, `weft_failure`, `weft_read`, `weft_partition`; described in the plugin's README). */
const WEFT_FACETS = `${PRODUCER}:facets`;

export type RunEvent = Record<string, unknown> & { eventType: 'START' | 'COMPLETE' | 'FAIL'; run: { runId: string; facets: Record<string, unknown> } };

/** A UUID (RFC 4122 layout, version 5 bits) from a name: stable across processes. */
export function uuidFrom(name: string): string {
  const b = createHash('sha256').update(name).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RunEventOptions {
  /** Namespace of jobs and datasets. @default `weft://<location>` */
  readonly namespace?: string;
}

export function runEventOf(event: MaterializationEvent, options: RunEventOptions = {}): RunEvent {
  const namespace = options.namespace ?? `weft://${event.location}`;
  const facet = (schema: string): { _producer: string; _schemaURL: string } => ({ _producer: PRODUCER, _schemaURL: schema });
  const runFacets: Record<string, unknown> = {
    weft_run: {
      ...facet(`${WEFT_FACETS}#weft_run`),
      location: event.location,
      partitionKey: event.partitionKey,
      token: event.token,
      attempt: event.attempt,
      codeVersion: event.codeVersion,
      deploymentId: event.deploymentId,
      worker: event.worker,
      computeProvider: event.computeProvider,
    },
  };
  if (event.workflowId) {
    // The parent's run id must be a UUID: Temporal's run ids are; otherwise one is derived.
    const parentRunId = event.runId && UUID.test(event.runId) ? event.runId.toLowerCase() : uuidFrom(`${event.workflowId}/${event.runId ?? ''}`);
    runFacets['parent'] = { ...facet(`${FACETS}/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet`), run: { runId: parentRunId }, job: { namespace, name: event.workflowId } };
  }
  if (event.window) runFacets['nominalTime'] = { ...facet(`${FACETS}/1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet`), nominalStartTime: new Date(event.window.start).toISOString(), nominalEndTime: new Date(event.window.end).toISOString() };
  if (event.kind === 'fail' && event.error) {
    runFacets['errorMessage'] = { ...facet(`${FACETS}/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet`), message: event.error.message, programmingLanguage: 'TypeScript', ...(event.error.stack ? { stackTrace: event.error.stack } : {}) };
    runFacets['weft_failure'] = { ...facet(`${WEFT_FACETS}#weft_failure`), failureClass: event.error.failureClass, fingerprint: event.error.fingerprint };
  }
  const inputs = event.inputs.map((i) => ({
    namespace,
    name: i.assetKey,
    facets: {
      weft_read: { ...facet(`${WEFT_FACETS}#weft_read`), input: i.input, isSource: i.isSource, partitions: i.partitions.map((p) => ({ partitionKey: p.partitionKey, dataVersion: p.dataVersion })) },
      ...(i.partitions.length === 1 && i.partitions[0]!.dataVersion ? { version: { ...facet(`${FACETS}/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet`), datasetVersion: i.partitions[0]!.dataVersion } } : {}),
    },
  }));
  const outputFacets: Record<string, unknown> = { weft_partition: { ...facet(`${WEFT_FACETS}#weft_partition`), partitionKey: event.partitionKey } };
  if (event.output) {
    outputFacets['version'] = { ...facet(`${FACETS}/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet`), datasetVersion: event.output.dataVersion };
    outputFacets['weft_partition'] = { ...(outputFacets['weft_partition'] as object), storageUri: event.output.storageUri, bytes: event.output.bytes };
  }
  if (event.checks && event.checks.length > 0) {
    outputFacets['dataQualityAssertions'] = {
      ...facet(`${FACETS}/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet`),
      assertions: event.checks.map((c) => ({ assertion: c.name, name: c.name, success: c.passed, severity: c.blocking ? 'error' : 'warn', ...(c.message ? { actual: c.message } : {}) })),
    };
  }
  return {
    eventType: event.kind === 'start' ? 'START' : event.kind === 'complete' ? 'COMPLETE' : 'FAIL',
    eventTime: new Date(event.at).toISOString(),
    producer: PRODUCER,
    schemaURL: `${SPEC}#/$defs/RunEvent`,
    run: { runId: uuidFrom(`${event.location}/${event.token}/${event.attempt}`), facets: runFacets },
    job: { namespace, name: event.assetKey, facets: { jobType: { ...facet(`${FACETS}/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet`), processingType: 'BATCH', integration: 'WEFT', jobType: 'ASSET' } } },
    inputs,
    outputs: [{ namespace, name: event.assetKey, facets: outputFacets }],
  };
}
