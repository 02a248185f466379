/** COPY … FROM STDIN streams (text format: `copyLine` in @weft/core) and fast random data for the lineage benchmarks. */
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { copyStatement } from '@weft/store';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';

/** Streams `text` (COPY text format) into `table` on `client`; resolves when the server has it. */
export async function copyText(client: pg.Client | pg.PoolClient, table: string, columns: readonly string[], text: string): Promise<void> {
  const stream = client.query(copyFrom(copyStatement(table, columns)));
  stream.end(text);
  await finished(stream);
}

/** A long-running COPY that is written chunk by chunk, with backpressure. */
export class CopyWriter {
  readonly stream: CopyStreamQuery;
  rows = 0;

  constructor(client: pg.Client | pg.PoolClient, table: string, columns: readonly string[], options: { freeze?: boolean } = {}) {
    this.stream = client.query(copyFrom(copyStatement(table, columns, options)));
  }

  /** Writes a chunk of lines; waits while the socket is backed up. */
  async write(chunk: string, rows: number): Promise<void> {
    this.rows += rows;
    if (chunk.length > 0 && !this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  /** Ends the COPY; resolves when the server has acknowledged every row. */
  async end(): Promise<void> {
    this.stream.end();
    await finished(this.stream);
  }
}

/** Random lower-case 64-digit hex strings (sha256-shaped tokens, data versions, hashes), from a refilled pool. */
export class HexPool {
  private pool = '';
  private at = 0;

  next(): string {
    if (this.at + 64 > this.pool.length) {
      this.pool = randomBytes(32 * 8192).toString('hex');
      this.at = 0;
    }
    const s = this.pool.slice(this.at, this.at + 64);
    this.at += 64;
    return s;
  }
}


/** Rounds to `digits` decimals (for JSON output). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export { percentile, prng } from '../support.js';
