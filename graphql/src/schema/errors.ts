import { ForbiddenError } from '@pothos/plugin-scope-auth';
import { InvalidInputError, InvalidPartitionError, NotFoundError, UnavailableError } from '../api/errors.js';
import { builder } from '../builder.js';

/** Every domain error: a message a person can act on. */
export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'A domain error answered as data (in the error union of the field), never a bare server error.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

builder.objectType(NotFoundError, {
  name: 'NotFound',
  description: 'The named thing does not exist.',
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof NotFoundError,
  fields: (t) => ({ kind: t.exposeString('kind', { description: '`asset`, `code location`, `materialization`, `request`, …' }), key: t.exposeString('key') }),
});

builder.objectType(InvalidPartitionError, {
  name: 'InvalidPartition',
  description: "A partition key (or range) the asset's partitions do not have.",
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof InvalidPartitionError,
  fields: (t) => ({ assetKey: t.exposeString('assetKey'), partitionKey: t.exposeString('partitionKey') }),
});

builder.objectType(InvalidInputError, {
  name: 'InvalidInput',
  description: 'An argument that is well-typed but wrong.',
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof InvalidInputError,
  fields: (t) => ({ field: t.exposeString('field') }),
});

builder.objectType(UnavailableError, {
  name: 'Unavailable',
  description: 'The code location has no deployment yet, or its catalog cannot be rebuilt by this server.',
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof UnavailableError,
  fields: () => ({}),
});

builder.objectType(ForbiddenError, {
  name: 'Forbidden',
  description: "The viewer's token does not hold the role this needs on the asset's group.",
  interfaces: [ErrorInterface],
  isTypeOf: (o) => o instanceof ForbiddenError,
  fields: () => ({}),
});

/** The errors any field that names an asset or partition may answer with. */
export const LOOKUP_ERRORS = [NotFoundError, InvalidPartitionError, InvalidInputError, UnavailableError, ForbiddenError];
