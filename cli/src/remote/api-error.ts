/**
 * Errors from the Weft API, in words, with what to do about them. The API answers domain errors
 * as typed union members (`NotFound`, `InvalidPartition`, `InvalidInput`, `Forbidden`,
 * `Unavailable`); {@link unwrap} turns them into an {@link ApiError}.
 */
import { EXIT } from '../exit-codes.js';
import type { ApiEndpoint, GraphQLErrorEntry } from './client.js';

/** A failure talking to the API: printed as `weft <command>: <message>` and `  <hint>`, exit code 1. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    /** What to do about it. */
    readonly hint?: string,
    /** The union member's type name, when the API answered one. */
    readonly kind?: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }

  /** The server did not answer at all. */
  static unreachable(endpoint: ApiEndpoint, cause: string): ApiError {
    return new ApiError(
      `cannot reach the Weft API at ${endpoint.url} (${cause})`,
      endpoint.via.startsWith('weft dev')
        ? `is \`weft dev\` still running? (found through ${endpoint.via})`
        : `is \`weft server\` running there? Check the address (${endpoint.via}).`,
      'Unreachable',
    );
  }

  /** Errors in a GraphQL response's `errors` (a refused document, a masked server error, no token). */
  static fromGraphQL(errors: readonly GraphQLErrorEntry[], endpoint: ApiEndpoint): ApiError {
    const first = errors[0]!;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
    if (/not authori[sz]ed|unauthori[sz]ed/i.test(first.message)) {
      return new ApiError(
        `the API refused the request: ${first.message}${more}`,
        endpoint.token ? 'the token is unknown, expired, revoked, or lacks the role: check it with an admin (`weft token list`)' : 'send an API token: --token <secret> or WEFT_TOKEN (an admin makes one with `weft token create`)',
        'Unauthorized',
      );
    }
    const code = first.extensions?.['code'];
    const hint = code === 'INTERNAL_SERVER_ERROR' ? 'the server logged the error with this correlation id (search its stderr for it)' : undefined;
    return new ApiError(`the API answered an error: ${first.message}${more}`, hint, typeof code === 'string' ? code : 'GraphQLError');
  }
}

/** A member of an error union (every one has `__typename` and `message`). */
export interface UnionResult {
  readonly __typename: string;
  readonly message?: string;
  readonly [field: string]: unknown;
}

const ERROR_TYPES = new Set(['NotFound', 'InvalidPartition', 'InvalidInput', 'Forbidden', 'Unavailable']);

/** The fields every error member is asked for; spread into a union selection. */
export const ERROR_FIELDS = `__typename
      ... on Error { message }
      ... on NotFound { kind key }
      ... on InvalidPartition { assetKey partitionKey }
      ... on InvalidInput { field }`;

/**
 * Returns the result when it is the expected type, or throws an {@link ApiError} that says what
 * went wrong and what to do.
 */
export function unwrap<T extends UnionResult>(result: UnionResult, expected: string): T {
  if (result.__typename === expected) return result as T;
  if (!ERROR_TYPES.has(result.__typename)) throw new ApiError(`the API answered a ${result.__typename}, not a ${expected}`);
  throw new ApiError(result.message ?? result.__typename, adviceFor(result), result.__typename);
}

function adviceFor(error: UnionResult): string {
  switch (error.__typename) {
    case 'NotFound':
      if (error['kind'] === 'asset') return '`weft status` lists the assets (pass --location for another code location)';
      if (error['kind'] === 'code location') return 'the code location has no deployment: start its workers (`weft worker`) or `weft dev`';
      return `check the ${String(error['kind'] ?? 'key')} ${JSON.stringify(error['key'] ?? '')}`;
    case 'InvalidPartition':
      return `use a key of ${String(error['assetKey'] ?? 'the asset')}'s partitions (\`weft status\` shows each asset's partitions; ranges are inclusive, first before last)`;
    case 'InvalidInput':
      return `fix ${String(error['field'] ?? 'the argument')} (see \`weft <command> --help\`)`;
    case 'Forbidden':
      return "your token lacks the role this needs on the asset's group: ask an admin for one (`weft token create --role <group>=operator`)";
    case 'Unavailable':
      return 'the code location has no deployment yet: start its workers (`weft worker`) or `weft dev`, then try again';
    default:
      return '';
  }
}
