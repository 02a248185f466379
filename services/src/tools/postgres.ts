import { readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ToolMissingError } from '../errors.js';
import { isExecutable, run, which } from '../exec.js';

/** The PostgreSQL server binaries Weft needs to start a throwaway server. */
export interface PostgresBinaries {
  readonly binDir: string;
  readonly initdb: string;
  readonly pgCtl: string;
  readonly postgres: string;
}

const HOW_TO =
  'install the server binaries (Debian/Ubuntu: `apt-get update && apt-get install -y postgresql`), ' +
  'set PG_BIN_DIR to a folder holding initdb, pg_ctl and postgres, or set DATABASE_URL to an existing server';

function fromDir(binDir: string): PostgresBinaries | undefined {
  const b = { binDir, initdb: join(binDir, 'initdb'), pgCtl: join(binDir, 'pg_ctl'), postgres: join(binDir, 'postgres') };
  return isExecutable(b.initdb) && isExecutable(b.pgCtl) && isExecutable(b.postgres) ? b : undefined;
}

/** Numeric-aware descending order of Debian's `/usr/lib/postgresql/<major>` folders. */
function debianMajors(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a));
  } catch {
    return [];
  }
}

/**
 * Finds initdb, pg_ctl and postgres: PG_BIN_DIR, then the folder `initdb` on PATH lives in,
 * then the newest Debian `/usr/lib/postgresql/<major>/bin`.
 */
export function findPostgresBinaries(): PostgresBinaries {
  const explicit = process.env['PG_BIN_DIR'];
  if (explicit) {
    const b = fromDir(explicit);
    if (!b) throw new ToolMissingError('PostgreSQL', `PG_BIN_DIR=${explicit} does not hold initdb, pg_ctl and postgres; ${HOW_TO}.`);
    return b;
  }
  const initdb = which('initdb');
  if (initdb) {
    const b = fromDir(dirname(realpathSync(initdb)));
    if (b) return b;
  }
  for (const major of debianMajors()) {
    const b = fromDir(join('/usr/lib/postgresql', major, 'bin'));
    if (b) return b;
  }
  throw new ToolMissingError('PostgreSQL', `server binaries not found; ${HOW_TO}.`);
}

/** `postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` */
export async function postgresVersion(b: PostgresBinaries): Promise<string> {
  return (await run(b.postgres, ['--version'])).trim();
}
