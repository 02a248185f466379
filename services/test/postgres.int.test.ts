import { useServices, useTestDatabase } from '@weft/services/harness';
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
