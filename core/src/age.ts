const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The longest age accepted: 100 years (older than any timestamp Weft stores). */
const MAX_AGE_MS = 36_500 * 86_400_000;

/** An age that is not one, or out of bounds; the message names `what` (an option or a config field). */
export class AgeError extends Error {
  override readonly name = 'AgeError';
}

/**
 * Parses an age like `30d`, `12h`, `90m`, `45s` or `2w` into milliseconds (at most 100 years, and
 * at least `min` when given); `what` names the option or field in errors.
 */
export function parseAge(text: string, what: string, options: { min?: number } = {}): number {
  const match = typeof text === 'string' ? /^(\d{1,9})([smhdw])$/.exec(text.trim()) : null;
  if (!match) throw new AgeError(`${what} must be an age like 30d, 12h, 90m, 45s or 2w, got ${JSON.stringify(text) ?? String(text)}`);
  const ms = Number(match[1]) * (UNITS[match[2] as string] as number);
  if (ms > MAX_AGE_MS) throw new AgeError(`${what} must be at most 100 years (36500d), got ${JSON.stringify(text)}`);
  if (options.min !== undefined && ms < options.min) throw new AgeError(`${what} must be at least ${formatAge(options.min)}, got ${JSON.stringify(text)}`);
  return ms;
}

/** An age in days, hours, minutes or seconds: exact when a unit divides it (`30d`, `90m`), else the largest unit it has at least 2 of, rounded down (`40d`, `36h`). */
export function formatAge(ms: number): string {
  const abs = Math.max(0, Math.round(ms));
  const units = (['d', 'h', 'm', 's'] as const).map((u) => [u, UNITS[u] as number] as const);
  for (const [unit, size] of units) if (abs >= size && abs % size === 0) return `${abs / size}${unit}`;
  for (const [unit, size] of units) if (abs >= 2 * size) return `${Math.floor(abs / size)}${unit}`;
  return abs >= 1000 ? `${Math.floor(abs / 1000)}s` : `${abs}ms`;
}
