/**
 * Commands that run Weft or work on its database: dev, worker, server, migrate, prune,
 * locations, plugins. Their implementations are imported when they run, so `--help` stays quick.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { processOutput } from '../database.js';
import { OptionError } from '../options.js';
import { examples, jsonOption, portParser } from './common.js';
import type { Runner } from './runner.js';

export function registerLocalCommands(program: Command, run: Runner): void {
  const dev = program
    .command('dev')
    .summary('run the project on the embedded default (for development)')
    .description(
      'Runs the project in one process on the embedded default: the Temporal dev server (state in <state>/temporal.db; ' +
        'a cluster named by TEMPORAL_ADDRESS is used instead), PGlite in <state>/pglite, objects in <state>/objects, a worker with the ' +
        'reconcile loop, and the GraphQL API with the UI on one HTTP port of 127.0.0.1 (written to <state>/dev.json, where the other ' +
        'commands find it). Watches the project (weft.config.ts, the asset modules and the project files they import) and redeploys on save: ' +
        'a new deployment with the new definitions, whose changed code versions reconcile at once; a project that does not load is reported ' +
        'and the running definitions keep serving. Serves until Ctrl-C.',
    )
    .option('--dir <folder>', 'the project folder (holding weft.config.ts)', '.')
    .option('--once', 'exit once every partition has settled, instead of serving (implies --no-watch)', false)
    .option('--no-watch', 'do not watch the project files or redeploy on save')
    .option('--port <port>', 'Temporal dev server gRPC port (default: a free one)', portParser())
    .option('--state <folder>', 'where the state lives (default <dir>/.weft)')
    .option('--http-port <port>', 'port of the GraphQL API and the UI (default: a free one; printed at start)', portParser())
    .option('--auth', 'require API tokens (off by default in dev: every request on 127.0.0.1 is admin)', false);
  examples(dev, ['weft dev --dir examples/readings', 'weft dev --http-port 4000 --auth', 'weft dev --once          # settle everything, then exit (CI)', 'weft dev --no-watch      # keep the definitions loaded at start']);
  dev.action(
    run.with(async (o: { dir: string; once: boolean; watch: boolean; port?: number; state?: string; httpPort?: number; auth: boolean }) => {
      const { runDev } = await import('../commands/dev.js');
      return runDev({ dir: o.dir, once: o.once, watch: o.watch, port: o.port, httpPort: o.httpPort, auth: o.auth, stateDir: o.state === undefined ? undefined : resolve(o.state) });
    }),
  );

  const worker = program
    .command('worker')
    .summary('run a production worker of the project (Temporal cluster, PostgreSQL)')
    .description(
      "Runs a worker of the project's code location: the reconcile loop's planner, materializations and source observation, " +
        'on the Temporal cluster named by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY and TEMPORAL_TLS_* (or `temporal` in ' +
        'weft.config.ts), with the provenance store at DATABASE_URL and the storage and compute providers of weft.config.ts and its plugins. ' +
        'Run as many as you like: they share the work. GET /healthz answers 200 while it runs, GET /readyz 200 once it is connected to ' +
        'Temporal and PostgreSQL and polling (503 otherwise, and while stopping). SIGTERM or SIGINT stop it gracefully: it stops polling, ' +
        'running activities get 30 s to finish (then go back to Temporal and are retried elsewhere), pools close, exit code 0; a second ' +
        'signal stops at once.',
    )
    .option('--dir <folder>', 'the project folder (holding weft.config.ts)', '.')
    .option('--health-host <address>', 'address of the health endpoints', '0.0.0.0')
    .option('--health-port <port>', 'port of the health endpoints (0: a free one, printed)', portParser(true), 8080)
    .option('--objects <folder>', 'keep values in this local folder when the config names no storage (a single machine only)')
    .option('--migrate', 'apply pending database migrations at start (default: refuse to start and say so)', false)
    .option('--db-pool <n>', 'PostgreSQL connections', (v) => Number(v), 10);
  examples(worker, [
    'DATABASE_URL=postgres://weft:…@db:5432/weft TEMPORAL_ADDRESS=temporal:7233 weft worker --dir /app',
    'weft worker --dir /app --health-port 9090   # Kubernetes probes: /healthz (liveness), /readyz (readiness)',
  ]);
  worker.action(
    run.with(async (o: { dir: string; healthHost: string; healthPort: number; objects?: string; migrate: boolean; dbPool: number }) => {
      if (!(Number.isInteger(o.dbPool) && o.dbPool > 0)) throw new OptionError(`--db-pool must be a whole number above 0, got ${o.dbPool}`);
      const { runWorker } = await import('../commands/worker.js');
      return runWorker({ dir: o.dir, healthHost: o.healthHost, healthPort: o.healthPort, objects: o.objects, migrate: o.migrate, dbPool: o.dbPool }, processOutput);
    }),
  );

  const server = program
    .command('server')
    .summary('serve the GraphQL API and the UI in production (PostgreSQL)')
    .description(
      'Serves the GraphQL API at /graphql and the UI on the PostgreSQL store at DATABASE_URL, waking reconcile loops through Temporal ' +
        '(TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS_*: the workers\' settings; without them requests wait for each loop\'s next tick). ' +
        'API tokens are required unless --insecure-no-auth. GET /healthz answers 200 while it runs, GET /readyz 200 when PostgreSQL (and ' +
        'Temporal, when configured) answer. SIGTERM or SIGINT stop it gracefully: not ready at once, no new connections, requests being ' +
        'answered get 10 s, then pools close, exit code 0.',
    )
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('--port <port>', 'port to listen on', portParser(), 4000)
    .option('--insecure-no-auth', 'no API tokens: every request is admin (only behind something else that authenticates)', false)
    .option('--migrate', 'apply pending database migrations at start (default: refuse to start and say so)', false);
  examples(server, ['DATABASE_URL=postgres://… TEMPORAL_ADDRESS=temporal:7233 weft server --port 4000', 'weft token create --name ops --role "*=admin"   # the first admin token, on DATABASE_URL']);
  server.action(
    run.with(async (o: { host: string; port: number; insecureNoAuth: boolean; migrate: boolean }) => {
      const { runServer } = await import('../commands/server.js');
      return runServer({ host: o.host, port: o.port, insecureNoAuth: o.insecureNoAuth, migrate: o.migrate }, processOutput);
    }),
  );

  const migrate = program.command('migrate').summary('apply the database migrations to DATABASE_URL').description('Applies the migrations not applied yet to the PostgreSQL database at DATABASE_URL (concurrent runs wait for each other).');
  examples(jsonOption(migrate), ['DATABASE_URL=postgres://… weft migrate']);
  migrate.action(
    run.with(async (o: { json: boolean }) => {
      const { runMigrate } = await import('../commands/migrate.js');
      return runMigrate(processOutput, o.json);
    }),
  );

  const prune = program
    .command('prune')
    .summary('apply a retention policy to DATABASE_URL')
    .description(
      "Removes old events, superseded materializations (with their input edges), attempts and past check results from DATABASE_URL. Never removes what a partition's current materialization was made from, nor events a planner has not read. Ages look like 30d, 12h, 90m, 45s, 2w.",
    )
    .option('--events <age>', 'events older than this')
    .option('--detail <age>', 'superseded materializations with their input edges, and attempts with their logs, older than this (at least 1h)')
    .option('--checks <age>', 'check results of past data versions older than this')
    .option('--dry-run', 'do the work, report the counts, then roll it all back', false)
    .option('--dir <folder>', "the project: its definitions let a range input keep only its range of a time-partitioned asset");
  examples(jsonOption(prune), ['weft prune --events 30d --detail 90d --checks 30d --dry-run', 'weft prune --events 30d --detail 90d --checks 30d --dir .']);
  prune.action(
    run.with(async (o: { events?: string; detail?: string; checks?: string; dryRun: boolean; dir?: string; json: boolean }) => {
      const { runPrune } = await import('../commands/retention.js');
      return runPrune({ events: o.events, detail: o.detail, checks: o.checks, dryRun: o.dryRun, json: o.json, ...(o.dir === undefined ? {} : { dir: o.dir }) }, processOutput);
    }),
  );

  const locations = program
    .command('locations')
    .summary("list the code locations' planner cursors at DATABASE_URL")
    .description("Lists each code location's planner cursor at DATABASE_URL, the one holding retention back first; --forget removes a gone location's cursor.")
    .option('--forget <location>', 'forget a gone location: retention stops waiting for it (refused if its planner planned in the last 15 minutes)')
    .option('--force', 'with --forget: even if its planner planned recently', false);
  examples(jsonOption(locations), ['weft locations', 'weft locations --forget old-sales']);
  locations.action(
    run.with(async (o: { forget?: string; force: boolean; json: boolean }) => {
      if (o.force && o.forget === undefined) throw new OptionError('--force goes with --forget <location>');
      const { runLocations } = await import('../commands/retention.js');
      return runLocations({ forget: o.forget, force: o.force, json: o.json }, processOutput);
    }),
  );

  const plugins = program
    .command('plugins')
    .summary("list the project's plugins")
    .description("Lists the plugins of the project's weft.config.ts: version, the Weft versions they work with, and what they provide (storage, compute providers, connectors, checks, listeners).")
    .option('--dir <folder>', 'the project folder', '.');
  examples(jsonOption(plugins), ['weft plugins --dir examples/readings', 'weft plugins --json']);
  plugins.action(
    run.with(async (o: { dir: string; json: boolean }) => {
      const { runPlugins } = await import('../commands/plugins.js');
      return runPlugins({ dir: o.dir, json: o.json }, processOutput);
    }),
  );
}
