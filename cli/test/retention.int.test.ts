import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pgDatabase, ProvenanceStore, type NewEvent } from '@weft/store';
import { useTestDatabase } from '@weft/services/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const weftBin = new URL('../bin/weft.js', import.meta.url).pathname;
const DAY = 86_400_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('weft migrate, prune and locations on PostgreSQL', () => {
  const database = useTestDatabase();
  let store: ProvenanceStore;

  beforeAll(() => {
    store = new ProvenanceStore(pgDatabase(database.pool({ max: 2 })));
  });
  afterAll(async () => store.db.close());

  async function weft(args: string[], env: Record<string, string | undefined> = { DATABASE_URL: database.url }): Promise<Run> {
    const childEnv = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
    try {
      const { stdout, stderr } = await exec(process.execPath, [weftBin, ...args], { env: childEnv, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      if (typeof e.code !== 'number') throw error;
      return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  const eventCount = async (): Promise<number> => Number((await store.db.query<{ n: string }>('SELECT count(*) AS n FROM weft_events'))[0]?.n);

  async function setCursor(location: string, cursor: number, updatedAt: number): Promise<void> {
    await store.db.query(
      `INSERT INTO weft_planner_cursors (location, cursor, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (location) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
      [location, cursor, new Date(updatedAt)],
    );
  }

  it('says what is missing: a database, a policy, a well-formed age', async () => {
    const noDb = await weft(['prune', '--events', '30d'], { DATABASE_URL: undefined });
    expect(noDb.code).toBe(1);
    expect(noDb.stderr).toContain('set DATABASE_URL');
    const noPolicy = await weft(['prune']);
    expect(noPolicy.code).toBe(2);
    expect(noPolicy.stderr).toMatch(/--events <age>, --detail <age> and\/or --checks <age>/);
    const badAge = await weft(['prune', '--detail', '30days']);
    expect(badAge.code).toBe(2);
    expect(badAge.stderr).toContain('--detail must be an age like 30d');
    expect(badAge.stderr).toContain('"30days"');
    const tooSoon = await weft(['prune', '--detail', '30m']);
    expect(tooSoon.code).toBe(2);
    expect(tooSoon.stderr).toContain('--detail must be at least 1h, got "30m"');
    const force = await weft(['locations', '--force']);
    expect(force.code).toBe(2);
    expect(force.stderr).toContain('--force goes with --forget');
  });

  it('migrate finds the database up to date; locations finds no planner yet', async () => {
    const migrate = await weft(['migrate']);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toContain('weft migrate: the database is up to date');
    const locations = await weft(['locations']);
    expect(locations.code).toBe(0);
    expect(locations.stdout).toContain('no planner has run yet');
    const prune = await weft(['prune', '--events', '1d']);
    expect(prune.code).toBe(0);
    expect(prune.stdout).toContain('removed 0 events');
    expect(prune.stdout).toContain('no planner has saved a cursor yet');
    // A project's definitions may be given (for exact range retention); a folder without one is named.
    const withProject = await weft(['prune', '--detail', '90d', '--dir', new URL('../../examples/readings', import.meta.url).pathname]);
    expect(withProject.code).toBe(0);
    expect(withProject.stdout).toContain('removed 0 events, 0 superseded materializations');
    const noProject = await weft(['prune', '--detail', '90d', '--dir', '/nonexistent-weft-project']);
    expect(noProject.code).toBe(1);
    expect(noProject.stderr).toContain('no weft.config.ts in /nonexistent-weft-project');
  });

  it('prunes old events up to the slowest planner, names it, and forgets it once it is gone', async () => {
    const now = Date.now();
    const gone = new ProvenanceStore(store.db, 'gone-site');
    // Interleaved, all old: g0 m0 g1 m1 g2 m2 g3 m3 (gone-site's and main's own events), then a recent one of main.
    const main = new ProvenanceStore(store.db, 'main');
    const seqs: number[] = [];
    for (let i = 0; i < 4; i++) {
      for (const s of [gone, main]) seqs.push((await s.appendEvents([{ kind: 'request.cancelled', requestId: `${s.location}-${i}`, at: now - 10 * DAY } as NewEvent]))[0]?.seq as number);
    }
    const recent = (await main.appendEvents([{ kind: 'request.cancelled', requestId: 'recent' } as NewEvent]))[0]?.seq as number;
    // gone-site's planner read g0 and g1 forty days ago; main's has read everything.
    await setCursor('gone-site', seqs[2] as number, now - 40 * DAY);
    await setCursor('main', recent, now);

    const listed = await weft(['locations']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(lines[0]).toEqual(['location', 'cursor', 'read through', 'events behind', 'last plan']);
    expect(lines[1]).toEqual(['gone-site', String(seqs[2]), String((seqs[4] as number) - 1), '2', '40d ago']);
    expect(lines[2]?.slice(0, 4)).toEqual(['main', String(recent), String(recent), '0']);
    const listedJson = await weft(['locations', '--json']);
    expect(JSON.parse(listedJson.stdout)).toEqual({
      locations: [
        { location: 'gone-site', cursor: seqs[2], readThrough: (seqs[4] as number) - 1, eventsBehind: 2, updatedAt: new Date(now - 40 * DAY).toISOString() },
        { location: 'main', cursor: recent, readThrough: recent, eventsBehind: 0, updatedAt: new Date(now).toISOString() },
      ],
    });

    // A dry run counts and keeps everything; the real run removes what it counted: g0 m0 g1 m1.
    const dry = await weft(['prune', '--events', '7d', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would remove 4 events, 0 superseded materializations');
    expect(dry.stdout).toContain('location "gone-site" last planned 40d ago and has 2 events of its own unread');
    expect(dry.stdout).toContain('weft locations --forget gone-site');
    const dryJson = await weft(['prune', '--events', '7d', '--dry-run', '--json']);
    expect(JSON.parse(dryJson.stdout)).toMatchObject({ dryRun: true, policy: { eventsOlderThanMs: 7 * DAY }, removed: { events: 4, materializations: 0 }, slowestPlanner: { location: 'gone-site', eventsBehind: 2 } });
    expect(await eventCount()).toBe(9);
    const pruned = await weft(['prune', '--events', '7d']);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain('removed 4 events');
    expect(await eventCount()).toBe(5);

    // A planner that planned just now is kept; a gone one is forgotten, and retention moves on.
    const alive = await weft(['locations', '--forget', 'main']);
    expect(alive.code).toBe(1);
    expect(alive.stderr).toContain('location "main" planned within the last 15m: it looks alive');
    const unknown = await weft(['locations', '--forget', 'nowhere']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no planner cursor for location "nowhere" (known: "gone-site", "main")');
    const forgot = await weft(['locations', '--forget', 'gone-site']);
    expect(forgot.code).toBe(0);
    expect(forgot.stdout).toContain('forgot location "gone-site"');
    const again = await weft(['prune', '--events', '7d', '--detail', '30d', '--checks', '30d']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('removed 4 events');
    expect(again.stdout).not.toContain('unread');
    expect(await eventCount()).toBe(1);

    // --force forgets even a planner that looks alive.
    const forced = await weft(['locations', '--forget', 'main', '--force']);
    expect(forced.code).toBe(0);
    expect((await store.plannerCursors()).length).toBe(0);
  });
});
