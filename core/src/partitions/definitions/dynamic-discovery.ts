/**
 * The dynamic keys a source's observation brings: a connector reports every partition that exists,
 * also keys nobody added yet (a new customer's file). For a dynamic definition, or a dynamic
 * dimension of a multi-dimensional one, these are the values to add to each named key set so the
 * reported partitions exist.
 */
import type { PartitionContext, PartitionKey, PartitionsDefinition } from '../types.js';
import { partitionKeyProblem } from './key-rules.js';

/**
 * Per dynamic key set, the values `keys` would need added (first-seen order, each once) so that they
 * are partitions of `def` in `ctx`. A key is only taken when everything else about it is valid: its
 * shape, and its static and time values (a multi-dimensional key outside a time dimension's range
 * adds nothing). Values that are not valid partition keys are left out.
 */
export function discoveredDynamicKeys(def: PartitionsDefinition, keys: Iterable<PartitionKey>, ctx: PartitionContext): Map<string, PartitionKey[]> {
  const found = new Map<string, PartitionKey[]>();
  const seen = new Set<string>();
  const add = (name: string, value: PartitionKey): void => {
    const id = `${name}\u0000${value}`;
    if (seen.has(id)) return;
    seen.add(id);
    const list = found.get(name) ?? [];
    list.push(value);
    found.set(name, list);
  };
  if (def.kind === 'dynamic') {
    for (const key of keys) if (partitionKeyProblem(key) === undefined && def.indexOf(key, ctx) === undefined) add(def.name, key);
    return found;
  }
  if (def.kind !== 'multi' || !def.dimensions.some((d) => d.definition.kind === 'dynamic')) return found;
  for (const key of keys) {
    if (def.checkKey(key) !== undefined || def.indexOf(key, ctx) !== undefined) continue;
    const values = def.splitKey(key);
    if (values === undefined) continue;
    const missing: Array<[string, PartitionKey]> = [];
    let valid = true;
    for (const { name, definition } of def.dimensions) {
      const value = values[name] ?? '';
      if (definition.indexOf(value, ctx) !== undefined) continue;
      if (definition.kind === 'dynamic' && partitionKeyProblem(value) === undefined) missing.push([definition.name, value]);
      else valid = false;
    }
    if (valid) for (const [name, value] of missing) add(name, value);
  }
  return found;
}
