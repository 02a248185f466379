import { pgDatabase, type SqlDatabase } from '@weft/store';
import pg from 'pg';

/** Where a command writes: lines for the user, and errors. */
export interface Output {
  log(line: string): void;
  error(line: string): void;
}

export const processOutput: Output = {
  log: (line) => process.stdout.write(`${line}\n`),
  error: (line) => process.stderr.write(`${line}\n`),
};

/** Runs `fn` on the PostgreSQL database at DATABASE_URL, or says how to name one (exit code 1). */
export async function withDatabase(command: string, out: Output, fn: (db: SqlDatabase) => Promise<number>): Promise<number> {
  const url = process.env['DATABASE_URL'];
  if (!url) {
    out.error(`weft ${command}: set DATABASE_URL to the PostgreSQL database (postgres://user:password@host:5432/db)`);
    return 1;
  }
  const db = pgDatabase(new pg.Pool({ connectionString: url, max: 2 }));
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
