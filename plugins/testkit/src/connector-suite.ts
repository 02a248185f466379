/**
 * The source connector conformance suite: what exists is listed with versions that stay the same
 * while the data does, change when it changes, and disappear when it goes; reads return exactly
 * the bytes; new partitions are discovered as they appear.
 */
import { sourceDataVersion, type ConnectorContext, type SourceConnector } from '@weft/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A connector on an empty source, with the means to change that source behind its back. */
export interface ConnectorUnderTest {
  readonly connector: SourceConnector;
  /** Makes partition `key` hold `bytes` in the source system (creating or replacing it). */
  write(key: string, bytes: Uint8Array): Promise<void>;
  /** Removes partition `key` from the source system. */
  remove(key: string): Promise<void>;
  /** The text written, from what `read` returns (a table source reads rows as JSON). @default UTF-8 of the bytes */
  readAs?(bytes: Uint8Array, key: string): string;
  cleanup?(): Promise<void>;
}

export interface ConnectorCapabilities {
  /** Partition keys to use, in the connector's key shape (at least three), e.g. `['2024-01-01', …]`. */
  readonly keys: readonly string[];
  /** Rewriting identical bytes keeps the version (content hashes, ETags). Without it, a rewrite may change it (mtime). */
  readonly contentVersions: boolean;
  /** Keys not known in advance are discovered (dynamic partitions), e.g. `['customer-acme', …]`: tested when given. */
  readonly dynamicKeys?: readonly string[];
  /** Waits before observing after a change (sources whose listings lag). @default 0 */
  readonly settleMs?: number;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Registers the connector conformance tests for `name`. */
export function describeConnectorConformance(name: string, factory: () => Promise<ConnectorUnderTest>, capabilities: ConnectorCapabilities): void {
  describe(`connector conformance: ${name}`, () => {
    let under: ConnectorUnderTest;
    const ctx = (): ConnectorContext => ({ sourceKey: `conformance-${name}`, signal: new AbortController().signal });
    /** Partition → the data version Weft derives from what the connector reports (its strongest kind). */
    const observe = async (): Promise<Map<string, string>> => {
      if (capabilities.settleMs) await new Promise((r) => setTimeout(r, capabilities.settleMs));
      const seen = await under.connector.observe(ctx());
      const keys = seen.map((p) => p.partitionKey);
      expect(new Set(keys).size, `observe lists each partition once: ${keys.join(', ')}`).toBe(keys.length);
      for (const p of seen) expect(Object.values(p.version).some((v) => v !== undefined && v !== ''), `${p.partitionKey}: a version says something: ${JSON.stringify(p.version)}`).toBe(true);
      return new Map(seen.map((p) => [p.partitionKey, sourceDataVersion(p.version)]));
    };
    const [a, b, c] = capabilities.keys as [string, string, string];

    beforeAll(async () => {
      if (capabilities.keys.length < 3) throw new Error('describeConnectorConformance needs at least three keys');
      under = await factory();
    }, 120_000);
    afterAll(async () => {
      await under?.cleanup?.();
    }, 120_000);

    it('lists nothing for an empty source, then what was written, with versions', async () => {
      expect([...(await observe()).keys()]).toEqual([]);
      await under.write(a, bytes('alpha 1'));
      await under.write(b, bytes('beta 1'));
      const seen = await observe();
      expect([...seen.keys()].sort()).toEqual([a, b].sort());
      expect(seen.get(a)).not.toEqual(seen.get(b));
    });

    it('reports stable versions while nothing changes', async () => {
      const first = await observe();
      const second = await observe();
      expect(second).toEqual(first);
    });

    const readText = async (k: string): Promise<string> => {
      const bytes = await under.connector.read(k, ctx());
      return under.readAs ? under.readAs(bytes, k) : new TextDecoder().decode(bytes);
    };

    it('reads exactly what a partition holds', async () => {
      expect(await readText(a)).toBe('alpha 1');
      expect(await readText(b)).toBe('beta 1');
    });

    it('detects an added, a changed and a deleted partition, and nothing else', async () => {
      const before = await observe();
      await under.write(c, bytes('gamma 1'));
      await under.write(b, bytes('beta 2, longer'));
      await under.remove(a);
      const after = await observe();
      expect([...after.keys()].sort()).toEqual([b, c].sort());
      expect(after.get(b)).not.toEqual(before.get(b));
      expect(await readText(b)).toBe('beta 2, longer');
    });

    (capabilities.contentVersions ? it : it.skip)('keeps the version when identical bytes are written again (early cutoff holds)', async () => {
      const before = await observe();
      await under.write(c, bytes('gamma 1'));
      expect((await observe()).get(c)).toEqual(before.get(c));
    });

    it('rejects reading a partition that does not exist, naming it', async () => {
      const error = await under.connector.read(a, ctx()).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error, `reading the deleted partition ${a} must fail`).toBeInstanceOf(Error);
      expect(error?.message).toContain(a.length > 40 ? a.slice(0, 40) : a);
    });

    (capabilities.dynamicKeys ? it : it.skip)('discovers partitions nobody declared (dynamic keys)', async () => {
      for (const k of capabilities.dynamicKeys ?? []) await under.write(k, bytes(`dynamic ${k}`));
      const seen = await observe();
      for (const k of capabilities.dynamicKeys ?? []) expect(seen.has(k), `${k} discovered`).toBe(true);
    });
  });
}
