import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { uiHandler } from './ui.js';
import { RequestScope } from './api/request-scope.js';
import { UNAUTHENTICATED_ADMIN, viewerOf } from './api/viewer.js';
import { WeftApi, type WeftApiOptions } from './api/weft-api.js';
import { buildSchema } from './schema/index.js';

/** The code each domain error carries when a field without an error union meets it. */
const DOMAIN_CODES: Record<string, string> = { NotFoundError: 'NOT_FOUND', InvalidPartitionError: 'INVALID_PARTITION', InvalidInputError: 'INVALID_INPUT', UnavailableError: 'UNAVAILABLE' };

/** Limits every request is held to. */
export const LIMITS = { maxDepth: 14, maxAliases: 30, maxTokens: 8000, maxCost: 100_000, maxDirectives: 30, maxBodyBytes: 1024 * 1024 } as const;

/** Options of the HTTP handler. */
export interface ApiHandlerOptions {
  /** Serve GraphiQL at /graphql (dev). @default false */
  readonly graphiql?: boolean;
}

/** The graphql-yoga handler of the API: `/graphql` (queries, mutations, SSE subscriptions) and `/health`. */
export function createApiHandler(api: WeftApi, options: ApiHandlerOptions = {}): YogaServerInstance<Record<string, unknown>, { scope: RequestScope }> {
  const production = api.options.production ?? true;
  return createYoga<Record<string, unknown>, { scope: RequestScope }>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    graphiql: options.graphiql ?? false,
    landingPage: false,
    // Chunked bodies too (the Content-Length check below answers 413 before reading).
    maxRequestBodySize: LIMITS.maxBodyBytes,
    logging: false,
    context: async ({ request }) => {
      const requestId = request.headers.get('x-request-id')?.slice(0, 100) || randomUUID();
      const viewer = api.options.auth === 'off' ? UNAUTHENTICATED_ADMIN : await viewerOf(request.headers.get('authorization'), api.store('default'), api.now);
      return { scope: new RequestScope(api, viewer, requestId, request.signal) };
    },
    maskedErrors: {
      maskError(error, message) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        // Errors of the request itself (validation, limits, Forbidden) are the client's to read.
        if (error instanceof GraphQLError && (original === undefined || original instanceof GraphQLError)) return error;
        // A domain error of a field without an error union: its message, with its kind as the code.
        const code = original instanceof Error ? DOMAIN_CODES[original.name] : undefined;
        if (code && error instanceof GraphQLError) return new GraphQLError((original as Error).message, { nodes: error.nodes, path: error.path, extensions: { code } });
        const correlationId = randomUUID();
        api.log({ level: 'error', msg: 'unexpected error', correlationId, path: error instanceof GraphQLError ? error.path : undefined, error: (original as Error | undefined)?.stack ?? String(original) });
        return new GraphQLError(production ? `${message} (correlation id ${correlationId})` : `${(original as Error | undefined)?.message ?? message} (correlation id ${correlationId})`, {
          extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId },
        });
      },
    },
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: LIMITS.maxDepth, ignoreIntrospection: true },
        maxAliases: { n: LIMITS.maxAliases },
        maxTokens: { n: LIMITS.maxTokens },
        maxDirectives: { n: LIMITS.maxDirectives },
        costLimit: { maxCost: LIMITS.maxCost, ignoreIntrospection: true },
        blockFieldSuggestion: { enabled: production },
      }),
    ],
  });
}

/** A running API server. */
export interface ApiServer {
  readonly api: WeftApi;
  readonly server: Server;
  /** `http://host:port` */
  readonly url: string;
  close(): Promise<void>;
}

/** Options of {@link startApiServer}. */
export interface ApiServerOptions extends WeftApiOptions, ApiHandlerOptions {
  readonly host?: string;
  /** 0: a free port. */
  readonly port?: number;
  /** The built UI (`ui/dist`), served at every path but /graphql and /health. */
  readonly uiDir?: string;
  /** Handles a request before the API does; returns whether it did. */
  readonly extra?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

/** Starts the API on `host:port`: GraphQL at /graphql, the UI (when given) everywhere else. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const api = new WeftApi(options);
  const yoga = createApiHandler(api, options);
  const ui = options.uiDir === undefined ? null : uiHandler(options.uiDir);
  const server = createServer((req, res) => {
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > LIMITS.maxBodyBytes) {
      res.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: `request body of ${length} bytes is over the limit of ${LIMITS.maxBodyBytes}` }] }));
      req.resume();
      return;
    }
    if (options.extra?.(req, res)) return;
    if (ui?.(req, res)) return;
    void yoga(req, res);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    api,
    server,
    url: `http://${host}:${port}`,
    close: async () => {
      await api.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
