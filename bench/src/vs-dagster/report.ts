/** A set of partitions per asset, compared by count and hash of the sorted keys. */
type Summaries = Readonly<Record<string, { readonly count: number; readonly sha256: string }>>;

/**
 * Adds to `problems` every asset whose partitions in `actual` differ from `expected` (count or
 * keys), naming `label`; returns whether they are the same sets.
 */
export function sameSets(label: string, actual: Summaries, expected: Summaries, problems: string[]): boolean {
  const assets = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  const differ = [...assets].filter((a) => actual[a]?.sha256 !== expected[a]?.sha256);
  if (differ.length === 0) return true;
  problems.push(`${label}: ${differ.length} assets with other partitions than expected (${differ.slice(0, 4).map((a) => `${a}: ${actual[a]?.count ?? 0} vs ${expected[a]?.count ?? 0}`).join(', ')})`);
  return false;
}

/**
 * What `ticks` requested, per asset, keeping only the assets exactly one tick requested (an asset
 * decided in pieces cannot be compared by hash with its whole set).
 */
export function requestedOnce(ticks: ReadonlyArray<{ readonly requested: Readonly<Record<string, unknown>> }>): Summaries {
  const seen = new Map<string, Array<Summaries[string]>>();
  for (const t of ticks) for (const [asset, summary] of Object.entries(t.requested as Summaries)) seen.set(asset, [...(seen.get(asset) ?? []), summary]);
  return Object.fromEntries([...seen].filter(([, list]) => list.length === 1).map(([asset, list]) => [asset, list[0] as Summaries[string]]));
}

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return v.toLocaleString('en-US', { maximumFractionDigits: 1 });
  if (typeof v === 'object' && v !== null && 'timedOut' in v) return `timed out (> ${Number((v as unknown as { limitMs: number }).limitMs) / 1000} s)`;
  if (typeof v === 'object' && v !== null && 'failed' in v) return 'failed';
  return String(v);
};

/** The human-readable comparison (to the log: stderr, beside the JSON result). */
export function printTable(result: { days: number; weft: Record<string, unknown>; dagster: Record<string, unknown>; ratios: Record<string, unknown> }, log: (line: string) => void): void {
  const { weft, dagster, ratios } = result;
  const mem = (side: Record<string, unknown>): string => {
    const m = side['memory'] as { pssMb: number; rssMb: number } | undefined;
    const heap = typeof side['heapLimitMb'] === 'number' ? ` (V8 heap limit ${cell(side['heapLimitMb'])} MB)` : '';
    return `${cell(side['maxRssMb'])} MB main process${heap}; all processes PSS ${cell(m?.pssMb)} MB`;
  };
  const timed = (side: Record<string, unknown>, key: string, step: string): unknown => side[key] ?? side[step];
  /** A ratio, or its lower bound (`…AtLeast`) where Dagster timed out. */
  const r = (key: string): unknown => ratios[key] ?? (typeof ratios[`${key}AtLeast`] === 'number' ? `≥ ${cell(ratios[`${key}AtLeast`])}` : null);
  const rows: Array<[string, unknown, unknown, unknown]> = [
    ['decide from scratch (ms)', weft['planMs'], timed(dagster, 'planMs', 'scratch'), r('plan')],
    ['  first decision (ms)', weft['firstDecisionMs'], dagster['firstDecisionMs'], r('firstDecision')],
    ['replan after 1 change (ms)', weft['replanMs'], timed(dagster, 'replanMs', 'change'), r('replan')],
    ['materialize from empty (ms)', timed(weft, 'materializeMs', 'materialize'), timed(dagster, 'materializeMs', 'scratch'), r('materialize')],
    ['change → all fresh (ms)', weft['reactMs'], timed(dagster, 'reactMs', 'change'), r('react')],
    ['recomputed after 1 change', weft['recomputed'], dagster['recomputed'], null],
    ['memory', mem(weft), mem(dagster), null],
  ];
  log(`vs-dagster at ${result.days.toLocaleString('en-US')} days per daily asset`);
  log(`${'measure'.padEnd(30)} ${'weft'.padStart(16)} ${'dagster'.padStart(16)} ${'dagster ÷ weft'.padStart(15)}`);
  for (const [name, a, b, q] of rows) {
    if (name === 'memory') {
      log(`${'peak memory: weft'.padEnd(30)} ${cell(a)}`);
      log(`${'peak memory: dagster'.padEnd(30)} ${cell(b)}`);
    } else log(`${name.padEnd(30)} ${cell(a).padStart(16)} ${cell(b).padStart(16)} ${cell(q).padStart(15)}`);
  }
}
