/** localCompute (computes in the worker process) against the compute conformance suite. */
import { describeComputeConformance } from '@weft/plugin-testkit';
import { localCompute } from '../src/local-compute.js';

describeComputeConformance('local', async () => ({ provider: localCompute() }), { enforcesTimeouts: true, stopWithinMs: 2000 });
