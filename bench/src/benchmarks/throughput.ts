import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { asset, daily, hourly, input, rollup, type Definition, type PartitionKey } from '@weft/core';
import { checked, type Benchmark } from '../benchmark.js';
import { intCodec } from '../support.js';
import { checkExactSet, type ExactSetCheck } from '../workers/exact-set.js';
import { startWorkersBench } from '../workers/environment.js';

const BATCH = 500;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2025-01-01T00:00:00Z');
/** A run that commits nothing new for this long is stuck. */
const STALL_MS = 120_000;

const hourKey = (ms: number): PartitionKey => `${new Date(ms).toISOString().slice(0, 13)}:00`;
const dayKey = (ms: number): PartitionKey => new Date(ms).toISOString().slice(0, 10);
/** The root's value: the partition's hour since the epoch (distinct for every partition). */
const rootValue = (key: PartitionKey): number => Date.parse(`${key}:00Z`) / HOUR;
const scaledValue = (root: number): number => root * 3 + 1;

/**
 * The pipeline: `root` (hourly, no inputs, a value of its own per partition) → `scaled` (hourly,
 * reading its hour of root: the default identity mapping) → `daily_sum` (daily, a rollup of the
 * day's 24 scaled hours). Every asset in batches of 500.
 */
function chain(days: number): { root: Definition; all: Definition[]; expected: Map<string, PartitionKey[]>; value: (assetKey: string, key: PartitionKey) => Uint8Array } {
  const start = NOW - days * DAY;
  const startDay = dayKey(start);
  const sum = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  const root = asset({ key: 'root', partitions: hourly({ start: `${startDay}T00:00` }), codec: intCodec, version: 'v1', batchSize: BATCH, compute: (_inputs, ctx) => rootValue(ctx.partitionKey) });
  const scaled = asset({ key: 'scaled', partitions: hourly({ start: `${startDay}T00:00` }), inputs: { r: root }, codec: intCodec, version: 'v1', batchSize: BATCH, compute: ({ r }) => scaledValue(r) });
  const dailySum = asset({ key: 'daily_sum', partitions: daily({ start: startDay }), inputs: { hours: input(scaled, rollup()) }, codec: intCodec, version: 'v1', batchSize: BATCH, compute: ({ hours }) => sum(hours) });
  const hours = Array.from({ length: days * 24 }, (_, h) => hourKey(start + h * HOUR));
  const dayKeys = Array.from({ length: days }, (_, d) => dayKey(start + d * DAY));
  const expected = new Map([
    ['root', hours],
    ['scaled', hours],
    ['daily_sum', dayKeys],
  ]);
  const value = (assetKey: string, key: PartitionKey): Uint8Array => {
    if (assetKey === 'root') return intCodec.encode(rootValue(key));
    if (assetKey === 'scaled') return intCodec.encode(scaledValue(rootValue(key)));
    let total = 0;
    for (let h = 0; h < 24; h++) total += scaledValue(rootValue(hourKey(Date.parse(`${key}T00:00:00Z`) + h * HOUR)));
    return intCodec.encode(total);
  };
  return { root, all: [root, scaled, dailySum], expected, value };
}

interface Run {
  readonly partitions: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** Seconds from the start until each asset's last partition was committed. */
  readonly assetDoneSeconds: Record<string, number>;
  readonly check: ExactSetCheck;
  readonly objectsOnPostgresDisk: boolean;
}

