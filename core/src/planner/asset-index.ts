import type { GraphNode } from '../definitions/graph.js';
import type { PartitionsDefinition } from '../partitions/types.js';
import { S } from './status-codes.js';
import { PARTITION_STATUSES, type AssetSnapshot, type FailureRecord, type TokenHex } from './types.js';

/** What the planner knows of a partition it started. */
export interface Running {
  readonly token: TokenHex;
  readonly since: number;
  readonly batchId: string | null;
}

const DIGEST = 32;

function grow<T extends Uint8Array | Uint16Array | Float64Array>(array: T, capacity: number, make: (n: number) => T, fill?: number): T {
  if (array.length >= capacity) return array;
  const next = make(Math.max(capacity, array.length * 2, 16));
  next.set(array);
  if (fill !== undefined) next.fill(fill, array.length);
  return next;
}

/**
 * The planner's state of one asset or source: one entry per partition in typed arrays (a scan of
 * a million entries takes milliseconds; a Map of a million would not), sparse maps for the rare
 * states (failures, running, failed checks, ready tokens).
 */
export class AssetIndex {
  /** Partitions covered (0 … count - 1). */
  count = 0;
  status: Uint8Array = new Uint8Array(0);
  materialized: Uint8Array = new Uint8Array(0);
  token: Uint8Array = new Uint8Array(0);
  dataVersion: Uint8Array = new Uint8Array(0);
  codeVersionId: Uint16Array = new Uint16Array(0);
  verifiedSeq: Float64Array = new Float64Array(0);
  changedSeq: Float64Array = new Float64Array(0);
  readonly codeVersions: string[] = [];
  private readonly codeVersionIds = new Map<string, number>();
  readonly failures = new Map<number, FailureRecord>();
  readonly running = new Map<number, Running>();
  readonly checkFailures = new Map<number, { check: string; message: string }>();
  /**
   * Tokens of the partitions ready to run (status MISSING or STALE); `null` for a partition never
   * materialized nor failed, whose token is computed when it is picked (see `readyToken`).
   */
  readonly ready = new Map<number, TokenHex | null>();
  /** Failures a user asked to retry (cleared when the partition runs). */
  readonly retryRequested = new Set<number>();

  readonly isSource: boolean;
  readonly definition: PartitionsDefinition;

  constructor(
    readonly node: GraphNode,
    readonly currentCodeVersion: string,
  ) {
    this.isSource = node.definition.kind === 'source';
    this.definition = node.partitions;
  }

  private currentId = -1;

  /** Id of the current code version (interned on first use). */
  get currentCodeId(): number {
    if (this.currentId < 0) this.currentId = this.codeId(this.currentCodeVersion);
    return this.currentId;
  }

  /** Id of a code version string (interned). */
  codeId(version: string): number {
    let id = this.codeVersionIds.get(version);
    if (id === undefined) {
      id = this.codeVersions.length;
      this.codeVersions.push(version);
      this.codeVersionIds.set(version, id);
    }
    return id;
  }

  /** Makes room for `count` partitions; new ones are NEW and unmaterialized. */
  extend(count: number): void {
    if (count <= this.count) return;
    // New partitions start unmaterialized: grow() zero-fills, and the clocks are set to -1 below.
    this.status = grow(this.status, count, (n) => new Uint8Array(n));
    this.materialized = grow(this.materialized, count, (n) => new Uint8Array(n));
    this.token = grow(this.token, count * DIGEST, (n) => new Uint8Array(n));
    this.dataVersion = grow(this.dataVersion, count * DIGEST, (n) => new Uint8Array(n));
    this.codeVersionId = grow(this.codeVersionId, count, (n) => new Uint16Array(n));
    this.verifiedSeq = grow(this.verifiedSeq, count, (n) => new Float64Array(n), -1);
    this.changedSeq = grow(this.changedSeq, count, (n) => new Float64Array(n), -1);
    this.status.fill(S.NEW, this.count, count);
    this.verifiedSeq.fill(-1, this.count, count);
    this.changedSeq.fill(-1, this.count, count);
    this.count = count;
  }

  /**
   * Loads the columns of a snapshot. The index takes the snapshot's typed arrays over without
   * copying them (they must not be used afterwards); they are reallocated when partitions are added.
   * `status` still holds public status codes: the planner turns them into internal ones in place.
   */
  load(snapshot: AssetSnapshot): void {
    const n = snapshot.count;
    this.count = n;
    if (snapshot.status.length >= n) this.status = snapshot.status.subarray(0, n);
    else {
      // (A short column: the partitions it lacks have no status known, like missing ones.)
      this.status = new Uint8Array(n).fill(PARTITION_STATUSES.indexOf('missing'));
      this.status.set(snapshot.status);
    }
    this.materialized = snapshot.materialized.subarray(0, n);
    this.token = snapshot.token.subarray(0, n * DIGEST);
    this.dataVersion = snapshot.dataVersion.subarray(0, n * DIGEST);
    this.verifiedSeq = snapshot.verifiedSeq.subarray(0, n);
    this.changedSeq = snapshot.changedSeq.subarray(0, n);
    const remap = snapshot.codeVersions.map((v) => this.codeId(v));
    const ids = snapshot.codeVersionId.subarray(0, n);
    const identity = remap.every((id, k) => id === k);
    if (identity) this.codeVersionId = ids;
    else {
      this.codeVersionId = new Uint16Array(n);
      for (let i = 0; i < n; i++) this.codeVersionId[i] = remap[ids[i] as number] ?? 0;
    }
    for (const f of snapshot.failures) this.failures.set(f.index, f);
    for (const r of snapshot.running) this.running.set(r.index, { token: r.token, since: r.since, batchId: r.batchId });
    for (const c of snapshot.checkFailures) this.checkFailures.set(c.index, { check: c.check, message: c.message });
  }

  tokenHex(i: number): TokenHex {
    return Buffer.from(this.token.buffer, this.token.byteOffset + i * DIGEST, DIGEST).toString('hex');
  }

  dataVersionHex(i: number): string {
    return Buffer.from(this.dataVersion.buffer, this.dataVersion.byteOffset + i * DIGEST, DIGEST).toString('hex');
  }

  /** The 32-byte data version digest of partition i (a view, not a copy). */
  dataVersionBytes(i: number): Uint8Array {
    return this.dataVersion.subarray(i * DIGEST, i * DIGEST + DIGEST);
  }

  /** Whether the stored token of partition i equals `hex`. */
  tokenEquals(i: number, hex: TokenHex): boolean {
    if (this.materialized[i] !== 1) return false;
    const stored = this.token.subarray(i * DIGEST, i * DIGEST + DIGEST);
    return Buffer.from(hex, 'hex').equals(stored);
  }

  setToken(i: number, hex: TokenHex): void {
    this.token.set(Buffer.from(hex, 'hex'), i * DIGEST);
  }

  /** Sets the data version; returns true when it changed. */
  setDataVersion(i: number, hex: string): boolean {
    const bytes = Buffer.from(hex, 'hex');
    if (bytes.length !== DIGEST) throw new RangeError(`data version of ${this.node.key} partition ${i} is not 32 bytes of hex: ${JSON.stringify(hex)}`);
    const current = this.dataVersion.subarray(i * DIGEST, i * DIGEST + DIGEST);
    if (this.materialized[i] === 1 && bytes.equals(current)) return false;
    this.dataVersion.set(bytes, i * DIGEST);
    return true;
  }
}
