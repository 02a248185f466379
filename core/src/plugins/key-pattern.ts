import { WeftError } from '../errors.js';

const PLACEHOLDERS: Record<string, string> = {
  date: '(\\d{4}-\\d{2}-\\d{2})',
  hour: '(\\d{2})',
  minute: '(\\d{2})',
  month: '(\\d{4}-\\d{2})',
  year: '(\\d{4})',
  key: '([^/]+)',
};

/** A compiled key pattern: matching object keys to partition keys and back. */
export interface KeyPattern {
  readonly prefix: string;
  match(objectKey: string): string | undefined;
  objectKey(partitionKey: string): string;
}

/**
 * Compiles an object key pattern with placeholders: `{date}` (YYYY-MM-DD), `{hour}` (HH),
 * `{minute}` (mm), `{month}` (YYYY-MM), `{year}` (YYYY) for time partitions, `{key}` for a whole
 * static or dynamic key. E.g. `readings/{date}/{hour}.csv` matches partitions `2024-01-31T05:00`.
 * Shared by the connectors that observe objects or files by pattern.
 */
export function compileKeyPattern(pattern: string): KeyPattern {
  const names: string[] = [];
  let regex = '^';
  let last = 0;
  for (const m of pattern.matchAll(/\{(\w+)\}/g)) {
    const name = m[1] as string;
    const group = PLACEHOLDERS[name];
    if (!group) throw new WeftError('definition.bad_option', `key pattern ${JSON.stringify(pattern)}: unknown placeholder {${name}} (use ${Object.keys(PLACEHOLDERS).map((p) => `{${p}}`).join(', ')})`, { field: 'observe.key' });
    if (names.includes(name)) throw new WeftError('definition.bad_option', `key pattern ${JSON.stringify(pattern)}: {${name}} appears twice`, { field: 'observe.key' });
    regex += pattern.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + group;
    names.push(name);
    last = (m.index ?? 0) + m[0].length;
  }
  regex += `${pattern.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  if (names.length === 0) throw new WeftError('definition.bad_option', `key pattern ${JSON.stringify(pattern)} has no placeholder`, { field: 'observe.key' });
  const has = (n: string): boolean => names.includes(n);
  if (has('hour') && !has('date')) throw new WeftError('definition.bad_option', `key pattern ${JSON.stringify(pattern)}: {hour} needs {date}`, { field: 'observe.key' });
  if (has('minute') && !has('hour')) throw new WeftError('definition.bad_option', `key pattern ${JSON.stringify(pattern)}: {minute} needs {hour}`, { field: 'observe.key' });
  const re = new RegExp(regex);
  const firstPlaceholder = pattern.indexOf('{');
  return {
    prefix: pattern.slice(0, firstPlaceholder),
    match(objectKey) {
      const m = re.exec(objectKey);
      if (!m) return undefined;
      const v = Object.fromEntries(names.map((n, i) => [n, m[i + 1] as string]));
      if (v['key'] !== undefined) return v['key'];
      if (v['date'] !== undefined) return v['hour'] !== undefined ? `${v['date']}T${v['hour']}:${v['minute'] ?? '00'}` : v['date'];
      return v['month'] ?? v['year'];
    },
    objectKey(partitionKey) {
      const values: Record<string, string> = {};
      const time = /^(\d{4})-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}))?)?$/.exec(partitionKey);
      if (has('key')) values['key'] = partitionKey;
      else if (time) {
        values['year'] = time[1] as string;
        values['month'] = `${time[1]}-${time[2]}`;
        if (time[3]) values['date'] = `${time[1]}-${time[2]}-${time[3]}`;
        if (time[4]) values['hour'] = time[4];
        if (time[5]) values['minute'] = time[5];
      }
      return pattern.replace(/\{(\w+)\}/g, (_m, n: string) => {
        const value = values[n];
        if (value === undefined) throw new WeftError('definition.bad_partition_key', `partition ${JSON.stringify(partitionKey)} does not fill {${n}} of ${JSON.stringify(pattern)}`, { partitionKey, field: 'observe.key' });
        return value;
      });
    },
  };
}

