/** Test helpers: partition contexts with an explicit clock. */
import type { PartitionContext, PartitionKey } from '../../../src/partitions/types.js';

/** A context whose clock reads `now` (an ISO instant or epoch ms) and whose dynamic sets are `dynamic`. */
export function at(now: string | number, dynamic: Record<string, readonly PartitionKey[]> = {}): PartitionContext {
  return { now: typeof now === 'number' ? now : Date.parse(now), dynamicKeys: (name) => dynamic[name] ?? [] };
}

/** Epoch ms of an ISO instant. */
export function ms(iso: string): number {
  const value = Date.parse(iso);
  if (Number.isNaN(value)) throw new Error(`bad instant in test: ${iso}`);
  return value;
}

/** A window as ISO instants, for readable expectations. */
export function iso(window: { start: number; end: number }): { start: string; end: string } {
  return { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() };
}

/** Milliseconds in an hour. */
export const HOUR = 3_600_000;
