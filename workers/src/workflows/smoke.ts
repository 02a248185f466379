import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { SmokeActivities, SmokeInput, SmokeResult } from '../activities/smoke.js';

const { produceNumbers, sumNumbers } = proxyActivities<SmokeActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['RangeError'] },
});

/**
 * The smoke pipeline: produce numbers → sum them, passing only object URIs between activities.
 * Checks the sum against n(n+1)/2 so a broken storage round trip fails loudly.
 */
export async function smokePipeline(input: SmokeInput): Promise<SmokeResult> {
  const numbersUri = await produceNumbers(input);
  const { sumUri, sum } = await sumNumbers({ runKey: input.runKey, numbersUri });
  const expected = (input.count * (input.count + 1)) / 2;
  if (sum !== expected) {
    throw ApplicationFailure.nonRetryable(`smoke pipeline: sum ${sum} differs from the expected ${expected}`, 'SmokeMismatch');
  }
  return { numbersUri, sumUri, sum };
}
