import { randomBytes } from 'node:crypto';
import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';
import { sourceDataVersion, type PartitionKey, type PlannerRequest, type ReportedVersion, type WeftEvent } from '@weft/core';
import { type ProvenanceStore } from '@weft/store';
import { reconcileWorkflowId, type WakeReason } from './workflows/ids.js';
import type { ReconcileView } from './workflows/reconcile.js';

/** Talks to a code location from outside its workers: push source changes, submit requests, read the loop's view. */
export class WeftClient {
  constructor(
    private readonly options: { readonly store: ProvenanceStore; readonly client: Client; readonly location: string; readonly taskQueue: string },
  ) {}

  /** Wakes the reconcile loop (starting it if it is not running). */
  async wake(reason: WakeReason): Promise<void> {
    await this.options.client.workflow.signalWithStart('reconcile', {
      taskQueue: this.options.taskQueue,
      workflowId: reconcileWorkflowId(this.options.location),
      args: [{ location: this.options.location }],
      signal: 'wake',
      signalArgs: [reason],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
  }

  /**
   * The push call: "these source partitions changed", with the versions their system reports
   * (ETag, checksum, mtime+size). Changed versions are recorded and the loop is woken at once.
   */
  async reportSourceChange(sourceKey: string, partitions: ReadonlyArray<{ partitionKey: PartitionKey; version: ReportedVersion }>): Promise<WeftEvent[]> {
    const events = await this.options.store.recordSourceObservations(
      sourceKey,
      partitions.map((p) => ({ partitionKey: p.partitionKey, dataVersion: sourceDataVersion(p.version), reported: p.version })),
    );
    if (events.length > 0) await this.wake('source_observed');
    return events;
  }

  /** Submits a request (materialize, backfill, retry); it is durable in the store. Returns its id. */
  async request(request: Omit<PlannerRequest, 'id' | 'priority'> & { id?: string; priority?: number }, requestedBy: string | null = null): Promise<string> {
    const id = request.id ?? `req-${randomBytes(6).toString('hex')}`;
    await this.options.store.submitRequest({ id, action: request.action, assetKey: request.assetKey, partitionKeys: request.partitionKeys, priority: request.priority ?? 0 }, requestedBy);
    await this.wake('request');
    return id;
  }

  /** The reconcile loop's current view (its query). */
  view(): Promise<ReconcileView> {
    return this.options.client.workflow.getHandle(reconcileWorkflowId(this.options.location)).query<ReconcileView>('view');
  }
}
