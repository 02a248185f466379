/**
 * Delivers materialization events to plugins' listeners, beside the work: each listener gets its
 * events in order on a chain of its own, each call bounded by a time limit; a listener that throws
 * or hangs is logged (redacted) and the materialization goes on. With no listeners, nothing is
 * built at all (the hot path of throughput).
 */
import { redactSecrets, type MaterializationEvent, type MaterializationListener } from '@weft/core';

/** How long one listener call may take before the next event goes on without it, ms. */
const CALL_LIMIT_MS = 10_000;

export class ListenerBus {
  private readonly chains = new Map<MaterializationListener, Promise<void>>();

  constructor(
    readonly listeners: readonly MaterializationListener[],
    private readonly log: (line: string) => void = (l) => console.error(l),
  ) {}

  get active(): boolean {
    return this.listeners.length > 0;
  }

  /** Queues `make()`'s event for every listener (not made at all when there are none). */
  emit(make: () => MaterializationEvent): void {
    if (this.listeners.length === 0) return;
    let event: MaterializationEvent;
    try {
      event = make();
    } catch (error) {
      this.log(redactSecrets(JSON.stringify({ level: 'error', msg: 'could not build a materialization event', error: String(error) })));
      return;
    }
    for (const listener of this.listeners) {
      const previous = this.chains.get(listener) ?? Promise.resolve();
      const next = previous.then(() => this.call(listener, event));
      this.chains.set(listener, next);
    }
  }

  private async call(listener: MaterializationListener, event: MaterializationEvent): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(() => listener.onEvent(event)),
        new Promise<void>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`took over ${CALL_LIMIT_MS} ms`)), CALL_LIMIT_MS);
          timer.unref();
        }),
      ]);
    } catch (error) {
      this.log(redactSecrets(JSON.stringify({ level: 'warn', msg: 'a materialization listener failed; the materialization is not affected', listener: listener.name, event: event.kind, asset: event.assetKey, partition: event.partitionKey, error: (error as Error).message })));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for queued events, then closes every listener (each bounded by the time limit). */
  async close(): Promise<void> {
    await Promise.all([...this.chains.values()]);
    await Promise.all(
      this.listeners.map(async (l) => {
        try {
          await Promise.race([l.close?.(), new Promise((r) => setTimeout(r, CALL_LIMIT_MS).unref())]);
        } catch (error) {
          this.log(redactSecrets(JSON.stringify({ level: 'warn', msg: 'a materialization listener failed to close', listener: l.name, error: (error as Error).message })));
        }
      }),
    );
  }
}
