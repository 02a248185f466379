import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll } from 'vitest';
import { migrate, pgliteDatabase } from '../src/index.js';
import { resetStoreTables } from './fixtures.js';
import { describeExplorer } from './explorer-suite.js';
import { describeLogs } from './logs-suite.js';
import { describeRangeLineage } from './range-lineage-suite.js';
import { describeStore } from './store-suite.js';

// One PGlite per file (it takes seconds to start), migrated once; each test starts from empty tables.
let pglite: PGlite | undefined;

beforeAll(async () => {
  pglite = await PGlite.create();
  await migrate(pgliteDatabase(pglite, { ownsDb: false }));
});

afterAll(async () => {
  await pglite?.close();
});

const freshDatabase = async () => {
  if (!pglite) throw new Error('PGlite did not start');
  const db = pgliteDatabase(pglite, { ownsDb: false });
  await resetStoreTables(db);
  return db;
};
describeStore('PGlite', freshDatabase);
describeExplorer('PGlite', freshDatabase);
describeLogs('PGlite', freshDatabase);
describeRangeLineage('PGlite', freshDatabase);
