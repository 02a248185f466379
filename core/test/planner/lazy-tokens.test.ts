import { describe, expect, it } from 'vitest';
import { asset, computeToken, daily, input, loadDefinitions, Planner, source, sourceDataVersion, window, type PlanResult, type WeftEvent } from '../../src/index.js';
import { intCodec } from './random-graph.js';

const NOW = Date.parse('2024-02-01T00:00:00Z');
const DAYS = Array.from({ length: 12 }, (_, d) => new Date(Date.parse('2024-01-01T00:00:00Z') + d * 86_400_000).toISOString().slice(0, 10));

/** A source, a 3-day window over it (a range input) and a copy of it (a single input). */
function definitions() {
  const src = source<number>({ key: 'src', partitions: daily({ start: '2024-01-01', end: '2024-01-13' }), codec: intCodec });
  return [
    src,
    asset({ key: 'win', partitions: daily({ start: '2024-01-01', end: '2024-01-13' }), inputs: { days: input(src, window(3)) }, codec: intCodec, compute: ({ days }) => days.size }),
    asset({ key: 'copy', partitions: daily({ start: '2024-01-01', end: '2024-01-13' }), inputs: { day: src }, codec: intCodec, compute: ({ day }) => day }),
  ];
}

/** A planner over {@link definitions} fed events by hand, the way the workers' loop feeds it. */
class Feed {
  readonly planner: Planner;
  private seq = 0;
  /** The token each partition was last planned with. */
  readonly planned = new Map<string, string>();

  constructor(limits?: { global: number }) {
    this.planner = new Planner(loadDefinitions(definitions()), { codeVersions: { win: 'v1', copy: 'v1' }, ...(limits ? { limits } : {}) });
    this.planner.load({ cursor: 0, dynamicKeys: {}, assets: [], requests: [] }, NOW);
  }

  observe(values: ReadonlyMap<string, number>): void {
    const partitions = [...values].map(([partitionKey, v]) => ({ partitionKey, dataVersion: sourceDataVersion({ checksum: String(v) }) }));
    this.planner.apply([{ seq: ++this.seq, at: NOW, kind: 'source.observed', assetKey: 'src', partitions }]);
  }

  /** One plan; its partitions recorded as planned, and succeeded before the next. */
  plan(): PlanResult {
    const plan = this.planner.plan(NOW);
    const done: WeftEvent[] = [];
    for (const b of plan.batches) {
      for (const p of b.partitions) {
        this.planned.set(`${b.assetKey} ${p.partitionKey}`, p.token);
        done.push({ seq: ++this.seq, at: NOW, kind: 'materialization.succeeded', assetKey: b.assetKey, partitionKey: p.partitionKey, token: p.token, dataVersion: sourceDataVersion({ checksum: `value of ${p.token}` }), codeVersion: b.codeVersion, inputsAsOf: plan.cursor });
      }
    }
    this.planner.apply(done);
    return plan;
  }

  untilIdle(): void {
    for (let n = 0; n < 50; n++) if (this.plan().batches.length === 0) return;
    throw new Error('the planner did not settle');
  }
}

describe('tokens of partitions never materialized', () => {
  it('are hashed once, when picked, and from what the partition reads then', () => {
    const values = new Map(DAYS.map((d, i) => [d, i]));
    const limited = new Feed({ global: 2 });
    limited.observe(values);
    const before = limited.planner.stats.tokens;
    const first = limited.plan();
    // 24 partitions are ready; two are picked, and only their tokens are computed.
    expect(first.batches.flatMap((b) => b.partitions)).toHaveLength(2);
    expect(first.deferred).toBeGreaterThan(0);
    expect(limited.planner.stats.tokens - before).toBe(2);
    // Each planned token is the token of the inputs its batch says it reads.
    for (const b of first.batches) {
      for (const p of b.partitions) {
        const inputs = p.inputs.map((i) =>
          i.cardinality === 'many'
            ? { name: i.name, assetKey: i.assetKey, count: i.ranges.reduce((n, [a, z]) => n + z - a, 0), combinedHash: i.expected }
            : { name: i.name, assetKey: i.assetKey, partitionKey: i.rangeKeys[0]?.[0] ?? null, dataVersion: i.expected },
        );
        expect(p.token).toBe(computeToken({ assetKey: b.assetKey, codeVersion: 'v1', partitionKey: p.partitionKey, inputs }));
      }
    }

    // A source day changes while most partitions wait for a slot: they are planned with tokens of the new value.
    values.set('2024-01-08', 100);
    limited.observe(new Map([['2024-01-08', 100]]));
    limited.untilIdle();

    const scratch = new Feed();
    scratch.observe(values);
    scratch.untilIdle();
    expect(scratch.planned.size).toBe(24);
    for (const [partition, token] of scratch.planned) expect(limited.planned.get(partition), partition).toBe(token);
  });
});
