import { PGlite } from '@electric-sql/pglite';
import { migrate, pgliteDatabase, ProvenanceStore } from '/work/main/core/src/index.ts';
import { randomBytes } from 'node:crypto';
const t0 = Date.now();
const pglite = await PGlite.create();
console.log('create', Date.now() - t0);
const db = pgliteDatabase(pglite);
console.log(await migrate(db), Date.now() - t0);
const c = await pglite.clone();
console.log('clone', Date.now() - t0);
const s = new ProvenanceStore(pgliteDatabase(c));
const key = randomBytes(1500).toString('hex');
try {
  const r = await s.recordMaterializations([{ token: 'a'.repeat(64), assetKey: 'x', partitionKey: key.slice(0, 4000), codeVersion: 'c', dataVersion: 'd'.repeat(64), finishedAt: 1, inputsAsOf: 0, inputs: [] }]);
  console.log(r.committed);
} catch (e) { console.log('ERR', (e as Error).constructor.name, (e as Error).message.slice(0, 200)); }
console.log((await c.query('select pg_typeof(id) t, id from weft_events')).rows);
console.log((await c.query("select datcollate from pg_database")).rows);
