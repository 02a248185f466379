/**
 * Sends RunEvents without ever holding up or failing a materialization: events queue in memory
 * (bounded), one sender delivers them in order and retries with backoff while the endpoint is
 * down; when the queue is full, events spill to a JSON-lines file and are sent from it once the
 * queue drains, so none is lost while the disk holds. `close()` flushes (within a time limit) and
 * leaves what is left in the spill file, sent by the next emitter on the same file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MaterializationEvent, MaterializationListener } from '@weft/core';
import { runEventOf, type RunEvent, type RunEventOptions } from './run-event.js';

/** Where events go. */
export interface Transport {
  readonly name: string;
  /** Sends a batch; throws when it could not (the emitter retries). */
  send(events: readonly RunEvent[]): Promise<void>;
}

export interface EmitterOptions extends RunEventOptions {
  readonly transport: Transport;
  /** Events held in memory. @default 10000 */
  readonly queueSize?: number;
  /** Where events go when the queue is full (JSON lines). @default no spill: the oldest queued event is dropped, counted and logged */
  readonly spillPath?: string;
  /** Retry backoff: first and largest delay, ms. @default 500, 30000 */
  readonly retryMs?: readonly [number, number];
  /** Events per send. @default 100 */
  readonly batchSize?: number;
  readonly log?: (line: Record<string, unknown>) => void;
}

export interface Emitter extends MaterializationListener {
  /** Events waiting (in memory and spilled). */
  pending(): number;
  /** Events sent, events dropped (queue full without a spill file). */
  stats(): { sent: number; dropped: number; spilled: number; failures: number };
  /** Resolves once everything queued so far was sent (or `timeoutMs` passed). */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flushes (within 5 s), then leaves what is left in the spill file. */
  close(): Promise<void>;
}

export function openLineageEmitter(options: EmitterOptions): Emitter {
  const queue: RunEvent[] = [];
  const limit = options.queueSize ?? 10_000;
  const [firstDelay, maxDelay] = options.retryMs ?? [500, 30_000];
  const batchSize = options.batchSize ?? 100;
  const log = options.log ?? ((l) => console.error(JSON.stringify(l)));
  let spilled = 0;
  let sent = 0;
  let dropped = 0;
  let failures = 0;
  let closed = false;
  let running: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let spillWrites: Promise<void> = Promise.resolve();

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      t.unref();
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  /** Moves spilled events back into the queue, as many as fit. */
  const unspill = async (): Promise<void> => {
    if (!options.spillPath || spilled === 0 || queue.length >= limit / 2) return;
    await spillWrites;
    let text: string;
    try {
      text = await readFile(options.spillPath, 'utf8');
    } catch {
      spilled = 0;
      return;
    }
    const lines = text.split('\n').filter(Boolean);
    const room = Math.max(0, limit - queue.length);
    const back = lines.slice(0, room);
    const rest = lines.slice(room);
    // Rewritten atomically: a crash now leaves either the old file or the new one.
    const temp = `${options.spillPath}.tmp`;
    if (rest.length > 0) {
      await rm(temp, { force: true });
      await appendFile(temp, `${rest.join('\n')}\n`);
      await rename(temp, options.spillPath);
    } else await rm(options.spillPath, { force: true });
    queue.push(...back.map((l) => JSON.parse(l) as RunEvent));
    spilled = rest.length;
  };

  const run = async (): Promise<void> => {
    let delay = firstDelay;
    for (;;) {
      await unspill();
      if (queue.length === 0) {
        if (closed) return;
        await sleep(1000);
        continue;
      }
      const batch = queue.slice(0, batchSize);
      try {
        await options.transport.send(batch);
        queue.splice(0, batch.length);
        sent += batch.length;
        delay = firstDelay;
      } catch (error) {
        failures++;
        if (failures === 1 || failures % 20 === 0) log({ level: 'warn', msg: `OpenLineage: could not send ${batch.length} event(s) through ${options.transport.name}; retrying in ${delay} ms (events wait, materializations go on)`, error: (error as Error).message, pending: queue.length + spilled });
        if (closed) return;
        await sleep(delay);
        delay = Math.min(maxDelay, delay * 2);
      }
    }
  };
  const start = (): void => {
    running ??= run().finally(() => (running = undefined));
  };

  // Events an earlier emitter left in the spill file are sent first.
  if (options.spillPath && existsSync(options.spillPath)) spilled = readFileSync(options.spillPath, 'utf8').split('\n').filter(Boolean).length;

  const emitter: Emitter = {
    name: `openlineage(${options.transport.name})`,
    onEvent(event: MaterializationEvent) {
      const runEvent = runEventOf(event, options);
      if (queue.length >= limit) {
        if (options.spillPath) {
          const path = options.spillPath;
          spilled++;
          spillWrites = spillWrites.then(async () => {
            await mkdir(dirname(path), { recursive: true });
            await appendFile(path, `${JSON.stringify(runEvent)}\n`);
          });
        } else {
          queue.shift();
          dropped++;
          if (dropped === 1 || dropped % 1000 === 0) log({ level: 'error', msg: `OpenLineage: the queue of ${limit} events is full and no spillPath is set: ${dropped} event(s) dropped so far` });
          queue.push(runEvent);
        }
      } else queue.push(runEvent);
      start();
      wake?.();
    },
    pending: () => queue.length + spilled,
    stats: () => ({ sent, dropped, spilled, failures }),
    async flush(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length + spilled > 0 && Date.now() < deadline) {
        start();
        wake?.();
        await new Promise((r) => setTimeout(r, 20));
      }
      return queue.length + spilled === 0;
    },
    async close() {
      await emitter.flush(5000);
      closed = true;
      wake?.();
      // What is left goes to the spill file for the next emitter.
      if (options.spillPath && queue.length > 0) {
        await mkdir(dirname(options.spillPath), { recursive: true });
        await appendFile(options.spillPath, queue.splice(0).map((e) => `${JSON.stringify(e)}\n`).join(''));
      }
      await spillWrites;
      await running;
    },
  };
  if (spilled > 0) start();
  return emitter;
}
