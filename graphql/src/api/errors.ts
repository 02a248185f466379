/**
 * The domain errors the API answers with: each is a GraphQL type in the error unions of the
 * fields that can meet it (see schema/errors.ts), never a bare 500.
 */

/** A named thing does not exist (an asset, a partition's materialization, a request, a token). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(
    readonly kind: string,
    readonly key: string,
    message = `${kind} ${JSON.stringify(key)} does not exist`,
  ) {
    super(message);
  }
}

/** A partition key the asset's partitions do not have, or a range that makes no sense. */
export class InvalidPartitionError extends Error {
  override readonly name = 'InvalidPartitionError';
  constructor(
    readonly assetKey: string,
    readonly partitionKey: string,
    message: string,
  ) {
    super(message);
  }
}

/** An argument that is well-typed but wrong (a depth out of range, a source asked to materialize). */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The location has no deployment yet, or its catalog cannot be rebuilt here. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
}
