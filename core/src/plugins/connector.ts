import type { PartitionKey } from '../partitions/types.js';

/** A version a connector reports for a source partition (any of these; more is better). */
export interface ReportedVersion {
  readonly etag?: string;
  readonly checksum?: string;
  readonly mtimeMs?: number;
  readonly size?: number;
}

/** One source partition as a connector sees it. */
export interface ObservedPartition {
  readonly partitionKey: PartitionKey;
  readonly version: ReportedVersion;
}

/** What a connector's observe/read calls receive. */
export interface ConnectorContext {
  readonly sourceKey: string;
  readonly signal: AbortSignal;
}

/**
 * The narrow interface of a source connector: list what exists with versions, and read one
 * partition's bytes. Vendor SDKs stay inside the plugin implementing it.
 */
export interface SourceConnector {
  /** Name for messages and deployments, e.g. `s3Objects(landing/orders/{date}.csv)`. */
  readonly name: string;
  /** Lists the source partitions that exist now, with their versions. */
  observe(ctx: ConnectorContext): Promise<readonly ObservedPartition[]>;
  /** Reads the bytes of one source partition. */
  read(partitionKey: PartitionKey, ctx: ConnectorContext): Promise<Uint8Array>;
}
