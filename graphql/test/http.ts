/* eslint-disable @typescript-eslint/no-explicit-any -- GraphQL answers are JSON the tests read field by field. */
/** A GraphQL client over real HTTP for the API tests (fetch, and server-sent events for subscriptions). */

export interface GqlResult<T = Record<string, unknown>> {
  readonly status: number;
  readonly data?: T;
  readonly errors?: ReadonlyArray<{ readonly message: string; readonly extensions?: Record<string, unknown> }>;
}

/** Posts one GraphQL operation; never throws on a GraphQL error (the test reads them). */
export async function gql<T = Record<string, any>>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlResult<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: { data?: T; errors?: GqlResult['errors'] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`not JSON (HTTP ${res.status}): ${text.slice(0, 300)}`);
  }
  return { status: res.status, ...body };
}

/** The data of an operation that must succeed (throws with the errors otherwise). */
export async function ok<T = Record<string, any>>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const r = await gql<T>(url, query, variables, token);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors (HTTP ${r.status}): ${JSON.stringify(r.errors)}`);
  return r.data;
}

/** A subscription over server-sent events: its messages as they come, and a way to stop it. */
export function subscribe(url: string, query: string, variables: Record<string, unknown>, token?: string): { messages: Array<Record<string, any>>; next(count: number, timeoutMs?: number): Promise<Array<Record<string, any>>>; close(): void } {
  const controller = new AbortController();
  const messages: Array<Record<string, any>> = [];
  const waiters: Array<() => void> = [];
  const started = fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  }).then(async (res) => {
    // A refusal before the stream starts (auth, validation) is one JSON answer, not a stream.
    if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
      messages.push(JSON.parse(await res.text()));
      for (const w of waiters.splice(0)) w();
      return;
    }
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('\n');
        if (data) {
          messages.push(JSON.parse(data));
          for (const w of waiters.splice(0)) w();
        }
      }
    }
  });
  started.catch(() => {});
  return {
    messages,
    async next(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`only ${messages.length} of ${count} subscription messages within ${timeoutMs} ms: ${JSON.stringify(messages).slice(0, 500)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return messages.slice(0, count);
    },
    close: () => controller.abort(),
  };
}
