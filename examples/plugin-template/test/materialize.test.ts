/**
 * The plugin end to end in process, through `materialize()` (the planner the workers use): the
 * connector observes and reads the fixture's files, the source decodes them as records with e-mail
 * addresses already pseudonymized, and the plugin's `records` check runs on every materialized
 * partition — a failing one (a duplicated id) marks that partition check_failed and blocks what
 * reads it, while the other day flows through.
 */
import { asset, env, forgetSecrets, materialize, source } from '@weft/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonRecord } from '../src/index.js';
import { events, purchases, revenue } from './fixture/assets/events.js';
import { files } from './fixture/plugins.js';

const PEPPER = 'TEMPLATE_EVENTS_PEPPER';
const now = Date.parse('2024-01-03T00:00:00Z');

beforeEach(() => {
  process.env[PEPPER] = 'fixture-pepper-abcdef';
});
afterEach(() => {
  delete process.env[PEPPER];
  forgetSecrets();
});

describe('the template plugin in a materialization', () => {
  it('reads the files through the connector and runs the records check on each materialized partition', async () => {
    const result = await materialize([events, purchases, revenue], { partitions: { purchases: ['2024-01-01', '2024-01-02'], revenue: ['2024-01-01', '2024-01-02'] }, now });

    // Day 1: two purchases with pseudonymized e-mails; the check passed, revenue computed.
    const day1 = result.value<JsonRecord[]>('purchases', '2024-01-01');
    expect(day1?.map((p) => p['id'])).toEqual(['p1', 'p2']);
    for (const p of day1 ?? []) expect(p['email']).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(day1)).not.toContain('@example.com');
    expect(result.state('purchases', '2024-01-01')).toEqual({ status: 'fresh', reasons: [] });
    expect(result.value('revenue', '2024-01-01')).toBe(65.5);

    // Day 2: the value was made, and the blocking check failed on it, saying why.
    expect(result.value<JsonRecord[]>('purchases', '2024-01-02')?.map((p) => p['id'])).toEqual(['p3', 'p3']);
    const day2 = result.state('purchases', '2024-01-02');
    expect(day2.status).toBe('check_failed');
    expect(day2.reasons).toEqual([{ kind: 'check_failed', check: 'records', message: 'records 0 and 1 have the same id "p3"' }]);
    // … so nothing downstream read it.
    expect(result.value('revenue', '2024-01-02')).toBeUndefined();
    expect(result.state('revenue', '2024-01-02').status).toBe('blocked');
    expect(result.runs.map((r) => `${r.assetKey} ${r.partitionKey} ${r.status}`).sort()).toEqual(['purchases 2024-01-01 succeeded', 'purchases 2024-01-02 succeeded', 'revenue 2024-01-01 succeeded']);
  });

  it('reads the secret when the connector is first used: unset, observing fails naming the option and the variable; set, it works', async () => {
    delete process.env[PEPPER];
    // A connector configured now (the fixture's was made, with its secret, by the test above).
    const fresh = source({ key: 'events', partitions: events.partitions, codec: events.codec, observe: files.connectors.files({ pattern: 'events/{date}.jsonl', pseudonymize: { fields: ['email'], key: env(PEPPER) } }) });
    const ids = asset({ key: 'ids', partitions: events.partitions, inputs: { events: fresh }, compute: ({ events }) => events.map((e) => e['id']) });
    const run = () => materialize([fresh, ids], { partitions: { ids: ['2024-01-01'] }, now });
    await expect(run()).rejects.toThrow(
      'observing source events (events) failed: plugin @weft/example-plugin-template: option connectors.files.pseudonymize.key reads the secret TEMPLATE_EVENTS_PEPPER from the environment, and TEMPLATE_EVENTS_PEPPER is not set',
    );
    process.env[PEPPER] = 'fixture-pepper-abcdef';
    expect((await run()).value('ids', '2024-01-01')).toEqual(['e1', 'p1', 'p2']);
  });
});
