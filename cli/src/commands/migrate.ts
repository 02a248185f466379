import { migrate } from '@weft/store';
import { processOutput, withDatabase, type Output } from '../database.js';

/** `weft migrate`: applies the migrations to the PostgreSQL database at DATABASE_URL. */
export async function runMigrate(out: Output = processOutput): Promise<number> {
  return withDatabase('migrate', out, async (db) => {
    const applied = await migrate(db);
    out.log(applied.length === 0 ? 'weft migrate: the database is up to date' : `weft migrate: applied ${applied.join(', ')}`);
    return 0;
  });
}
