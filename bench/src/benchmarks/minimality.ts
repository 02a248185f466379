import { setTimeout as sleep } from 'node:timers/promises';
import { dataVersionOf, InProcessRunner, type PartitionKey, type SourceConnector } from '@weft/core';
import { WeftClient } from '@weft/workers';
import { checked, type Benchmark } from '../benchmark.js';
import { minimalityGraph } from '../minimality/graph.js';
import { MinimalityOracle, partitionId, type Affected } from '../minimality/oracle.js';
import { intCodec, prng } from '../support.js';
import { startWorkersBench } from '../workers/environment.js';

const START = '2024-01-01';
const T0 = Date.parse(`${START}T00:00:00Z`);
const HOUR = 3_600_000;
const ROUNDS = 5;
/** Days of readings of the run on the real workers. */
const WORKERS_DAYS = 10;
/** How long the workers have to reach the oracle's state after a change. */
const SETTLE_MS = 120_000;
/** A settled round waits this long for late computes (a partition run twice) before it is compared. */
const QUIET_MS = 1_000;

const hourKey = (h: number): PartitionKey => `${new Date(T0 + h * HOUR).toISOString().slice(0, 13)}:00`;
const show = (id: string): string => id.replace('\u0000', ' ');

/** The differences between two sets of partitions, for the log and the check. */
function compare(label: string, actual: ReadonlySet<string>, expected: ReadonlySet<string>, problems: string[]): boolean {
  const extra = [...actual].filter((x) => !expected.has(x));
  const lacking = [...expected].filter((x) => !actual.has(x));
  if (extra.length === 0 && lacking.length === 0) return true;
  problems.push(`${label}: ${extra.length} recomputed beyond the oracle (${extra.slice(0, 5).map(show).join(', ')}), ${lacking.length} not recomputed (${lacking.slice(0, 5).map(show).join(', ')})`);
  return false;
}

/** `k` source changes (hour → new value), drawn from `rand`; `fresh` keeps each hour away from every value it ever had. */
function draw(rand: () => number, hours: number, values: number[], history: Array<Set<number>> | undefined): Map<PartitionKey, number> {
  const k = 1 + Math.floor(rand() * 8);
  const out = new Map<PartitionKey, number>();
  while (out.size < k) {
    const h = Math.floor(rand() * hours);
    let v = Math.floor(rand() * 10);
    if (history) {
      const had = history[h] as Set<number>;
      if (had.size >= 10) continue;
      while (had.has(v)) v = (v + 1) % 10;
      had.add(v);
    }
    values[h] = v;
    out.set(hourKey(h), v);
  }
  return out;
}

/**
 * In process (`scale` days): InProcessRunner, the planner the workers use with in-memory storage.
 * Every round's runs must be the oracle's recomputed and restored partitions (the runner runs a
 * restored token again), each once, and every value the oracle's.
 */
