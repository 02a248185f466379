import type { WeftEvent } from '@weft/core';
import { checkCheckResults, writeCheckResults } from './check-writer.js';
import { lockEvents, partitionId, StorePart } from './context.js';
import { checkFailures, writeFailures } from './failure-writer.js';
import { checkLogLines, writeLogs } from './log-writer.js';
import { writeMaterializations } from './materialization-writer.js';
import { OutcomeGroups } from './outcome-groups.js';
import { writeReleases, writeRestores } from './restore-writer.js';
import type { BatchOutcome, CheckResultInput, FailureInput, MaterializationRecord, OutcomeResult, RecordResult, ReleaseInput } from './types.js';
import { checkInteger, checkStoredText, MAX_INT4 } from './validate.js';

/** Tries of a recording that conflicts with a concurrent writer (see `isRecordingConflict`). */
const RECORDING_ATTEMPTS = 5;

/**
 * Recording what computations did: each call is one transaction (materializations, input edges,
 * partition state, check results, failures, restored tokens and released partitions, with their
 * events), exactly once per token.
 */
export class Recorder extends StorePart {
  /** Outcomes that arrive while another is being written are written together (see outcome-groups.ts). */
  private readonly groups = new OutcomeGroups((outcome) => this.writeOutcome(outcome));

  /**
   * Records successful materializations, exactly once per token, in one transaction: the rows
   * (COPY), one input edge per input (COPY), the partition state, and one
   * `materializations.recorded` event that the log reads back as a `materialization.succeeded`
   * event per materialization (each with its own seq). A token another attempt committed already
   * is skipped and reported as a duplicate: the unique index on token is the final word.
   */
  async recordMaterializations(records: readonly MaterializationRecord[]): Promise<RecordResult> {
    if (records.length === 0) return { committed: [], duplicates: [], events: [] };
    const batch = [...new Map(records.map((r) => [r.token, r])).values()];
    // Optimistic: a token already committed is rare (a retried activity), and makes the COPY fail;
    // then the whole batch is written again, without the tokens found committed. So is a batch that
    // met a partition-state row inserted by a concurrent plan since it looked (the next time it
    // updates it), or that PostgreSQL chose to end a deadlock with a plan.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction((tx) => writeMaterializations(this, tx, records, batch, attempt > 1));
      } catch (error) {
        if (!isRecordingConflict(error) || attempt >= RECORDING_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Records everything one attempt at a batch produced in one transaction (see {@link BatchOutcome}):
   * a crash loses all of it or none, and no plan sees a success without its blocking checks. Every
   * partition of a batch gets an event here: succeeded, failed, restored or released.
   */
  recordOutcome(outcome: BatchOutcome): Promise<OutcomeResult> {
    return this.groups.record(outcome);
  }

  /** {@link recordOutcome} in a transaction of its own (retried on a conflict with a concurrent writer). */
  private async writeOutcome(outcome: BatchOutcome): Promise<OutcomeResult> {
    const records = outcome.materializations ?? [];
    const failures = outcome.failures ?? [];
    const restores = outcome.restore ?? [];
    const releases = outcome.release?.partitions ?? [];
    checkFailures(failures);
    checkCheckResults(outcome.checks ?? []);
    checkLogLines(outcome.logs ?? []);
    for (const r of [...restores, ...releases]) {
      checkStoredText(r.assetKey, 'asset key');
      checkStoredText(r.partitionKey, 'partition key', { assetKey: r.assetKey });
      checkStoredText(r.token, 'token', { assetKey: r.assetKey, partitionKey: r.partitionKey });
    }
    for (const r of releases) {
      const where = { assetKey: r.assetKey, partitionKey: r.partitionKey };
      if (r.attempt != null) checkInteger(r.attempt, 'attempt', where, 1, MAX_INT4);
      for (const [field, value] of [['worker', r.worker], ['workflow id', r.workflowId], ['run id', r.runId]] as const) if (value != null) checkStoredText(value, field, where);
    }
    for (const r of restores) checkInteger(r.inputsAsOf, 'inputsAsOf', { assetKey: r.assetKey, partitionKey: r.partitionKey }, -1, Number.MAX_SAFE_INTEGER);
    const batch = [...new Map(records.map((r) => [r.token, r])).values()];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(async (tx) => {
          const empty: RecordResult = { committed: [], duplicates: [], events: [] };
          // (With materializations, their first statement takes the event lock.)
          if (batch.length === 0) await lockEvents(tx);
          const recorded = batch.length === 0 ? empty : await writeMaterializations(this, tx, records, batch, attempt > 1);
          // Checks belong to what this attempt committed (a duplicate's were recorded by the winner).
          const committed = new Set(recorded.committed);
          const made = new Set(batch.filter((r) => committed.has(r.token)).map((r) => `${partitionId(r.assetKey, r.partitionKey)}\u0000${r.dataVersion}`));
          const checks = (outcome.checks ?? []).filter((c) => made.has(`${partitionId(c.assetKey, c.partitionKey)}\u0000${c.dataVersion}`));
          const checkEvents = await writeCheckResults(this, tx, checks);
          const failureEvents = await writeFailures(this, tx, failures);
          await writeLogs(this.location, tx, outcome.logs ?? []);
          // A token committed by another attempt meanwhile (a race with a zombie attempt, or another
          // code location computing the very same thing): made current here as if found committed.
          const duplicates = new Set(recorded.duplicates);
          const raced = batch.filter((r) => duplicates.has(r.token) && !restores.some((x) => x.token === r.token)).map((r) => ({ assetKey: r.assetKey, partitionKey: r.partitionKey, token: r.token, inputsAsOf: r.inputsAsOf }));
          const restored = await writeRestores(this, tx, [...restores, ...raced]);
          // A token wanted back that could not be restored (a newer plan wants the partition, or its
          // row is gone): given back to the planner rather than left running.
          const restoredTokens = new Set(restored.map((e) => (e as { token: string }).token));
          const unrestored = [...restores, ...raced].filter((r) => !restoredTokens.has(r.token)).map(({ assetKey, partitionKey, token }) => ({ assetKey, partitionKey, token }));
          const releaseEvents = [
            ...(await writeReleases(this, tx, releases, outcome.release?.reason ?? '', outcome.release?.inputsChanged ?? false)),
            ...(await writeReleases(this, tx, unrestored, 'a newer plan wants the partition: the planned token was not restored', false)),
          ];
          return {
            ...recorded,
            events: [...recorded.events, ...checkEvents, ...failureEvents, ...restored, ...releaseEvents],
            restored: [...restoredTokens],
            released: releases.length + unrestored.length,
            failed: failures.length,
          };
        });
      } catch (error) {
        if (!isRecordingConflict(error) || attempt >= RECORDING_ATTEMPTS) throw error;
      }
    }
  }

