import type { MaterializationEvent } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { runEventOf, uuidFrom } from '../src/index.js';
import { problemsOf } from './schema.js';

const base: MaterializationEvent = {
  kind: 'start',
  at: Date.parse('2024-03-02T01:02:03.456Z'),
  location: 'lake',
  assetKey: 'daily_totals',
  partitionKey: '2024-03-01',
  token: 'ab'.repeat(32),
  attempt: 1,
  window: { start: Date.parse('2024-03-01T00:00:00Z'), end: Date.parse('2024-03-02T00:00:00Z') },
  codeVersion: 'cd'.repeat(32),
  deploymentId: 'dep-1',
  worker: 'host:42',
  computeProvider: 'default',
  workflowId: 'weft/materialize/lake/daily_totals/x',
  runId: '01a23cf4-6696-72e4-95c5-6a1eef419589',
  inputs: [],
};

describe('RunEvents of materializations', () => {
  it('are valid OpenLineage 2-0-2 for START, COMPLETE (inputs, output version, checks) and FAIL, with every facet valid against its schema', () => {
    const start = runEventOf(base);
    const complete = runEventOf({
      ...base,
      kind: 'complete',
      inputs: [
        { input: 'hours', assetKey: 'readings', isSource: true, partitions: [{ partitionKey: '2024-03-01T00:00', dataVersion: 'ee'.repeat(32) }, { partitionKey: '2024-03-01T01:00', dataVersion: 'ef'.repeat(32) }] },
        { input: 'rates', assetKey: 'fx_rates', isSource: false, partitions: [{ partitionKey: '', dataVersion: '12'.repeat(32) }] },
      ],
      output: { dataVersion: '99'.repeat(32), storageUri: 's3://lake/values/x', bytes: 120 },
      checks: [
        { name: 'positive', passed: true, blocking: true, message: '' },
        { name: 'not_too_big', passed: false, blocking: false, message: 'value 1e9' },
      ],
    });
    const fail = runEventOf({ ...base, kind: 'fail', attempt: 2, error: { message: 'bad row 7', failureClass: 'actionable', fingerprint: '0123456789abcdef', stack: 'Error: bad row 7\n    at compute' } });
    for (const e of [start, complete, fail]) expect(problemsOf(e)).toEqual([]);
    expect(start).toMatchObject({ eventType: 'START', eventTime: '2024-03-02T01:02:03.456Z', job: { namespace: 'weft://lake', name: 'daily_totals' }, outputs: [{ name: 'daily_totals', facets: { weft_partition: { partitionKey: '2024-03-01' } } }] });
    // START and COMPLETE of one attempt are one run; another attempt is another run.
    expect(complete.run.runId).toBe(start.run.runId);
    expect(fail.run.runId).not.toBe(start.run.runId);
    expect(start.run.runId).toBe(uuidFrom(`lake/${'ab'.repeat(32)}/1`));
    expect(start.run.facets).toMatchObject({ parent: { run: { runId: base.runId }, job: { namespace: 'weft://lake', name: base.workflowId } }, nominalTime: { nominalStartTime: '2024-03-01T00:00:00.000Z', nominalEndTime: '2024-03-02T00:00:00.000Z' } });
    expect(complete).toMatchObject({
      inputs: [
        { name: 'readings', facets: { weft_read: { input: 'hours', isSource: true } } },
        { name: 'fx_rates', facets: { version: { datasetVersion: '12'.repeat(32) } } },
      ],
      outputs: [{ facets: { version: { datasetVersion: '99'.repeat(32) }, dataQualityAssertions: { assertions: [{ assertion: 'positive', success: true, severity: 'error' }, { assertion: 'not_too_big', success: false, severity: 'warn', actual: 'value 1e9' }] } } }],
    });
    expect(fail.run.facets).toMatchObject({ errorMessage: { message: 'bad row 7', programmingLanguage: 'TypeScript', stackTrace: expect.stringContaining('at compute') }, weft_failure: { failureClass: 'actionable' } });
  });

  it('the validator refuses what the spec refuses (it can fail)', () => {
    const bad = runEventOf(base) as Record<string, unknown>;
    expect(problemsOf({ ...bad, eventTime: 'yesterday' }).join('\n')).toMatch(/eventTime: must match format "date-time"/);
    expect(problemsOf({ ...bad, run: { runId: 'not-a-uuid' } }).join('\n')).toMatch(/runId: must match format "uuid"/);
    const facets = (bad['run'] as { facets: Record<string, Record<string, unknown>> }).facets;
    expect(problemsOf({ ...bad, run: { ...(bad['run'] as object), facets: { ...facets, nominalTime: { ...facets['nominalTime'], nominalStartTime: undefined } } } }).join('\n')).toMatch(/nominalTime.*nominalStartTime/);
  });
});
