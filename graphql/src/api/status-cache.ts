import { PARTITION_STATUSES, type PartitionContext, type PartitionsDefinition } from '@weft/core';
import type { ProvenanceStore, StatusChanges } from '@weft/store';
import { extendsLayout, statusLayout, type StatusLayout } from './status-layout.js';

interface Entry {
  /** The location's state version when it was read (read before its rows: never newer than they are). */
  readonly version: string;
  readonly layout: StatusLayout;
  /** The database snapshot its codes are exact at. */
  readonly snapshot: string;
  readonly codes: Uint8Array;
}

/** One asset of a call: where it is cached, how it is laid out now, and what it costs to refresh. */
interface Ask {
  readonly assetKey: string;
  readonly def: PartitionsDefinition;
  readonly key: string;
  readonly layout: StatusLayout;
  /** Concurrent requests that ask the same share one read. */
  readonly id: string;
  /** The entry whose codes are patched, when the asset has one that still lines up. */
  readonly base: Entry | undefined;
}

const MISSING = PARTITION_STATUSES.indexOf('missing');

/** Changed rows worth going through for assets of `count` partitions in all: past it one whole read costs less. */
export function patchLimit(count: number): number {
  return Math.max(1000, Math.floor(count / 8));
}

/**
 * Status codes per asset (one byte per partition), so that a summary of a million partitions is a
 * pass over bytes, not a million rows. While the location's state version (its newest event, its
 * planner's last plan) stays the same, the cached codes are answered as they are; once it moves,
 * only the rows changed since the cached read are read and patched in (by the transaction that
 * wrote each row, see `readStatusChanges` in the store), with the partitions a time window or a
 * dynamic definition gained. Assets whose location changed in too many rows since (an eighth of
 * their partitions, at least 1,000), or whose partitions were renumbered (another definition, a
 * dynamic key removed), are read whole. Reads of one request are
 * one statement per kind. Bounded by bytes (codes, and the layout's dynamic keys); the least
 * recently used assets go first.
 */
export class StatusCache {
  private readonly entries = new Map<string, Entry>();
  /** Reads in flight: concurrent requests share one read. */
  private readonly reading = new Map<string, Promise<Uint8Array>>();
  private bytes = 0;

  constructor(private readonly maxBytes = 256 * 1024 * 1024) {}

  /** The codes of each asset at `stateVersion`, from the cache, patched with what changed, or read. */
  async codesOf(store: ProvenanceStore, stateVersion: string, assets: ReadonlyArray<{ assetKey: string; def: PartitionsDefinition }>, ctx: PartitionContext): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    const asks: Ask[] = [];
    for (const { assetKey, def } of assets) {
      const key = `${store.location}\u0000${assetKey}`;
      const layout = statusLayout(def, ctx);
      const hit = this.entries.get(key);
      const lined = hit !== undefined && extendsLayout(hit.layout, layout);
      if (lined && hit.version === stateVersion && hit.layout.count === layout.count) {
        // Most recently used last.
        this.entries.delete(key);
        this.entries.set(key, hit);
        out.set(assetKey, hit.codes);
        continue;
      }
      const base = lined && layout.count - hit.layout.count <= patchLimit(layout.count) ? hit : undefined;
      asks.push({ assetKey, def, key, layout, id: `${key}\u0000${stateVersion}\u0000${layout.count}\u0000${layout.fixed}`, base });
    }
    const fresh = asks.filter((a) => !this.reading.has(a.id));
    if (fresh.length > 0) this.read(store, stateVersion, fresh, ctx);
    // (Taken before awaiting: a finished read leaves `reading` at once.)
    const pending = asks.map((a) => [a.assetKey, this.reading.get(a.id) as Promise<Uint8Array>] as const);
    for (const [assetKey, codes] of pending) out.set(assetKey, await codes);
    return out;
  }

  /** Starts the reads of `asks` (registered in `reading` until they settle): patches where a base lines up, whole reads otherwise. */
  private read(store: ProvenanceStore, version: string, asks: readonly Ask[], ctx: PartitionContext): void {
    const patched = asks.filter((a) => a.base !== undefined);
    const whole = asks.filter((a) => a.base === undefined);
    const none = Promise.resolve(undefined);
    const changes =
      patched.length === 0
        ? none
        : store.statusChangesSince(
            patched.map((a) => ({ assetKey: a.assetKey, def: a.def, since: (a.base as Entry).snapshot, fromIndex: (a.base as Entry).layout.count })),
            ctx,
            patchLimit(patched.reduce((n, a) => n + a.layout.count, 0)),
          );
    const wholeRead = whole.length === 0 ? none : store.statusCodesRead(whole, ctx);
    // When the location changed in too many rows, the assets are read whole, together, once that is known.
    const overflow = changes.then((c) => {
      const over = patched.filter((a) => c?.changes.get(a.assetKey) === undefined);
      return over.length === 0 ? undefined : store.statusCodesRead(over, ctx);
    });
    overflow.catch(() => {}); // (awaited below only where an asset overflowed; its failure is theirs)
    for (const a of asks) {
      const one = (async (): Promise<Uint8Array> => {
        const c = a.base ? await changes : undefined;
        const change = c?.changes.get(a.assetKey);
        let entry: Entry;
        if (a.base && c && change) entry = { version, layout: a.layout, snapshot: c.snapshot, codes: patch(a.base, a.layout.count, change) };
        else {
          const r = await (a.base ? overflow : wholeRead);
          if (!r) throw new Error(`status codes of ${a.assetKey} were not read`);
          entry = { version, layout: a.layout, snapshot: r.snapshot, codes: r.codes.get(a.assetKey) as Uint8Array };
        }
        this.put(a.key, entry);
        return entry.codes;
      })();
      one.catch(() => {}).finally(() => this.reading.delete(a.id));
      this.reading.set(a.id, one);
    }
  }

  private put(key: string, entry: Entry): void {
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= entryBytes(old);
      this.entries.delete(key);
    }
    const size = entryBytes(entry);
    if (size > this.maxBytes) return;
    this.entries.set(key, entry);
    this.bytes += size;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= entryBytes(e);
    }
  }
}

/**
 * What an entry holds in memory, about: its codes and its layout's dynamic keys (an entry keeps the
 * key lists of the context it was read in, even after the definition gained keys).
 */
export function entryBytes(entry: { readonly codes: Uint8Array; readonly layout: StatusLayout }): number {
  return entry.codes.byteLength + entry.layout.keyBytes;
}

/**
 * The codes of `base` carried to `count` partitions (the new ones `missing` until a row says
 * otherwise) with `changes` applied: a new array (the base's may still be in use by a request),
 * or the base's own when nothing changed.
 */
function patch(base: Entry, count: number, changes: StatusChanges): Uint8Array {
  if (changes.indices.length === 0 && count === base.codes.length) return base.codes;
  const codes = new Uint8Array(count);
  codes.set(base.codes.subarray(0, Math.min(count, base.codes.length)));
  codes.fill(MISSING, base.codes.length);
  const { indices, codes: changed } = changes;
  for (let i = 0; i < indices.length; i++) codes[indices[i] as number] = changed[i] as number;
  return codes;
}
