/** Every type of the schema, in dependency order; `buildSchema()` prints the same SDL each time. */
import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from '../builder.js';
import './scalars.js';
import './errors.js';
import './location.js';
import './asset.js';
import './status.js';
import './partition.js';
import './log.js';
import './materialization.js';
import './lineage.js';
import './failure.js';
import './request.js';
import './source.js';
import './token.js';
import './event.js';

builder.queryType({ description: 'What Weft knows: assets, partitions, lineage, provenance, failures, requests, deployments.' });
builder.mutationType({ description: 'What operators ask of Weft: materialize, backfill, retry, cancel, report source changes; admins: dynamic partitions and tokens.' });
builder.subscriptionType({ description: 'Live events over server-sent events (graphql-yoga), resumable from an event-log cursor.' });

let schema: GraphQLSchema | undefined;

/** The schema (built once), its types sorted so the printed SDL is stable. */
export function buildSchema(): GraphQLSchema {
  schema ??= lexicographicSortSchema(builder.toSchema());
  return schema;
}
