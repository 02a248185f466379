/**
 * `--help` of every command and subcommand, `--version`, and usage errors, through the real
 * binary (no services needed: help loads no command's implementation).
 */
import { describe, expect, it } from 'vitest';
import { freePort, weft } from './helpers.js';

const env = { ...process.env };

/** Each command with a phrase of its description and an example it must show. */
const COMMANDS: ReadonlyArray<readonly [string[], string, string]> = [
  [['dev'], 'Runs the project in one process on the embedded default', '$ weft dev --dir examples/readings'],
  [['worker'], "Runs a worker of the project's code location", '$ DATABASE_URL=postgres://'],
  [['server'], 'Serves the GraphQL API at /graphql and the UI', 'weft server --port 4000'],
  [['migrate'], 'Applies the migrations not applied yet', '$ DATABASE_URL=postgres://… weft migrate'],
  [['prune'], 'Removes old events, superseded materializations', '$ weft prune --events 30d'],
  [['locations'], "Lists each code location's planner cursor", '$ weft locations --forget old-sales'],
  [['plugins'], "Lists the plugins of the project's weft.config.ts", '$ weft plugins --json'],
  [['materialize'], 'Materializes partitions of one or more assets now', '$ weft materialize daily_total --partitions 2024-01-01..2024-01-31'],
  [['backfill'], "Backfills a range of an asset's partitions", '$ weft backfill daily_total --from 2023-01-01 --to 2023-12-31'],
  [['status'], 'Prints every asset (and source) the viewer may see', '$ weft status --url https://weft.example.com --json'],
  [['lineage'], "Prints the provenance of a partition's current materialization as a tree", '$ weft lineage rolling_mean_7d 2024-01-03'],
  [['why'], 'Says where a partition stands', '$ weft why rolling_mean_7d 2024-01-03'],
  [['failures'], 'Lists failures grouped by fingerprint', '$ weft failures --asset daily_total --json'],
  [['retry'], 'Retries failed partitions now', '$ weft retry --fingerprint 3fa2b1c0'],
  [['token'], 'API tokens. With --url (or WEFT_URL)', 'create [options]'],
  [['token', 'create'], 'Creates a token with a role per asset group', '$ DATABASE_URL=postgres://… weft token create --name ops --role "*=admin"'],
  [['token', 'list'], 'Lists the tokens (never their secrets)', '$ weft token list --url https://weft.example.com --json'],
  [['token', 'revoke'], 'Revokes a token at once', '$ weft token revoke --id tok_3f9c0a1b'],
  [['requests'], 'Requests and backfills (what materialize, backfill and retry submit)', 'follow [options] <ids...>'],
  [['requests', 'list'], 'Lists requests, newest first', '$ weft requests list --status open --asset daily_total --json'],
  [['requests', 'follow'], 'Follows requests already submitted until they are done', '$ weft requests follow req-3f9c0a1b2c'],
  [['requests', 'cancel'], 'Cancels an open request', '$ weft requests cancel req-3f9c0a1b2c'],
];

/** Runs at most `n` at once (each run starts a Node process). */
async function limited<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}

describe('weft --help', () => {
  it('lists every command, the environment and the exit codes', async () => {
    const ran = await weft(['--help'], env);
    expect(ran.code).toBe(0);
    for (const [path] of COMMANDS) if (path.length === 1) expect(ran.stdout).toMatch(new RegExp(`^  ${path[0]} `, 'm'));
    expect(ran.stdout).toContain('WEFT_URL, WEFT_TOKEN');
    expect(ran.stdout).toMatch(/^Exit codes:\n {2}0 {4}ok/m);
    expect(ran.stdout).toMatch(/^ {2}3 {4}partly failed/m);
    const version = await weft(['--version'], env);
    expect(version).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });

  it('every command and subcommand has --help with its description, options and examples', async () => {
    const runs = await limited(COMMANDS, 3, async ([path, description, example]) => ({ path, description, example, ran: await weft([...path, '--help'], env) }));
    for (const { path, description, example, ran } of runs) {
      expect(ran.code, path.join(' ')).toBe(0);
      expect(ran.stdout, path.join(' ')).toMatch(new RegExp(`^Usage: weft ${path.join(' ')} `));
      expect(ran.stdout.replace(/\s+/g, ' '), path.join(' ')).toContain(description);
      expect(ran.stdout, path.join(' ')).toContain(example);
    }
    // The API commands all say how the server is found.
    for (const { path, ran } of runs.filter((r) => ['status', 'why', 'materialize', 'retry'].includes(r.path[0]!))) expect(ran.stdout, path.join(' ')).toContain('(env: WEFT_URL)');
  }, 240_000);
});

describe('usage errors', () => {
  it.each([
    [['frobnicate'], "weft: unknown command 'frobnicate'"],
    [['stauts'], '(Did you mean status?)'],
    [['status', '--frob'], "weft: unknown option '--frob'"],
    [['lineage', 'daily_total'], "weft: missing required argument 'partition'"],
    [['server', '--port', '70000'], 'must be a TCP port number, got "70000"'],
    [['retry', '--dir', '/nonexistent'], 'say what to retry: --asset <key> --partition <key>'],
    [['materialize', 'a', '--partitions', 'x,,y', '--dir', '/nonexistent'], 'an empty key'],
  ])('weft %j exits 2 and says %j', async (args, message) => {
    const ran = await weft(args, env);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(message);
    expect(ran.stdout).toBe('');
  });

  it('a command against no server exits 1 and says how to start one', async () => {
    const { WEFT_URL: _u, ...rest } = env;
    const ran = await weft(['status', '--dir', '/nonexistent'], rest);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('weft status: no running `weft dev` found (no /nonexistent/.weft/dev.json)');
    const port = await freePort();
    const down = await weft(['status', '--url', `http://127.0.0.1:${port}`], rest);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`weft status: cannot reach the Weft API at http://127.0.0.1:${port}/graphql (ECONNREFUSED)`);
    expect(down.stderr).toContain('is `weft server` running there? Check the address (--url).');
  });
});
