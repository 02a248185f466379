/** The schema check of the production commands: refuse to run on a database that lacks migrations. */
import { WeftError } from '@weft/core';
import { migrate, pendingMigrations, type SqlDatabase } from '@weft/store';

/**
 * With `apply`, applies pending migrations (returning their names); otherwise throws a WeftError
 * naming the missing ones and how to apply them.
 */
export async function applyOrCheckMigrations(db: SqlDatabase, apply: boolean): Promise<string[]> {
  if (apply) return migrate(db);
  const pending = await pendingMigrations(db);
  if (pending.length > 0) {
    throw new WeftError('internal', `the database at DATABASE_URL lacks ${pending.length} migration${pending.length > 1 ? 's' : ''} (${pending.slice(0, 3).join(', ')}${pending.length > 3 ? ', …' : ''}): run \`weft migrate\` first (or start with --migrate)`);
  }
  return [];
}
