import type { WeftEvent } from '@weft/core';
import type { ProvenanceStore } from '@weft/store';

/**
 * One LISTEN per code location shared by every subscription of this server: subscribers wait for
 * the next notification, then read the log from their own cursor (a notification carries no
 * events, so a missed one loses nothing: the log is the truth).
 */
export class EventHub {
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly listening = new Map<string, Promise<() => Promise<void>>>();

  /** Resolves at the location's next event, after `timeoutMs`, or when `signal` aborts. */
  async next(store: ProvenanceStore, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const location = store.location;
    if (!this.listening.has(location)) {
      const started = store.onEvents(() => this.wake(location));
      this.listening.set(location, started);
      started.catch(() => this.listening.delete(location));
    }
    await this.listening.get(location);
    await new Promise<void>((resolve) => {
      const set = this.waiting.get(location) ?? new Set();
      this.waiting.set(location, set);
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done);
      set.add(done);
    });
  }

  private wake(location: string): void {
    for (const fn of [...(this.waiting.get(location) ?? [])]) fn();
  }

  /**
   * The location's events after `after`, as they come: pages of the log, then a wait for the
   * next notification (or a poll every `pollMs`, should a notification be lost), until `signal`.
   */
  async *follow(store: ProvenanceStore, after: number, signal: AbortSignal, pollMs = 5000): AsyncGenerator<WeftEvent> {
    let cursor = after;
    while (!signal.aborted) {
      const page = await store.eventsSince(cursor, 500);
      for (const event of page) {
        cursor = event.seq;
        yield event;
      }
      if (page.length < 500) await this.next(store, pollMs, signal);
    }
  }

  /** Stops listening. */
  async close(): Promise<void> {
    const all = [...this.listening.values()];
    this.listening.clear();
    for (const fn of this.waiting.values()) for (const f of fn) f();
    await Promise.all(all.map(async (p) => (await p.catch(() => async () => {}))()));
  }
}
