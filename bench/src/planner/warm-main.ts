/**
 * Runs the planner benchmark's warm path in a process of its own, so that its peak RSS is the
 * planner's (with its state) and not the benchmark runner's (every benchmark's modules, the cold
 * path's PostgreSQL client). Progress goes to stderr, the result as one JSON line to stdout.
 *
 *   tsx bench/src/planner/warm-main.ts <partitions per asset> <snapshot file>
 */
import { loadDefinitions } from '@weft/core';
import { plannerGraph } from './graph.js';
import { warmPlans, type WarmResult } from './warm-plan.js';

/** A {@link WarmResult} as JSON carries it, with the problems its checks found. */
export type WarmOutput = Omit<WarmResult, 'started'> & { readonly started: string[]; readonly problems: string[] };

function main(): void {
  const [scaleArg, path] = process.argv.slice(2);
  const scale = Number(scaleArg);
  if (!Number.isSafeInteger(scale) || !path) throw new Error('usage: warm-main.ts <partitions per asset> <snapshot file>');
  const graph = loadDefinitions(plannerGraph(scale));
  const codeVersions = Object.fromEntries(graph.order.map((k) => [k, 'v1']));
  const problems: string[] = [];
  const result = warmPlans(graph, path, scale, codeVersions, (line) => void process.stderr.write(`[planner] ${line}\n`), problems);
  const output: WarmOutput = { ...result, started: [...result.started], problems };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main();
