/**
 * A data-quality check on a partition whose value is a list of records (what a JSON-lines source
 * or an asset computing rows produces): enough rows, required fields present, a key field unique.
 */
import { check, type CheckDefinition, type CheckOutcome } from '@weft/core';

/** Options of {@link recordsCheck}. */
export interface RecordsCheckOptions {
  /** The check's name on the asset (two checks of one asset need different names). @default 'records' */
  readonly name?: string;
  /** Fields every record must have, not null. @default none */
  readonly required?: readonly string[];
  /** At least this many records. @default 0 */
  readonly minRows?: number;
  /** A field whose values must be unique across the partition's records. */
  readonly unique?: string;
  /** A failing blocking check stops propagation downstream. @default true */
  readonly blocking?: boolean;
}

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

/** Judges one partition's value; the message says what passed or the first thing that did not. */
export function judgeRecords(value: unknown, options: RecordsCheckOptions): CheckOutcome {
  if (!Array.isArray(value)) return { passed: false, message: `expected a list of records, got ${describe(value)}` };
  const minRows = options.minRows ?? 0;
  if (value.length < minRows) return { passed: false, message: `${value.length} records, at least ${minRows} expected` };
  const seen = new Map<string, number>();
  for (const [i, record] of value.entries()) {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return { passed: false, message: `record ${i} is ${describe(record)}, not an object` };
    for (const field of options.required ?? []) {
      const v = (record as Record<string, unknown>)[field];
      if (v === undefined || v === null) return { passed: false, message: `record ${i} has no ${field}` };
    }
    if (options.unique !== undefined) {
      const v = (record as Record<string, unknown>)[options.unique];
      const k = JSON.stringify(v) ?? 'undefined';
      const first = seen.get(k);
      if (first !== undefined) return { passed: false, message: `records ${first} and ${i} have the same ${options.unique} ${k}` };
      seen.set(k, i);
    }
  }
  const what = [options.required?.length ? `with ${options.required.join(', ')}` : '', options.unique ? `${options.unique} unique` : ''].filter(Boolean).join(', ');
  return { passed: true, message: `${value.length} records${what ? ` ${what}` : ''}` };
}

/** The check itself (the plugin's `records` kind calls this with validated options). */
export function recordsCheck(options: RecordsCheckOptions): CheckDefinition<unknown> {
  return check<unknown>({
    name: options.name ?? 'records',
    blocking: options.blocking ?? true,
    description: `records: ${JSON.stringify({ required: options.required ?? [], minRows: options.minRows ?? 0, unique: options.unique ?? null })}`,
    fn: (value) => judgeRecords(value, options),
  });
}
