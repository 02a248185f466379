import { migrate, pgDatabase, ProvenanceStore, type MaterializationRecord, type SqlDatabase } from '@weft/core';
import { startPostgres } from '@weft/services';
import pg from 'pg';
import { copyLine, copyText, HexPool } from './lineage/copy.js';
import { copyRows, e2eRecords, EDGE_COLUMNS, MATERIALIZATION_COLUMNS, take } from './lineage/e2e-records.js';

const N = Number(process.argv[2] ?? 100);
const ts = (ms: number | null | undefined): Date | null => (ms == null ? null : new Date(ms));

async function patched(db: SqlDatabase, records: readonly MaterializationRecord[]): Promise<void> {
  const batch = records;
  await db.transaction(async (tx) => {
    const inserted = await tx.query<{ id: string; token: string; event_id: string }>(
      `INSERT INTO weft_materializations (token, asset_key, partition_key, code_version, data_version, storage_uri, bytes, started_at, finished_at,
         attempt, worker, compute_provider, workflow_id, run_id, inputs_as_of, deployment_id, event_id)
       SELECT u.*, nextval('weft_events_id_seq') FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::timestamptz[], $9::timestamptz[],
         $10::int[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bigint[], $16::text[]) AS u(t)
       ORDER BY u.t
       ON CONFLICT (token) DO NOTHING
       RETURNING id, token, event_id`,
      [batch.map((r) => r.token), batch.map((r) => r.assetKey), batch.map((r) => r.partitionKey), batch.map((r) => r.codeVersion), batch.map((r) => r.dataVersion), batch.map((r) => r.storageUri ?? null), batch.map((r) => r.bytes ?? null), batch.map((r) => ts(r.startedAt)), batch.map((r) => ts(r.finishedAt)), batch.map((r) => r.attempt ?? 1), batch.map((r) => r.worker ?? null), batch.map((r) => r.computeProvider ?? null), batch.map((r) => r.workflowId ?? null), batch.map((r) => r.runId ?? null), batch.map((r) => r.inputsAsOf), batch.map((r) => r.deploymentId ?? null)],
    );
    const byToken = new Map(inserted.map((r) => [r.token, { id: Number(r.id), e: Number(r.event_id) }]));
    const committed = batch.filter((r) => byToken.has(r.token)).sort((a, b) => byToken.get(a.token)!.e - byToken.get(b.token)!.e);
    const idOf = (r: MaterializationRecord) => byToken.get(r.token)!;
    await tx.query(
      `INSERT INTO weft_events (id, at, kind, location, asset_key, partition_key, payload)
       SELECT i, coalesce(a, now()), 'materialization.succeeded', $2, ak, pk, p::jsonb FROM unnest($1::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[]) AS u(i, a, ak, pk, p)`,
      [committed.map((r) => idOf(r).e), 'default', committed.map((r) => ts(r.finishedAt)), committed.map((r) => r.assetKey), committed.map((r) => r.partitionKey),
       committed.map((r) => JSON.stringify({ assetKey: r.assetKey, partitionKey: r.partitionKey, token: r.token, dataVersion: r.dataVersion, codeVersion: r.codeVersion, inputsAsOf: r.inputsAsOf }))],
    );
    await tx.query(
      `INSERT INTO weft_attempts (token, asset_key, partition_key, attempt, status, started_at, finished_at, worker, workflow_id, run_id)
       SELECT t, a, p, n, 'succeeded', s, f, w, wf, r FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::text[]) AS u(t, a, p, n, s, f, w, wf, r)`,
      [committed.map((r) => r.token), committed.map((r) => r.assetKey), committed.map((r) => r.partitionKey), committed.map((r) => r.attempt ?? 1), committed.map((r) => ts(r.startedAt)), committed.map((r) => ts(r.finishedAt)), committed.map((r) => r.worker ?? null), committed.map((r) => r.workflowId ?? null), committed.map((r) => r.runId ?? null)],
    );
    await tx.query(
      `INSERT INTO weft_partition_state AS ps (asset_key, partition_key, status, materialization_id, token, data_version, code_version, verified_at, changed_at, updated_event_id)
       SELECT a, p, 'fresh', m, t, d, c, v, e, e FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[]) AS u(a, p, m, t, d, c, v, e)
       ORDER BY a, p
       ON CONFLICT (asset_key, partition_key) DO UPDATE SET
         status = 'fresh', materialization_id = excluded.materialization_id, token = excluded.token, code_version = excluded.code_version,
         verified_at = excluded.verified_at, updated_event_id = excluded.updated_event_id,
         changed_at = CASE WHEN ps.data_version IS DISTINCT FROM excluded.data_version THEN excluded.changed_at ELSE ps.changed_at END,
         data_version = excluded.data_version, failure = NULL, failure_fingerprint = NULL, running_token = NULL, running_since = NULL,
         check_failure = CASE WHEN ps.data_version IS DISTINCT FROM excluded.data_version THEN NULL ELSE ps.check_failure END`,
      [committed.map((r) => r.assetKey), committed.map((r) => r.partitionKey), committed.map((r) => idOf(r).id), committed.map((r) => r.token), committed.map((r) => r.dataVersion), committed.map((r) => r.codeVersion), committed.map((r) => r.inputsAsOf), committed.map((r) => idOf(r).e)],
    );
    const e = committed.flatMap((r) => r.inputs.map((i) => ({ r, i })));
    await tx.query(
      `INSERT INTO weft_input_edges (materialization_id, input_name, upstream_asset, upstream_partition, upstream_materialization_id, data_version, range_first, range_last, range_count, combined_hash)
       SELECT u.mid, u.name, u.asset, u.part, (SELECT ps.materialization_id FROM weft_partition_state ps WHERE ps.asset_key = u.asset AND ps.partition_key = u.part AND ps.data_version = u.dv), u.dv, u.first, u.last, u.cnt, u.hash
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[]) AS u(mid, name, asset, part, dv, first, last, cnt, hash)`,
      [e.map((x) => idOf(x.r).id), e.map((x) => x.i.name), e.map((x) => x.i.upstreamAsset), e.map((x) => ('partitionKey' in x.i ? x.i.partitionKey : null)), e.map((x) => ('partitionKey' in x.i ? x.i.dataVersion : null)),
       e.map((x) => ('range' in x.i ? x.i.range.first : null)), e.map((x) => ('range' in x.i ? x.i.range.last : null)), e.map((x) => ('range' in x.i ? x.i.range.count : null)), e.map((x) => ('range' in x.i ? x.i.range.combinedHash : null))],
    );
    await tx.query('SELECT pg_notify($1, $2)', ['weft_events', '1']);
  });
}

