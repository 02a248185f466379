import type { PartitionStatus } from './types.js';

/**
 * Internal per-partition status codes, one byte each in the planner's typed arrays. `MISSING`
 * and `STALE` partitions are ready to run (their token is known); `WAITING` ones wait for an
 * upstream partition to become fresh.
 */
export const S = {
  /** Not evaluated yet (a partition that just came into existence). */
  NEW: 0,
  FRESH: 1,
  MISSING: 2,
  STALE: 3,
  WAITING: 4,
  RUNNING: 5,
  FAILED: 6,
  BLOCKED: 7,
  CHECK_FAILED: 8,
} as const;

export type StatusCode = (typeof S)[keyof typeof S];

/** The public status of an internal code (`materialized` tells a waiting partition stale from missing). */
export function publicStatus(code: number, materialized: boolean): PartitionStatus {
  switch (code) {
    case S.FRESH:
      return 'fresh';
    case S.STALE:
      return 'stale';
    case S.WAITING:
      return materialized ? 'stale' : 'missing';
    case S.RUNNING:
      return 'running';
    case S.FAILED:
      return 'failed';
    case S.BLOCKED:
      return 'blocked';
    case S.CHECK_FAILED:
      return 'check_failed';
    default:
      return 'missing';
  }
}

/** The internal code of a public status, as persisted in snapshots. */
export function isReady(code: number): boolean {
  return code === S.MISSING || code === S.STALE;
}
