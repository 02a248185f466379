import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { PGlite, Transaction as PgliteTransaction } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyChunks, copyStatement } from './copy-text.js';

/** Parameterized SQL on either driver. Values are always parameters (or COPY data), never spliced into the text. */
export interface SqlClient {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement and returns how many rows it inserted, updated or deleted (e.g. a MERGE's). */
  execute(text: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Bulk-loads rows with `COPY table (columns) FROM STDIN` in the text format (`copy-text.ts`).
   * Lines are consumed lazily and streamed as they come, so formatting overlaps the server's work.
   */
  copy(table: string, columns: readonly string[], lines: Iterable<string>): Promise<void>;
}

/** COPY on one `pg` connection, fed chunk by chunk with backpressure. */
async function pgCopy(client: pg.PoolClient | pg.Client, table: string, columns: readonly string[], lines: Iterable<string>): Promise<void> {
  const stream = client.query(copyFrom(copyStatement(table, columns)));
  // The server's error (refused statement, lock timeout, a value or a constraint refused mid-way):
  // once it has arrived the server is ready for the ROLLBACK, and the stream must not be destroyed
  // (it would wait for a COPY that never started).
  let serverError: Error | undefined;
  const failed = once(stream, 'error').then(([error]) => {
    serverError = error as Error;
    throw error;
  });
  failed.catch(() => {}); // raced below and rethrown; never an unhandled rejection
  try {
    for (const chunk of copyChunks(lines)) {
      if (serverError) throw serverError;
      if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), failed]);
    }
  } catch (error) {
    if (serverError) throw serverError;
    // The lines failed (a value was refused): abort the COPY (CopyFail) and wait until the server
    // has answered, so the connection is ready for the ROLLBACK.
    stream.destroy(error as Error);
    await Promise.race([finished(stream), failed]).catch(() => {});
    throw error;
  }
  stream.end();
  await Promise.race([finished(stream), failed]);
}

/** A database the store runs on: PostgreSQL through a `pg` pool, or PGlite in this process. */
export interface SqlDatabase extends SqlClient {
  readonly kind: 'pg' | 'pglite';
  /** Runs `fn` in one transaction (PGlite has one connection: use `tx`, never the outer client, inside). */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  /** Calls `fn` on each NOTIFY on `channel`; returns the unsubscribe function. */
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** A PostgreSQL database behind a connection pool. */
export function pgDatabase(pool: pg.Pool, options: { ownsPool?: boolean } = {}): SqlDatabase & { readonly pool: pg.Pool } {
  // An idle pooled connection that the server drops (restart, failover) must not crash the process:
  // the pool discards it and the next query opens a new one.
  // Once closed, a server shutting down reaches sockets pool.end() has not finished closing: not news.
  let closed = false;
  if (pool.listenerCount('error') === 0) pool.on('error', (error) => closed || process.emitWarning(`weft: PostgreSQL connection lost: ${error.message}`));
  return {
    kind: 'pg',
    pool,
    async query<T>(text: string, params: readonly unknown[] = []) {
      return (await pool.query(text, params as unknown[])).rows as T[];
    },
    async execute(text: string, params: readonly unknown[] = []) {
      return (await pool.query(text, params as unknown[])).rowCount ?? 0;
    },
    async copy(table, columns, lines) {
      const client = await pool.connect();
      try {
        await pgCopy(client, table, columns, lines);
      } finally {
        client.release();
      }
    },
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async <R>(text: string, params: readonly unknown[] = []) => (await client.query(text, params as unknown[])).rows as R[],
          execute: async (text: string, params: readonly unknown[] = []) => (await client.query(text, params as unknown[])).rowCount ?? 0,
          copy: (table, columns, lines) => pgCopy(client, table, columns, lines),
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async listen(channel, fn) {
      const client = await pool.connect();
      const onNotification = (message: pg.Notification): void => {
        if (message.channel === channel) fn(message.payload ?? '');
      };
      client.on('notification', onNotification);
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return async () => {
        client.off('notification', onNotification);
        await client.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => {});
        client.release();
      };
    },
    async close() {
      closed = true;
      if (options.ownsPool ?? true) await pool.end();
    },
  };
}

/** A PGlite database (one connection, in this process). */
export function pgliteDatabase(db: PGlite, options: { ownsDb?: boolean } = {}): SqlDatabase & { readonly pglite: PGlite } {
  const wrap = (q: PGlite | PgliteTransaction): SqlClient => ({
    async query<T>(text: string, params: readonly unknown[] = []) {
      return (await q.query<T>(text, params as unknown[])).rows;
    },
    async execute(text: string, params: readonly unknown[] = []) {
      return (await q.query(text, params as unknown[])).affectedRows ?? 0;
    },
    async copy(table, columns, lines) {
      // PGlite reads COPY data from a Blob given as the pseudo-file /dev/blob.
      const blob = new Blob([...copyChunks(lines)]);
      await q.query(copyStatement(table, columns, { from: 'blob' }), [], { blob });
    },
  });
  return {
    kind: 'pglite',
    pglite: db,
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    async listen(channel, fn) {
      const unsubscribe = await db.listen(channel, fn);
      return async () => {
        await unsubscribe();
      };
    },
    async close() {
      if (options.ownsDb ?? true) await db.close();
    },
  };
}
