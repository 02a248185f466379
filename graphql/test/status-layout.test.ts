/**
 * When status codes read in one context still sit at the same indices in another: the leading
 * dimension may grow at its end; anything else renumbers.
 */
import { daily, dynamicPartitions, hourly, multiPartitions, staticPartitions, unpartitioned, type PartitionContext, type PartitionsDefinition } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { extendsLayout, statusLayout } from '../src/api/status-layout.js';

const JAN_10 = Date.parse('2024-01-10T00:00:00Z');
const at = (now: number, keys: Readonly<Record<string, readonly string[]>> = {}): PartitionContext => ({ now, dynamicKeys: (name) => keys[name] ?? [] });
const days = daily({ start: '2024-01-01' });
const customers = dynamicPartitions({ name: 'customers' });
const tiers = multiPartitions({ customer: customers, tier: staticPartitions(['gold', 'silver']) });
const visits = multiPartitions({ date: days, customer: customers });

const cases: Array<[string, PartitionsDefinition, PartitionContext, PartitionsDefinition, PartitionContext, boolean]> = [
  ['the same day', days, at(JAN_10), days, at(JAN_10 + 1000), true],
  ['a day later: one more window at the end', days, at(JAN_10), days, at(JAN_10 + 86_400_000), true],
  ['a day earlier (the clock went back)', days, at(JAN_10), days, at(JAN_10 - 86_400_000), false],
  ['another definition with as many partitions', days, at(JAN_10), daily({ start: '2024-01-02' }), at(JAN_10 + 86_400_000), false],
  ['hourly: new hours append', hourly({ start: '2024-01-01T00:00' }), at(JAN_10), hourly({ start: '2024-01-01T00:00' }), at(JAN_10 + 7_200_000), true],
  ['a dynamic key added', customers, at(0, { customers: ['a', 'b'] }), customers, at(0, { customers: ['a', 'b', 'c'] }), true],
  ['a dynamic key removed', customers, at(0, { customers: ['a', 'b'] }), customers, at(0, { customers: ['b'] }), false],
  ['a key removed and another added (as many keys)', customers, at(0, { customers: ['a', 'b'] }), customers, at(0, { customers: ['a', 'c'] }), false],
  ['multi, dynamic leading: a key added', tiers, at(0, { customers: ['a'] }), tiers, at(0, { customers: ['a', 'b'] }), true],
  ['multi, dynamic leading: the first key removed', tiers, at(0, { customers: ['a', 'b'] }), tiers, at(0, { customers: ['b'] }), false],
  ['multi, time leading: a day later', visits, at(JAN_10, { customers: ['a'] }), visits, at(JAN_10 + 86_400_000, { customers: ['a'] }), true],
  ['multi, time leading: a customer added renumbers every day', visits, at(JAN_10, { customers: ['a'] }), visits, at(JAN_10, { customers: ['a', 'b'] }), false],
  ['static: the same keys', staticPartitions(['x', 'y']), at(0), staticPartitions(['x', 'y']), at(0), true],
  ['static: other keys', staticPartitions(['x', 'y']), at(0), staticPartitions(['x', 'z']), at(0), false],
  ['unpartitioned', unpartitioned(), at(0), unpartitioned(), at(JAN_10), true],
];

describe('status layouts', () => {
  it.each(cases)('%s', (_, before, beforeCtx, after, afterCtx, lines) => {
    const a = statusLayout(before, beforeCtx);
    const b = statusLayout(after, afterCtx);
    expect(a.count).toBe(before.count(beforeCtx));
    expect(extendsLayout(a, b)).toBe(lines);
    // Where they line up, every partition the earlier context had keeps its key.
    if (lines) for (let i = 0; i < a.count; i++) expect(after.keyAt(i, afterCtx)).toBe(before.keyAt(i, beforeCtx));
  });
});
