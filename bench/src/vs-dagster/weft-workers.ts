import { setTimeout as sleep } from 'node:timers/promises';
import { sourceDataVersion, type Definition, type PartitionKey, type SourceConnector } from '@weft/core';
import { WeftClient } from '@weft/workers';
import { intCodec } from '../support.js';
import { checkExactSet, type ExactSetCheck } from '../workers/exact-set.js';
import { startWorkersBench, type WorkersBench } from '../workers/environment.js';
import { summarize, type KeySummary } from './weft-planner.js';
import { VS_NOW, WEFT_BATCH_SIZE, type VsWorkload } from './workload.js';

/** A run that commits nothing new for this long is stuck. */
const STALL_MS = 120_000;
/** A change whose partitions are not all fresh again after this long is a failure. */
const REACT_LIMIT_MS = 60_000;
/** After a reaction, late work (a partition run twice) has this long to show before counting. */
const QUIET_MS = 1_000;

/**
 * Weft's side on its real workers (PostgreSQL, the Temporal dev server, a worker with batches of
 * 500 and the default `inlineValueBytes`, so every value here, a few bytes, is kept in its
 * materialization row in PostgreSQL, none in object storage), as the throughput benchmark runs them.
 */
export class WeftWorkersRun {
  private readonly values: number[][];

  private constructor(
    private readonly workload: VsWorkload,
    readonly env: WorkersBench,
    private readonly definitions: readonly Definition[],
    values: number[][],
  ) {
    this.values = values;
  }

  static async start(workload: VsWorkload): Promise<WeftWorkersRun> {
    const values = workload.chains.map((_, c) => workload.dayKeys.map((_, d) => workload.sourceValue(c, d)));
    const index = new Map(workload.dayKeys.map((k, d) => [k, d]));
    const connector = (c: number): SourceConnector => ({
      name: 'memory',
      observe: async () => workload.dayKeys.map((partitionKey, d) => ({ partitionKey, version: { checksum: String(values[c]?.[d]) } })),
      read: async (partitionKey) => intCodec.encode(values[c]?.[index.get(partitionKey) ?? -1] ?? 0),
    });
    const definitions = workload.definitions(connector, { batchSize: WEFT_BATCH_SIZE });
    const env = await startWorkersBench(definitions, { location: 'vs-dagster', now: () => VS_NOW, maxConcurrentActivityTaskExecutions: 8, startReconciler: false });
    return new WeftWorkersRun(workload, env, definitions, values);
  }

  private async committed(): Promise<number> {
    const [row] = await this.env.store.db.query<{ n: string }>('SELECT count(*) AS n FROM weft_materializations');
    return Number(row?.n ?? 0);
  }

