/**
 * What a run committed, compared with the exact set it should have (the e2e tests' "no lost and no
 * duplicated materialization"). A unique index on token makes the same token commit once, so a
 * duplicate is not two rows with one token: it is a second materialization of a partition (other
 * inputs read, another code version, another moment), i.e. two rows where one was expected.
 */
import { loadDefinitions, PARTITION_STATUSES, Planner, type Definition } from '@weft/core';
import { type ProvenanceStore } from '@weft/store';

export interface CommittedSet {
  /** Expected `asset partition`s with no committed materialization. */
  readonly missing: string[];
  /** Materializations of partitions that were not expected. */
  readonly unexpected: string[];
  /** Expected partitions with more than one materialization (tokens listed). */
  readonly duplicated: string[];
  /** Partitions whose state does not name their one materialization (id and token) as current and fresh. */
  readonly notCurrent: string[];
  /** Partitions whose state still holds a running marker once everything has committed (a rebuilt planner would hold them as running for ever). */
  readonly runningMarkers: string[];
  /**
   * Partitions a planner built from the store's snapshot — every status dropped, so every token is
   * computed again from the stored data versions and code versions — does not find fresh.
   */
  readonly wanted: string[];
  /** Tokens that planner computed. */
  readonly tokensRecomputed: number;
  /** Partitions committed by a retry (attempt > 1) or with attempts in weft_attempts. */
  readonly retried: string[];
  /** Attempt rows that do not fit: a bad attempt number, two successes of a token, an unexpected partition. */
  readonly badAttempts: string[];
}

/**
 * Reads the store of `location` and compares it with `expected` (asset → partition keys), at time
 * `now`, with the code versions of the location's latest deployment.
 */
export async function committedSet(store: ProvenanceStore, definitions: readonly Definition[], expected: Readonly<Record<string, readonly string[]>>, now: number): Promise<CommittedSet> {
  const want = new Set(Object.entries(expected).flatMap(([asset, keys]) => keys.map((k) => `${asset} ${k}`)));
  const rows = await store.db.query<{ id: string; asset_key: string; partition_key: string; token: string; attempt: number; current_id: string | null; current_token: string | null; status: string | null; running_token: string | null }>(
    `SELECT m.id, m.asset_key, m.partition_key, m.token, m.attempt, ps.materialization_id AS current_id, ps.token AS current_token, ps.status, ps.running_token
     FROM weft_materializations m LEFT JOIN weft_partition_state ps ON ps.location = $1 AND ps.asset_key = m.asset_key AND ps.partition_key = m.partition_key ORDER BY m.id`,
    [store.location],
  );
  const byPartition = new Map<string, typeof rows>();
  for (const r of rows) byPartition.set(`${r.asset_key} ${r.partition_key}`, [...(byPartition.get(`${r.asset_key} ${r.partition_key}`) ?? []), r]);
  const result = { missing: [] as string[], unexpected: [] as string[], duplicated: [] as string[], notCurrent: [] as string[], runningMarkers: [] as string[], wanted: [] as string[], tokensRecomputed: 0, retried: [] as string[], badAttempts: [] as string[] };
  for (const key of want) if (!byPartition.has(key)) result.missing.push(key);
  const retried = new Set<string>();
  for (const [key, list] of byPartition) {
    if (!want.has(key)) {
      result.unexpected.push(key);
      continue;
    }
    if (list.length > 1) result.duplicated.push(`${key}: ${list.map((r) => r.token.slice(0, 12)).join(', ')}`);
    const row = list[list.length - 1];
    if (row && (row.current_id !== row.id || row.current_token !== row.token || row.status !== 'fresh')) result.notCurrent.push(`${key}: state ${row.status} naming ${row.current_id}, committed ${row.id}`);
    if (row?.running_token) result.runningMarkers.push(`${key}: running ${row.running_token.slice(0, 12)}`);
    if (list.some((r) => r.attempt !== 1)) retried.add(key);
  }

  const attempts = await store.db.query<{ asset_key: string; partition_key: string; token: string; attempt: number; status: string }>('SELECT asset_key, partition_key, token, attempt, status FROM weft_attempts ORDER BY id');
  const successes = new Map<string, number>();
  for (const a of attempts) {
    const key = `${a.asset_key} ${a.partition_key}`;
    if (!want.has(key)) result.badAttempts.push(`${key}: ${a.status} attempt ${a.attempt} of a partition not expected`);
    if (!(a.attempt >= 1)) result.badAttempts.push(`${key}: attempt number ${a.attempt}`);
    if (a.status === 'succeeded') successes.set(a.token, (successes.get(a.token) ?? 0) + 1);
    else retried.add(key);
  }
  for (const [token, n] of successes) if (n > 1) result.badAttempts.push(`token ${token.slice(0, 12)}: ${n} successes`);
  result.retried.push(...[...retried].sort());

  const [deployment] = await store.db.query<{ code_versions: Record<string, string> }>('SELECT code_versions FROM weft_deployments WHERE location = $1 ORDER BY created_at DESC, event_id DESC NULLS LAST LIMIT 1', [store.location]);
  const graph = loadDefinitions(definitions);
  const snapshot = await store.loadSnapshot(graph, (keys) => ({ now, dynamicKeys: (name) => keys[name] ?? [] }));
  const stale = PARTITION_STATUSES.indexOf('stale');
  for (const a of snapshot.assets) if (graph.node(a.assetKey).definition.kind === 'asset') a.status.fill(stale);
  const planner = new Planner(graph, { codeVersions: deployment?.code_versions ?? {} }).load(snapshot, now);
  planner.plan(now);
  result.tokensRecomputed = planner.stats.tokens;
  for (const key of graph.order) {
    if (graph.node(key).definition.kind !== 'asset') continue;
    const codes = planner.statusCodes(key);
    const def = graph.node(key).partitions;
    codes.forEach((code, i) => {
      if (PARTITION_STATUSES[code] !== 'fresh') result.wanted.push(`${key} ${def.keyAt(i, planner.context)}: ${PARTITION_STATUSES[code]}`);
    });
  }
  return result;
}

/** Partitions whose state holds a running marker and that have no committed materialization yet (a batch in flight). */
export async function inFlight(store: ProvenanceStore): Promise<Set<string>> {
  const rows = await store.db.query<{ asset_key: string; partition_key: string }>(
    `SELECT ps.asset_key, ps.partition_key FROM weft_partition_state ps
     WHERE ps.location = $1 AND ps.running_token IS NOT NULL AND NOT EXISTS (SELECT 1 FROM weft_materializations m WHERE m.token = ps.running_token)`,
    [store.location],
  );
  return new Set(rows.map((r) => `${r.asset_key} ${r.partition_key}`));
}
