/**
 * `weft dev`'s redeploy on save: loads a fresh generation of the project's modules, validates it,
 * and only then swaps workers — a new one with the new definitions (recording a new deployment,
 * whose code versions the planner reconciles at once), then the old one shut down gracefully. A
 * project that does not load (a syntax error, an import that fails, a `DefinitionError`) is
 * reported and the running worker keeps serving the definitions it has: nothing half-deployed.
 */
import { relative, sep } from 'node:path';
import type { NativeConnection } from '@temporalio/worker';
import { catalogOf, loadDefinitions, type Definition } from '@weft/core';
import { deploymentCode, type WeftWorker } from '@weft/workers';
import { loadProject, type Project } from '../project.js';
import { configChanges } from './config-changes.js';
import { startDevWorker, type DevShared } from './dev-worker.js';
import { describeLoadError } from './load-errors.js';
import type { ProjectChange } from './watch-project.js';

/** The project as deployed now. */
export interface Deployed {
  readonly project: Project;
  readonly worker: WeftWorker;
  /** The worker's own connection (closed once the worker is replaced and down). */
  readonly connection: NativeConnection;
}

/** Swaps `weft dev`'s worker for one of the project as it is on disk, one reload at a time. */
export class Redeployer {
  private running: Promise<void> = Promise.resolve();
  private readonly retiring = new Set<Promise<void>>();

  constructor(
    private deployed: Deployed,
    private generation: number,
    private readonly shared: DevShared,
    private readonly log: (line: string) => void,
    /** Called after a redeploy with the sources that are new (to observe them now). */
    private readonly onDeployed: (now: Deployed, addedSources: Definition[]) => Promise<void>,
  ) {}

  /** The project and worker serving now. */
  get current(): Deployed {
    return this.deployed;
  }

  /** Reloads after `changes` (after any reload still under way); resolves when done, never rejects. */
  reload(changes: readonly ProjectChange[]): Promise<void> {
    this.running = this.running.then(() => this.reloadNow(changes)).catch((error: unknown) => this.log(`weft dev: redeploy failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
    return this.running;
  }

  /** Waits for the reload under way and for replaced workers to finish shutting down. */
  async close(): Promise<void> {
    await this.running;
    await Promise.all(this.retiring);
  }

  private async reloadNow(changes: readonly ProjectChange[]): Promise<void> {
    const before = this.deployed;
    const root = before.project.root;
    this.log(`weft dev: ${changes.map((c) => `${c.path} ${c.kind}`).join(', ')}: reloading`);
    const keep = `the worker keeps running deployment ${before.worker.deploymentId} with the definitions it has`;
    let next: Project;
    let codeVersions: Record<string, string>;
    try {
      next = await loadProject(root, { generation: ++this.generation });
      ({ codeVersions } = await deploymentCode(next.definitions, root));
    } catch (error) {
      this.log(`weft dev: not redeployed: ${describeLoadError(error, root)}\n  (${keep}; save a fix to try again)`);
      return;
    }
    const configFile = relative(root, before.project.configPath).split(sep).join('/');
    const config = configChanges(before.project.config, next.config, changes.some((c) => c.path === configFile));
    if (config.needRestart.length > 0) {
      this.log(`weft dev: weft.config.ts changed ${config.needRestart.join(', ')}: restart weft dev for ${config.needRestart.length > 1 ? 'these' : 'this'} to take effect (the running ones stay)`);
    }
    if (config.mayNeedRestart.length > 0) {
      this.log(`weft dev: ${config.mayNeedRestart.join(', ')} in weft.config.ts ${config.mayNeedRestart.length > 1 ? 'are' : 'is'} made once at start: if you changed ${config.mayNeedRestart.length > 1 ? 'them' : 'it'}, restart weft dev`);
    }
    const oldVersions = before.worker.runtime.codeVersions;
    const keys = (defs: readonly Definition[]): Set<string> => new Set(defs.map((d) => d.key));
    const oldKeys = keys(before.project.definitions);
    const newKeys = keys(next.definitions);
    const added = [...newKeys].filter((k) => !oldKeys.has(k));
    const removed = [...oldKeys].filter((k) => !newKeys.has(k));
    const changed = Object.keys(codeVersions).filter((k) => oldKeys.has(k) && oldVersions[k] !== codeVersions[k]);
    const sameCatalog = JSON.stringify(catalogOf(before.worker.runtime.graph)) === JSON.stringify(catalogOf(loadDefinitions(next.definitions)));
    if (changed.length === 0 && added.length === 0 && removed.length === 0 && sameCatalog && config.reloaded.length === 0) {
      this.log(`weft dev: no code version or definition changed: deployment ${before.worker.deploymentId} stays`);
      return;
    }
    let worker: WeftWorker;
    let connection: NativeConnection | undefined;
    try {
      connection = await this.shared.connect();
      worker = await startDevWorker(next, this.shared, connection);
    } catch (error) {
      await connection?.close().catch(() => {});
      this.log(`weft dev: not redeployed: the new worker did not start: ${describeLoadError(error, root)}\n  (${keep})`);
      return;
    }
    this.deployed = { project: next, worker, connection };
    const parts = [
      changed.length > 0 ? `code changed: ${changed.join(', ')}` : undefined,
      added.length > 0 ? `added: ${added.join(', ')}` : undefined,
      removed.length > 0 ? `removed: ${removed.join(', ')}` : undefined,
      changed.length + added.length + removed.length === 0 && !sameCatalog ? 'definitions changed, code versions the same' : undefined,
      config.reloaded.length > 0 ? `config: ${config.reloaded.join(', ')}` : undefined,
    ].filter((p) => p !== undefined);
    // (A deployment is its definitions and code versions: a config-only change keeps its id.)
    const what = worker.deploymentId === before.worker.deploymentId ? `worker restarted on deployment ${worker.deploymentId} (definitions and code versions unchanged)` : `deployment ${worker.deploymentId} (replaces ${before.worker.deploymentId})`;
    this.log(`weft dev: ${what}: ${parts.join('; ')}`);
    if (changed.length > 0) {
      const downstream = downstreamOf(worker, changed).filter((k) => !changed.includes(k));
      this.log(`  reconciling ${changed.join(', ')}${downstream.length > 0 ? ` and downstream ${downstream.join(', ')}` : ''}`);
    }
    const retiring = before.worker
      .shutdown()
      .then(() => before.connection.close())
      .catch((error: unknown) => this.log(`weft dev: the replaced worker did not shut down cleanly: ${String(error)}`));
    this.retiring.add(retiring);
    void retiring.finally(() => this.retiring.delete(retiring));
    const addedSources = next.definitions.filter((d) => d.kind === 'source' && added.includes(d.key));
    await this.onDeployed(this.deployed, addedSources);
  }
}

/** Every asset downstream of `keys`, in the graph's order. */
function downstreamOf(worker: WeftWorker, keys: readonly string[]): string[] {
  const { graph } = worker.runtime;
  const seen = new Set<string>(keys);
  const queue = [...keys];
  while (queue.length > 0) {
    for (const d of graph.node(queue.shift()!).downstream) {
      if (!seen.has(d.assetKey)) {
        seen.add(d.assetKey);
        queue.push(d.assetKey);
      }
    }
  }
  return graph.order.filter((k) => seen.has(k));
}
