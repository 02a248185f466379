import { describe, expect, it } from 'vitest';
import { asset, check, input, self, source } from '../../src/definitions/index.js';
import { DefinitionError, UserCodeError } from '../../src/errors.js';
import { materialize, type MaterializeOptions, type MaterializeResult } from '../../src/materialize/index.js';
import { jsonCodec } from '../../src/hashing/index.js';
import { daily, multiPartitions, staticPartitions } from '../../src/partitions/definitions/index.js';
import { offset } from '../../src/partitions/mappings/index.js';
import type { ComputeContext } from '../../src/definitions/index.js';
import { at, dayKeys, pipeline, readingValues } from './pipeline.js';

const runsOf = (result: MaterializeResult): string[] => result.runs.map((r) => `${r.assetKey}/${r.partitionKey}`);
const sorted = (xs: string[]): string[] => [...xs].sort();

describe('materialize() on a small pipeline', () => {
  it('runs a monthly rollup and every day it needs, and nothing else', async () => {
    const { all } = pipeline();
    // Readings for January and two days of February; February days exist at `now` but are not asked for.
    const result = await materialize(all, { partitions: { monthly_total: ['2024-01'] }, sources: { readings: readingValues(33 * 24) }, now: at('2024-02-03T00:00:00Z') });
    expect(sorted(runsOf(result))).toEqual(sorted([...dayKeys('2024-01-01', 31).map((d) => `daily_total/${d}`), 'monthly_total/2024-01']));
    expect(result.runs.every((r) => r.status === 'succeeded' && /^[0-9a-f]{64}$/.test(r.dataVersion ?? ''))).toBe(true);
    expect(result.failures).toEqual([]);
    // Upstream runs before downstream.
    expect(runsOf(result).at(-1)).toBe('monthly_total/2024-01');
    expect(result.value('monthly_total', '2024-01')).toEqual({ days: 31, total: 744 });
    expect(result.value('daily_total', '2024-01-15')).toBe(24);
    expect(result.value('readings', '2024-01-15T03:00')).toBe(1);
    expect(result.state('monthly_total', '2024-01')).toEqual({ status: 'fresh', reasons: [] });
    expect(result.state('daily_total', '2024-01-31')).toEqual({ status: 'fresh', reasons: [] });
    expect(result.state('daily_total', '2024-02-01')).toEqual({ status: 'missing', reasons: [{ kind: 'never_materialized' }] });
    expect(result.value('daily_total', '2024-02-01')).toBeUndefined();
  });

  it('a key list applies to every given asset that has it; `now` defaults to the end of the latest requested window', async () => {
    const { readings, dailyTotal, monthlyTotal } = pipeline();
    const result = await materialize([readings, dailyTotal, monthlyTotal], { partitions: ['2024-01-02', '2024-01-04'], sources: { readings: readingValues(5 * 24) } });
    expect(sorted(runsOf(result))).toEqual(['daily_total/2024-01-02', 'daily_total/2024-01-04']);
    expect(result.state('daily_total', '2024-01-03').status).toBe('missing');
    // 2024-01-04 is the latest requested window: 2024-01-05 does not exist yet.
    expect(() => result.state('daily_total', '2024-01-05')).toThrow('asset daily_total has no partition "2024-01-05"');
  });

  it('a downstream partition pulls in exactly the upstream partitions its mapping reads', async () => {
    const { readings, dailyTotal } = pipeline();
    const doubled = asset({ key: 'doubled', partitions: daily({ start: '2024-01-01' }), inputs: { total: dailyTotal }, compute: ({ total }) => total * 2 });
    const result = await materialize([readings, dailyTotal, doubled], { partitions: { doubled: ['2024-01-03'] }, sources: { readings: readingValues(10 * 24) }, now: at('2024-01-10T00:00:00Z') });
    expect(runsOf(result)).toEqual(['daily_total/2024-01-03', 'doubled/2024-01-03']);
    expect(result.value('doubled', '2024-01-03')).toBe(48);
  });

  it('passes the partition key and its time window to compute', async () => {
    const seen: ComputeContext[] = [];
    const { all } = pipeline((_total, ctx) => seen.push(ctx));
    await materialize(all, { partitions: { daily_total: ['2024-01-02'] }, sources: { readings: readingValues(3 * 24) } });
    expect(seen.map((c) => [c.assetKey, c.partitionKey, c.window, c.dimensions])).toEqual([['daily_total', '2024-01-02', { start: at('2024-01-02T00:00:00Z'), end: at('2024-01-03T00:00:00Z') }, undefined]]);
  });

  it('a partition with a missing source hour is blocked, naming the missing hours', async () => {
    const { all } = pipeline();
    const values = readingValues(2 * 24);
    delete values['2024-01-02T05:00'];
    const result = await materialize(all, { partitions: { daily_total: ['2024-01-01', '2024-01-02'] }, sources: { readings: values } });
    expect(runsOf(result)).toEqual(['daily_total/2024-01-01']);
    expect(result.state('daily_total', '2024-01-02')).toEqual({
      status: 'blocked',
      reasons: [{ kind: 'never_materialized' }, { kind: 'upstream_missing', assetKey: 'readings', input: 'hours', partitions: ['2024-01-02T05:00'], more: 0 }],
    });
  });
});

