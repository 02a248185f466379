/**
 * What changed in weft.config.ts between two loads, for `weft dev`'s reloads: a redeploy takes new
 * assets globs, concurrency limits, batch size and retention; the code location, Temporal settings,
 * storage, compute providers and plugins are the running process's and need a restart.
 */
import type { WeftConfig } from '@weft/core';

/** Config fields a redeploy applies. */
export const RELOADED_FIELDS = ['assets', 'concurrency', 'batchSize', 'retention'] as const;
/** Config fields only a restart of `weft dev` applies. */
export const RESTART_FIELDS = ['location', 'temporal', 'storage', 'compute', 'plugins'] as const;

/** The fields of each kind that differ between `before` and `after`. */
export interface ConfigChanges {
  readonly reloaded: string[];
  readonly needRestart: string[];
  /**
   * Restart fields that look the same but hold code (a provider's methods close over the options
   * it was made with, which no comparison can see): when weft.config.ts itself was edited, they
   * may have changed.
   */
  readonly mayNeedRestart: string[];
}

/**
 * Compares two loads of weft.config.ts field by field (see {@link fingerprint} for how).
 * `configEdited`: weft.config.ts itself was among the files changed.
 */
export function configChanges(before: WeftConfig, after: WeftConfig, configEdited = false): ConfigChanges {
  const differs = (field: keyof WeftConfig): boolean => fingerprint(before[field]) !== fingerprint(after[field]);
  const needRestart = RESTART_FIELDS.filter(differs);
  const mayNeedRestart = configEdited ? RESTART_FIELDS.filter((f) => !needRestart.includes(f) && holdsCode(after[f])) : [];
  return { reloaded: RELOADED_FIELDS.filter(differs), needRestart, mayNeedRestart };
}

/** Whether a value holds functions anywhere (whose closures a fingerprint cannot see). */
function holdsCode(value: unknown, depth = 0): boolean {
  if (typeof value === 'function') return true;
  if (value === null || typeof value !== 'object' || depth > 8) return false;
  if (Object.getPrototypeOf(value) !== Object.prototype && !Array.isArray(value)) return true;
  return Object.values(value).some((v) => holdsCode(v, depth + 1));
}

/**
 * A text that is the same for two loads of one unchanged config value: plain data as JSON, a
 * function by its source, an object (a storage or compute provider, a plugin instance) by its
 * class and its own fields, in key order. Providers built from the same options by the same code
 * match; changed options or code differ. Cycles and depth past 8 stop the walk.
 */
export function fingerprint(value: unknown, depth = 0, seen = new Set<unknown>()): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return `fn:${value.toString()}`;
  if (typeof value !== 'object') return JSON.stringify(value) ?? String(value);
  if (seen.has(value) || depth > 8) return '…';
  seen.add(value);
  try {
    if (Array.isArray(value)) return `[${value.map((v) => fingerprint(v, depth + 1, seen)).join(',')}]`;
    if (value instanceof Date) return `date:${value.toISOString()}`;
    if (value instanceof RegExp) return `re:${value.toString()}`;
    const proto: unknown = Object.getPrototypeOf(value);
    const kind = proto === Object.prototype || proto === null ? '' : (proto as { constructor?: { name?: string } }).constructor?.name ?? '?';
    const keys = Object.keys(value).sort();
    const fields = keys.map((k) => `${JSON.stringify(k)}:${fingerprint((value as Record<string, unknown>)[k], depth + 1, seen)}`);
    // Methods of a class instance are its class's: its source stands for them.
    const methods = kind && proto && typeof (proto as { constructor?: unknown }).constructor === 'function' ? `src:${String((proto as { constructor: () => void }).constructor)}` : '';
    return `${kind}{${fields.join(',')}}${methods}`;
  } finally {
    seen.delete(value);
  }
}
