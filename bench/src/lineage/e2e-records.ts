/**
 * Materialization records shaped like the workers' e2e pipeline (workers/test/e2e/pipeline.ts): an
 * hourly source `readings` → `daily_cleaned` (a rollup of its 24 hours: one range input) →
 * `monthly_rollup` (a rollup of the month's cleaned days: one range input) and `rolling_7d` (a
 * 7-day window over cleaned days: one range input), plus `daily_scored`, which reads its day of
 * `daily_cleaned` (one single-partition input: the store looks up the upstream materialization).
 * Late readings restate every day once 2,000 more records have been recorded: a second
 * generation of `daily_cleaned` and `daily_scored` for partitions that already have one (their
 * state rows are updated, not inserted). Many sites run the same pipeline (`site0001/daily_cleaned`…), so a large count stays
 * within realistic dates: two years per site, about 3,670 materializations.
 */
import { randomUUID } from 'node:crypto';
import { copyLine, edgeLines, materializationLines, type MaterializationRecord } from '@weft/store';
import type { HexPool } from './copy.js';

const DAY = 86_400_000;
const START = Date.parse('2023-01-01T00:00:00Z');
/**
 * Records recorded after a day's first generation before its readings are restated (late data):
 * its second generation comes two batches of 1,000 later, as a reconcile loop records one asset's
 * batch at a time (a reader of the first generation is committed before the second replaces it).
 */
const RESTATED_AFTER_RECORDS = 2_000;
/**
 * Per site and day: daily_cleaned, daily_scored and rolling_7d, a restated day's daily_cleaned and
 * daily_scored, and monthly_rollup about once every 30.4 days.
 */
const PER_SITE_DAY = 5 + 12 / 365.25;
/** Days per site (2023 and 2024). */
const SITE_DAYS = 731;

const dayKey = (day: number): string => new Date(START + day * DAY).toISOString().slice(0, 10);

/** How many sites a run of `count` materializations spreads over (two years each). */
export function sitesFor(count: number): number {
  return Math.max(1, Math.round(count / (SITE_DAYS * PER_SITE_DAY)));
}

/**
 * An endless sequence of records in the order a reconcile loop would produce them: day by day,
 * every site's daily_cleaned partition, then every site's daily_scored (reading it), then every
 * site's rolling window, then the restatement of each day first recorded 2,000 records ago (every
 * site's daily_cleaned again, then its daily_scored reading the new one), then (on a month's last
 * day) every site's monthly rollup. Tokens, data versions and hashes are random sha256-shaped hex.
 */
