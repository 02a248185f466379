import { dataVersionOf, loadDefinitions, PARTITION_STATUSES, Planner, type Definition, type ObjectStorage, type PartitionKey } from '@weft/core';
import { type ProvenanceStore } from '@weft/store';

/** What a run was expected to commit: per asset, its partition keys, and (optionally) each value's bytes. */
export interface ExpectedSet {
  readonly partitions: ReadonlyMap<string, readonly PartitionKey[]>;
  /** The encoded value a partition must hold (its data version is checked against these bytes). */
  readonly value?: (assetKey: string, partitionKey: PartitionKey) => Uint8Array;
}

/** The outcome of {@link checkExactSet}: counts, and the first problems found, by kind. */
export interface ExactSetCheck {
  /** Everything below is as expected. */
  readonly exact: boolean;
  readonly expected: number;
  /** Rows in weft_materializations. */
  readonly committed: number;
  /** Expected partitions without a committed materialization. */
  readonly missing: number;
  /** Materializations of partitions that were not expected. */
  readonly unexpected: number;
  /**
   * Rows beyond one for an expected partition. Tokens hash the asset, partition, code version and
   * inputs, so the same work committed twice shows as a second row of the partition (with another
   * token: the unique index on token refuses the same one).
   */
  readonly duplicates: number;
  /** Partitions whose state does not name their one materialization (id and token) as current and fresh. */
  readonly notCurrent: number;
  /** Partitions whose data version is not the hash of the value they must hold. */
  readonly wrongValues: number;
  /** Committed values kept inline in their row (each checked: its bytes hash to its data version). */
  readonly valuesInline: number;
  /** Committed values in object storage (each read back and hashed when the check is given the storage). */
  readonly valuesInStorage: number;
  /** Committed values that are not stored, cannot be read, or whose bytes do not hash to their data version. */
  readonly valuesUnreadable: number;
  /**
   * Partitions a planner built from the store's snapshot, with every status dropped so that every
   * token is computed again from the stored data versions, does not find fresh (it would run them).
   */
  readonly replanned: number;
  /**
   * Partitions whose state still holds a running marker after everything committed: a planner
   * rebuilt from the store holds them as running, so nothing would ever run them again.
   */
  readonly runningMarkers: number;
  /** Tokens that planner computed (at least one per expected partition of an asset). */
  readonly tokensRecomputed: number;
  /** Partitions committed by a retry (attempt > 1) or with attempts recorded in weft_attempts. */
  readonly retried: number;
  readonly attemptRows: number;
  /** Up to 10 examples of each kind of problem. */
  readonly problems: readonly string[];
}

const SEP = '\u0000';

/**
 * Compares what a run committed with the exact set it should have: every expected partition has
 * exactly one materialization, which its partition state names as current, nothing else is
 * committed, every value is the expected one (when given), a planner rebuilt from the store and
 * made to recompute every token wants to run nothing, and no partition was retried unless
 * `mayRetry` allows it (a run without crashes retries nothing).
 */
