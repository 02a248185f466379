/**
 * The GraphQL API for the API benchmarks: the real server (`startApiServer` of @weft/graphql, auth
 * off, a fixed clock) on the benchmark's database, its location's asset graph deployed first (the
 * server rebuilds it from the latest deployment's catalog), and a client posting operations over
 * HTTP with keep-alive (the clock runs from the request to the parsed answer).
 */
import { catalogOf, type AssetGraph } from '@weft/core';
import { startApiServer, type ApiServer } from '@weft/graphql';
import { ProvenanceStore, type SqlDatabase } from '@weft/store';

/** A GraphQL answer that carried errors, or a union member that is an error type. */
export class GraphqlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphqlError';
  }
}

/** Records `graph` as the latest deployment of `location` (idempotent: the same catalog again records nothing). */
export async function deployGraph(db: SqlDatabase, graph: AssetGraph, location = 'default'): Promise<{ id: string; created: boolean }> {
  const codeVersions = Object.fromEntries(graph.order.map((key) => [key, 'bench']));
  return new ProvenanceStore(db, location).recordDeployment({ assets: catalogOf(graph) }, codeVersions);
}

/** Starts the API on `db` with auth off and the clock at `now`; logs go nowhere. */
export function startApi(db: SqlDatabase, now: number): Promise<ApiServer> {
  return startApiServer({ db, auth: 'off', now: () => now, log: () => {} });
}

/** Posts one operation to `${url}/graphql`; returns its data, or throws {@link GraphqlError} with its errors. */
export async function graphql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: { data?: T; errors?: Array<{ message: string }> };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new GraphqlError(`not JSON (HTTP ${res.status}): ${text.slice(0, 300)}`);
  }
  if (body.errors?.length || !body.data) throw new GraphqlError(`HTTP ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  return body.data;
}

/** The member of a result union the operation asked for, or {@link GraphqlError} naming the error member. */
export function member<T extends { __typename: string }>(result: T | { __typename: string; message?: string }, typename: T['__typename']): T {
  if (result.__typename !== typename) throw new GraphqlError(`${result.__typename}: ${(result as { message?: string }).message ?? '(no message)'}`);
  return result as T;
}
