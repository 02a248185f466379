import type { SqlClient, SqlDatabase } from '@weft/store';

/** Time spent per statement (keyed by its first words) and in whole transactions. */
export interface StatementTimes {
  readonly byStatement: Map<string, { ms: number; calls: number }>;
  transactionMs: number;
  transactions: number;
  /** Forget everything measured so far (after a warm-up). */
  reset(): void;
  /** Lines for the log, most expensive first, with the share of transaction time. */
  report(): string[];
}

function label(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 56);
}

/** Wraps a database so that every statement the store runs is timed (on the client: round trip included). */
export function timedDatabase(db: SqlDatabase): { db: SqlDatabase; times: StatementTimes } {
  const times: StatementTimes = {
    byStatement: new Map(),
    transactionMs: 0,
    transactions: 0,
    reset() {
      this.byStatement.clear();
      this.transactionMs = 0;
      this.transactions = 0;
    },
    report() {
      const rows = [...this.byStatement.entries()].sort((a, b) => b[1].ms - a[1].ms);
      const inStatements = rows.reduce((s, [, v]) => s + v.ms, 0);
      const total = this.transactionMs || inStatements;
      const lines = rows.map(([k, v]) => `${((100 * v.ms) / total).toFixed(1).padStart(5)}%  ${(v.ms / Math.max(1, v.calls)).toFixed(2).padStart(8)} ms/call  ${k}`);
      lines.push(`${((100 * (total - inStatements)) / total).toFixed(1).padStart(5)}%  (JS between statements)`);
      return lines;
    },
  };
  const record = (key: string, ms: number): void => {
    const entry = times.byStatement.get(key) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls++;
    times.byStatement.set(key, entry);
  };
  /**
   * Statements issued while an earlier one still runs (the store pipelines a few) wait for it on
   * their connection: each is timed from when the one before it ended, so the shares add up.
   */
  const timed = (client: SqlClient): SqlClient => {
    let previousEnd: Promise<number> = Promise.resolve(0);
    const measure = async <R>(text: string, run: () => Promise<R>): Promise<R> => {
      const issued = performance.now();
      const before = previousEnd;
      const running = run();
      const end = running.then(
        () => performance.now(),
        () => performance.now(),
      );
      previousEnd = end;
      try {
        return await running;
      } finally {
        record(label(text), (await end) - Math.max(issued, await before));
      }
    };
    return {
      query: <T>(text: string, params?: readonly unknown[]) => measure(text, () => client.query<T>(text, params)),
      execute: (text: string, params?: readonly unknown[]) => measure(text, () => client.execute(text, params)),
      // (formatting the lines is part of the COPY: they are produced while the server reads)
      copy: (table, columns, lines) => measure(`COPY ${table}`, () => client.copy(table, columns, lines)),
    };
  };
  const wrapped: SqlDatabase = {
    kind: db.kind,
    ...timed(db),
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      const t0 = performance.now();
      let ended = 0;
      try {
        return await db.transaction(async (tx) => {
          record('(BEGIN and pool checkout)', performance.now() - t0);
          try {
            return await fn(timed(tx));
          } finally {
            ended = performance.now();
          }
        });
      } finally {
        if (ended > 0) record('(COMMIT or ROLLBACK)', performance.now() - ended);
        times.transactionMs += performance.now() - t0;
        times.transactions++;
      }
    },
    listen: (channel, fn) => db.listen(channel, fn),
    close: () => db.close(),
  };
  return { db: wrapped, times };
}