async function inProcess(days: number, log: (line: string) => void, problems: string[]): Promise<Record<string, unknown>> {
  const hours = days * 24;
  const now = T0 + hours * HOUR;
  const rand = prng(20261121);
  const values = Array.from({ length: hours }, () => Math.floor(rand() * 10));
  const definitions = minimalityGraph(START);
  const runner = new InProcessRunner(definitions, { now });
  const oracle = new MinimalityOracle(definitions, now, 'readings');
  values.forEach((v, h) => runner.setSource('readings', hourKey(h), v));
  const first = await runner.runUntilIdle();
  const built = oracle.build(new Map(values.map((v, h) => [hourKey(h), v])));
  let exact = compare('in process, first run', new Set(first.map((r) => partitionId(r.assetKey, r.partitionKey))), built.recomputed, problems);
  log(`in process: first run ${first.length} materializations over ${days} days (oracle ${built.recomputed.size})`);
  let changed = 0;
  let recomputed = 0;
  let expected = 0;
  let restored = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const changes = draw(rand, hours, values, undefined);
    for (const [key, v] of changes) runner.setSource('readings', key, v);
    const runs = await runner.runUntilIdle();
    const affected = oracle.change(changes);
    const actual = new Set(runs.map((r) => partitionId(r.assetKey, r.partitionKey)));
    const want = new Set([...affected.recomputed, ...affected.restored]);
    let same = compare(`in process, round ${round + 1}`, actual, want, problems);
    if (actual.size !== runs.length) {
      problems.push(`in process, round ${round + 1}: ${runs.length - actual.size} partitions ran more than once`);
      same = false;
    }
    const wrong = [...oracle.bytes].filter(([id, bytes]) => {
      const [asset = '', partition = ''] = id.split('\u0000');
      const v = runner.value(asset, partition);
      return v === undefined || !Buffer.from(intCodec.encode(v as number)).equals(Buffer.from(bytes));
    });
    if (wrong.length > 0) {
      problems.push(`in process, round ${round + 1}: ${wrong.length} values differ from the oracle's (${wrong.slice(0, 5).map(([id]) => show(id)).join(', ')})`);
      same = false;
    }
    // The oracle's own check: its values after the walk are those of a first run over the new readings.
    const scratch = new MinimalityOracle(minimalityGraph(START), now, 'readings');
    scratch.build(new Map(values.map((v, h) => [hourKey(h), v])));
    const drift = [...scratch.bytes].filter(([id, bytes]) => !Buffer.from(bytes).equals(Buffer.from(oracle.bytes.get(id) ?? new Uint8Array())));
    if (drift.length > 0 || scratch.bytes.size !== oracle.bytes.size) {
      problems.push(`in process, round ${round + 1}: the oracle's walk left ${drift.length} values unlike a first run's (${drift.slice(0, 5).map(([id]) => show(id)).join(', ')})`);
      same = false;
    }
    exact &&= same;
    changed += affected.changedSources;
    recomputed += actual.size;
    expected += want.size;
    restored += affected.restored.size;
    log(`in process, round ${round + 1}: ${affected.changedSources} source partitions changed → ${actual.size} recomputed, oracle ${want.size} (${affected.restored.size} restored)${same ? '' : ' MISMATCH'}`);
  }
  return { days, partitions: first.length, changed, recomputed, oracle: expected, restored, exact };
}

/**
 * On the real workers (PostgreSQL, Temporal, a worker), `WORKERS_DAYS` days: the source changes are
 * pushed, the workers run until every partition holds the oracle's value and the loop has read
 * every event, then the computes that ran are compared with the oracle's recomputed set exactly
 * (a restored partition's compute does not run: its earlier materialization is current again).
 * Source values never return to a value they had, so only downstream inputs can be restored.
 */
