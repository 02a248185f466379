/**
 * Commands that talk to the GraphQL API of a running `weft dev` (found through --dir) or of
 * `weft server` (--url/WEFT_URL, --token/WEFT_TOKEN): materialize, backfill, status, lineage,
 * why, failures, retry, token, requests.
 */
import type { Command } from 'commander';
import { processOutput } from '../database.js';
import { collect, examples, intParser, jsonOption, remoteOptions, waitOptions } from './common.js';
import type { Runner } from './runner.js';
import type { BackfillOptions, MaterializeOptions } from '../commands/materialize.js';
import type { StatusOptions } from '../commands/status.js';
import type { LineageOptions } from '../commands/lineage.js';
import type { WhyOptions } from '../commands/why.js';
import type { FailuresOptions } from '../commands/failures.js';
import type { RetryOptions } from '../commands/retry.js';
import type { RequestsCancelOptions, RequestsFollowOptions, RequestsListOptions } from '../commands/requests.js';

const WAIT_NOTE =
  'Progress is followed live (a bar per asset on a terminal, a plain line per change otherwise): done, running and failed partitions ' +
  '(with those it needs upstream), the rate and the time left. Exit code 0 when every partition is fresh, 3 when some failed, 1 when all ' +
  'did or a request was cancelled, 4 after --timeout.';

