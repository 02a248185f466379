/**
 * @weft/graphql: the GraphQL API of Weft (Pothos schema, graphql-yoga server): assets and the
 * asset graph, partitions with status summaries and reasons, materializations with provenance,
 * lineage, diffs, failures, requests, deployments; mutations with typed errors; live events; API
 * tokens with roles per asset group.
 *
 * @module
 */
export { WeftApi, type WeftApiOptions, type LocationCatalog } from './api/weft-api.js';
export { RequestScope } from './api/request-scope.js';
export { ROLES, type Role, type Viewer, checkRoles } from './api/viewer.js';
export { buildSchema } from './schema/index.js';
export { createApiHandler, startApiServer, LIMITS, type ApiServer, type ApiHandlerOptions, type ApiServerOptions } from './server.js';
export { uiHandler } from './ui.js';
