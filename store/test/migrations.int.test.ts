/**
 * Migrations on both drivers: every migration applies from empty, a second run applies nothing,
 * the result is exactly the drizzle schema, and an edited migration is refused.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { useTestDatabase } from '@weft/services/harness';
import type { SQL } from 'drizzle-orm';
import { getTableConfig, PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, migrate, pgDatabase, pgliteDatabase, readMigrations, storageSchema, type SqlClient, type SqlDatabase } from '../src/index.js';
import { WeftError } from '@weft/core';

const database = useTestDatabase();

/** A database with nothing in it, and the schema its tables land in. */
interface EmptyDatabase {
  readonly db: SqlDatabase;
  readonly schema: string;
}

let pgliteBase: PGlite | undefined;
beforeAll(async () => {
  pgliteBase = await PGlite.create();
});
afterAll(async () => {
  await pgliteBase?.close();
});

const opened: SqlDatabase[] = [];
const tempDirs: string[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** PostgreSQL: a new, empty schema of the file's database, first on the pool's search path. */
async function emptyPg(options: Omit<pg.PoolConfig, 'connectionString'> = {}): Promise<EmptyDatabase> {
  const schema = `empty_${randomBytes(4).toString('hex')}`;
  const admin = database.pool({ max: 1 });
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const db = pgDatabase(database.pool({ max: 2, ...options, options: `-c search_path=${schema}` }));
  opened.push(db);
  return { db, schema };
}

/** PGlite: a clone of an instance nothing was ever applied to. */
async function emptyPglite(): Promise<EmptyDatabase> {
  if (!pgliteBase) throw new Error('PGlite did not start');
  const db = pgliteDatabase((await pgliteBase.clone()) as PGlite);
  opened.push(db);
  return { db, schema: 'public' };
}

function copyOfMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-migrations-'));
  tempDirs.push(dir);
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  return dir;
}

const dialect = new PgDialect();

/** A partial index's predicate without the parentheses and casts PostgreSQL adds when it prints one. */
function predicate(text: string): string {
  return text.replace(/::text\b/g, '').replace(/^\((.*)\)$/, '$1').trim();
}

/** What the drizzle schema says each table looks like, in the shape `actualSchema` reads. */
function expectedSchema() {
  const tables: Record<string, { columns: string[]; primaryKey: string[]; indexes: string[] }> = {};
  for (const table of Object.values(storageSchema.schema)) {
    const config = getTableConfig(table);
    const columns = config.columns.map((c) => {
      const type = c.getSQLType() === 'bigserial' ? 'bigint' : c.getSQLType();
      const primary = c.primary || config.primaryKeys.some((pk) => pk.columns.some((x) => x.name === c.name));
      let dflt = 'no default';
      if (c.getSQLType() === 'bigserial') dflt = 'default nextval';
      else if (c.hasDefault) dflt = typeof c.default === 'string' || typeof c.default === 'number' || typeof c.default === 'boolean' ? `default ${String(c.default)}` : `default ${dialect.sqlToQuery(c.default as SQL).sql}`;
      return `${c.name} ${type} ${c.notNull || primary ? 'not null' : 'null'} ${dflt}`;
    });
    const primaryKey = config.columns.filter((c) => c.primary).map((c) => c.name);
    for (const pk of config.primaryKeys) primaryKey.push(...pk.columns.map((c) => c.name));
    const indexes = config.indexes
      .map((i) => `${i.config.unique ? 'unique ' : ''}${i.config.name} (${i.config.columns.map((c) => (c as { name: string }).name).join(', ')})${i.config.where ? ` where ${predicate(dialect.sqlToQuery(i.config.where).sql)}` : ''}`)
      .sort();
    tables[config.name] = { columns, primaryKey, indexes };
  }
  return tables;
}

