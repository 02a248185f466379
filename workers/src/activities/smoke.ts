import type { ObjectStorage } from '@weft/core';

/** Input of the smoke pipeline: how many numbers to produce, and a prefix for its objects. */
export interface SmokeInput {
  readonly runKey: string;
  readonly count: number;
}

/** What the smoke pipeline produced: object URIs (never the data itself) and the checked sum. */
export interface SmokeResult {
  readonly numbersUri: string;
  readonly sumUri: string;
  readonly sum: number;
}

/** Activities of the smoke pipeline, bound to a storage. */
export interface SmokeActivities {
  produceNumbers(input: SmokeInput): Promise<string>;
  sumNumbers(input: { runKey: string; numbersUri: string }): Promise<{ sumUri: string; sum: number }>;
}

/**
 * The smoke pipeline's activities: one writes 1..count as JSON to storage, the other reads it back
 * and writes the sum. It proves a worker, its activities and the storage work together.
 */
export function createSmokeActivities(storage: ObjectStorage): SmokeActivities {
  return {
    async produceNumbers({ runKey, count }) {
      if (!Number.isInteger(count) || count < 1 || count > 10_000_000) {
        throw new RangeError(`smoke pipeline: count must be an integer in 1..10,000,000, got ${count}`);
      }
      const numbers = Array.from({ length: count }, (_, i) => i + 1);
      return storage.put(`smoke/${runKey}/numbers.json`, new TextEncoder().encode(JSON.stringify(numbers)));
    },
    async sumNumbers({ runKey, numbersUri }) {
      const numbers = JSON.parse(new TextDecoder().decode(await storage.get(numbersUri))) as number[];
      const sum = numbers.reduce((a, b) => a + b, 0);
      const sumUri = await storage.put(`smoke/${runKey}/sum.json`, new TextEncoder().encode(JSON.stringify({ sum })));
      return { sumUri, sum };
    },
  };
}
