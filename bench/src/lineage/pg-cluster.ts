/**
 * Where a kept benchmark database can live: PostgreSQL runs as an unprivileged account when root
 * (`startPostgres({ dataDir })`), so its folder must be reachable by that account.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { unprivilegedAccount } from '@weft/services';

type Account = Awaited<ReturnType<typeof unprivilegedAccount>>;

/** Whether `account` can reach `dir` (every existing ancestor searchable by it). */
export function reachableBy(dir: string, account: Account): boolean {
  if (!account) return true;
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(d)) {
      const s = statSync(d);
      const searchable = s.uid === account.uid ? (s.mode & 0o100) !== 0 : s.gid === account.gid ? (s.mode & 0o010) !== 0 : (s.mode & 0o001) !== 0;
      if (!searchable) return false;
    }
    if (dirname(d) === d) return true;
  }
}