export function registerRemoteCommands(program: Command, run: Runner): void {
  const materialize = program
    .command('materialize')
    .summary('materialize partitions of assets now, and follow the progress')
    .description(`Materializes partitions of one or more assets now, ahead of automatic work (one request per asset), through the API's materialize mutation. ${WAIT_NOTE}`)
    .argument('<assets...>', 'asset keys')
    .option('--partitions <selection>', 'which partitions: a range first..last (inclusive), keys a,b,c, or all (needed for a partitioned asset)');
  examples(jsonOption(waitOptions(remoteOptions(materialize))), [
    'weft materialize daily_total --partitions 2024-01-01..2024-01-31',
    'weft materialize daily_total monthly_total --partitions all --no-wait',
    'WEFT_URL=https://weft.example.com WEFT_TOKEN=… weft materialize report     # an unpartitioned asset',
  ]);
  materialize.action(
    run.with(async (assets: string[], o: MaterializeOptions) => {
      const { runMaterialize } = await import('../commands/materialize.js');
      return runMaterialize(assets, o, processOutput);
    }),
  );

  const backfill = program
    .command('backfill')
    .summary('backfill a range of partitions of an asset, and follow the progress')
    .description(`Backfills a range of an asset's partitions (or all of them) through the API's backfill mutation: they run in order, ahead of automatic work. ${WAIT_NOTE}`)
    .argument('<asset>', 'asset key')
    .option('--from <key>', 'first partition (inclusive)')
    .option('--to <key>', 'last partition (inclusive)')
    .option('--all', 'every partition of the asset', false);
  examples(jsonOption(waitOptions(remoteOptions(backfill))), ['weft backfill daily_total --from 2023-01-01 --to 2023-12-31', 'weft backfill daily_total --all --timeout 2h', 'weft backfill daily_total --from 2024-01-01 --to 2024-01-07 --json']);
  backfill.action(
    run.with(async (asset: string, o: BackfillOptions) => {
      const { runBackfill } = await import('../commands/materialize.js');
      return runBackfill(asset, o, processOutput);
    }),
  );

  const status = program
    .command('status')
    .summary('a table of assets with their partitions by state')
    .description('Prints every asset (and source) the viewer may see with its partitions definition and its partitions by state: fresh, stale, missing, running, failed, blocked, check failed.')
    .option('--group <group>', 'only assets of this group')
    .option('--prefix <prefix>', 'only assets whose key starts with this');
  examples(jsonOption(remoteOptions(status)), ['weft status', 'weft status --dir examples/readings', 'weft status --url https://weft.example.com --json']);
  status.action(
    run.with(async (o: StatusOptions) => {
      const { runStatus } = await import('../commands/status.js');
      return runStatus(o, processOutput);
    }),
  );

  const lineage = program
    .command('lineage')
    .summary("a partition's lineage as a tree")
    .description("Prints the provenance of a partition's current materialization as a tree: what it was made from (or, with --down, what was made from it), each node with its partition, data version, code version and when it was made. Reads of sources are leaves.")
    .argument('<asset>', 'asset key')
    .argument('<partition>', "partition key ('' for an unpartitioned asset)")
    .option('--depth <n>', 'levels to follow (1–50)', intParser(1, 50), 3)
    .option('--down', 'what was made from it, instead of what it was made from', false);
  examples(jsonOption(remoteOptions(lineage)), ['weft lineage rolling_mean_7d 2024-01-03', 'weft lineage daily_total 2024-01-02 --down --depth 5']);
  lineage.action(
    run.with(async (asset: string, partition: string, o: LineageOptions) => {
      const { runLineage } = await import('../commands/lineage.js');
      return runLineage(asset, partition, o, processOutput);
    }),
  );

  const why = program
    .command('why')
    .summary('why a partition is not fresh, and what to do')
    .description("Says where a partition stands and, when it is not fresh, the planner's reasons in words (code changed, upstream changed or failed, its own failure with the message, a failed check), each with what to do.")
    .argument('<asset>', 'asset key')
    .argument('<partition>', "partition key ('' for an unpartitioned asset)");
  examples(jsonOption(remoteOptions(why)), ['weft why rolling_mean_7d 2024-01-03', 'weft why daily_total 2024-01-02 --json']);
  why.action(
    run.with(async (asset: string, partition: string, o: WhyOptions) => {
      const { runWhy } = await import('../commands/why.js');
      return runWhy(asset, partition, o, processOutput);
    }),
  );

  const failures = program
    .command('failures')
    .summary('failures grouped by fingerprint')
    .description('Lists failures grouped by fingerprint (one problem each, most recent first): the asset, how many partitions fail with it now, how many attempts failed with it, first and last seen, the message and sample partitions.')
    .option('--asset <key>', 'only failures of this asset')
    .option('--all', 'also groups no partition fails with any more', false)
    .option('--stack', 'print the whole stack trace of each group\'s latest failure (default: its top frames)', false);
  examples(jsonOption(remoteOptions(failures)), ['weft failures', 'weft failures --asset daily_total --stack', 'weft failures --asset daily_total --json']);
  failures.action(
    run.with(async (o: FailuresOptions) => {
      const { runFailures } = await import('../commands/failures.js');
      return runFailures(o, processOutput);
    }),
  );

  const retry = program
    .command('retry')
    .summary('retry failed partitions, and follow the progress')
    .description(`Retries failed partitions now, through the API's retry mutation: one partition (--asset and --partition), the partitions a fingerprint fails now (--fingerprint, of every asset unless --asset), or every failed partition (--all-failed, of every asset unless --asset). ${WAIT_NOTE}`)
    .option('--asset <key>', 'the asset')
    .option('--partition <key>', 'one partition (with --asset)')
    .option('--fingerprint <fingerprint>', 'the partitions failing with this fingerprint (or its first 6+ characters) now')
    .option('--all-failed', 'every failed partition', false);
  examples(jsonOption(waitOptions(remoteOptions(retry))), ['weft retry --asset daily_total --partition 2024-01-02', 'weft retry --fingerprint 3fa2b1c0', 'weft retry --all-failed --asset daily_total --no-wait']);
  retry.action(
    run.with(async (o: RetryOptions) => {
      const { runRetry } = await import('../commands/retry.js');
      return runRetry(o, processOutput);
    }),
  );

  registerToken(program, run);
  registerRequests(program, run);
}