describe('materialize(): other partition shapes', () => {
  it('a self input pulls in the earlier partitions it reads', async () => {
    const n = source<number>({ key: 'n', partitions: daily({ start: '2024-01-01' }), codec: jsonCodec<number>() });
    const running = asset({ key: 'running', partitions: daily({ start: '2024-01-01' }), inputs: { today: n, previous: self<number>(offset(-1)) }, compute: ({ today, previous }) => today + (previous ?? 0) });
    const result = await materialize([n, running], { partitions: ['2024-01-03'], sources: { n: { '2024-01-01': 1, '2024-01-02': 2, '2024-01-03': 3, '2024-01-04': 4 } }, now: at('2024-01-06T00:00:00Z') });
    expect(runsOf(result)).toEqual(['running/2024-01-01', 'running/2024-01-02', 'running/2024-01-03']);
    expect(result.value('running', '2024-01-03')).toBe(6);
  });

  it('static and multi-dimensional partitions run by key (a bare input between equal definitions gives one value)', async () => {
    const regions = staticPartitions(['eu', 'us']);
    const perRegion = source<number>({ key: 'per_region', partitions: regions, codec: jsonCodec<number>() });
    const next = asset({ key: 'next', partitions: regions, inputs: { v: perRegion }, compute: ({ v }) => v + 1 });
    const byRegion = () => multiPartitions({ date: daily({ start: '2024-01-01' }), region: regions });
    const cells = source<number>({ key: 'cells', partitions: byRegion(), codec: jsonCodec<number>() });
    const cellsPlusOne = asset({ key: 'cells_plus_one', partitions: byRegion(), inputs: { c: cells }, compute: ({ c }, ctx) => (expect(ctx.dimensions).toEqual({ date: '2024-01-02', region: 'us' }), c + 1) });
    const result = await materialize([perRegion, next, cells, cellsPlusOne], {
      partitions: { next: ['us'], cells_plus_one: ['date=2024-01-02|region=us'] },
      sources: { per_region: { eu: 1, us: 2 }, cells: { 'date=2024-01-02|region=us': 5, 'date=2024-01-02|region=eu': 7 } },
    });
    expect(runsOf(result)).toEqual(['next/us', 'cells_plus_one/date=2024-01-02|region=us']);
    expect([result.value('next', 'us'), result.value('cells_plus_one', 'date=2024-01-02|region=us')]).toEqual([3, 6]);
  });
});

