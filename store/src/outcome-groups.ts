/**
 * Group commit of batch outcomes. Every recording takes the event lock, so recordings of one
 * process wait for each other anyway; outcomes that arrive while one is being written are written
 * together in the next transaction (one lock, one round of statements and one commit for all of
 * them) and each caller gets its own part of the result, exactly what recording it alone would
 * have given. Only outcomes that touch different partitions and tokens are grouped (so the order
 * they are written in cannot matter), and a group that fails is written again one outcome at a
 * time, so one batch's bad record fails that batch alone.
 */
import type { WeftEvent } from '@weft/core';
import { partitionId } from './context.js';
import type { BatchOutcome, OutcomeResult } from './types.js';

/** Most outcomes written in one transaction. */
const MAX_GROUP = 16;
/** Most materializations written in one transaction (a larger outcome is written alone). */
const MAX_GROUP_RECORDS = 5000;

interface Waiting {
  readonly outcome: BatchOutcome;
  readonly keys: ReadonlySet<string>;
  readonly resolve: (result: OutcomeResult) => void;
  readonly reject: (error: unknown) => void;
}

/** The partitions and tokens an outcome touches (grouped outcomes share none). */
function touched(outcome: BatchOutcome): Set<string> {
  const keys = new Set<string>();
  const add = (assetKey: string, partitionKey: string, token?: string): void => {
    keys.add(`p\u0000${partitionId(assetKey, partitionKey)}`);
    if (token !== undefined) keys.add(`t\u0000${token}`);
  };
  for (const r of outcome.materializations ?? []) add(r.assetKey, r.partitionKey, r.token);
  for (const f of outcome.failures ?? []) add(f.assetKey, f.partitionKey, f.token);
  for (const r of outcome.restore ?? []) add(r.assetKey, r.partitionKey, r.token);
  for (const c of outcome.checks ?? []) add(c.assetKey, c.partitionKey);
  return keys;
}

/** Whether an outcome may share a transaction (one that releases partitions carries its own reason). */
function groupable(outcome: BatchOutcome): boolean {
  return (outcome.release?.partitions.length ?? 0) === 0 && (outcome.materializations?.length ?? 0) <= MAX_GROUP_RECORDS;
}

/** The outcomes of a group as one. */
function merged(outcomes: readonly BatchOutcome[]): BatchOutcome {
  return {
    logs: outcomes.flatMap((o) => o.logs ?? []),
    materializations: outcomes.flatMap((o) => o.materializations ?? []),
    checks: outcomes.flatMap((o) => o.checks ?? []),
    failures: outcomes.flatMap((o) => o.failures ?? []),
    restore: outcomes.flatMap((o) => o.restore ?? []),
  };
}

/** One outcome's part of its group's result. */
function partOf(result: OutcomeResult, outcome: BatchOutcome, keys: ReadonlySet<string>): OutcomeResult {
  const tokens = new Set((outcome.materializations ?? []).map((r) => r.token));
  const duplicates = result.duplicates.filter((t) => tokens.has(t));
  const restores = new Set((outcome.restore ?? []).map((r) => r.token));
  // Tokens another attempt committed meanwhile are restored too (see recordOutcome).
  for (const t of duplicates) restores.add(t);
  const restored = result.restored.filter((t) => restores.has(t));
  const event = (e: WeftEvent): boolean => {
    const { assetKey, partitionKey } = e as { assetKey?: string; partitionKey?: string };
    return assetKey === undefined || partitionKey === undefined || keys.has(`p\u0000${partitionId(assetKey, partitionKey)}`);
  };
  return {
    committed: result.committed.filter((t) => tokens.has(t)),
    duplicates,
    events: result.events.filter(event),
    ...(result.notCurrent ? { notCurrent: result.notCurrent.filter((t) => tokens.has(t)) } : {}),
    restored,
    // Without releases of its own, what an outcome releases is what it wanted restored and could not.
    released: restores.size - restored.length,
    failed: outcome.failures?.length ?? 0,
  };
}

/** Writes outcomes through `write` (one transaction each call), grouping those that wait. */
export class OutcomeGroups {
  private readonly waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly write: (outcome: BatchOutcome) => Promise<OutcomeResult>) {}

  /** Records `outcome`: at once when nothing is being written, else with the others waiting. */
  record(outcome: BatchOutcome): Promise<OutcomeResult> {
    if (!groupable(outcome)) return this.write(outcome);
    return new Promise<OutcomeResult>((resolve, reject) => {
      this.waiting.push({ outcome, keys: touched(outcome), resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.waiting.length > 0) await this.writeGroup(this.takeGroup());
    } finally {
      this.writing = false;
    }
  }

  /** The longest run of waiting outcomes (in arrival order) that share no partition or token. */
  private takeGroup(): Waiting[] {
    const group: Waiting[] = [];
    const seen = new Set<string>();
    let records = 0;
    for (const w of this.waiting) {
      const n = w.outcome.materializations?.length ?? 0;
      if (group.length > 0 && (group.length >= MAX_GROUP || records + n > MAX_GROUP_RECORDS || [...w.keys].some((k) => seen.has(k)))) break;
      group.push(w);
      records += n;
      for (const k of w.keys) seen.add(k);
    }
    this.waiting.splice(0, group.length);
    return group;
  }

  private async writeGroup(group: readonly Waiting[]): Promise<void> {
    if (group.length > 1) {
      let result: OutcomeResult | undefined;
      try {
        result = await this.write(merged(group.map((w) => w.outcome)));
      } catch {
        // Written again one at a time below: each caller gets its own result, or its own error.
      }
      if (result) {
        for (const w of group) w.resolve(partOf(result, w.outcome, w.keys));
        return;
      }
    }
    for (const w of group) {
      try {
        w.resolve(await this.write(w.outcome));
      } catch (error) {
        w.reject(error);
      }
    }
  }
}
