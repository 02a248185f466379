import { run } from '../exec.js';
import { ensureGoTool, findGoTool, type GoToolSpec, type LocatedTool } from './go-tool.js';

/**
 * The Temporal CLI, whose `temporal server start-dev` is the dev server used by `weft dev` and the
 * tests. v1.5.1 is the newest release that `go install` can build (later tags use replace directives).
 */
export const TEMPORAL_CLI: GoToolSpec = {
  tool: 'Temporal CLI',
  binary: 'temporal',
  goPackage: 'github.com/temporalio/cli/cmd/temporal',
  version: 'v1.5.1',
  envVar: 'TEMPORAL_CLI_PATH',
};

/** Finds the Temporal CLI (TEMPORAL_CLI_PATH, PATH, cache), building it when missing. */
export function ensureTemporalCli(): Promise<LocatedTool> {
  return ensureGoTool(TEMPORAL_CLI);
}

/** Finds the Temporal CLI without building it. */
export function findTemporalCli(): LocatedTool | undefined {
  return findGoTool(TEMPORAL_CLI);
}

/** The version line the binary prints, e.g. `temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)`. */
export async function temporalVersion(path: string): Promise<string> {
  return (await run(path, ['--version'])).trim();
}
