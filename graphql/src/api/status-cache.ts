import type { PartitionContext, PartitionsDefinition } from '@weft/core';
import type { ProvenanceStore } from '@weft/store';

interface Entry {
  readonly version: string;
  readonly codes: Uint8Array;
}

/**
 * Status codes per asset (one byte per partition), kept while the location's state version (its
 * newest event, its planner's last plan) and the asset's partition count stay the same: a summary
 * of a million partitions is then a pass over bytes, not a million rows. Misses of one request are
 * read in one statement. Bounded by bytes; the least recently used assets go first.
 */
export class StatusCache {
  private readonly entries = new Map<string, Entry>();
  /** Reads in flight by asset and version: concurrent requests share one read. */
  private readonly reading = new Map<string, Promise<Uint8Array>>();
  private bytes = 0;

  constructor(private readonly maxBytes = 256 * 1024 * 1024) {}

  /** The codes of each asset, read from `store` where the cache has none at `stateVersion`. */
  async codesOf(store: ProvenanceStore, stateVersion: string, assets: ReadonlyArray<{ assetKey: string; def: PartitionsDefinition }>, ctx: PartitionContext): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    const misses: Array<{ assetKey: string; def: PartitionsDefinition; key: string; version: string }> = [];
    for (const { assetKey, def } of assets) {
      const key = `${store.location}\u0000${assetKey}`;
      const version = `${stateVersion}/${def.count(ctx)}`;
      const hit = this.entries.get(key);
      if (hit && hit.version === version) {
        // Most recently used last.
        this.entries.delete(key);
        this.entries.set(key, hit);
        out.set(assetKey, hit.codes);
      } else misses.push({ assetKey, def, key, version });
    }
    const fresh = misses.filter((m) => !this.reading.has(`${m.key}\u0000${m.version}`));
    if (fresh.length > 0) {
      const read = store.statusCodesOf(fresh, ctx);
      for (const m of fresh) {
        const id = `${m.key}\u0000${m.version}`;
        const one = read.then((codes) => {
          const c = codes.get(m.assetKey) as Uint8Array;
          this.put(m.key, { version: m.version, codes: c });
          return c;
        });
        one.catch(() => {}).finally(() => this.reading.delete(id));
        this.reading.set(id, one);
      }
    }
    // (Taken before awaiting: a finished read leaves `reading` at once.)
    const pending = misses.map((m) => [m.assetKey, this.reading.get(`${m.key}\u0000${m.version}`) as Promise<Uint8Array>] as const);
    for (const [assetKey, codes] of pending) out.set(assetKey, await codes);
    return out;
  }

  private put(key: string, entry: Entry): void {
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.codes.byteLength;
      this.entries.delete(key);
    }
    if (entry.codes.byteLength > this.maxBytes) return;
    this.entries.set(key, entry);
    this.bytes += entry.codes.byteLength;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.codes.byteLength;
    }
  }
}
