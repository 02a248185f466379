/**
 * Data versions: the identity of a stored value (or of a source partition as its connector reports
 * it). Equal versions mean equal data, which is what lets early cutoff stop propagation.
 *
 * @module
 */
import { WeftError } from '../errors.js';
import { hashCanonical } from './canonical-encoding.js';
import { sha256HexOfBytes } from './sha256.js';

/**
 * A data version: normally 64 lower-case hex characters (a SHA-256), or {@link UNKNOWN_DATA_VERSION}.
 * A plain string (not branded) so versions read from the store need no casts.
 */
export type DataVersion = string;

/**
 * The version of data whose version cannot be known (a connector that reports nothing). Never equal
 * to a digest; a token with an unknown input is itself unknown ({@link UNKNOWN_TOKEN}), so whatever
 * reads unknown data is always considered stale.
 */
export const UNKNOWN_DATA_VERSION = 'unknown';

/** Whether `version` (a data version, combined range hash or token) is the unknown marker. */
export function isUnknown(version: string): boolean {
  return version === UNKNOWN_DATA_VERSION;
}

/** Whether `value` has the shape of a digest: exactly 64 lower-case hex characters. */
export function isDigestHex(value: string): boolean {
  return value.length === 64 && /^[0-9a-f]{64}$/.test(value);
}

/**
 * The data version of stored bytes: SHA-256 of exactly the bytes the codec wrote, as 64 lower-case
 * hex characters — the same value `sha256sum` prints for the stored object.
 */
export function dataVersionOf(bytes: Uint8Array): DataVersion {
  return sha256HexOfBytes(bytes);
}

/** A version as a connector reports it for a source partition; all fields are optional. */
export interface ReportedSourceVersion {
  /** An HTTP/S3 ETag, verbatim (quotes and a `W/` prefix are kept as reported). */
  readonly etag?: string;
  /** A content checksum in any format the connector chooses (e.g. `sha256:…`, a CRC32C). */
  readonly checksum?: string;
  /** Last modification time in epoch milliseconds (fractions allowed). */
  readonly mtimeMs?: number;
  /** Size in bytes. */
  readonly size?: number;
}

/** Domain prefix of source data versions. */
export const SOURCE_VERSION_DOMAIN = 'weft/source-version/v1';

function badReport(field: string, message: string): WeftError {
  return new WeftError('hashing.bad_value', `bad source version: ${field} ${message}`, { field });
}

/**
 * Turns a connector-reported version into a {@link DataVersion} (64 hex characters):
 * `hashCanonical(['weft/source-version/v1', kind, ...payload])` with kind `checksum`, `etag` or
 * `stat` (payload `mtimeMs ?? null, size ?? null`), so different kinds never collide (an ETag `"1"`
 * and a checksum `"1"` give different versions).
 *
 * Only the strongest reported kind counts — checksum, else etag, else mtime/size — so that a re-upload
 * of identical content (same checksum or ETag, new mtime) keeps its version and early cutoff works.
 * A report with no field gives {@link UNKNOWN_DATA_VERSION}.
 *
 * @throws WeftError `hashing.bad_value` for a non-finite `mtimeMs` or a `size` that is not a
 * non-negative integer.
 */
export function sourceDataVersion(reported: ReportedSourceVersion): DataVersion {
  if (reported.checksum !== undefined) return hashCanonical([SOURCE_VERSION_DOMAIN, 'checksum', reported.checksum]);
  if (reported.etag !== undefined) return hashCanonical([SOURCE_VERSION_DOMAIN, 'etag', reported.etag]);
  const { mtimeMs, size } = reported;
  if (mtimeMs === undefined && size === undefined) return UNKNOWN_DATA_VERSION;
  if (mtimeMs !== undefined && !Number.isFinite(mtimeMs)) throw badReport('mtimeMs', `must be a finite number, got ${mtimeMs}`);
  if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) {
    throw badReport('size', `must be a non-negative integer, got ${size}`);
  }
  return hashCanonical([SOURCE_VERSION_DOMAIN, 'stat', mtimeMs ?? null, size ?? null]);
}
