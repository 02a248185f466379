/**
 * How the planner applies the outcomes of the batches it started: only an outcome for the token a
 * partition runs ends its run; a success the store did not make current changes nothing; a token
 * restored counts as a success; a released partition is planned again, and one released for stale
 * inputs but wanted with the very same token means the planner disagrees with the store.
 */
import { describe, expect, it } from 'vitest';
import { asset, daily, loadDefinitions, Planner, source, type PlannedBatch, type WeftEvent } from '../../src/index.js';

const NOW = Date.parse('2024-01-04T00:00:00Z');
const hex = (c: string): string => c.repeat(64);

function setup(): { planner: Planner; batch: PlannedBatch; seq: () => number } {
  const raw = source({ key: 'raw', partitions: daily({ start: '2024-01-01' }) });
  const d = asset({ key: 'd', partitions: daily({ start: '2024-01-01' }), inputs: { raw }, compute: ({ raw: bytes }) => bytes.length });
  const graph = loadDefinitions([raw, d]);
  const planner = new Planner(graph, { codeVersions: { d: 'code-1' }, defaultBatchSize: 10 });
  planner.load({ cursor: 0, dynamicKeys: {}, assets: [], requests: [] }, NOW);
  let n = 0;
  const seq = (): number => ++n;
  planner.apply([{ seq: seq(), at: NOW, kind: 'source.observed', assetKey: 'raw', partitions: ['2024-01-01', '2024-01-02', '2024-01-03'].map((k) => ({ partitionKey: k, dataVersion: hex('a') })) }]);
  const [batch] = planner.plan(NOW).batches;
  if (!batch) throw new Error('expected a batch');
  return { planner, batch, seq };
}

const tokenOf = (batch: PlannedBatch, key: string): string => batch.partitions.find((p) => p.partitionKey === key)?.token ?? '';
const running = (planner: Planner): string[] => planner.runningPartitions().map((p) => p.partitionKey).sort();

