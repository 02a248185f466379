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
    if (misses.length > 0) {
      const read = await store.statusCodesOf(misses, ctx);
      for (const m of misses) {
        const codes = read.get(m.assetKey) as Uint8Array;
        out.set(m.assetKey, codes);
        this.put(m.key, { version: m.version, codes });
      }
    }
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