/** The tables of `schema` as information_schema and pg_indexes describe them. */
async function actualSchema(db: SqlClient, schema: string) {
  const columns = await db.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
    'SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position',
    [schema],
  );
  const keys = await db.query<{ table_name: string; column_name: string; constraint_name: string }>(
    `SELECT tc.table_name, kcu.column_name, tc.constraint_name FROM information_schema.table_constraints tc
     JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name
     WHERE tc.table_schema = $1 AND tc.constraint_type = 'PRIMARY KEY' ORDER BY tc.table_name, kcu.ordinal_position`,
    [schema],
  );
  const indexes = await db.query<{ tablename: string; indexname: string; indexdef: string }>('SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1', [schema]);
  const tables: Record<string, { columns: string[]; primaryKey: string[]; indexes: string[] }> = {};
  const table = (name: string) => (tables[name] ??= { columns: [], primaryKey: [], indexes: [] });
  for (const c of columns) {
    let dflt = 'no default';
    if (c.column_default !== null) {
      if (c.column_default.startsWith('nextval(')) dflt = 'default nextval';
      else dflt = `default ${c.column_default.replace(/::[a-z ]+$/, '').replace(/^'(.*)'$/, '$1')}`;
    }
    table(c.table_name).columns.push(`${c.column_name} ${c.data_type} ${c.is_nullable === 'NO' ? 'not null' : 'null'} ${dflt}`);
  }
  for (const k of keys) table(k.table_name).primaryKey.push(k.column_name);
  for (const i of indexes) {
    const match = /^CREATE (UNIQUE )?INDEX (\S+) ON \S+ USING btree \(([^)]+)\)(?: WHERE (.+))?$/.exec(i.indexdef);
    if (!match) throw new Error(`unexpected index definition: ${i.indexdef}`);
    const [, unique, name, cols, where] = match;
    // The primary key's own index is checked through the constraint.
    if (keys.some((k) => k.constraint_name === name)) continue;
    table(i.tablename).indexes.push(`${unique ? 'unique ' : ''}${name} (${(cols ?? '').split(', ').map((c) => c.replace(/^"|"$/g, '')).join(', ')})${where ? ` where ${predicate(where)}` : ''}`);
  }
  for (const t of Object.values(tables)) t.indexes.sort();
  return tables;
}

const drivers: Array<[string, () => Promise<EmptyDatabase>]> = [
  ['PostgreSQL', () => emptyPg()],
  ['PGlite', emptyPglite],
];

for (const [driver, empty] of drivers) {
  describe(`migrations on ${driver}`, () => {
    it('applies every migration from empty; a second run applies nothing', async () => {
      const { db, schema } = await empty();
      const names = readMigrations().map((m) => m.name);
      expect(names.length).toBeGreaterThan(0);
      expect(await db.query("SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'weft%'", [schema])).toEqual([]);
      expect(await migrate(db)).toEqual(names);
      expect(await migrate(db)).toEqual([]);
      const applied = await db.query<{ name: string; hash: string }>('SELECT name, hash FROM weft_migrations ORDER BY name');
      expect(applied).toEqual(readMigrations().map((m) => ({ name: m.name, hash: m.hash })));
    });

    it('creates exactly the tables, columns, types, nullability, keys and indexes of the drizzle schema', async () => {
      const { db, schema } = await empty();
      await migrate(db);
      const actual = await actualSchema(db, schema);
      const migrationsTable = actual['weft_migrations'];
      expect(migrationsTable?.primaryKey).toEqual(['name']);
      delete actual['weft_migrations'];
      const expected = expectedSchema();
      expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
      for (const name of Object.keys(expected)) expect(actual[name], name).toEqual(expected[name]);
    });

    it('refuses an edited migration and applies new ones', async () => {
      const { db } = await empty();
      const folder = copyOfMigrations();
      const names = readMigrations(folder).map((m) => m.name);
      expect(await migrate(db, folder)).toEqual(names);
      const first = names[0] as string;

      // A new migration is applied, alone.
      mkdirSync(join(folder, '99991231235959_extra'));
      writeFileSync(join(folder, '99991231235959_extra', 'migration.sql'), 'CREATE TABLE "weft_extra" ("id" integer PRIMARY KEY);');
      expect(await migrate(db, folder)).toEqual(['99991231235959_extra']);

      // Editing an applied one is an error, and nothing is applied.
      const file = join(folder, first, 'migration.sql');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"id" text PRIMARY KEY', '"id" text PRIMARY KEY, "sneaky" text'));
      mkdirSync(join(folder, '99991231235960_more'));
      writeFileSync(join(folder, '99991231235960_more', 'migration.sql'), 'CREATE TABLE "weft_more" ("id" integer);');
      const error = await migrate(db, folder).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WeftError);
      expect((error as Error).message).toContain(`migration ${first} was edited after it was applied`);
      expect(await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'weft_more'")).toEqual([]);
      // The original migrations are still accepted.
      expect(await migrate(db)).toEqual([]);
    });
  });
}

describe('migrations on PostgreSQL, concurrently', () => {
  it('works on a pool of one connection', async () => {
    const { db } = await emptyPg({ max: 1 });
    const names = readMigrations().map((m) => m.name);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('migrate did not finish within 15 s on a pool of one connection')), 15_000);
    });
    try {
      expect(await Promise.race([migrate(db), timeout])).toEqual(names);
    } finally {
      clearTimeout(timer);
    }
  });

  it('lets one of two concurrent migrators apply the migrations', async () => {
    const { db, schema } = await emptyPg();
    const other = pgDatabase(database.pool({ max: 2, options: `-c search_path=${schema}` }));
    opened.push(other);
    const results = await Promise.all([migrate(db), migrate(other)]);
    expect(results.map((r) => r.length).sort()).toEqual([0, readMigrations().length]);
    expect(await db.query('SELECT name FROM weft_migrations')).toHaveLength(readMigrations().length);
  });
});
