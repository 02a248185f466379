const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A usage mistake in an option's value; the CLI prints it with the usage (exit code 2). */
export class OptionError extends Error {}

/** Parses an age like `30d`, `12h`, `90m`, `45s` or `2w` into milliseconds; `flag` names the option in errors. */
export function parseAge(text: string, flag: string, options: { min?: number } = {}): number {
  const match = /^(\d{1,9})([smhdw])$/.exec(text.trim());
  if (!match) throw new OptionError(`${flag} must be an age like 30d, 12h, 90m, 45s or 2w, got ${JSON.stringify(text)}`);
  const ms = Number(match[1]) * (UNITS[match[2] as string] as number);
  if (ms > MAX_AGE_MS) throw new OptionError(`${flag} must be at most 100 years (36500d), got ${JSON.stringify(text)}`);
  if (options.min !== undefined && ms < options.min) throw new OptionError(`${flag} must be at least ${formatAge(options.min)}, got ${JSON.stringify(text)}`);
  return ms;
}

/** The longest age accepted: 100 years (older than any timestamp Weft stores). */
const MAX_AGE_MS = 36_500 * 86_400_000;

/** An age in days, hours, minutes or seconds: exact when a unit divides it (`30d`, `90m`), else the largest unit it has at least 2 of, rounded down (`40d`, `36h`). */
export function formatAge(ms: number): string {
  const abs = Math.max(0, Math.round(ms));
  const units = (['d', 'h', 'm', 's'] as const).map((u) => [u, UNITS[u] as number] as const);
  for (const [unit, size] of units) if (abs >= size && abs % size === 0) return `${abs / size}${unit}`;
  for (const [unit, size] of units) if (abs >= 2 * size) return `${Math.floor(abs / size)}${unit}`;
  return abs >= 1000 ? `${Math.floor(abs / 1000)}s` : `${abs}ms`;
}
