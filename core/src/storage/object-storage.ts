/**
 * The largest value a materialization row in the provenance store keeps itself (its
 * `inline_value`) instead of object storage: anything larger belongs in object storage.
 */
export const MAX_INLINE_VALUE_BYTES = 64 * 1024;

/** Options of {@link ObjectStorage.put}. */
export interface PutOptions {
  /**
   * The key names these bytes (it holds their data version, a hash of them): whole bytes already
   * under the key are these same bytes, so a storage may keep them instead of writing again. Weft
   * stores every value this way. @default false
   */
  readonly contentAddressed?: boolean;
}

/**
 * The narrow interface a storage plugin implements: values move through it as bytes, addressed
 * by keys; workflows only ever carry the resulting URIs.
 */
export interface ObjectStorage {
  /** Scheme of the URIs this storage hands out, e.g. `file` or `s3`. */
  readonly scheme: string;
  /**
   * Stores `bytes` under `key` atomically (readers see the old value or the new one) and returns its
   * URI. With `contentAddressed`, see {@link PutOptions}.
   */
  put(key: string, bytes: Uint8Array, options?: PutOptions): Promise<string>;
  /** Reads the bytes behind a URI from `put`; rejects with a `storage.not_found` WeftError when absent. */
  get(uri: string): Promise<Uint8Array>;
  /** Whether a URI from `put` still holds a value. */
  exists(uri: string): Promise<boolean>;
  /** Removes the value; removing an absent one is not an error. */
  delete(uri: string): Promise<void>;
  /**
   * Stores a value too large to hold in memory, chunk by chunk, atomically: if `source` throws (or
   * the process dies) before its end, nothing is readable under `key` (an older value stays).
   * Optional: storages without it take only `put`.
   */
  putStream?(key: string, source: AsyncIterable<Uint8Array>): Promise<string>;
  /** Reads a value chunk by chunk; the first chunk rejects with `storage.not_found` when absent. */
  getStream?(uri: string): AsyncIterable<Uint8Array>;
}
