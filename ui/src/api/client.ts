/**
 * The one GraphQL client of the UI: urql over fetch for queries and mutations, and GraphQL over
 * server-sent events (graphql-sse, the protocol graphql-yoga serves) for subscriptions. Everything
 * goes to the same origin's `/graphql`: the UI talks to nothing but the Weft server.
 */
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createSseClient } from 'graphql-sse';
import { currentToken } from './token';

export const GRAPHQL_PATH = '/graphql';

function authHeaders(): Record<string, string> {
  const token = currentToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A fresh client (made again after login/logout so no cached answer of another token survives). */
export function makeClient(): Client {
  const sse = createSseClient({
    url: GRAPHQL_PATH,
    headers: authHeaders,
    // Reconnects are the subscriber's: it resumes from the last seq it saw (`after`).
    retryAttempts: 0,
  });
  return new Client({
    url: GRAPHQL_PATH,
    // Forensics must show what the store says now, not what this tab saw a minute ago.
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ headers: authHeaders() }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const dispose = sse.subscribe(input, sink as never);
              return { unsubscribe: dispose };
            },
          };
        },
      }),
    ],
  });
}
