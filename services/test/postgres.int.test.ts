import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '@weft/services';
import { useServices, useTestDatabase } from '@weft/services/harness';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

const db = useTestDatabase();

describe('PostgreSQL (real server)', () => {
  it('round-trips rows through SQL, byte for byte', async () => {
    const pool = db.pool({ max: 2 });
    try {
      await pool.query('CREATE TABLE smoke (id serial PRIMARY KEY, asset_key text NOT NULL, body text NOT NULL)');
      const tricky = ['plain', `quote ' "double" \\ backslash`, 'ünïcödé 🧵 日本', 'x'.repeat(100_000)];
      for (const body of tricky) await pool.query('INSERT INTO smoke (asset_key, body) VALUES ($1, $2)', ['a/b', body]);
      const { rows } = await pool.query<{ body: string }>('SELECT body FROM smoke ORDER BY id');
      expect(rows.map((r) => r.body)).toEqual(tricky);
    } finally {
      await pool.end();
    }
  });

  it('is a real server whose version the run printed', async () => {
    const pool = db.pool({ max: 1 });
    try {
      const { rows } = await pool.query<{ version: string; db: string }>('SELECT version() AS version, current_database() AS db');
      expect(rows[0]?.version).toMatch(/^PostgreSQL \d+/);
      expect(rows[0]?.db).toBe(db.name);
      expect(useServices().postgres.version).toContain(rows[0]?.version ?? '?');
    } finally {
      await pool.end();
    }
  });

  it('gives each file its own database cloned from the template', async () => {
    const pool = db.pool({ max: 1 });
    try {
      const { rows } = await pool.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = $1', [useServices().postgres.templateDatabase]);
      expect(rows).toHaveLength(1);
      expect(db.name).not.toBe(useServices().postgres.templateDatabase);
    } finally {
      await pool.end();
    }
  });
});

describe('startPostgres with a kept data folder', () => {
  it('initializes a missing folder once, reuses the cluster after a stop, and refuses a folder holding other files', async () => {
    const root = mkdtempSync(join(tmpdir(), 'weft-pgdata-'));
    chmodSync(root, 0o755); // reachable by the unprivileged account PostgreSQL runs as under root
    try {
      const dataDir = join(root, 'data');
      const first = await startPostgres({ databaseUrl: '', dataDir });
      try {
        expect(first.created).toBe(true);
        const client = new pg.Client({ connectionString: first.adminUrl });
        await client.connect();
        await client.query('CREATE DATABASE kept');
        await client.end();
      } finally {
        await first.stop();
      }
      const second = await startPostgres({ databaseUrl: '', dataDir });
      try {
        expect(second.created).toBe(false);
        const client = new pg.Client({ connectionString: second.adminUrl });
        await client.connect();
        const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_database WHERE datname = 'kept'");
        await client.end();
        expect(rows).toEqual([{ n: 1 }]);
      } finally {
        await second.stop();
      }

      const other = join(root, 'other');
      mkdirSync(other);
      writeFileSync(join(other, 'notes.txt'), 'mine');
      await expect(startPostgres({ databaseUrl: '', dataDir: other })).rejects.toThrow(/holds files but no PostgreSQL cluster/);
      expect(readFileSync(join(other, 'notes.txt'), 'utf8')).toBe('mine');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
