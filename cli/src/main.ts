import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WeftError } from '@weft/core';
import { runDev } from './commands/dev.js';
import { runMigrate } from './commands/migrate.js';
import { runServer } from './commands/server.js';
import { runToken } from './commands/token.js';
import { runPlugins } from './commands/plugins.js';
import { runLocations, runPrune } from './commands/retention.js';
import { processOutput } from './database.js';
import { OptionError } from './options.js';
import { formatStatus, type StatusReport } from './status.js';

const USAGE = `weft — a durable, partition-aware asset orchestrator

Usage: weft <command> [options]

Commands:
  dev       run the project on the embedded default: Temporal dev server, PGlite and local
            object storage under .weft/, with a worker and the reconcile loop
            options: --dir <project folder> (default .), --once (exit when settled),
                     --port <Temporal gRPC port>, --state <state folder> (default <dir>/.weft),
                     --http-port <GraphQL API port> (default a free one; printed at start),
                     --auth (require API tokens; off by default in dev)
  server    serve the GraphQL API at /graphql on the PostgreSQL store at DATABASE_URL, waking
            reconcile loops through Temporal (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS_*)
            options: --host <address> (default 0.0.0.0), --port <port> (default 4000),
                     --insecure-no-auth (no API tokens: every request is admin)
  token     API tokens at DATABASE_URL: create --name <name> --role <group>=<role> [--role …]
            (roles viewer, operator, admin; group * for every group), list, revoke --id <id>
  status    print each asset's partitions by state, asking the running \`weft dev\`
            options: --dir <project folder>, --state <state folder>
  plugins   list the project's plugins: version, the Weft versions they work with, what they
            provide (storage, compute providers, connectors, checks)
            options: --dir <project folder> (default .), --json
  migrate   apply the database migrations to DATABASE_URL
  prune     apply a retention policy to DATABASE_URL; never removes what a partition's current
            materialization was made from, nor events a planner has not read
            options: --events <age> (events older than this), --detail <age> (superseded
                     materializations with their input edges, and attempts), --checks <age>
                     (check results of past data versions; --detail 1h at least), --dry-run
                     (does the work, reports the counts, then rolls it all back),
                     --dir <project folder> (its definitions let a range input keep only its
                     range of a time-partitioned asset, not the whole asset);
                     ages like 30d, 12h, 90m, 45s, 2w
  locations list each code location's planner cursor at DATABASE_URL, the one holding
            retention back first
            options: --forget <location> (a gone location: retention stops waiting for it;
                     refused if its planner planned in the last 15 minutes, unless --force)
  help      show this help
`;

/** A mistake in the command line: printed with the usage, exit code 2. */
class UsageError extends Error {}

function port(value: string | undefined, flag = '--port'): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isInteger(n) && n > 0 && n < 65536)) throw new UsageError(`${flag} must be a TCP port number, got ${JSON.stringify(value)}`);
  return n;
}

/** Runs the `weft` command line and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'dev': {
        const { values } = parseArgs({
          args: [...rest],
          options: { dir: { type: 'string' }, once: { type: 'boolean', default: false }, port: { type: 'string' }, state: { type: 'string' }, 'http-port': { type: 'string' }, auth: { type: 'boolean', default: false } },
          strict: true,
        });
        return await runDev({
          dir: values.dir ?? process.cwd(),
          once: values.once ?? false,
          port: port(values.port),
          httpPort: port(values['http-port'], '--http-port'),
          auth: values.auth ?? false,
          stateDir: values.state === undefined ? undefined : resolve(values.state),
        });
      }
      case 'server': {
        const { values } = parseArgs({ args: [...rest], options: { host: { type: 'string' }, port: { type: 'string' }, 'insecure-no-auth': { type: 'boolean', default: false } }, strict: true });
        return await runServer({ host: values.host, port: port(values.port), insecureNoAuth: values['insecure-no-auth'] ?? false }, processOutput);
      }
      case 'token': {
        const { values, positionals } = parseArgs({ args: [...rest], allowPositionals: true, options: { name: { type: 'string' }, role: { type: 'string', multiple: true }, id: { type: 'string' } }, strict: true });
        return await runToken(positionals[0], { name: values.name, roles: values.role ?? [], id: values.id }, processOutput);
      }
      case 'status': {
        const { values } = parseArgs({ args: [...rest], options: { dir: { type: 'string' }, state: { type: 'string' } }, strict: true });
        const stateDir = values.state ?? join(values.dir ?? process.cwd(), '.weft');
        let info: { url: string };
        try {
          info = JSON.parse(readFileSync(join(stateDir, 'dev.json'), 'utf8')) as { url: string };
        } catch {
          process.stderr.write(`weft status: no running \`weft dev\` found (no ${join(stateDir, 'dev.json')}); start one with \`weft dev\`\n`);
          return 1;
        }
        const response = await fetch(`${info.url}/status`).catch(() => undefined);
        if (!response?.ok) {
          process.stderr.write(`weft status: the \`weft dev\` at ${info.url} does not answer; is it still running?\n`);
          return 1;
        }
        process.stdout.write(`${formatStatus((await response.json()) as StatusReport)}\n`);
        return 0;
      }
      case 'plugins': {
        const { values } = parseArgs({ args: [...rest], options: { dir: { type: 'string' }, json: { type: 'boolean', default: false } }, strict: true });
        return await runPlugins({ dir: values.dir ?? process.cwd(), json: values.json ?? false }, processOutput);
      }
      case 'migrate':
        parseArgs({ args: [...rest], options: {}, strict: true });
        return await runMigrate();
      case 'prune': {
        const { values } = parseArgs({
          args: [...rest],
          options: { events: { type: 'string' }, detail: { type: 'string' }, checks: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, dir: { type: 'string' } },
          strict: true,
        });
        return await runPrune({ events: values.events, detail: values.detail, checks: values.checks, dryRun: values['dry-run'] ?? false, ...(values.dir === undefined ? {} : { dir: values.dir }) }, processOutput);
      }
      case 'locations': {
        const { values } = parseArgs({ args: [...rest], options: { forget: { type: 'string' }, force: { type: 'boolean', default: false } }, strict: true });
        if (values.force && values.forget === undefined) throw new UsageError('--force goes with --forget <location>');
        return await runLocations({ forget: values.forget, force: values.force ?? false }, processOutput);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 1 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof OptionError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`weft: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof WeftError) {
      process.stderr.write(`weft: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`weft: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