function registerRequests(program: Command, run: Runner): void {
  const requests = program
    .command('requests')
    .summary('list, follow and cancel requests and backfills')
    .description('Requests and backfills (what materialize, backfill and retry submit): list them with their progress, follow open ones again (after Ctrl-C or --timeout), cancel one.');
  const list = requests
    .command('list')
    .description('Lists requests, newest first, with their action, asset, status and progress (fresh of all, running, failed).')
    .option('--status <status>', 'only open, done or cancelled ones')
    .option('--asset <key>', 'only requests of this asset')
    .option('--first <n>', 'how many (1–1000)', intParser(1, 1000), 50);
  examples(jsonOption(remoteOptions(list)), ['weft requests list', 'weft requests list --status open --asset daily_total --json']);
  list.action(
    run.with(async (o: RequestsListOptions) => {
      const { runRequestsList } = await import('../commands/requests.js');
      return runRequestsList(o, processOutput);
    }),
  );
  const follow = requests
    .command('follow')
    .description(`Follows requests already submitted until they are done. ${WAIT_NOTE}`)
    .argument('<ids...>', 'request ids (req-…; `weft requests list` shows them)')
    .option('--timeout <age>', 'stop following after this long (30s, 10m, 2h): exit code 4, the requests go on')
    .option('--poll', 'poll the API each second instead of a live subscription', false);
  examples(jsonOption(remoteOptions(follow)), ['weft requests follow req-3f9c0a1b2c', 'weft requests follow req-3f9c0a1b2c req-77aa01de90 --timeout 1h']);
  follow.action(
    run.with(async (ids: string[], o: RequestsFollowOptions) => {
      const { runRequestsFollow } = await import('../commands/requests.js');
      return runRequestsFollow(ids, o, processOutput);
    }),
  );
  const cancel = requests
    .command('cancel')
    .description('Cancels an open request: nothing more is started for it; what is running finishes.')
    .argument('<id>', 'the request id');
  examples(jsonOption(remoteOptions(cancel)), ['weft requests cancel req-3f9c0a1b2c']);
  cancel.action(
    run.with(async (id: string, o: RequestsCancelOptions) => {
      const { runRequestsCancel } = await import('../commands/requests.js');
      return runRequestsCancel(id, o, processOutput);
    }),
  );
}

function registerToken(program: Command, run: Runner): void {
  const token = program
    .command('token')
    .summary('create, list and revoke API tokens')
    .description(
      'API tokens. With --url (or WEFT_URL) they go through that server\'s API, with an admin token (--token/WEFT_TOKEN); else straight to the database at DATABASE_URL (how the first admin token is made); else through the running `weft dev` of --dir.',
    );
  const action = (name: 'create' | 'list' | 'revoke') =>
    run.with(async (o: Record<string, unknown>) => {
      const { runToken } = await import('../commands/token.js');
      return runToken(name, { ...o, roles: (o['role'] as string[] | undefined) ?? [], json: Boolean(o['json']) }, processOutput);
    });
  const create = token
    .command('create')
    .description('Creates a token with a role per asset group (viewer, operator or admin; group * for every group) and prints its secret once.')
    .requiredOption('--name <name>', 'a name for the token (the audit log names it token:<name>)')
    .option('--role <group=role>', 'a role on a group, e.g. ingest=operator or "*=viewer" (repeat for more)', collect)
    .option('--expires-in <age>', 'the token expires after this long (90d, 12h); default never');
  examples(jsonOption(remoteOptions(create)), ['DATABASE_URL=postgres://… weft token create --name ops --role "*=admin"', 'weft token create --name oncall --role "*=viewer" --role ingest=operator --url https://weft.example.com']);
  create.action(action('create'));
  const list = token.command('list').description('Lists the tokens (never their secrets): roles, state, last use.');
  examples(jsonOption(remoteOptions(list)), ['weft token list', 'weft token list --url https://weft.example.com --json']);
  list.action(action('list'));
  const revoke = token.command('revoke').description('Revokes a token at once.').requiredOption('--id <id>', 'the token id (`weft token list` shows them)');
  examples(jsonOption(remoteOptions(revoke)), ['weft token revoke --id tok_3f9c0a1b']);
  revoke.action(action('revoke'));
}
