import { migrate } from '@weft/store';
import { processOutput, withDatabase, type Output } from '../database.js';

/** `weft migrate`: applies the migrations to the PostgreSQL database at DATABASE_URL (`json`: `{"applied":[…]}`). */
export async function runMigrate(out: Output = processOutput, json = false): Promise<number> {
  return withDatabase('migrate', out, async (db) => {
    const applied = await migrate(db);
    if (json) out.log(JSON.stringify({ applied }));
    else out.log(applied.length === 0 ? 'weft migrate: the database is up to date' : `weft migrate: applied ${applied.join(', ')}`);
    return 0;
  });
}
