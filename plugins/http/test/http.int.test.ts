/**
 * The http plugin against a local HTTP server: the connector conformance suite on a server with
 * ETags and on one with only Last-Modified, secret headers read at run time, an index of keys,
 * and errors classified (404 missing, 5xx transient, 403 actionable, refused connection transient).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { classifyError, env, forgetSecrets } from '@weft/core';
import { describeConnectorConformance } from '@weft/plugin-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, httpResources } from '../src/index.js';

interface Site {
  readonly url: string;
  readonly files: Map<string, { body: Buffer; modified: number }>;
  readonly seen: IncomingMessage[];
  failWith?: number;
  close(): Promise<void>;
}

/** A server of `/data/<key>.csv` from a map, with ETags (md5 of the body) or only Last-Modified. */
async function site(mode: 'etag' | 'last-modified' | 'none'): Promise<Site> {
  const files = new Map<string, { body: Buffer; modified: number }>();
  const seen: IncomingMessage[] = [];
  let clock = Date.parse('2024-03-01T00:00:00Z');
  const state: { failWith?: number } = {};
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(req);
    if (state.failWith) return void res.writeHead(state.failWith).end('no');
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/data/index.json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [...files.keys()] }));
    const m = /^\/data\/(.+)\.csv$/.exec(path);
    const file = m ? files.get(m[1]!) : undefined;
    if (!file) return void res.writeHead(404).end('not found');
    const headers: Record<string, string | number> = { 'content-type': 'text/csv', 'content-length': file.body.length };
    if (mode === 'etag') headers['etag'] = `"${createHash('md5').update(file.body).digest('hex')}"`;
    if (mode === 'last-modified') headers['last-modified'] = new Date(file.modified).toUTCString();
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : file.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address() as { port: number };
  return Object.assign(state, {
    url: `http://127.0.0.1:${address.port}/`,
    files,
    seen,
    set: (k: string, body: Uint8Array) => files.set(k, { body: Buffer.from(body), modified: (clock += 2000) }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  }) as Site & { set(k: string, body: Uint8Array): void };
}

for (const mode of ['etag', 'last-modified', 'none'] as const) {
  let s: Awaited<ReturnType<typeof site>> & { set(k: string, body: Uint8Array): void };
  describeConnectorConformance(
    `http resources (${mode})`,
    async () => {
      s = (await site(mode)) as typeof s;
      return {
        connector: http({ baseUrl: `${s.url}data/` }).connectors.resources({ path: '{key}.csv', index: 'index.json' }),
        write: async (k, body) => void s.set(k, body),
        remove: async (k) => void s.files.delete(k),
        cleanup: () => s.close(),
      };
    },
    // ETags and body hashes follow the content; Last-Modified follows the write.
    { keys: ['2024-01-01', '2024-01-02', '2024-01-03'], contentVersions: mode !== 'last-modified', dynamicKeys: ['zone-7', 'zone 8/ünï'] },
  );
}

describe('the http plugin', () => {
  let s: Awaited<ReturnType<typeof site>> & { set(k: string, body: Uint8Array): void };
  beforeAll(async () => {
    s = (await site('etag')) as typeof s;
    s.set('a', new TextEncoder().encode('1,2'));
  });
  afterAll(async () => {
    await s.close();
    delete process.env['WEFT_TEST_HTTP_TOKEN'];
    forgetSecrets();
  });
  const ctx = () => ({ sourceKey: 'src', signal: new AbortController().signal });
  const failure = (p: Promise<unknown>): Promise<Error> =>
    p.then(
      () => {
        throw new Error('expected it to fail');
      },
      (e: unknown) => e as Error,
    );

  it('sends secret headers, read from the environment when first observed', async () => {
    const source = http({ baseUrl: `${s.url}data/`, headers: { authorization: env('WEFT_TEST_HTTP_TOKEN'), 'x-client': 'weft' } }).connectors.resources({ path: '{key}.csv', keys: ['a', 'b'] });
    await expect(source.observe(ctx())).rejects.toThrow('option headers.authorization reads the secret WEFT_TEST_HTTP_TOKEN from the environment');
    process.env['WEFT_TEST_HTTP_TOKEN'] = 'Bearer t0ken-abc';
    expect(await source.observe(ctx())).toEqual([{ partitionKey: 'a', version: { etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) } }]);
    const last = s.seen.at(-1)!;
    expect(last.method).toBe('HEAD');
    expect(last.headers['authorization']).toBe('Bearer t0ken-abc');
    expect(last.headers['x-client']).toBe('weft');
  });

  it('classifies errors: missing, transient server errors, actionable refusals, unreachable hosts', async () => {
    const c = httpResources({ baseUrl: `${s.url}data/`, path: '{key}.csv', keys: ['a'] });
    await expect(c.read('nope', ctx())).rejects.toMatchObject({ code: 'storage.not_found', message: expect.stringContaining('partition nope') });
    s.failWith = 503;
    const down = await failure(c.observe(ctx()));
    expect(down.message).toContain('HTTP 503');
    expect(classifyError(down)).toBe('transient');
    s.failWith = 403;
    const refused = await failure(c.read('a', ctx()));
    expect(classifyError(refused)).toBe('actionable');
    delete s.failWith;
    const gone = httpResources({ baseUrl: 'http://127.0.0.1:9/', path: '{key}.csv', keys: ['a'], timeoutMs: 2000 });
    const unreachable = await failure(gone.observe(ctx()));
    expect(classifyError(unreachable)).toBe('transient');
  });

  it('refuses bad options naming the field', () => {
    expect(() => http({ baseUrl: 'ftp://x' })).toThrow(/plugin @weft\/plugin-http: bad options: baseUrl/);
    expect(() => http({ baseUrl: 'https://x/', headers: { authorization: 'Bearer plain' } }).connectors.resources({ path: 'a.csv', keys: ['a'] })).toThrow(/connectors\.resources\.path/);
    expect(() => http({ baseUrl: 'https://x/' }).connectors.resources({ path: '{key}.csv', keys: ['a'], index: 'i.json' })).toThrow('give keys (a list) or index');
  });
});
