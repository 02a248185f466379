/**
 * The example's aggregates, as plain functions of plain values (the assets call them; tests can
 * too). Money is summed in whole cents so totals do not depend on the order they were added in.
 */
import type { Trip, Zone } from './schema.js';

/** Additive totals: what rollups and rolling windows sum. */
export interface Totals {
  readonly trips: number;
  readonly passengers: number;
  readonly miles: number;
  readonly minutes: number;
  readonly fareCents: number;
  readonly tipCents: number;
  /** Fares of card trips: the base of the tip rate (cash tips are not recorded). */
  readonly cardFareCents: number;
}

/** One zone's day. */
export interface ZoneDay extends Totals {
  readonly zone: Zone;
  readonly date: string;
  readonly avgFareUsd: number;
  /** Card tips over card fares. */
  readonly tipRate: number;
  readonly medianMinutes: number;
}

/** One zone's month. */
export interface ZoneMonth extends Totals {
  readonly zone: Zone;
  readonly month: string;
  /** Days of the month with data (the example's range starts and ends mid-month). */
  readonly days: number;
  readonly avgTripsPerDay: number;
  readonly tipRate: number;
  readonly busiestDay: { readonly date: string; readonly trips: number };
}

/** One zone's last 7 days, ending on `date`. */
export interface ZoneRolling {
  readonly zone: Zone;
  readonly date: string;
  /** Days in the window (fewer than 7 at the start of the range). */
  readonly days: number;
  readonly trips: number;
  readonly revenueUsd: number;
  readonly avgDailyTrips: number;
  readonly tipRate: number;
  /** The day's trips against the mean of the window's other days, in percent (null on the first day). */
  readonly vsWindowPct: number | null;
}

const cents = (usd: number): number => Math.round(usd * 100);
const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;
const minutesOf = (t: Trip): number => (Date.parse(t.dropoffAt) - Date.parse(t.pickupAt)) / 60_000;

/** Sums of a list of totals. */
export function addTotals(parts: Iterable<Totals>): Totals {
  const sum = { trips: 0, passengers: 0, miles: 0, minutes: 0, fareCents: 0, tipCents: 0, cardFareCents: 0 };
  for (const p of parts) {
    sum.trips += p.trips;
    sum.passengers += p.passengers;
    sum.miles = round(sum.miles + p.miles, 2);
    sum.minutes = round(sum.minutes + p.minutes, 2);
    sum.fareCents += p.fareCents;
    sum.tipCents += p.tipCents;
    sum.cardFareCents += p.cardFareCents;
  }
  return sum;
}

const tipRate = (t: Totals): number => (t.cardFareCents === 0 ? 0 : round(t.tipCents / t.cardFareCents, 4));

/** The day's aggregate of one zone's trips (pickups in the zone). */
export function zoneDay(zone: Zone, date: string, trips: readonly Trip[]): ZoneDay {
  const mine = trips.filter((t) => t.zone === zone);
  const totals = addTotals(
    mine.map((t) => ({
      trips: 1,
      passengers: t.passengers,
      miles: t.miles,
      minutes: round(minutesOf(t), 2),
      fareCents: cents(t.fareUsd),
      tipCents: cents(t.tipUsd),
      cardFareCents: t.payment === 'card' ? cents(t.fareUsd) : 0,
    })),
  );
  const durations = mine.map(minutesOf).sort((a, b) => a - b);
  const median = durations.length === 0 ? 0 : durations.length % 2 ? (durations[(durations.length - 1) / 2] as number) : ((durations[durations.length / 2 - 1] as number) + (durations[durations.length / 2] as number)) / 2;
  return {
    zone,
    date,
    ...totals,
    avgFareUsd: totals.trips === 0 ? 0 : round(totals.fareCents / totals.trips / 100, 2),
    tipRate: tipRate(totals),
    medianMinutes: round(median, 1),
  };
}

/** A zone's month from its days. */
export function zoneMonth(zone: Zone, month: string, days: readonly ZoneDay[]): ZoneMonth {
  const totals = addTotals(days);
  const busiest = days.reduce<ZoneDay | undefined>((best, d) => (best === undefined || d.trips > best.trips ? d : best), undefined);
  return {
    zone,
    month,
    days: days.length,
    ...totals,
    avgTripsPerDay: days.length === 0 ? 0 : round(totals.trips / days.length, 1),
    tipRate: tipRate(totals),
    busiestDay: { date: busiest?.date ?? '', trips: busiest?.trips ?? 0 },
  };
}

/** A zone's rolling window ending on `date`, from its days in date order. */
export function zoneRolling(zone: Zone, date: string, days: readonly ZoneDay[]): ZoneRolling {
  const totals = addTotals(days);
  const today = days.find((d) => d.date === date);
  const others = days.filter((d) => d.date !== date);
  const othersMean = others.length === 0 ? 0 : others.reduce((sum, d) => sum + d.trips, 0) / others.length;
  return {
    zone,
    date,
    days: days.length,
    trips: totals.trips,
    revenueUsd: (totals.fareCents + totals.tipCents) / 100,
    avgDailyTrips: days.length === 0 ? 0 : round(totals.trips / days.length, 1),
    tipRate: tipRate(totals),
    vsWindowPct: today === undefined || othersMean === 0 ? null : round((today.trips / othersMean - 1) * 100, 1),
  };
}
