/**
 * What a plugin hears of materializations (OpenLineage emitters, notifications, metrics): one
 * `start` per partition attempt, then its `complete` or `fail`. Listeners run beside the work and
 * never decide it: a listener that throws or hangs is logged and left behind, the partition goes on.
 */
import type { FailureClass } from '../errors.js';
import type { TimeWindow } from '../partitions/types.js';

/** One input partition a materialization read. */
export interface ListenedInput {
  readonly input: string;
  readonly assetKey: string;
  /** Whether the upstream is a source (observed, never computed). */
  readonly isSource: boolean;
  readonly partitions: ReadonlyArray<{ readonly partitionKey: string; readonly dataVersion: string | null }>;
}

/** A moment in one partition attempt's life. */
export interface MaterializationEvent {
  readonly kind: 'start' | 'complete' | 'fail';
  /** Epoch ms. */
  readonly at: number;
  readonly location: string;
  readonly assetKey: string;
  readonly partitionKey: string;
  /** The materialization's token (hex): one run of the asset's code on these inputs. */
  readonly token: string;
  /** Temporal's activity attempt. */
  readonly attempt: number;
  readonly window: TimeWindow | undefined;
  readonly codeVersion: string;
  readonly deploymentId: string;
  readonly worker: string;
  readonly computeProvider: string;
  /** The materialize workflow running the batch (the parent run). */
  readonly workflowId: string | null;
  readonly runId: string | null;
  /** What it read (complete; empty on start and usually on fail). */
  readonly inputs: readonly ListenedInput[];
  /** What it made (complete). */
  readonly output?: { readonly dataVersion: string; readonly storageUri: string | null; readonly bytes: number | null };
  /** Its checks (complete). */
  readonly checks?: ReadonlyArray<{ readonly name: string; readonly passed: boolean; readonly blocking: boolean; readonly message: string }>;
  /** Why it failed (fail). */
  readonly error?: { readonly message: string; readonly failureClass: FailureClass; readonly fingerprint: string; readonly stack?: string };
}

/** A listener a plugin provides. */
export interface MaterializationListener {
  readonly name: string;
  /** Called for every event, in order per partition; may be async (awaited with a time limit, in the background). */
  onEvent(event: MaterializationEvent): void | Promise<void>;
  /** Flushes what it holds; called when the worker stops. */
  close?(): Promise<void>;
}
