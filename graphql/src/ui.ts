/**
 * Serves the built UI (`ui/dist`) beside the API: its hashed assets with long-lived caching, and
 * `index.html` for every other GET outside /graphql and /health, so the client-side routes
 * (`/assets/<key>`, `/failures`, …) load on a refresh or a pasted link.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import sirv from 'sirv';

const API_PATHS = /^\/(graphql|health)(\/|\?|$)/;

/** A request handler that returns whether it answered (false: the API's to answer). */
export function uiHandler(dir: string): (req: IncomingMessage, res: ServerResponse) => boolean {
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`the UI is not built: ${join(dir, 'index.html')} is missing (run \`npm run build -w @weft/ui\`)`);
  const serve = sirv(dir, {
    single: true,
    etag: true,
    gzip: false,
    setHeaders(res, pathname) {
      // Vite names built assets by content hash: they never change under one name.
      if (pathname.startsWith('/assets/')) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
      else res.setHeader('cache-control', 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
      // The UI talks to this server only: no CDN, no third-party script, no framing.
      res.setHeader('content-security-policy', "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
    },
  });
  return (req, res) => {
    const url = req.url ?? '/';
    if ((req.method !== 'GET' && req.method !== 'HEAD') || API_PATHS.test(url)) return false;
    serve(req, res, () => {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    });
    return true;
  };
}