  /**
   * Every source partition recorded (not timed: Dagster's side records its source events before
   * its clock starts too), then the loop woken: timed until every partition of every asset is
   * committed. The committed set is then checked exactly (one materialization per partition,
   * current, with its expected value, nothing a rebuilt planner would run).
   */
  async materialize(log: (line: string) => void): Promise<{ materializeMs: number; partitions: number; perSecond: number; check: ExactSetCheck }> {
    const w = this.workload;
    for (const [c, chain] of w.chains.entries()) {
      await this.env.store.recordSourceObservations(chain.source, w.dayKeys.map((partitionKey, d) => ({ partitionKey, dataVersion: sourceDataVersion({ checksum: String(this.values[c]?.[d]) }) })));
    }
    const total = w.assetPartitions;
    const [base] = await this.env.store.db.query<{ id: string | null }>('SELECT max(id) AS id FROM weft_materializations');
    const started = performance.now();
    await this.env.worker.wake('deployed');
    let done = 0;
    let last = { at: started, top: 0, logged: started };
    while (done < total) {
      await sleep(50);
      // Progress by the highest id (an index lookup): counting every row each poll would load
      // PostgreSQL more the further the run got. Ids only grow, so count only once they allow it.
      const [row] = await this.env.store.db.query<{ id: string | null }>('SELECT max(id) AS id FROM weft_materializations');
      const top = Number(row?.id ?? 0) - Number(base?.id ?? 0);
      if (top >= total) done = await this.committed();
      const now = performance.now();
      if (top > last.top) last = { ...last, at: now, top };
      if (now - last.logged > 5000) {
        log(`weft: about ${top} / ${total} committed (${Math.round(top / ((now - started) / 1000))}/s)`);
        last = { ...last, logged: now };
      }
      if (now - last.at > STALL_MS) throw new Error(`weft: stuck at about ${top} of ${total} partitions (nothing committed for ${STALL_MS / 1000} s)`);
    }
    const materializeMs = performance.now() - started;
    await sleep(QUIET_MS);
    const expectedValue = w.expectedValues(this.values);
    const value = (assetKey: string, key: PartitionKey): Uint8Array => intCodec.encode(expectedValue(assetKey, key));
    const expected = new Map<string, readonly PartitionKey[]>([...w.firstWave(), ...w.secondWave()]);
    const check = await checkExactSet(this.env.store, this.definitions, { partitions: expected, value }, { now: VS_NOW, codeVersions: this.env.codeVersions, storage: this.env.storage });
    return { materializeMs: Math.round(materializeMs), partitions: done, perSecond: Math.round(done / (materializeMs / 1000)), check };
  }

  /**
   * Chain `chain`'s source partition `day` gets a new value, pushed (`WeftClient.reportSourceChange`):
   * timed from just before the push until every partition of `closure` is fresh with a
   * materialization committed after it; then, after a quiet second, every materialization committed
   * since the push is the recomputed set.
   */
  async react(chain: number, day: PartitionKey, value: number, closure: ReadonlyMap<string, readonly PartitionKey[]>): Promise<{ reactMs: number; recomputed: Record<string, KeySummary> }> {
    const w = this.workload;
    const d = w.dayKeys.indexOf(day);
    const [before] = await this.env.store.db.query<{ id: string | null }>('SELECT max(id) AS id FROM weft_materializations');
    const since = before?.id ?? '0';
    const pairs = [...closure].flatMap(([asset, keys]) => keys.map((k) => [asset, k] as const));
    const client = new WeftClient({ store: this.env.store, client: this.env.client, location: this.env.location, taskQueue: this.env.taskQueue });
    (this.values[chain] as number[])[d] = value;
    const t0 = performance.now();
    await client.reportSourceChange(w.chains[chain]?.source as string, [{ partitionKey: day, version: { checksum: String(value) } }]);
    for (;;) {
      const [row] = await this.env.store.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM weft_partition_state ps JOIN weft_materializations m ON m.id = ps.materialization_id
         WHERE ps.location = $1 AND ps.status = 'fresh' AND m.id > $2 AND (ps.asset_key, ps.partition_key) IN (SELECT * FROM unnest($3::text[], $4::text[]))`,
        [this.env.location, since, pairs.map((p) => p[0]), pairs.map((p) => p[1])],
      );
      if (Number(row?.n ?? 0) === pairs.length) break;
      if (performance.now() - t0 > REACT_LIMIT_MS) throw new Error(`weft: ${day} of chain ${chain} changed, and ${pairs.length - Number(row?.n ?? 0)} of its ${pairs.length} affected partitions were not fresh again after ${REACT_LIMIT_MS / 1000} s`);
      await sleep(10);
    }
    const reactMs = Math.round(performance.now() - t0);
    await sleep(QUIET_MS);
    const rows = await this.env.store.db.query<{ asset_key: string; partition_key: string }>('SELECT asset_key, partition_key FROM weft_materializations WHERE id > $1', [since]);
    const recomputed = new Map<string, PartitionKey[]>();
    for (const r of rows) recomputed.set(r.asset_key, [...(recomputed.get(r.asset_key) ?? []), r.partition_key]);
    return { reactMs, recomputed: summarize(recomputed) };
  }

  close(): Promise<void> {
    return this.env.close();
  }
}
