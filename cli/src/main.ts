import { parseArgs } from 'node:util';
import { runDev } from './commands/dev.js';

const USAGE = `weft — a durable, partition-aware asset orchestrator

Usage: weft <command> [options]

Commands:
  dev      run Weft on the embedded default: Temporal dev server, PGlite and a local object
           folder under .weft/ (options: --dir <project folder>, --once, --port <temporal gRPC port>)
  help     show this help
`;

/** Runs the `weft` command line and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'dev': {
        const { values } = parseArgs({
          args: [...rest],
          options: { dir: { type: 'string' }, once: { type: 'boolean', default: false }, port: { type: 'string' } },
          strict: true,
        });
        const port = values.port === undefined ? undefined : Number(values.port);
        if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
          throw new UsageError(`--port must be a TCP port number, got ${JSON.stringify(values.port)}`);
        }
        return await runDev({ dir: values.dir ?? process.cwd(), once: values.once ?? false, port });
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
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`weft: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`weft: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

/** A mistake in the command line: printed with the usage, exit code 2. */
class UsageError extends Error {}
