/** Where RunEvents go: HTTP (Marquez and any OpenLineage endpoint), a JSON-lines file, the console. */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Transport } from './emitter.js';
import type { RunEvent } from './run-event.js';

/** POSTs each event to `url` (Marquez: `http://marquez:5000/api/v1/lineage`), with an API key as a bearer token when given. */
export function httpTransport(options: { url: string; apiKey?: string; timeoutMs?: number; headers?: Readonly<Record<string, string>> }): Transport {
  return {
    name: `http ${options.url}`,
    async send(events) {
      for (const event of events) {
        const res = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}), ...options.headers },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        await res.body?.cancel();
        // 4xx other than 408/429 would fail forever: say so loudly, but still retry (a fixed endpoint takes them).
        if (!res.ok) throw new Error(`HTTP ${res.status} from ${options.url}`);
      }
    },
  };
}

/** Appends each event as one JSON line to `path`. */
export function fileTransport(path: string): Transport {
  return {
    name: `file ${path}`,
    async send(events: readonly RunEvent[]) {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    },
  };
}

/** Writes each event as one JSON line to stdout. */
export function consoleTransport(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Transport {
  return {
    name: 'console',
    async send(events) {
      for (const e of events) write(JSON.stringify(e));
    },
  };
}
