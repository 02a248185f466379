/**
 * Tokens: the identity of a computation. Two requests with the same token are the same computation
 * and run once; a partition is fresh iff its latest success has the token computed now.
 *
 * @module
 */
import { WeftError } from '../errors.js';
import { compareCodePoints, withCanonicalWriter, type Canonical, type CanonicalWriter } from './canonical-encoding.js';
import { UNKNOWN_DATA_VERSION, type DataVersion } from './data-version.js';
import { sha256HexOfBytes } from './sha256.js';

/** A token: 64 lower-case hex characters, or {@link UNKNOWN_TOKEN}. */
export type Token = string;

/**
 * The token of a computation with an unknown input. Equal to {@link UNKNOWN_DATA_VERSION} (so
 * `isUnknown` works on both); it never equals a stored token, so such a partition is always stale.
 */
export const UNKNOWN_TOKEN: Token = UNKNOWN_DATA_VERSION;

/** Domain prefix: the first element of every token's canonical form. Bump it to change the format. */
export const TOKEN_DOMAIN = 'weft/token/v1';

/** An input that maps to one upstream partition (identity, offset, fan-out, static map…). */
export interface TokenInputSingle {
  /** The input's name as declared on the asset (`inputs: { raw: … }` → `raw`). */
  readonly name: string;
  readonly assetKey: string;
  /** The upstream partition key; `null` for an unpartitioned upstream. */
  readonly partitionKey: string | null;
  readonly dataVersion: DataVersion;
}

/** An input that maps to a range of upstream partitions (rollup, window, all). */
export interface TokenInputRange {
  readonly name: string;
  readonly assetKey: string;
  /** Number of upstream partitions in the range. */
  readonly count: number;
  /** `RangeHashTree.rangeHash` or `combinedHashOf` over the range (or `UNKNOWN_DATA_VERSION`). */
  readonly combinedHash: string;
}

/** Either kind of token input. */
export type TokenInput = TokenInputSingle | TokenInputRange;

/** Everything a token depends on. */
export interface TokenRequest {
  readonly assetKey: string;
  readonly codeVersion: string;
  /** The partition computed; `null` for an unpartitioned asset. */
  readonly partitionKey: string | null;
  /** In any order: they are sorted by name inside. Names must be unique. */
  readonly inputs: readonly TokenInput[];
}

function isRange(input: TokenInput): input is TokenInputRange {
  return (input as Partial<TokenInputRange>).combinedHash !== undefined;
}

function sortedInputs(request: TokenRequest): readonly TokenInput[] | undefined {
  const { inputs } = request;
  for (const input of inputs) {
    if ((isRange(input) ? input.combinedHash : input.dataVersion) === UNKNOWN_DATA_VERSION) return undefined;
  }
  if (inputs.length < 2) return inputs;
  const sorted = [...inputs].sort((a, b) => compareCodePoints(a.name, b.name));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.name === sorted[i - 1]!.name) {
      const field = `inputs.${sorted[i]!.name}`;
      throw new WeftError('hashing.bad_value', `token inputs must have unique names; ${field} appears twice`, {
        assetKey: request.assetKey,
        field,
      });
    }
  }
  return sorted;
}

function checkCount(request: TokenRequest, input: TokenInputRange): void {
  if (!Number.isSafeInteger(input.count) || input.count < 0) {
    throw new WeftError('hashing.bad_value', `range input ${input.name} has a bad count ${input.count}`, {
      assetKey: request.assetKey,
      field: `inputs.${input.name}.count`,
    });
  }
}

function writeToken(writer: CanonicalWriter, request: TokenRequest, inputs: readonly TokenInput[]): void {
  writer.beginArray(5);
  writer.writeString(TOKEN_DOMAIN);
  writer.writeString(request.assetKey);
  writer.writeString(request.codeVersion);
  if (request.partitionKey === null) writer.writeNull();
  else writer.writeString(request.partitionKey);
  writer.beginArray(inputs.length);
  for (const input of inputs) {
    writer.beginArray(5);
    writer.writeString(input.name);
    if (isRange(input)) {
      checkCount(request, input);
      writer.writeString('range');
      writer.writeString(input.assetKey);
      writer.writeNumber(input.count);
      writer.writeString(input.combinedHash);
    } else {
      writer.writeString('single');
      writer.writeString(input.assetKey);
      if (input.partitionKey === null) writer.writeNull();
      else writer.writeString(input.partitionKey);
      writer.writeString(input.dataVersion);
    }
  }
}

/**
 * The canonical form a token hashes, for audit and debugging:
 * `['weft/token/v1', assetKey, codeVersion, partitionKey, inputs]` with inputs sorted by name (code
 * point order), each `[name, 'single', assetKey, partitionKey, dataVersion]` or
 * `[name, 'range', assetKey, count, combinedHash]`. `computeToken(r) === hashCanonical(tokenCanonicalForm(r))`
 * unless an input is unknown.
 */
export function tokenCanonicalForm(request: TokenRequest): Canonical {
  const inputs = [...request.inputs].sort((a, b) => compareCodePoints(a.name, b.name));
  return [
    TOKEN_DOMAIN,
    request.assetKey,
    request.codeVersion,
    request.partitionKey,
    inputs.map((input): Canonical =>
      isRange(input)
        ? [input.name, 'range', input.assetKey, input.count, input.combinedHash]
        : [input.name, 'single', input.assetKey, input.partitionKey, input.dataVersion],
    ),
  ];
}

/**
 * The token of a computation: SHA-256 hex of the canonical encoding of {@link tokenCanonicalForm},
 * written straight into a reused buffer and hashed once (no intermediate objects, no JSON).
 * Returns {@link UNKNOWN_TOKEN} if any input's data version or combined hash is unknown.
 *
 * @throws WeftError `hashing.bad_value` for duplicate input names, a bad range count or a lone
 * surrogate in a key.
 * @example
 * computeToken({ assetKey: 'clean_orders', codeVersion: cv, partitionKey: '2024-01-31',
 *   inputs: [{ name: 'raw', assetKey: 'raw_orders', partitionKey: '2024-01-31', dataVersion: dv }] });
 */
export function computeToken(request: TokenRequest): Token {
  const inputs = sortedInputs(request);
  if (inputs === undefined) return UNKNOWN_TOKEN;
  return withCanonicalWriter((writer) => {
    writeToken(writer, request, inputs);
    return sha256HexOfBytes(writer.bytes());
  });
}