async function onWorkers(days: number, log: (line: string) => void, problems: string[]): Promise<Record<string, unknown>> {
  const hours = days * 24;
  const now = T0 + hours * HOUR;
  const rand = prng(20261203);
  const values = Array.from({ length: hours }, () => Math.floor(rand() * 10));
  const history = values.map((v) => new Set([v]));
  const current = new Map<PartitionKey, number>(values.map((v, h) => [hourKey(h), v]));
  const connector: SourceConnector = {
    name: 'memory',
    observe: async () => [...current].map(([partitionKey, v]) => ({ partitionKey, version: { checksum: String(v) } })),
    read: async (partitionKey) => intCodec.encode(current.get(partitionKey) ?? 0),
  };
  let computes = new Map<string, number>();
  const definitions = minimalityGraph(START, { connector, batchSize: 50, onCompute: (asset, partition) => void computes.set(partitionId(asset, partition), (computes.get(partitionId(asset, partition)) ?? 0) + 1) });
  // (The oracle runs the same computes, from definitions of its own: its runs are not counted.)
  const oracle = new MinimalityOracle(minimalityGraph(START), now, 'readings');
  const t0 = performance.now();
  const env = await startWorkersBench(definitions, { location: 'minimality', now: () => now });
  log(`workers: services and worker up in ${Math.round(performance.now() - t0)} ms`);
  const weft = new WeftClient({ store: env.store, client: env.client, location: env.location, taskQueue: env.taskQueue });
  /** Waits until every partition the oracle knows holds its value, fresh, and the loop has read every event; then a quiet spell. */
  const settle = async (label: string, restored: ReadonlySet<string> = new Set()): Promise<boolean> => {
    const want = new Map([...oracle.bytes].filter(([id]) => !id.startsWith('readings\u0000')).map(([id, bytes]) => [id, dataVersionOf(bytes)]));
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      const rows = await env.store.db.query<{ asset_key: string; partition_key: string; status: string; data_version: string | null }>("SELECT asset_key, partition_key, status, data_version FROM weft_partition_state WHERE location = $1 AND asset_key <> 'readings'", [env.location]);
      const got = new Map(rows.map((r) => [partitionId(r.asset_key, r.partition_key), r]));
      const differing = [...want].filter(([id, dv]) => got.get(id)?.status !== 'fresh' || got.get(id)?.data_version !== dv).map(([id]) => id);
      const [caught] = await env.store.db.query<{ ok: boolean }>('SELECT coalesce((SELECT cursor FROM weft_planner_cursors WHERE location = $1), 0) >= coalesce((SELECT max(id) FROM weft_events WHERE location = $1), 0) AS ok', [env.location]);
      if (differing.length === 0 && caught?.ok) break;
      if (Date.now() > deadline) {
        const described = differing.slice(0, 5).map((id) => `${show(id)}: ${got.get(id)?.status ?? 'no state'}${restored.has(id) ? ', restored (its inputs are ones it was computed from before)' : ''}`);
        problems.push(`workers, ${label}: not settled within ${SETTLE_MS / 1000} s: ${differing.length} partitions without the oracle's value or not fresh (${described.join('; ')})${caught?.ok ? '' : ', the loop behind the log'}`);
        return false;
      }
      await sleep(100);
    }
    await sleep(QUIET_MS);
    return true;
  };
  const result: Record<string, unknown> = { days };
  try {
    await weft.reportSourceChange('readings', [...current].map(([partitionKey, v]) => ({ partitionKey, version: { checksum: String(v) } })));
    const built = oracle.build(current);
    const t1 = performance.now();
    if (!(await settle('first run'))) return { ...result, exact: false };
    const twice = [...computes].filter(([, n]) => n > 1);
    let exact = compare('workers, first run', new Set(computes.keys()), built.recomputed, problems) && twice.length === 0;
    if (twice.length > 0) problems.push(`workers, first run: ${twice.length} partitions computed more than once (${twice.slice(0, 5).map(([id, n]) => `${show(id)} ×${n}`).join(', ')})`);
    log(`workers: first run ${computes.size} partitions in ${Math.round(performance.now() - t1)} ms (oracle ${built.recomputed.size})`);
    Object.assign(result, { partitions: built.recomputed.size });
    let changed = 0;
    let recomputed = 0;
    let expected = 0;
    let restored = 0;
    for (let round = 0; round < ROUNDS; round++) {
      computes = new Map();
      const changes = draw(rand, hours, values, history);
      for (const [key, v] of changes) current.set(key, v);
      const affected: Affected = oracle.change(changes);
      await weft.reportSourceChange('readings', [...changes].map(([partitionKey, v]) => ({ partitionKey, version: { checksum: String(v) } })));
      if (!(await settle(`round ${round + 1}`, affected.restored))) {
        exact = false;
        break;
      }
      const ranTwice = [...computes].filter(([, n]) => n > 1);
      if (ranTwice.length > 0) problems.push(`workers, round ${round + 1}: ${ranTwice.length} partitions computed more than once (${ranTwice.slice(0, 5).map(([id, n]) => `${show(id)} ×${n}`).join(', ')})`);
      const same = compare(`workers, round ${round + 1}`, new Set(computes.keys()), affected.recomputed, problems) && ranTwice.length === 0;
      exact &&= same;
      changed += affected.changedSources;
      recomputed += computes.size;
      expected += affected.recomputed.size;
      restored += affected.restored.size;
      log(`workers, round ${round + 1}: ${affected.changedSources} source partitions changed → ${computes.size} recomputed, oracle ${affected.recomputed.size} (${affected.restored.size} restored)${same ? '' : ' MISMATCH'}`);
    }
    return { ...result, changed, recomputed, oracle: expected, restored, exact };
  } finally {
    await env.close();
  }
}

/**
 * Minimality (DESIGN §6): after k random source partitions change, the partitions Weft recomputes
 * must be exactly the affected closure, stopped by early cutoff — as the oracle works it out from
 * the mappings and the values alone (bench/src/minimality/oracle.ts), not from tokens. In process
 * at `scale` days of hourly readings, then on the real workers at 10 days.
 */
export const minimalityBench: Benchmark = {
  name: 'minimality',
  description: 'recomputed set after k random source changes vs an oracle from the mappings and values alone, in process (scale = days of hourly data) and on the real workers (10 days)',
  defaultScale: 120,
  smokeScale: 20,
  async run({ scale, log }) {
    const problems: string[] = [];
    const days = Math.max(8, Math.floor(scale));
    const local = await inProcess(days, log, problems);
    const workers = await onWorkers(Math.min(days, WORKERS_DAYS), log, problems);
    return checked({ exact: local['exact'] === true && workers['exact'] === true, changed: local['changed'], recomputed: local['recomputed'], oracle: local['oracle'], partitions: local['partitions'], restored: local['restored'], workers }, problems);
  },
};
