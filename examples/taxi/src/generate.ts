/**
 * A deterministic generator of hourly taxi-trip CSV files. Each hour is generated from its own
 * seed (the example's seed and the hour), so any hour can be regenerated alone and the same seed
 * always gives the same bytes. About 1% of the rows are deliberately invalid in ways cleaning must
 * catch; the generator reports how many of each kind it wrote, which is what the tests check the
 * cleaning against.
 */
import { COLUMNS, DROP_REASONS, ZONES, noDrops, type DropCounts, type DropReason, type Zone } from './schema.js';

/** One generated hourly file. */
export interface GeneratedHour {
  /** The hour's partition key, `YYYY-MM-DDTHH:00` (UTC). */
  readonly hour: string;
  readonly csv: string;
  /** Rows written, valid and invalid. */
  readonly rows: number;
  /** Invalid rows written, by the reason cleaning must drop them for. */
  readonly invalid: DropCounts;
}

/** Share of the trips, mean trip length in miles and typical speed in mph, per pickup zone. */
const ZONE_PROFILE: Record<Zone, { readonly share: number; readonly miles: number; readonly mph: number }> = {
  airport: { share: 0.1, miles: 14.5, mph: 24 },
  brooklyn: { share: 0.14, miles: 3.2, mph: 14 },
  downtown: { share: 0.22, miles: 2.4, mph: 11 },
  midtown: { share: 0.3, miles: 2.1, mph: 9 },
  queens: { share: 0.08, miles: 4, mph: 16 },
  uptown: { share: 0.16, miles: 2.6, mph: 12 },
};

/** Relative demand per UTC hour of the day (the city's local rush hours, shifted to UTC). */
const WEEKDAY_DEMAND = [5, 4, 3, 2, 2, 2, 2, 2, 2, 2, 3, 5, 8, 11, 9, 7, 7, 7, 7, 8, 9, 10, 11, 9];
const WEEKEND_DEMAND = [9, 9, 8, 7, 6, 5, 4, 3, 2, 2, 2, 2, 3, 4, 5, 6, 7, 7, 8, 8, 8, 8, 9, 9];
/** Trips per day at the demand above, before noise. */
const TRIPS_PER_DAY = 2_400;

/** A small, fast, seedable PRNG (mulberry32): uniform numbers in [0, 1). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a of a string: the per-hour seed. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Every hour key from `start` (a date, inclusive) to `end` (a date, exclusive), UTC. */
export function hourKeys(range: { readonly start: string; readonly end: string }): string[] {
  const keys: string[] = [];
  for (let t = Date.parse(`${range.start}T00:00:00Z`); t < Date.parse(`${range.end}T00:00:00Z`); t += 3_600_000) {
    keys.push(new Date(t).toISOString().slice(0, 16));
  }
  return keys;
}

const iso = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;
const money = (usd: number): string => usd.toFixed(2);

/** Picks an item by weights. */
function pick<T>(random: () => number, items: readonly T[], weight: (item: T) => number): T {
  const total = items.reduce((sum, item) => sum + weight(item), 0);
  let r = random() * total;
  for (const item of items) {
    r -= weight(item);
    if (r < 0) return item;
  }
  return items[items.length - 1] as T;
}

/** Invalid rows per 1,000, by reason (the rest are valid). */
const INVALID_PER_MILLE: Partial<Record<DropReason, number>> = {
  dropoff_before_pickup: 4,
  zero_distance: 3,
  negative_fare: 2,
  bad_passenger_count: 2,
  unknown_zone: 1,
  pickup_outside_hour: 1,
  unparseable: 1,
};

