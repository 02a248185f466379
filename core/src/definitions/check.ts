import { DefinitionError } from '../errors.js';
import type { CheckDefinition, CheckOutcome, ComputeContext } from './types.js';

/** What `check()` takes. */
export interface CheckConfig<T> {
  readonly name: string;
  /** A failing blocking check stops propagation downstream. @default false */
  readonly blocking?: boolean;
  readonly description?: string;
  readonly fn: (value: T, ctx: ComputeContext) => CheckOutcome | Promise<CheckOutcome>;
}

/** Defines a data-quality check on an asset's partitions. */
export function check<T>(config: CheckConfig<T>): CheckDefinition<T> {
  if (typeof config.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(config.name)) {
    throw new DefinitionError('definition.bad_option', `check name ${JSON.stringify(config.name)} must start with a letter or _ and contain only letters, digits, _ and -`, { field: 'checks' });
  }
  if (typeof config.fn !== 'function') throw new DefinitionError('definition.bad_option', `check ${config.name}: fn must be a function`, { field: 'checks' });
  return { name: config.name, blocking: config.blocking ?? false, description: config.description, fn: config.fn };
}

/** Passes when the value is not empty: a non-empty array, string, Map, Set or object with keys. */
export function notEmpty(options: { blocking?: boolean } = {}): CheckDefinition<unknown> {
  return check<unknown>({
    name: 'not_empty',
    blocking: options.blocking ?? true,
    description: 'the value is not empty',
    fn: (value) => {
      if (value === null || value === undefined) return { passed: false, message: `value is ${String(value)}` };
      if (typeof value === 'string' || Array.isArray(value)) return { passed: value.length > 0, message: `length ${value.length}` };
      if (value instanceof Map || value instanceof Set) return { passed: value.size > 0, message: `size ${value.size}` };
      if (value instanceof Uint8Array) return { passed: value.byteLength > 0, message: `${value.byteLength} bytes` };
      if (typeof value === 'object') return { passed: Object.keys(value).length > 0, message: `${Object.keys(value).length} keys` };
      return true;
    },
  });
}
