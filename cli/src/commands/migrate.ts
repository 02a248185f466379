import { migrate, pgDatabase } from '@weft/core';
import pg from 'pg';

/** `weft migrate`: applies the migrations to the PostgreSQL database at DATABASE_URL. */
export async function runMigrate(log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const url = process.env['DATABASE_URL'];
  if (!url) {
    process.stderr.write('weft migrate: set DATABASE_URL to the PostgreSQL database to migrate (postgres://user:password@host:5432/db)\n');
    return 1;
  }
  const db = pgDatabase(new pg.Pool({ connectionString: url, max: 2 }));
  try {
    const applied = await migrate(db);
    log(applied.length === 0 ? 'weft migrate: the database is up to date' : `weft migrate: applied ${applied.join(', ')}`);
    return 0;
  } finally {
    await db.close();
  }
}
