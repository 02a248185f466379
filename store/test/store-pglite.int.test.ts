import { pgliteDatabase } from '../src/index.js';
import { resetStoreTables, useMigratedPGlite } from './fixtures.js';
import { describeExplorer } from './explorer-suite.js';
import { describeLogs } from './logs-suite.js';
import { describeRangeLineage } from './range-lineage-suite.js';
import { describeStore } from './store-suite.js';

// One PGlite per file (it takes seconds to start), migrated once; each test starts from empty tables.
const pglite = useMigratedPGlite();

const freshDatabase = async () => {
  const db = pgliteDatabase(pglite.get(), { ownsDb: false });
  await resetStoreTables(db);
  return db;
};
describeStore('PGlite', freshDatabase);
describeExplorer('PGlite', freshDatabase);
describeLogs('PGlite', freshDatabase);
describeRangeLineage('PGlite', freshDatabase);