/** Generates the CSV file of one hour, deterministically from `seed` and the hour. */
export function generateHour(hour: string, seed: number): GeneratedHour {
  const random = prng(hash32(`${seed}/${hour}`));
  const start = Date.parse(`${hour}:00Z`);
  const day = new Date(start).getUTCDay();
  const demand = day === 0 || day === 6 ? WEEKEND_DEMAND : WEEKDAY_DEMAND;
  const utcHour = new Date(start).getUTCHours();
  const share = (demand[utcHour] ?? 1) / demand.reduce((a, b) => a + b, 0);
  const count = Math.max(1, Math.round(TRIPS_PER_DAY * share * (0.85 + 0.3 * random())));
  const invalid = noDrops();
  const lines = [COLUMNS.join(',')];
  const stamp = hour.slice(0, 13).replace(/[-T]/g, '');
  for (let i = 0; i < count; i++) {
    const zone = pick(random, ZONES, (z) => ZONE_PROFILE[z].share);
    const profile = ZONE_PROFILE[zone];
    const dropoffZone = random() < 0.4 ? zone : pick(random, ZONES, (z) => ZONE_PROFILE[z].share);
    const miles = Math.max(0.3, profile.miles * (0.3 + 1.4 * random()));
    const rush = utcHour >= 12 && utcHour <= 14 ? 0.7 : utcHour >= 21 || utcHour <= 0 ? 0.75 : 1;
    const minutes = 2 + (miles / (profile.mph * rush)) * 60 * (0.8 + 0.4 * random());
    const pickupMs = start + Math.floor(random() * 3_600_000);
    const fare = 3 + 2.5 * miles + 0.7 * minutes + (rush < 1 ? 1 : 0);
    const card = random() < 0.75;
    const tip = card && random() > 0.08 ? fare * (0.1 + 0.15 * random()) : 0;
    const passengers = pick(random, [1, 2, 3, 4, 5, 6], (n) => [70, 18, 6, 3, 2, 1][n - 1] ?? 1);
    const row: string[] = [
      `${stamp}-${String(i).padStart(4, '0')}`,
      iso(pickupMs),
      iso(pickupMs + Math.round(minutes * 60_000)),
      zone,
      dropoffZone,
      String(passengers),
      miles.toFixed(2),
      money(fare),
      money(tip),
      card ? 'card' : 'cash',
    ];
    // Spoil some rows, each in one way cleaning must catch.
    let r = random() * 1000;
    for (const reason of DROP_REASONS) {
      r -= INVALID_PER_MILLE[reason] ?? 0;
      if (r >= 0) continue;
      spoil(row, reason, start);
      invalid[reason]++;
      break;
    }
    lines.push(row.join(','));
  }
  return { hour, csv: `${lines.join('\n')}\n`, rows: count, invalid };
}

/** Makes a row invalid for `reason` (and for no rule checked before it). */
function spoil(row: string[], reason: DropReason, hourStart: number): void {
  switch (reason) {
    case 'unparseable':
      row[6] = 'n/a';
      return;
    case 'pickup_outside_hour': {
      const late = hourStart - 3_600_000 - 600_000; // a record re-sent from two hours back
      row[1] = iso(late);
      row[2] = iso(late + 900_000);
      return;
    }
    case 'dropoff_before_pickup':
      row[2] = iso(Date.parse(row[1] as string) - 300_000);
      return;
    case 'zero_distance':
      row[6] = '0.00';
      return;
    case 'negative_fare':
      row[7] = `-${row[7]}`;
      return;
    case 'bad_passenger_count':
      row[5] = '0';
      return;
    case 'unknown_zone':
      row[3] = 'NV';
  }
}

/**
 * The hour's file as a partial upload leaves it: cut in the middle of a row about two thirds in,
 * without the final newline.
 */
export function cutOff(csv: string): string {
  const at = Math.floor(csv.length * 0.66);
  const lineEnd = csv.indexOf('\n', at);
  return csv.slice(0, lineEnd - 25);
}

/** Totals of a set of generated hours. */
export function totals(hours: readonly GeneratedHour[]): { rows: number; invalid: DropCounts } {
  const invalid = noDrops();
  let rows = 0;
  for (const h of hours) {
    rows += h.rows;
    for (const reason of DROP_REASONS) invalid[reason] += h.invalid[reason];
  }
  return { rows, invalid };
}
