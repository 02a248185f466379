import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeftError } from '@weft/core';
import type { SqlClient, SqlDatabase } from './sql-client.js';

/** The folder holding the SQL migrations drizzle-kit generated from the schema. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

/** One migration: its folder name (timestamp_name) and its statements. */
export interface Migration {
  readonly name: string;
  readonly statements: readonly string[];
  readonly hash: string;
}

/** Reads the migrations in order (folder names start with a timestamp). */
export function readMigrations(folder = MIGRATIONS_FOLDER): Migration[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const text = readFileSync(join(folder, name, 'migration.sql'), 'utf8');
      return {
        name,
        statements: text.split('--> statement-breakpoint').map((s) => s.trim()).filter(Boolean),
        hash: simpleHash(text),
      };
    });
}

function simpleHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * Applies the migrations not applied yet, on PostgreSQL or PGlite. On PostgreSQL they run on one
 * connection, in one transaction holding an advisory lock, so concurrent callers serialize (and a
 * pool of one connection is enough); on PGlite each runs in its own transaction. A migration whose
 * file changed after it was applied is an error (released migrations are never edited).
 * @returns the names of the migrations applied now.
 */
export async function migrate(db: SqlDatabase, folder = MIGRATIONS_FOLDER): Promise<string[]> {
  const migrations = readMigrations(folder);
  const run = async (q: SqlClient, inTransaction: (fn: (tx: SqlClient) => Promise<void>) => Promise<void>): Promise<string[]> => {
    await q.query('CREATE TABLE IF NOT EXISTS weft_migrations (name text PRIMARY KEY, hash text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const applied = new Map((await q.query<{ name: string; hash: string }>('SELECT name, hash FROM weft_migrations')).map((r) => [r.name, r.hash]));
    const pending: Migration[] = [];
    for (const m of migrations) {
      const previous = applied.get(m.name);
      if (previous === undefined) pending.push(m);
      else if (previous !== m.hash) throw new WeftError('internal', `migration ${m.name} was edited after it was applied (hash ${previous} → ${m.hash}); add a new migration instead`);
    }
    for (const m of pending) {
      await inTransaction(async (tx) => {
        for (const statement of m.statements) await tx.query(statement);
        await tx.query('INSERT INTO weft_migrations (name, hash) VALUES ($1, $2)', [m.name, m.hash]);
      });
    }
    return pending.map((m) => m.name);
  };
  if (db.kind === 'pglite') return run(db, (fn) => db.transaction(fn));
  // One migrator at a time per database; everything on the connection that holds the lock.
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7340331)');
    return run(tx, (fn) => fn(tx));
  });
}

/** The names of the migrations not applied yet to the database (all of them on an empty one). */
export async function pendingMigrations(db: SqlClient, folder = MIGRATIONS_FOLDER): Promise<string[]> {
  let applied: Set<string>;
  try {
    applied = new Set((await db.query<{ name: string }>('SELECT name FROM weft_migrations')).map((r) => r.name));
  } catch (error) {
    if ((error as { code?: string }).code !== '42P01') throw error; // no table yet: nothing applied
    applied = new Set();
  }
  return readMigrations(folder)
    .map((m) => m.name)
    .filter((name) => !applied.has(name));
}
