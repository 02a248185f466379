import type { ResolvedInput } from '../definitions/graph.js';
import { computeToken, type TokenInput } from '../hashing/token.js';
import type { MappingContext } from '../partitions/mappings/types.js';
import type { RangeSet } from '../partitions/sets/range-set.js';
import type { PartitionContext } from '../partitions/types.js';
import type { AssetIndex } from './asset-index.js';
import type { InputReader } from './input-reader.js';
import { S, type StatusCode } from './status-codes.js';
import { tokenInput, type RangeTrees } from './token-inputs.js';

/** What evaluation needs besides the asset: its upstream indexes, the moment and the cursor. */
export interface EvaluationEnv {
  readonly ctx: PartitionContext;
  readonly now: number;
  readonly cursor: number;
  readonly trees: RangeTrees;
  /** Work counters (tokens hashed), for benchmarks and tests of incrementality. */
  readonly stats: PlannerStats;
  index(assetKey: string): AssetIndex;
  mappingContext(input: ResolvedInput, downstream: AssetIndex): MappingContext;
  /** Readers of the inputs of `index`, in the order of `index.node.inputs`, for this context. */
  readers(index: AssetIndex): readonly InputReader[];
}

/** How one upstream partition stands for a downstream input. */
export const UPSTREAM = { FRESH: 0, WAITING: 1, BLOCKED: 2 } as const;

/** Classifies upstream partition `u` as seen by `input`: usable, still to come, or blocking. */
export function upstreamState(up: AssetIndex, u: number, input: ResolvedInput): number {
  const s = up.status[u];
  if (s === S.FRESH) return UPSTREAM.FRESH;
  if (s === S.CHECK_FAILED) return input.respectBlockingChecks ? UPSTREAM.BLOCKED : UPSTREAM.FRESH;
  if (s === S.FAILED || s === S.BLOCKED) return UPSTREAM.BLOCKED;
  // A source partition that was never observed will not appear by itself: it is missing.
  if (up.isSource) return UPSTREAM.BLOCKED;
  return UPSTREAM.WAITING;
}

/** Work the planner did since it was created. */
export interface PlannerStats {
  /** Partitions whose status was (re)evaluated. */
  evaluated: number;
  /** Tokens computed (each a sha256 over the partition's inputs). */
  tokens: number;
}

/** An input of a partition with the upstream partitions it reads. */
export interface InputRead {
  readonly input: ResolvedInput;
  readonly up: AssetIndex;
  readonly existing: RangeSet;
}

/** The token of partition `i` of `index` given what its inputs read (current code version). */
export function tokenOf(index: AssetIndex, i: number, reads: readonly InputRead[], env: EvaluationEnv): string {
  return tokenOfInputs(index, i, tokenInputsOf(reads, env), env);
}

/** The token inputs of what a partition's inputs read (in the order of `reads`). */
export function tokenInputsOf(reads: readonly InputRead[], env: Pick<EvaluationEnv, 'ctx' | 'trees'>): TokenInput[] {
  return reads.map(({ input, up, existing }) => tokenInput(input, up, existing, env.ctx, env.trees));
}

/** The token of partition `i` of `index` from its token inputs (see {@link tokenInputsOf}; current code version). */
export function tokenOfInputs(index: AssetIndex, i: number, inputs: readonly TokenInput[], env: Pick<EvaluationEnv, 'ctx' | 'stats'>): string {
  const def = index.definition;
  env.stats.tokens++;
  return computeToken({ assetKey: index.node.key, codeVersion: index.currentCodeVersion, partitionKey: def.kind === 'unpartitioned' ? null : def.keyAt(i, env.ctx), inputs });
}

/**
 * The token of ready partition `i`: the one evaluation recorded, or, for a partition recorded
 * without one (see {@link evaluatePartition}), computed now from what its inputs read.
 */
export function readyToken(index: AssetIndex, i: number, env: EvaluationEnv): string | undefined {
  const token = index.ready.get(i);
  if (token !== null) return token;
  const reads = readsOf(index, i, env);
  return reads === undefined ? undefined : tokenOf(index, i, reads, env);
}

/** What partition `i` reads, or undefined when a required upstream partition is missing. */
export function readsOf(index: AssetIndex, i: number, env: EvaluationEnv): InputRead[] | undefined {
  const reads: InputRead[] = [];
  for (const reader of env.readers(index)) {
    if (!reader.read(i)) return undefined;
    reads.push({ input: reader.input, up: reader.up, existing: reader.existing() });
  }
  return reads;
}

/**
 * The status of partition `i` of a (non-source) asset, computing its token only when its inputs
 * or code may have changed since it was last verified. Ready partitions get their token recorded
 * in `index.ready`; a partition never materialized and never failed gets `null` there instead (no
 * token to compare its own with: it is computed once, when the partition is picked, together with
 * the input hashes its batch carries; a first backfill of a million partitions hashes each once).
 */
export function evaluatePartition(index: AssetIndex, i: number, env: EvaluationEnv): StatusCode {
  if (index.running.size > 0 && index.running.has(i)) return S.RUNNING;
  const previous = index.status[i];
  let candidate = index.materialized[i] !== 1 || index.codeVersionId[i] !== index.currentCodeId || (previous !== S.FRESH && previous !== S.CHECK_FAILED);
  let waiting = false;
  const verifiedSeq = index.verifiedSeq[i] as number;
  // A scan of what the inputs read, without allocating: most partitions evaluated are fresh or waiting.
  for (const reader of env.readers(index)) {
    if (!reader.read(i)) return S.BLOCKED;
    const { up, input, bounds } = reader;
    for (let k = 0; k < reader.rangeCount; k++) {
      const b = bounds[2 * k + 1] as number;
      for (let u = bounds[2 * k] as number; u < b; u++) {
        const state = upstreamState(up, u, input);
        if (state === UPSTREAM.BLOCKED) return S.BLOCKED;
        if (state === UPSTREAM.WAITING) waiting = true;
        else if ((up.changedSeq[u] as number) > verifiedSeq) candidate = true;
      }
    }
  }
  if (waiting) return S.WAITING;
  const checkFailed = index.checkFailures.size > 0 && index.checkFailures.has(i);
  if (!candidate) return checkFailed ? S.CHECK_FAILED : S.FRESH;
  if (index.materialized[i] !== 1 && !index.failures.has(i)) {
    // (Settled statuses hold until an upstream changes, and a change re-evaluates the partition:
    // the token computed when it is picked is the one computed now.)
    index.ready.set(i, null);
    return S.MISSING;
  }

  const reads = readsOf(index, i, env) as InputRead[];
  const token = tokenOf(index, i, reads, env);
  if (index.tokenEquals(i, token)) {
    index.verifiedSeq[i] = env.cursor;
    return checkFailed ? S.CHECK_FAILED : S.FRESH;
  }
  const failure = index.failures.get(i);
  if (failure && failure.token === token && !index.retryRequested.has(i)) {
    if (failure.failureClass === 'actionable') return S.FAILED;
    if (failure.retryAt !== null && failure.retryAt > env.now) return S.FAILED;
  }
  index.ready.set(i, token);
  return index.materialized[i] === 1 ? S.STALE : S.MISSING;
}
