import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const weft = new URL('../bin/weft.js', import.meta.url).pathname;
const project = mkdtempSync(join(tmpdir(), 'weft-dev-test-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('weft dev (the README main command)', () => {
  it('runs the pipeline on the embedded default and keeps its state across runs', async () => {
    for (let run = 1; run <= 2; run++) {
      const { stdout } = await exec(process.execPath, [weft, 'dev', '--dir', project, '--once'], { timeout: 120_000 });
      expect(stdout).toMatch(/Temporal dev server 127\.0\.0\.1:\d+/);
      expect(stdout).toContain(`smoke pipeline done: sum 500500`);
      expect(stdout).toContain(`${run} run(s) recorded in PGlite`);
    }
    expect(readdirSync(join(project, '.weft')).sort()).toEqual(expect.arrayContaining(['objects', 'pglite', 'temporal.db']));
    const db = await PGlite.create(join(project, '.weft', 'pglite'));
    try {
      const { rows } = await db.query<{ sum: number }>('SELECT sum::int AS sum FROM dev_runs ORDER BY id');
      expect(rows).toEqual([{ sum: 500500 }, { sum: 500500 }]);
    } finally {
      await db.close();
    }
  });

  it('rejects bad options with the usage and exit code 2', async () => {
    const error = (await exec(process.execPath, [weft, 'dev', '--port', 'abc']).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(2);
    expect(error.stderr).toContain('--port must be a TCP port number, got "abc"');
    const unknown = (await exec(process.execPath, [weft, 'frobnicate']).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});
