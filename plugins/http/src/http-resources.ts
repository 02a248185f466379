/**
 * HTTP resources as a source: one partition per URL of a pattern (`/trips/{key}.csv`), for the
 * keys given or listed by an index URL. A partition's version is its ETag, else Last-Modified and
 * Content-Length, else (a server that says neither) the SHA-256 of its body.
 */
import { createHash } from 'node:crypto';
import { TransientError, WeftError, type ObservedPartition, type ReportedVersion, type SourceConnector } from '@weft/core';

export interface HttpResourcesOptions {
  /** Base URL, e.g. `https://data.example.com/v1/`. */
  readonly baseUrl: string;
  /** Path of each partition under it, with `{key}` for the partition key, e.g. `trips/{key}.csv`. */
  readonly path: string;
  /** The partition keys to observe, or the path of a JSON list of keys (or `{ "keys": [...] }`) under the base URL. */
  readonly keys: readonly string[] | { readonly index: string };
  /** Headers of every request (resolved secrets included). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per request. @default 30000 */
  readonly timeoutMs?: number;
  /** Requests at once while observing. @default 8 */
  readonly concurrency?: number;
}

const TRANSIENT_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** An HTTP error as a Weft error: 5xx, 408 and 429 are transient, the rest actionable. */
function httpError(url: string, status: number, what: string): Error {
  const message = `${what} ${url}: HTTP ${status}`;
  return TRANSIENT_STATUS.has(status) ? new TransientError(message) : new WeftError('user_code.threw', message, { field: 'url' }, 'actionable');
}

export function httpResources(options: HttpResourcesOptions): SourceConnector {
  if (!options.path.includes('{key}')) throw new WeftError('definition.bad_option', `httpResources: path ${JSON.stringify(options.path)} must contain {key}`, { field: 'path' });
  const base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const urlOf = (key: string): string => new URL(options.path.split('{key}').join(encodeURIComponent(key)), base).href;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const request = async (url: string, method: 'GET' | 'HEAD', signal: AbortSignal | undefined, what: string): Promise<Response> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      return await fetch(url, { method, headers: options.headers ?? {}, signal: signal ? AbortSignal.any([signal, timeout]) : timeout, redirect: 'follow' });
    } catch (error) {
      // Refused, reset, timed out, DNS: the network, not the data.
      throw new TransientError(`${what} ${url}: ${(error as Error).message}${(error as { cause?: { code?: string } }).cause?.code ? ` (${(error as { cause: { code: string } }).cause.code})` : ''}`, { cause: error });
    }
  };

  const versionOf = async (key: string, signal: AbortSignal): Promise<ReportedVersion | undefined> => {
    const url = urlOf(key);
    let method: 'HEAD' | 'GET' = 'HEAD';
    let res = await request(url, method, signal, 'observing');
    if (res.status === 405 || res.status === 501) res = await request(url, (method = 'GET'), signal, 'observing');
    if (res.status === 404 || res.status === 410) return undefined;
    if (!res.ok) throw httpError(url, res.status, 'observing');
    const etag = res.headers.get('etag');
    const lastModified = res.headers.get('last-modified');
    const length = res.headers.get('content-length');
    if (etag) {
      await res.body?.cancel();
      return { etag };
    }
    if (lastModified && Number.isFinite(Date.parse(lastModified))) {
      await res.body?.cancel();
      return { mtimeMs: Date.parse(lastModified), ...(length !== null && /^\d+$/.test(length) ? { size: Number(length) } : {}) };
    }
    // Neither: the content itself is the version (the GET already made, or one now).
    let full = res;
    if (method === 'HEAD') {
      await res.body?.cancel();
      full = await request(url, 'GET', signal, 'observing');
      if (!full.ok) throw httpError(url, full.status, 'observing');
    }
    return { checksum: createHash('sha256').update(new Uint8Array(await full.arrayBuffer())).digest('hex') };
  };

  const keysNow = async (signal: AbortSignal): Promise<readonly string[]> => {
    if (Array.isArray(options.keys)) return options.keys;
    const url = new URL((options.keys as { index: string }).index, base).href;
    const res = await request(url, 'GET', signal, 'listing');
    if (!res.ok) throw httpError(url, res.status, 'listing');
    const listed = (await res.json().catch(() => undefined)) as unknown;
    const keys = Array.isArray(listed) ? listed : (listed as { keys?: unknown } | undefined)?.keys;
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) throw new WeftError('user_code.bad_output', `listing ${url}: expected a JSON list of keys (strings) or { "keys": [...] }`, { field: 'keys' });
    return keys as string[];
  };

  return {
    name: `httpResources(${new URL(options.path, base).href})`,
    async observe(ctx) {
      const keys = [...new Set(await keysNow(ctx.signal))];
      const found: ObservedPartition[] = [];
      let next = 0;
      const work = async (): Promise<void> => {
        while (next < keys.length) {
          const key = keys[next++]!;
          const version = await versionOf(key, ctx.signal);
          if (version) found.push({ partitionKey: key, version });
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, keys.length) }, work));
      return found.sort((a, b) => (a.partitionKey < b.partitionKey ? -1 : a.partitionKey > b.partitionKey ? 1 : 0));
    },
    async read(key, ctx) {
      const url = urlOf(key);
      const res = await request(url, 'GET', ctx.signal, 'reading');
      if (res.status === 404 || res.status === 410) throw new WeftError('storage.not_found', `source resource ${url} (partition ${key}) does not exist (HTTP ${res.status})`, { partitionKey: key }, 'actionable');
      if (!res.ok) throw httpError(url, res.status, 'reading');
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}
