import { useTestDatabase } from '@weft/services/harness';
import { pgDatabase } from '../../src/index.js';
import { resetStoreTables } from './fixtures.js';
import { describeStore } from './store-suite.js';

const database = useTestDatabase();

// The file's database is a copy of the migrated template; each test starts from empty tables on
// its own pool (ended by `close()` after the test).
describeStore('PostgreSQL', async () => {
  const db = pgDatabase(database.pool({ max: 6 }));
  await resetStoreTables(db);
  return db;
});