const server = await startPostgres({ durability: 'default', databaseUrl: '' });
try {
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE a');
  await admin.query('CREATE DATABASE b');
  await admin.end();
  const poolA = new pg.Pool({ connectionString: server.urlFor('a'), max: 2 });
  const poolB = new pg.Pool({ connectionString: server.urlFor('b'), max: 2 });
  poolA.on('error', () => {}); poolB.on('error', () => {});
  const dbA = pgDatabase(poolA); const dbB = pgDatabase(poolB);
  await migrate(dbA); await migrate(dbB);
  const c = await poolA.connect(); c.on('error', () => {});
  for (const t of ['m:weft_materializations', 'e:weft_input_edges', 'ev:weft_events', 'at:weft_attempts', 'ps:weft_partition_state', 'm2:weft_materializations', 'e2:weft_input_edges']) {
    const [n, src] = t.split(':');
    await c.query(`CREATE TABLE copy_${n} (LIKE ${src} INCLUDING ALL)`);
  }
  const store = new ProvenanceStore(dbA);
  const gen = e2eRecords(135, new HexPool());
  let nextId = 1; let nextId2 = 1;
  const copy2 = async (batch: MaterializationRecord[]) => {
    const rows = copyRows(batch, nextId); nextId += batch.length;
    await c.query('BEGIN');
    await copyText(c, 'copy_m', MATERIALIZATION_COLUMNS, rows.materializations);
    await copyText(c, 'copy_e', EDGE_COLUMNS, rows.edges);
    await c.query('COMMIT');
  };
  const copy5 = async (batch: MaterializationRecord[]) => {
    const first = nextId2;
    const rows = copyRows(batch, nextId2); nextId2 += batch.length;
    let ev = '', at = '', ps = '';
    batch.forEach((r, i) => {
      const id = first + i;
      ev += copyLine([id, new Date(r.finishedAt), 'materialization.succeeded', 'default', r.assetKey, r.partitionKey, JSON.stringify({ assetKey: r.assetKey, partitionKey: r.partitionKey, token: r.token, dataVersion: r.dataVersion, codeVersion: r.codeVersion, inputsAsOf: r.inputsAsOf })]);
      at += copyLine([r.token, r.assetKey, r.partitionKey, 1, 'succeeded', ts(r.startedAt), new Date(r.finishedAt), r.worker, r.workflowId, r.runId]);
      ps += copyLine([r.assetKey, r.partitionKey, 'fresh', id, r.token, r.dataVersion, r.codeVersion, r.inputsAsOf, id, id]);
    });
    await c.query('BEGIN');
    await copyText(c, 'copy_m2', MATERIALIZATION_COLUMNS, rows.materializations);
    await copyText(c, 'copy_e2', EDGE_COLUMNS, rows.edges);
    await copyText(c, 'copy_ev', ['id', 'at', 'kind', 'location', 'asset_key', 'partition_key', 'payload'], ev);
    await copyText(c, 'copy_at', ['token', 'asset_key', 'partition_key', 'attempt', 'status', 'started_at', 'finished_at', 'worker', 'workflow_id', 'run_id'], at);
    await copyText(c, 'copy_ps', ['asset_key', 'partition_key', 'status', 'materialization_id', 'token', 'data_version', 'code_version', 'verified_at', 'changed_at', 'updated_event_id'], ps);
    await c.query('COMMIT');
  };
  const methods: Record<string, (b: MaterializationRecord[]) => Promise<unknown>> = {
    store: (b) => store.recordMaterializations(b),
    patched: (b) => patched(dbB, b),
    copy2,
    copy5,
  };
  const total: Record<string, number> = { store: 0, patched: 0, copy2: 0, copy5: 0 };
  const names = Object.keys(methods);
  let rows = 0;
  for (let i = 0; i < N + 2; i++) {
    const batch = take(gen, 1000);
    const order = names.map((_, k) => names[(k + i) % names.length]!);
    for (const m of order) {
      const t = performance.now();
      await methods[m]!(batch);
      if (i >= 2) total[m]! += performance.now() - t;
    }
    if (i >= 2) rows += 2000;
    if ((i + 1) % 25 === 0) console.log(i + 1, Object.entries(total).map(([k, v]) => `${k} ${Math.round(rows * 1000 / v)}`).join('  '));
  }
  console.log('rows/s (m+e rows):', Object.entries(total).map(([k, v]) => `${k} ${Math.round(rows * 1000 / v)}`).join('  '));
  const sizes = await c.query(`SELECT relname, pg_total_relation_size(oid) / 1024 AS kb, pg_relation_size(oid) / 1024 AS heap_kb FROM pg_class WHERE relname IN ('weft_materializations', 'copy_m', 'weft_input_edges', 'copy_e') ORDER BY relname`);
  console.table(sizes.rows);
  const pb = new pg.Client({ connectionString: server.urlFor('b') }); await pb.connect();
  console.table((await pb.query(`SELECT relname, pg_total_relation_size(oid) / 1024 AS kb FROM pg_class WHERE relname IN ('weft_materializations', 'weft_input_edges', 'weft_events') ORDER BY relname`)).rows);
  console.log((await pb.query('SELECT count(*) FROM weft_materializations m JOIN weft_events e ON e.id = m.event_id')).rows);
  await pb.end();
  c.release(); await poolA.end(); await poolB.end();
} catch (e) { console.error('FAILED', e); } finally { await server.stop(); }