export function* e2eRecords(sites: number, hex: HexPool): Generator<MaterializationRecord> {
  const siteKeys = Array.from({ length: sites }, (_, s) => `site${String(s + 1).padStart(4, '0')}`);
  const codeVersion = { cleaned: hex.next(), scored: hex.next(), rolling: hex.next(), monthly: hex.next() };
  const deploymentId = hex.next().slice(0, 32);
  let cursor = 1_000;
  let recorded = 0;
  const record = (
    site: string,
    asset: string,
    partitionKey: string,
    code: string,
    finishedAt: number,
    workflowId: string,
    input: MaterializationRecord['inputs'][number],
  ): MaterializationRecord => {
    const token = hex.next();
    const assetKey = `${site}/${asset}`;
    cursor += 1;
    recorded += 1;
    return {
      token,
      assetKey,
      partitionKey,
      codeVersion: code,
      dataVersion: hex.next(),
      storageUri: `s3://weft-data/${assetKey}/${partitionKey}/${token.slice(0, 16)}`,
      bytes: 1_000 + ((cursor * 7_919) % 1_000_000),
      startedAt: finishedAt - 250 - (cursor % 1_750),
      finishedAt,
      attempt: 1,
      worker: `worker-${cursor % 4}`,
      computeProvider: 'local',
      workflowId,
      runId: randomUUID(),
      inputsAsOf: cursor,
      deploymentId,
      inputs: [input],
    };
  };
  const workflow = (asset: string): string => `weft/materialize/${asset}/${hex.next().slice(0, 24)}`;
  /** daily_cleaned of every site for `day`, then daily_scored reading it: its data version, as single input. */
  function* cleanedAndScored(day: number, finishedAt: number): Generator<MaterializationRecord> {
    const key = dayKey(day);
    const cleaned = new Map<string, string>();
    let wf = workflow('daily_cleaned');
    for (const site of siteKeys) {
      const r = record(site, 'daily_cleaned', key, codeVersion.cleaned, finishedAt, wf, {
        name: 'hours',
        upstreamAsset: `${site}/readings`,
        range: { first: `${key}T00:00`, last: `${key}T23:00`, count: 24, combinedHash: hex.next() },
      });
      cleaned.set(site, r.dataVersion);
      yield r;
    }
    wf = workflow('daily_scored');
    for (const site of siteKeys) {
      yield record(site, 'daily_scored', key, codeVersion.scored, finishedAt + 60_000, wf, { name: 'cleaned', upstreamAsset: `${site}/daily_cleaned`, partitionKey: key, dataVersion: cleaned.get(site) as string });
    }
  }
  /** Days waiting for their restatement, with the record count when their first generation was done. */
  const restate: Array<{ day: number; at: number }> = [];
  for (let day = 0; ; day++) {
    const key = dayKey(day);
    const dayEnd = START + (day + 1) * DAY;
    yield* cleanedAndScored(day, dayEnd + 300_000);
    restate.push({ day, at: recorded });
    const wf = workflow('rolling_7d');
    const first = Math.max(0, day - 6);
    for (const site of siteKeys) {
      yield record(site, 'rolling_7d', key, codeVersion.rolling, dayEnd + 420_000, wf, {
        name: 'days',
        upstreamAsset: `${site}/daily_cleaned`,
        range: { first: dayKey(first), last: key, count: day - first + 1, combinedHash: hex.next() },
      });
    }
    while (restate[0] && recorded - restate[0].at >= RESTATED_AFTER_RECORDS) yield* cleanedAndScored((restate.shift() as { day: number }).day, dayEnd + 480_000);
    const next = new Date(dayEnd);
    if (next.getUTCDate() === 1) {
      const monthStart = Date.UTC(next.getUTCFullYear(), next.getUTCMonth() - 1, 1);
      const firstDay = Math.max(0, Math.round((monthStart - START) / DAY));
      const monthly = workflow('monthly_rollup');
      for (const site of siteKeys) {
        yield record(site, 'monthly_rollup', key.slice(0, 7), codeVersion.monthly, dayEnd + 600_000, monthly, {
          name: 'days',
          upstreamAsset: `${site}/daily_cleaned`,
          range: { first: dayKey(firstDay), last: key, count: day - firstDay + 1, combinedHash: hex.next() },
        });
      }
    }
  }
}

/** The next `n` values of an iterator. */
export function take<T>(iterator: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const r = iterator.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

/** The columns a raw COPY fills: the store's own (weft_materializations, weft_input_edges). */
export { EDGE_COLUMNS, MATERIALIZATION_COLUMNS } from '@weft/store';

/**
 * weft_partition_state columns a recording writes (the others keep their defaults), in COPY order:
 * the values `store.recordMaterializations` leaves in a partition's row.
 */
export const STATE_COLUMNS = ['location', 'asset_key', 'partition_key', 'status', 'materialization_id', 'token', 'data_version', 'code_version', 'verified_seq', 'changed_seq', 'updated_event_id', 'planned_seq'] as const;

/**
 * The rows the store would write for `records` into weft_materializations and weft_input_edges,
 * as COPY text (formatted by the store's own line functions), with ids and event seqs assigned
 * from `firstId` on the client and single inputs naming no upstream materialization.
 */
export function copyRows(records: readonly MaterializationRecord[], firstId: number): { materializations: string; edges: string } {
  let materializations = '';
  for (const line of materializationLines(records, firstId, firstId)) materializations += line;
  let edges = '';
  for (const line of edgeLines(records, firstId, () => null)) edges += line;
  return { materializations, edges };
}

/**
 * The weft_partition_state rows the store would write for `records` (ids and seqs from `firstId`,
 * as in {@link copyRows}), as COPY text in {@link STATE_COLUMNS} order: one per partition of the
 * batch, its latest record, with the values the store's upsert leaves in the row (changed_seq
 * the record's seq, as when its data version changed).
 */
export function stateRows(records: readonly MaterializationRecord[], firstId: number, location = 'default'): string {
  const latest = new Map<string, number>();
  for (const [i, r] of records.entries()) latest.set(`${r.assetKey}\u0000${r.partitionKey}`, i);
  let states = '';
  for (const i of latest.values()) {
    const r = records[i] as MaterializationRecord;
    const id = firstId + i;
    states += copyLine([location, r.assetKey, r.partitionKey, 'fresh', id, r.token, r.dataVersion, r.codeVersion, r.inputsAsOf, id, id, r.inputsAsOf]);
  }
  return states;
}