  /** Gives running partitions back to the planner (their batch ended without an outcome for them). */
  async releasePartitions(partitions: readonly ReleaseInput[], reason: string): Promise<WeftEvent[]> {
    if (partitions.length === 0) return [];
    return [...(await this.recordOutcome({ release: { partitions, reason } })).events];
  }

  /** Records failed attempts: attempts rows, failure groups by fingerprint, partition state and events. */
  async recordFailures(failures: readonly FailureInput[]): Promise<WeftEvent[]> {
    if (failures.length === 0) return [];
    checkFailures(failures);
    return this.db.transaction((tx) => writeFailures(this, tx, failures));
  }

  /** Records check results; a failed blocking check of the current data version marks the partition. */
  async recordCheckResults(results: readonly CheckResultInput[]): Promise<WeftEvent[]> {
    if (results.length === 0) return [];
    checkCheckResults(results);
    return this.db.transaction((tx) => writeCheckResults(this, tx, results));
  }
}

/**
 * Whether `error` refuses a recording that a second try gets right: the unique index on
 * materialization tokens (a token committed by another attempt), the partition-state key (a state
 * row inserted by a concurrent plan after this recording looked for it), or a deadlock.
 */
function isRecordingConflict(error: unknown): boolean {
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (e?.code === '40P01') return true; // a deadlock with a plan writing the same partitions' state: PostgreSQL chose this one
  if (e?.code !== '23505') return false;
  const text = `${String(e.constraint ?? '')} ${String(e.message ?? '')}`;
  return text.includes('weft_materializations_token_key') || text.includes('weft_partition_state_pkey');
}
