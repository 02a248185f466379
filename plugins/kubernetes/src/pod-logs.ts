/**
 * Streams a pod's container log into the materialization's log while the pod runs: `follow=true`
 * with timestamps, reconnected from the last line's time (`sinceTime`, lines already seen skipped)
 * when the stream ends early; when the pod has finished, one last read picks up the lines the
 * stream had not delivered. The runner's JSON lines (`{"weft":"log",…}`) become log entries with
 * their fields; other lines are logged as the container's output.
 */
import { createInterface } from 'node:readline';
import type { KubeClients } from './kube-client.js';

/** Where the lines go. */
export type LogSink = (message: string, fields: Readonly<Record<string, unknown>>) => void;

/** A kubelet timestamp (RFC 3339, up to nanoseconds, trailing zeros trimmed) as nanoseconds since the epoch. */
export function timestampNanos(text: string): bigint | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  return BigInt(seconds) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

const KEEP_LAST = 20;

/** Follows one container's log until {@link PodLogFollower.finish}. */
export class PodLogFollower {
  private lastNanos: bigint | undefined;
  private lastStamp: string | undefined;
  private finishing = false;
  private current: AbortController | undefined;
  private readonly done: Promise<void>;
  /** The last lines, for failure messages. */
  readonly tail: string[] = [];

  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string,
    private readonly pod: string,
    private readonly container: string,
    private readonly sink: LogSink,
    private readonly debug: (message: string) => void = () => undefined,
  ) {
    this.done = this.run();
  }

  private path(follow: boolean): string {
    const query = new URLSearchParams({ container: this.container, timestamps: 'true', follow: String(follow) });
    // sinceTime has seconds precision: lines of that second already seen are skipped below.
    if (this.lastStamp) query.set('sinceTime', `${this.lastStamp.slice(0, 19)}Z`);
    return `/api/v1/namespaces/${this.namespace}/pods/${this.pod}/log?${query}`;
  }

  private take(raw: string): void {
    const space = raw.indexOf(' ');
    const stamp = space > 0 ? raw.slice(0, space) : '';
    const nanos = timestampNanos(stamp);
    const text = nanos === undefined ? raw : raw.slice(space + 1);
    if (nanos !== undefined) {
      if (this.lastNanos !== undefined && nanos <= this.lastNanos) return;
      this.lastNanos = nanos;
      this.lastStamp = new Date(Number(nanos / 1_000_000n)).toISOString();
    }
    this.tail.push(text);
    if (this.tail.length > KEEP_LAST) this.tail.shift();
    const fields: Record<string, unknown> = { pod: this.pod };
    if (text.startsWith('{"weft":"log"')) {
      try {
        const entry = JSON.parse(text) as { message?: unknown; fields?: Record<string, unknown> };
        if (typeof entry.message === 'string') {
          this.sink(entry.message, { ...entry.fields, ...fields });
          return;
        }
      } catch {
        // not the runner's line after all: logged as output
      }
    }
    this.sink(text, { ...fields, stream: 'container' });
  }

  private async read(follow: boolean): Promise<void> {
    const controller = new AbortController();
    this.current = controller;
    try {
      const res = await this.clients.stream(this.path(follow), controller.signal);
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      for await (const line of lines) if (line !== '') this.take(line);
    } finally {
      this.current = undefined;
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.finishing) {
      try {
        await this.read(true);
        failures = 0;
      } catch (error) {
        if (this.finishing) break;
        failures++;
        this.debug(`log stream of pod ${this.pod}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (this.finishing) break;
      // The stream ended while the pod runs (a proxy's timeout, a restart, a container not started yet): reconnect.
      await new Promise((r) => setTimeout(r, Math.min(5000, 500 * 2 ** Math.min(failures, 3))));
    }
  }

  /** Stops following and reads what is left (at most `withinMs`). */
  async finish(withinMs = 5000): Promise<void> {
    this.finishing = true;
    this.current?.abort();
    await this.done.catch(() => undefined);
    const last = this.read(false).catch((error: unknown) => this.debug(`last read of pod ${this.pod}'s log: ${error instanceof Error ? error.message : String(error)}`));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([last, new Promise<void>((r) => (timer = setTimeout(() => (this.current?.abort(), r()), withinMs)))]);
    clearTimeout(timer);
  }

  /** Stops following without a last read (a cancelled task). */
  stop(): void {
    this.finishing = true;
    this.current?.abort();
  }
}
