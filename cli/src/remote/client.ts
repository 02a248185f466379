/**
 * A small GraphQL-over-HTTP client on `fetch`: queries and mutations as a JSON POST, subscriptions
 * as graphql-yoga's server-sent events (a POST with `Accept: text/event-stream`).
 */
import { ApiError } from './api-error.js';

/** One entry of a GraphQL response's `errors`. */
export interface GraphQLErrorEntry {
  readonly message: string;
  readonly path?: ReadonlyArray<string | number>;
  readonly extensions?: Readonly<Record<string, unknown>>;
}

interface GraphQLResponse<T> {
  readonly data?: T | null;
  readonly errors?: readonly GraphQLErrorEntry[];
}

/** Where the API is and how to authenticate. */
export interface ApiEndpoint {
  /** The GraphQL endpoint: `http://host:port/graphql`. */
  readonly url: string;
  /** An API token's secret (sent as a bearer token). */
  readonly token?: string | undefined;
  /** How the endpoint was found, for error messages (`--url`, `WEFT_URL`, `weft dev (…/dev.json)`). */
  readonly via: string;
}

/** A GraphQL client for the Weft API. */
export class GraphQLClient {
  constructor(readonly endpoint: ApiEndpoint) {}

  private headers(accept: string): Record<string, string> {
    return { 'content-type': 'application/json', accept, ...(this.endpoint.token ? { authorization: `Bearer ${this.endpoint.token}` } : {}) };
  }

  private async post(body: string, accept: string, signal?: AbortSignal): Promise<Response> {
    try {
      return await fetch(this.endpoint.url, { method: 'POST', headers: this.headers(accept), body, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw ApiError.unreachable(this.endpoint, cause?.code ?? cause?.message ?? (error as Error).message);
    }
  }

  /** Runs a query or mutation and returns its `data`; GraphQL errors become an {@link ApiError}. */
  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await this.post(JSON.stringify({ query, variables }), 'application/graphql-response+json, application/json');
    const parsed = await readJson<T>(response, this.endpoint);
    if (parsed.errors?.length) throw ApiError.fromGraphQL(parsed.errors, this.endpoint);
    if (parsed.data === undefined || parsed.data === null) throw new ApiError(`the API at ${this.endpoint.url} answered no data (HTTP ${response.status})`);
    return parsed.data;
  }

  /**
   * Follows a subscription: yields each `data` the server sends until it completes. A
   * subscription refused at the start (a single JSON answer instead of a stream) throws.
   */
  async *subscribe<T>(query: string, variables: Record<string, unknown>, signal?: AbortSignal): AsyncGenerator<T> {
    const response = await this.post(JSON.stringify({ query, variables }), 'text/event-stream', signal);
    if (!response.headers.get('content-type')?.includes('text/event-stream')) {
      const parsed = await readJson<T>(response, this.endpoint);
      if (parsed.errors?.length) throw ApiError.fromGraphQL(parsed.errors, this.endpoint);
      if (parsed.data) yield parsed.data;
      return;
    }
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(buffer.slice(end).startsWith('\r\n\r\n') ? end + 4 : end + 2);
        const message = parseEvent(block);
        if (message.event === 'complete') return;
        if (message.event !== 'next' || message.data === '') continue;
        const parsed = JSON.parse(message.data) as GraphQLResponse<T>;
        if (parsed.errors?.length) throw ApiError.fromGraphQL(parsed.errors, this.endpoint);
        if (parsed.data) yield parsed.data;
      }
    }
  }
}

/** One server-sent event: its `event:` name (default `message`) and its `data:` lines joined. */
function parseEvent(block: string): { event: string; data: string } {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return { event, data: data.join('\n') };
}

async function readJson<T>(response: Response, endpoint: ApiEndpoint): Promise<GraphQLResponse<T>> {
  const text = await response.text();
  try {
    return JSON.parse(text) as GraphQLResponse<T>;
  } catch {
    throw new ApiError(`${endpoint.url} did not answer as a Weft GraphQL API (HTTP ${response.status}: ${text.slice(0, 200)}); check the URL (${endpoint.via})`);
  }
}