describe('materialize(): failures', () => {
  const throwOnJan2 = (_total: number, ctx: ComputeContext): void => {
    if (ctx.partitionKey === '2024-01-02') throw new TypeError('cannot parse reading 17');
  };

  it('a compute that throws raises a UserCodeError naming the asset and the partition (raiseOnError defaults to true)', async () => {
    const { all } = pipeline(throwOnJan2);
    const error: unknown = await materialize(all, { partitions: { daily_total: ['2024-01-01', '2024-01-02'] }, sources: { readings: readingValues(48) } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserCodeError);
    const e = error as UserCodeError;
    expect(e.code).toBe('user_code.threw');
    expect(e.message).toBe('compute (daily_total partition 2024-01-02) failed: cannot parse reading 17');
    expect(e.context).toEqual({ assetKey: 'daily_total', partitionKey: '2024-01-02' });
    expect(e.failureClass).toBe('actionable');
    expect(e.cause).toBeInstanceOf(TypeError);
  });

  it('with raiseOnError: false the failure is recorded: a failed run, state failed with a fingerprint', async () => {
    const { all } = pipeline(throwOnJan2);
    const result = await materialize(all, { partitions: { daily_total: ['2024-01-01', '2024-01-02', '2024-01-03'] }, sources: { readings: readingValues(72) }, raiseOnError: false });
    expect(result.failures.map((f) => [f.assetKey, f.partitionKey, f.status, f.dataVersion])).toEqual([['daily_total', '2024-01-02', 'failed', undefined]]);
    expect(result.failures[0]?.error).toBeInstanceOf(UserCodeError);
    expect(sorted(runsOf(result))).toEqual(['daily_total/2024-01-01', 'daily_total/2024-01-02', 'daily_total/2024-01-03']);
    expect(result.state('daily_total', '2024-01-01').status).toBe('fresh');
    expect(result.state('daily_total', '2024-01-03').status).toBe('fresh');
    const state = result.state('daily_total', '2024-01-02');
    expect(state.status).toBe('failed');
    const failed = state.reasons.find((r) => r.kind === 'failed');
    expect(failed).toEqual({
      kind: 'failed',
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      failureClass: 'actionable',
      message: 'compute (daily_total partition 2024-01-02) failed: cannot parse reading 17',
      retryAt: null,
    });
  });

  it('the monthly rollup over a failed day is blocked and names it', async () => {
    const { all } = pipeline(throwOnJan2);
    const result = await materialize(all, { partitions: { monthly_total: ['2024-01'] }, sources: { readings: readingValues(31 * 24) }, raiseOnError: false });
    expect(result.runs.filter((r) => r.assetKey === 'monthly_total')).toEqual([]);
    const state = result.state('monthly_total', '2024-01');
    expect(state.status).toBe('blocked');
    expect(state.reasons).toContainEqual({ kind: 'upstream_failed', assetKey: 'daily_total', input: 'days', partitions: ['2024-01-02'], more: 0 });
  });

  it('a failing blocking check: the partition is check_failed and its downstream blocked with upstream_check_failed', async () => {
    const { readings, dailyTotal } = pipeline();
    let downstreamRuns = 0;
    const doubled = asset({
      key: 'doubled',
      partitions: daily({ start: '2024-01-01' }),
      inputs: { total: dailyTotal },
      compute: ({ total }) => (downstreamRuns++, total * 2),
    });
    const result = await materialize([readings, dailyTotal, doubled], {
      partitions: { doubled: ['2024-01-01', '2024-01-02'] },
      sources: { readings: readingValues(48, (hour) => (hour === '2024-01-02T10:00' ? -100 : 1)) },
      raiseOnError: false,
    });
    expect(result.failures).toEqual([]);
    expect(result.value('daily_total', '2024-01-02')).toBe(-77);
    expect(result.state('daily_total', '2024-01-02')).toEqual({ status: 'check_failed', reasons: [{ kind: 'check_failed', check: 'non_negative', message: 'total -77' }] });
    expect(result.state('doubled', '2024-01-02')).toEqual({
      status: 'blocked',
      reasons: [{ kind: 'never_materialized' }, { kind: 'upstream_check_failed', assetKey: 'daily_total', input: 'total', partitions: ['2024-01-02'], more: 0 }],
    });
    expect(runsOf(result).filter((r) => r.startsWith('doubled/'))).toEqual(['doubled/2024-01-01']);
    expect(downstreamRuns).toBe(1);
  });

  it('an input that does not respect blocking checks reads the partition anyway; a non-blocking check never blocks', async () => {
    const { readings, dailyTotal } = pipeline();
    const lenient = asset({ key: 'lenient', partitions: daily({ start: '2024-01-01' }), inputs: { total: input(dailyTotal, undefined, { respectBlockingChecks: false }) }, compute: ({ total }) => total });
    const flagged = asset({
      key: 'flagged',
      partitions: daily({ start: '2024-01-01' }),
      inputs: { total: dailyTotal },
      checks: [check<number>({ name: 'small', fn: (v) => v < 10 })],
      compute: ({ total }) => total,
    });
    const after = asset({ key: 'after', partitions: daily({ start: '2024-01-01' }), inputs: { f: flagged }, compute: ({ f }) => f });
    const result = await materialize([readings, dailyTotal, lenient, flagged, after], {
      partitions: { lenient: ['2024-01-01'], after: ['2024-01-02'] },
      sources: { readings: readingValues(48, (hour) => (hour === '2024-01-01T10:00' ? -100 : 1)) },
    });
    expect(result.value('lenient', '2024-01-01')).toBe(-77);
    expect(result.state('flagged', '2024-01-02').status).toBe('fresh'); // its failing check is not blocking
    expect(result.value('after', '2024-01-02')).toBe(24);
  });
});

describe('materialize(): bad options', () => {
  it('time-partitioned assets without partitions and without now: a DefinitionError naming now', async () => {
    const { all } = pipeline();
    const error: unknown = await materialize(all, { sources: { readings: readingValues(24) } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).code).toBe('definition.bad_option');
    expect((error as DefinitionError).context.field).toBe('now');
    expect((error as DefinitionError).message).toMatch(/`now`/);
  });

  it('with now, every partition of every given asset runs', async () => {
    const { all } = pipeline();
    const result = await materialize(all, { sources: { readings: readingValues(48) }, now: at('2024-01-03T00:00:00Z') });
    expect(sorted(runsOf(result))).toEqual(['daily_total/2024-01-01', 'daily_total/2024-01-02']);
  });

  it.each<{ name: string; partitions: MaterializeOptions['partitions']; code: string; message: string | RegExp }>([
    { name: 'a malformed key for an asset', partitions: { daily_total: ['2024-1-2'] }, code: 'definition.bad_partition_key', message: /^materialize\(\): asset daily_total has no partition "2024-1-2": / },
    { name: 'a key that does not exist yet', partitions: { daily_total: ['2024-01-09'] }, code: 'definition.bad_partition_key', message: /^materialize\(\): asset daily_total has no partition "2024-01-09": it does not exist at now = 2024-01-03T00:00:00\.000Z/ },
    { name: 'an asset that is not given', partitions: { daily_totals: ['2024-01-01'] }, code: 'definition.unknown_key', message: 'materialize(): partitions names daily_totals, which is not among the given assets' },
    {
      name: 'a source',
      partitions: { readings: ['2024-01-01T00:00'] },
      code: 'definition.unknown_key',
      message: 'materialize(): partitions names readings, which is a source (sources are observed, not materialized: pass their values in `sources`)',
    },
    { name: 'a key no given asset has', partitions: ['2024-01-01', 'eu'], code: 'definition.bad_partition_key', message: /^materialize\(\): no given asset has partition "eu"/ },
  ])('$name: a DefinitionError instead of silently running nothing', async ({ partitions, code, message }) => {
    const { all } = pipeline();
    const error: unknown = await materialize(all, { partitions, sources: { readings: readingValues(48) }, now: at('2024-01-03T00:00:00Z') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).code).toBe(code);
    if (typeof message === 'string') expect((error as DefinitionError).message).toBe(message);
    else expect((error as DefinitionError).message).toMatch(message);
  });
});
