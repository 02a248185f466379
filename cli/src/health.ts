/**
 * Health endpoints of the long-running commands (`weft worker`, `weft server`): `/healthz` answers
 * 200 while the process runs (liveness), `/readyz` 200 only when every check passes and the
 * process is not stopping (readiness), 503 otherwise, each with a JSON body naming the checks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One readiness check: resolves when the dependency answers, throws (or times out) when not. */
export type ReadinessCheck = () => Promise<void>;

/** How long a check may take before it counts as failed, ms. */
const CHECK_TIMEOUT_MS = 3000;

/** The readiness of a process: its checks and whether it is starting, serving or stopping. */
export class Readiness {
  private phase: 'starting' | 'ready' | 'stopping' = 'starting';

  constructor(private readonly checks: Readonly<Record<string, ReadinessCheck>>) {}

  /** Marks the process serving (checks decide from now on). */
  ready(): void {
    if (this.phase === 'starting') this.phase = 'ready';
  }

  /** Marks the process stopping: `/readyz` answers 503 from now on. */
  stopping(): void {
    this.phase = 'stopping';
  }

  /** Runs every check at once and says whether the process is ready. */
  async report(): Promise<{ ready: boolean; status: string; checks: Record<string, string> }> {
    const entries = await Promise.all(
      Object.entries(this.checks).map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)))]);
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, `failing: ${(error as Error).message}`] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    const ok = entries.every(([, v]) => v === 'ok');
    const ready = this.phase === 'ready' && ok;
    return { ready, status: this.phase === 'ready' ? (ok ? 'ready' : 'not ready') : this.phase, checks };
  }

  /**
   * Answers `/healthz` and `/readyz` (GET or HEAD); returns whether the request was one of them.
   * Fits `startApiServer`'s `extra` hook.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? '').split('?')[0];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || (path !== '/healthz' && path !== '/readyz')) return false;
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ status: this.phase === 'stopping' ? 'stopping' : 'alive' }));
      return true;
    }
    this.report().then(
      (r) => res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ status: r.status, checks: r.checks })),
      (error: unknown) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'not ready', error: String(error) })),
    );
    return true;
  }
}

/** An HTTP server answering only the health endpoints (the worker's). */
export async function startHealthServer(readiness: Readiness, host: string, port: number): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (!readiness.handle(req, res)) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /healthz (live) or /readyz (ready)\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