/** Materializes `definitions` end to end on fresh services, then checks the committed set exactly. */
async function measure(
  label: string,
  definitions: readonly Definition[],
  expected: Map<string, PartitionKey[]>,
  value: (assetKey: string, key: PartitionKey) => Uint8Array,
  log: (line: string) => void,
  options: { readonly inlineValueBytes?: number } = {},
): Promise<Run> {
  const total = [...expected.values()].reduce((n, keys) => n + keys.length, 0);
  const t0 = performance.now();
  const env = await startWorkersBench(definitions, { location: `throughput-${label}`, now: () => NOW, maxConcurrentActivityTaskExecutions: 8, startReconciler: false, ...options });
  log(`${label}: services and worker up in ${Math.round(performance.now() - t0)} ms (${env.temporalVersion}); values in ${env.objects.dir}${env.objects.sameDeviceAsPostgres ? ' (the disk PostgreSQL writes to)' : ''}; materializing ${total} partitions…`);
  try {
    // The clock starts with the loop: everything from the first plan to the last commit is timed.
    const started = performance.now();
    await env.worker.wake('deployed');
    const doneAt: Record<string, number> = {};
    let done = 0;
    let lastLog = started;
    let lastProgress = { at: started, done: 0 };
    // Progress from the log rows each recording writes (one per batch, ids in commit order), read
    // after the last one seen: a count over the growing table every 50 ms cost PostgreSQL a core
    // at 100,000 partitions, taken from the run it measures.
    const counts = new Map<string, number>();
    let seen = 0;
    while (done < total) {
      const rows = await env.store.db.query<{ id: string; asset_key: string | null; first: string; n: string }>(
        "SELECT id, asset_key, payload->>'first' AS first, payload->>'count' AS n FROM weft_events WHERE id > $1 AND kind = 'materializations.recorded' ORDER BY id",
        [seen],
      );
      const now = performance.now();
      for (const r of rows) {
        seen = Math.max(seen, Number(r.id));
        // (A row of several assets' batches, recorded together, names no asset: counted by asset from its rows.)
        const byAsset =
          r.asset_key !== null
            ? [{ asset_key: r.asset_key, n: r.n }]
            : await env.store.db.query<{ asset_key: string; n: string }>('SELECT asset_key, count(*) AS n FROM weft_materializations WHERE id BETWEEN $1::bigint AND $1::bigint + $2::int - 1 GROUP BY asset_key', [r.first, r.n]);
        for (const a of byAsset) {
          const n = (counts.get(a.asset_key) ?? 0) + Number(a.n);
          counts.set(a.asset_key, n);
          done += Number(a.n);
          const want = expected.get(a.asset_key)?.length ?? 0;
          if (doneAt[a.asset_key] === undefined && n >= want) doneAt[a.asset_key] = Math.round((now - started) / 100) / 10;
        }
      }
      if (done > lastProgress.done) lastProgress = { at: now, done };
      if (now - lastLog > 2000) {
        log(`${label}: ${done} / ${total} (${Math.round(done / ((now - started) / 1000))}/s)`);
        lastLog = now;
      }
      if (now - lastProgress.at > STALL_MS) throw new Error(`${label}: stuck at ${done} of ${total} partitions (nothing committed for ${STALL_MS / 1000} s)`);
      if (done < total) await sleep(50);
    }
    const seconds = (performance.now() - started) / 1000;
    // Anything committed late (a duplicate, a second run of a partition) has time to show.
    await sleep(1000);
    const check = await checkExactSet(env.store, definitions, { partitions: expected, value }, { now: NOW, codeVersions: env.codeVersions, storage: env.storage });
    log(`${label}: ${done} partitions in ${seconds.toFixed(1)} s (${Math.round(done / seconds)}/s); exact set ${check.exact ? 'yes' : `NO: ${check.problems.slice(0, 5).join('; ')}`}`);
    return { partitions: done, seconds: Math.round(seconds * 10) / 10, perSecond: Math.round(done / seconds), assetDoneSeconds: doneAt, check, objectsOnPostgresDisk: env.objects.sameDeviceAsPostgres };
  } finally {
    await env.close();
  }
}

const summary = (run: Run): Record<string, unknown> => {
  const { check, ...rest } = run;
  const { problems: _problems, ...counts } = check;
  return { ...rest, ...counts };
};

/**
 * DESIGN §6 throughput: trivial computes end to end (planner, Temporal workflows and activities,
 * input reads, value storage, lineage writes in PostgreSQL), batches of 500. Three runs on fresh
 * services: the root asset alone (`scale` partitions rounded up to whole days), then the
 * three-asset chain over the same hours (2 × hours + days partitions), both with the workers'
 * default (values this small kept inline in PostgreSQL), then the root asset again with every
 * value a file in a local folder on PostgreSQL's disk. Each run's committed set is
 * checked exactly (every partition once, with its value and the token a rebuilt planner wants).
 */
export const throughputBench: Benchmark = {
  name: 'throughput',
  description: 'trivial computes end to end on PostgreSQL + the Temporal dev server (in memory), batches of 500: a root asset of N hourly partitions alone, then root → identity → daily rollup',
  defaultScale: 100_000,
  smokeScale: 2_000,
  async run({ scale, log }) {
    const days = Math.max(1, Math.ceil(scale / 24));
    const { root, all, expected, value } = chain(days);
    const rootKeys = new Map([['root', expected.get('root') ?? []]]);
    const rootOnly = await measure('root', [root], rootKeys, value, log);
    const chained = await measure('chain', all, expected, value, log);
    // The same root run with every value in a file of the local folder (no value kept inline).
    const rootFiles = await measure('root-files', [root], rootKeys, value, log, { inlineValueBytes: 0 });
    const problems = [
      ...rootOnly.check.problems.map((p) => `root only: ${p}`),
      ...chained.check.problems.map((p) => `chain: ${p}`),
      ...rootFiles.check.problems.map((p) => `root only, values in files: ${p}`),
    ];
    if (rootFiles.check.valuesInStorage !== rootFiles.partitions) problems.push(`root only, values in files: ${rootFiles.check.valuesInStorage} of ${rootFiles.partitions} values in files`);
    return checked(
      {
        exact: rootOnly.check.exact && chained.check.exact && rootFiles.check.exact,
        rootOnlyPerSecond: rootOnly.perSecond,
        chainPerSecond: chained.perSecond,
        rootOnlyFilesPerSecond: rootFiles.perSecond,
        rootOnlyPartitions: rootOnly.partitions,
        chainPartitions: chained.partitions,
        duplicates: rootOnly.check.duplicates + chained.check.duplicates + rootFiles.check.duplicates,
        rootOnly: summary(rootOnly),
        chain: summary(chained),
        rootOnlyFiles: summary(rootFiles),
        values: 'kept inline in PostgreSQL up to 1 KiB (the workers\' default), except in rootOnlyFiles: every value a file in the local folder',
        batchSize: BATCH,
        temporalState: 'in memory',
        objects: `local folder under ${tmpdir()} (${rootOnly.objectsOnPostgresDisk && chained.objectsOnPostgresDisk ? "the disk of PostgreSQL's data" : 'not known to be the disk of PostgreSQL data'})`,
        target: 2000,
      },
      problems,
    );
  },
};