export async function checkExactSet(
  store: ProvenanceStore,
  definitions: readonly Definition[],
  expected: ExpectedSet,
  options: { readonly now: number; readonly codeVersions: Readonly<Record<string, string>>; readonly mayRetry?: (assetKey: string, partitionKey: PartitionKey) => boolean; readonly storage?: ObjectStorage },
): Promise<ExactSetCheck> {
  const problems = new Map<string, string[]>();
  const problem = (kind: string, text: string): void => {
    const list = problems.get(kind) ?? [];
    if (list.length < 10) list.push(text);
    problems.set(kind, list);
  };
  const want = new Set<string>();
  for (const [asset, keys] of expected.partitions) for (const k of keys) want.add(`${asset}${SEP}${k}`);

  const rows = await store.db.query<{ id: string; asset_key: string; partition_key: string; token: string; data_version: string; attempt: number; storage_uri: string | null; inline_hash: string | null; current_id: string | null; current_token: string | null; status: string | null }>(
    `SELECT m.id, m.asset_key, m.partition_key, m.token, m.data_version, m.attempt, m.storage_uri, encode(sha256(m.inline_value), 'hex') AS inline_hash,
            ps.materialization_id AS current_id, ps.token AS current_token, ps.status
     FROM weft_materializations m LEFT JOIN weft_partition_state ps ON ps.location = $1 AND ps.asset_key = m.asset_key AND ps.partition_key = m.partition_key`,
    [store.location],
  );
  const byPartition = new Map<string, typeof rows>();
  for (const r of rows) {
    const key = `${r.asset_key}${SEP}${r.partition_key}`;
    const list = byPartition.get(key);
    if (list) list.push(r);
    else byPartition.set(key, [r]);
  }
  let missing = 0;
  let unexpected = 0;
  let duplicates = 0;
  let notCurrent = 0;
  let wrongValues = 0;
  let valuesInline = 0;
  let valuesInStorage = 0;
  let valuesUnreadable = 0;
  // Every committed value is where its row says, and is the bytes its data version names.
  const unreadable = (r: (typeof rows)[number], why: string): void => {
    valuesUnreadable++;
    problem('value not readable', `${r.asset_key} ${r.partition_key}: ${why}`);
  };
  const toRead: Array<(typeof rows)[number]> = [];
  for (const r of rows) {
    if (r.inline_hash !== null) {
      valuesInline++;
      if (r.inline_hash !== r.data_version) unreadable(r, 'its inline bytes do not hash to its data version');
    } else if (r.storage_uri !== null) {
      valuesInStorage++;
      toRead.push(r);
    } else unreadable(r, 'no value stored');
  }
  const storage = options.storage;
  if (storage) {
    for (let i = 0; i < toRead.length; i += 64) {
      await Promise.all(
        toRead.slice(i, i + 64).map(async (r) => {
          try {
            if (dataVersionOf(await storage.get(r.storage_uri as string)) !== r.data_version) unreadable(r, 'its stored bytes do not hash to its data version');
          } catch (error) {
            unreadable(r, `reading ${r.storage_uri}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }),
      );
    }
  }
  let retried = 0;
  const retriedKeys = new Set<string>();
  for (const key of want) {
    if (byPartition.has(key)) continue;
    missing++;
    problem('missing', key.replace(SEP, ' '));
  }
  for (const [key, list] of byPartition) {
    const [asset = '', partition = ''] = key.split(SEP);
    if (!want.has(key)) {
      unexpected += list.length;
      problem('unexpected', `${asset} ${partition}`);
      continue;
    }
    if (list.length > 1) {
      duplicates += list.length - 1;
      problem('duplicate', `${asset} ${partition}: ${list.length} materializations (tokens ${list.map((r) => r.token.slice(0, 12)).join(', ')})`);
    }
    const row = list[0];
    if (!row) continue;
    if (row.current_id !== row.id || row.current_token !== row.token || row.status !== 'fresh') {
      notCurrent++;
      problem('not current', `${asset} ${partition}: state ${row.status} naming ${row.current_id}/${row.current_token?.slice(0, 12)}, committed ${row.id}/${row.token.slice(0, 12)}`);
    }
    if (expected.value) {
      const dv = dataVersionOf(expected.value(asset, partition));
      if (row.data_version !== dv) {
        wrongValues++;
        problem('wrong value', `${asset} ${partition}`);
      }
    }
    if (list.some((r) => r.attempt !== 1)) retriedKeys.add(key);
  }

  // Attempts: every failed (or otherwise recorded) attempt names a partition that may be retried.
  const attempts = await store.db.query<{ asset_key: string; partition_key: string; token: string; attempt: number; status: string }>('SELECT asset_key, partition_key, token, attempt, status FROM weft_attempts');
  const committedTokens = new Set(rows.map((r) => r.token));
  const succeededPerToken = new Map<string, number>();
  const attemptsPerKey = new Map<string, number>();
  for (const a of attempts) {
    const key = `${a.asset_key}${SEP}${a.partition_key}`;
    attemptsPerKey.set(key, (attemptsPerKey.get(key) ?? 0) + 1);
    if (!want.has(key)) problem('unexpected attempt', `${a.asset_key} ${a.partition_key}: ${a.status} attempt ${a.attempt}`);
    if (a.status === 'succeeded') {
      succeededPerToken.set(a.token, (succeededPerToken.get(a.token) ?? 0) + 1);
      if (!committedTokens.has(a.token)) problem('attempt', `${a.asset_key} ${a.partition_key}: a succeeded attempt of an uncommitted token`);
    } else retriedKeys.add(key);
    if (!(a.attempt >= 1)) problem('attempt', `${a.asset_key} ${a.partition_key}: attempt number ${a.attempt}`);
  }
  for (const [token, n] of succeededPerToken) if (n > 1) problem('attempt', `token ${token.slice(0, 12)}: ${n} succeeded attempts`);
  for (const key of retriedKeys) {
    retried++;
    const [asset = '', partition = ''] = key.split(SEP);
    if (!options.mayRetry?.(asset, partition)) problem('retried', `${asset} ${partition}: committed on attempt ${byPartition.get(key)?.map((r) => r.attempt).join(', ') ?? '—'}, ${attemptsPerKey.get(key) ?? 0} attempt rows`);
  }

  const markers = await store.db.query<{ asset_key: string; partition_key: string; status: string }>('SELECT asset_key, partition_key, status FROM weft_partition_state WHERE location = $1 AND running_token IS NOT NULL', [store.location]);
  for (const m of markers) problem('running marker', `${m.asset_key} ${m.partition_key}: its state (${m.status}) still names a running token after the run`);

  // A planner rebuilt from the store that trusts no status: every token is computed again from the
  // stored data versions and compared with the stored one; whatever differs it would run.
  const graph = loadDefinitions(definitions);
  const snapshot = await store.loadSnapshot(graph, (keys) => ({ now: options.now, dynamicKeys: (name) => keys[name] ?? [] }));
  const stale = PARTITION_STATUSES.indexOf('stale');
  for (const a of snapshot.assets) if (graph.node(a.assetKey).definition.kind === 'asset') a.status.fill(stale);
  const planner = new Planner(graph, { codeVersions: options.codeVersions }).load(snapshot, options.now);
  // (Running after this plan: started by it, or a marker no batch will clear. Either is not fresh.)
  const plan = planner.plan(options.now);
  const wanted = new Map(plan.batches.flatMap((b) => b.partitions.map((p) => [`${b.assetKey}${SEP}${p.partitionKey}`, p.token] as const)));
  let replanned = 0;
  const fresh = PARTITION_STATUSES.indexOf('fresh');
  for (const key of graph.order) {
    if (graph.node(key).definition.kind !== 'asset') continue;
    const codes = planner.statusCodes(key);
    const def = graph.node(key).partitions;
    for (let i = 0; i < codes.length; i++) {
      if (codes[i] === fresh) continue;
      replanned++;
      const partition = def.keyAt(i, planner.context);
      const token = wanted.get(`${key}${SEP}${partition}`);
      problem('replanned', `${key} ${partition}: ${PARTITION_STATUSES[codes[i] as number]} to a planner rebuilt from the store${token ? ` (it wants token ${token.slice(0, 12)})` : ''}`);
    }
  }
  const expectedAssetPartitions = [...expected.partitions].filter(([asset]) => graph.node(asset).definition.kind === 'asset').reduce((n, [, keys]) => n + keys.length, 0);
  if (planner.stats.tokens < expectedAssetPartitions) problem('replanned', `only ${planner.stats.tokens} tokens recomputed for ${expectedAssetPartitions} partitions`);

  const unexpectedRetries = problems.get('retried')?.length ?? 0;
  const list = [...problems].flatMap(([kind, texts]) => texts.map((t) => `${kind}: ${t}`));
  return {
    exact: list.length === 0 && missing + unexpected + duplicates + notCurrent + wrongValues + valuesUnreadable + replanned + unexpectedRetries === 0,
    expected: want.size,
    committed: rows.length,
    missing,
    unexpected,
    duplicates,
    notCurrent,
    wrongValues,
    valuesInline,
    valuesInStorage,
    valuesUnreadable,
    replanned,
    runningMarkers: markers.length,
    tokensRecomputed: planner.stats.tokens,
    retried,
    attemptRows: attempts.length,
    problems: list,
  };
}