describe('planner: outcomes of started batches', () => {
  it('records the batch each started partition runs in', () => {
    const { planner, batch } = setup();
    expect(planner.runningPartitions().map((p) => [p.partitionKey, p.token, p.batchId])).toEqual(batch.partitions.map((p) => [p.partitionKey, p.token, batch.id]));
  });

  const cases: Array<{ name: string; events: (s: ReturnType<typeof setup>) => WeftEvent[]; running: string[]; fresh: number }> = [
    {
      name: 'a success of the running token ends the run',
      events: ({ batch, seq }) => [{ seq: seq(), at: NOW, kind: 'materialization.succeeded', assetKey: 'd', partitionKey: '2024-01-01', token: tokenOf(batch, '2024-01-01'), dataVersion: hex('1'), codeVersion: 'code-1', inputsAsOf: 1 }],
      running: ['2024-01-02', '2024-01-03'],
      fresh: 1,
    },
    {
      name: 'a success the store did not make current (an older plan, late) changes nothing',
      events: ({ seq }) => [{ seq: seq(), at: NOW, kind: 'materialization.succeeded', assetKey: 'd', partitionKey: '2024-01-01', token: hex('9'), dataVersion: hex('9'), codeVersion: 'code-0', inputsAsOf: 0, current: false }],
      running: ['2024-01-01', '2024-01-02', '2024-01-03'],
      fresh: 0,
    },
    {
      name: 'a failure of another token (an older attempt) leaves the run in place',
      events: ({ seq }) => [{ seq: seq(), at: NOW, kind: 'materialization.failed', assetKey: 'd', partitionKey: '2024-01-02', token: hex('8'), failureClass: 'actionable', fingerprint: 'f', message: 'old', retryAt: null }],
      running: ['2024-01-01', '2024-01-02', '2024-01-03'],
      fresh: 0,
    },
    {
      name: 'a restored token is the partition current again',
      events: ({ batch, seq }) => [{ seq: seq(), at: NOW, kind: 'materialization.restored', assetKey: 'd', partitionKey: '2024-01-03', token: tokenOf(batch, '2024-01-03'), dataVersion: hex('3'), codeVersion: 'code-1', inputsAsOf: 1, materializationId: 7, checkFailure: null }],
      running: ['2024-01-01', '2024-01-02'],
      fresh: 1,
    },
    {
      name: 'a release of another token is ignored',
      events: ({ seq }) => [{ seq: seq(), at: NOW, kind: 'materialization.released', assetKey: 'd', partitions: [{ partitionKey: '2024-01-01', token: hex('7') }], reason: 'batch ended', inputsChanged: false }],
      running: ['2024-01-01', '2024-01-02', '2024-01-03'],
      fresh: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = setup();
      s.planner.apply(c.events(s));
      expect(s.planner.plan(NOW).batches).toEqual([]);
      expect(running(s.planner)).toEqual(c.running);
      expect(s.planner.summary('d').fresh).toBe(c.fresh);
    });
  }

  it('a restored token carries its failed blocking check', () => {
    const s = setup();
    const token = tokenOf(s.batch, '2024-01-02');
    s.planner.apply([{ seq: s.seq(), at: NOW, kind: 'materialization.restored', assetKey: 'd', partitionKey: '2024-01-02', token, dataVersion: hex('2'), codeVersion: 'code-1', inputsAsOf: 1, materializationId: 3, checkFailure: { check: 'positive', message: 'negative' } }]);
    s.planner.plan(NOW);
    expect(s.planner.state('d', '2024-01-02')).toMatchObject({ status: 'check_failed', reasons: [{ kind: 'check_failed', check: 'positive', message: 'negative' }] });
  });

  it('a released partition (its batch ended) is planned again with the same token', () => {
    const s = setup();
    const token = tokenOf(s.batch, '2024-01-01');
    s.planner.apply([{ seq: s.seq(), at: NOW, kind: 'materialization.released', assetKey: 'd', partitions: [{ partitionKey: '2024-01-01', token }], reason: 'batch ended', inputsChanged: false }]);
    const plan = s.planner.plan(NOW);
    expect(plan.reloadRequired).toBe(false);
    expect(plan.batches.flatMap((b) => b.partitions.map((p) => [p.partitionKey, p.token]))).toEqual([['2024-01-01', token]]);
  });

  it('released for stale inputs: planned again with the new token once the input change is read', () => {
    const s = setup();
    const token = tokenOf(s.batch, '2024-01-01');
    s.planner.apply([
      { seq: s.seq(), at: NOW, kind: 'source.observed', assetKey: 'raw', partitions: [{ partitionKey: '2024-01-01', dataVersion: hex('b') }] },
      { seq: s.seq(), at: NOW, kind: 'materialization.released', assetKey: 'd', partitions: [{ partitionKey: '2024-01-01', token }], reason: 'input raw changed', inputsChanged: true },
    ]);
    const plan = s.planner.plan(NOW);
    expect(plan.reloadRequired).toBe(false);
    const [again] = plan.batches.flatMap((b) => b.partitions);
    expect(again?.partitionKey).toBe('2024-01-01');
    expect(again?.token).not.toBe(token);
  });

  it('released for stale inputs but wanted with the very same token: the planner disagrees with the store and asks for a rebuild', () => {
    const s = setup();
    const token = tokenOf(s.batch, '2024-01-01');
    s.planner.apply([{ seq: s.seq(), at: NOW, kind: 'materialization.released', assetKey: 'd', partitions: [{ partitionKey: '2024-01-01', token }], reason: 'input raw changed', inputsChanged: true }]);
    const plan = s.planner.plan(NOW);
    expect(plan.reloadRequired).toBe(true);
    expect(plan.batches).toEqual([]);
  });

  it('release() gives back running partitions of the given token only', () => {
    const s = setup();
    expect(s.planner.release([{ assetKey: 'd', partitionKey: '2024-01-02', token: tokenOf(s.batch, '2024-01-02') }, { assetKey: 'd', partitionKey: '2024-01-03', token: hex('0') }])).toBe(1);
    expect(running(s.planner)).toEqual(['2024-01-01', '2024-01-03']);
  });
});
