import { migrate, pgDatabase, ProvenanceStore } from '@weft/core';
import { startPostgres } from '@weft/services';
import pg from 'pg';
import { HexPool } from './lineage/copy.js';
import { e2eRecords, take } from './lineage/e2e-records.js';

const server = await startPostgres({ durability: 'default', databaseUrl: '' });
try {
  const pool = new pg.Pool({ connectionString: server.adminUrl, max: 2 });
  pool.on('error', () => {});
  const db = pgDatabase(pool);
  await migrate(db);
  const store = new ProvenanceStore(db);
  const gen = e2eRecords(135, new HexPool());
  for (let i = 0; i < Number(process.argv[2] ?? 50); i++) await store.recordMaterializations(take(gen, 1000));
  const batch = take(gen, 1000);
  const c = await pool.connect(); c.on('error', () => {});
  await c.query('BEGIN');
  const ins = await c.query(`INSERT INTO weft_materializations (token, asset_key, partition_key, code_version, data_version, inputs_as_of) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) RETURNING id`, [batch.map(r=>r.token), batch.map(r=>r.assetKey), batch.map(r=>r.partitionKey), batch.map(r=>r.codeVersion), batch.map(r=>r.dataVersion), batch.map(r=>r.inputsAsOf)]);
  const ids = ins.rows.map((r: {id: string}) => Number(r.id));
  const e = batch.map(r => r.inputs[0]!);
  const plan = await c.query(`EXPLAIN (ANALYZE, BUFFERS) INSERT INTO weft_input_edges (materialization_id, input_name, upstream_asset, upstream_partition, upstream_materialization_id, data_version, range_first, range_last, range_count, combined_hash)
           SELECT u.mid, u.name, u.asset, u.part, ps.materialization_id, u.dv, u.first, u.last, u.cnt, u.hash
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[]) AS u(mid, name, asset, part, dv, first, last, cnt, hash)
           LEFT JOIN weft_partition_state ps ON u.part IS NOT NULL AND ps.asset_key = u.asset AND ps.partition_key = u.part AND ps.data_version = u.dv`,
    [ids, e.map(x=>x.name), e.map(x=>x.upstreamAsset), e.map(()=>null), e.map(()=>null), e.map(x=>'range' in x ? x.range.first : null), e.map(x=>'range' in x ? x.range.last : null), e.map(x=>'range' in x ? x.range.count : null), e.map(x=>'range' in x ? x.range.combinedHash : null)]);
  console.log(plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
  await c.query('ROLLBACK'); await c.query('BEGIN');
  await c.query(`INSERT INTO weft_materializations (token, asset_key, partition_key, code_version, data_version, inputs_as_of) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) RETURNING id`, [batch.map(r=>r.token), batch.map(r=>r.assetKey), batch.map(r=>r.partitionKey), batch.map(r=>r.codeVersion), batch.map(r=>r.dataVersion), batch.map(r=>r.inputsAsOf)]);
  const planB = await c.query(`EXPLAIN (ANALYZE, BUFFERS) INSERT INTO weft_input_edges (materialization_id, input_name, upstream_asset, upstream_partition, upstream_materialization_id, data_version, range_first, range_last, range_count, combined_hash)
           SELECT u.mid, u.name, u.asset, u.part, (SELECT ps.materialization_id FROM weft_partition_state ps WHERE ps.asset_key = u.asset AND ps.partition_key = u.part AND ps.data_version = u.dv), u.dv, u.first, u.last, u.cnt, u.hash
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[]) AS u(mid, name, asset, part, dv, first, last, cnt, hash)`,
    [ids, e.map(x=>x.name), e.map(x=>x.upstreamAsset), e.map(()=>null), e.map(()=>null), e.map(x=>'range' in x ? x.range.first : null), e.map(x=>'range' in x ? x.range.last : null), e.map(x=>'range' in x ? x.range.count : null), e.map(x=>'range' in x ? x.range.combinedHash : null)]);
  console.log('--- scalar subquery variant');
  console.log(planB.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
  // single inputs: every row looks a partition up
  const planC = await c.query(`EXPLAIN (ANALYZE, BUFFERS) INSERT INTO weft_input_edges (materialization_id, input_name, upstream_asset, upstream_partition, upstream_materialization_id, data_version, range_first, range_last, range_count, combined_hash)
           SELECT u.mid, u.name, u.asset, u.part, (SELECT ps.materialization_id FROM weft_partition_state ps WHERE ps.asset_key = u.asset AND ps.partition_key = u.part AND ps.data_version = u.dv), u.dv, u.first, u.last, u.cnt, u.hash
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[]) AS u(mid, name, asset, part, dv, first, last, cnt, hash)`,
    [ids, e.map(()=>'single'), batch.map(r=>r.assetKey), batch.map(r=>r.partitionKey), batch.map(r=>r.dataVersion), e.map(()=>null), e.map(()=>null), e.map(()=>null), e.map(()=>null)]);
  console.log('--- scalar subquery variant, 1000 single inputs');
  console.log(planC.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
  const plan2 = await c.query(`EXPLAIN (ANALYZE, BUFFERS) UPDATE weft_materializations m SET event_id = u.e FROM unnest($1::bigint[], $2::bigint[]) AS u(id, e) WHERE m.id = u.id`, [ids, ids]);
  console.log(plan2.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
  await c.query('ROLLBACK');
  c.release();
  const st = await pool.query(`SELECT relname, n_live_tup, n_dead_tup, n_tup_upd, n_tup_hot_upd, last_autoanalyze, last_autovacuum FROM pg_stat_user_tables WHERE relname LIKE 'weft_%' AND n_live_tup > 0`);
  console.table(st.rows);
  await pool.end();
} catch (e) { console.error("FAILED", e); } finally { await server.stop(); }
