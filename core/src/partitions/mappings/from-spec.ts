import { DefinitionError } from '../../errors.js';
import { all, fromUnpartitioned, identity, staticMap } from './identity.js';
import { dimension, perDimension } from './multi-dimensional.js';
import { fanOut, offset, rollup, timeOverlap, window } from './time-overlap.js';
import type { MappingSpec, PartitionMapping } from './types.js';

function bad(spec: MappingSpec, field: string, why: string): DefinitionError {
  return new DefinitionError('definition.bad_option', `mapping spec ${JSON.stringify(spec)}: ${why}`, { field: `mapping.${field}` });
}

function strictOf(spec: MappingSpec): { strict?: boolean } {
  if (spec.strict === undefined) return {};
  if (typeof spec.strict !== 'boolean') throw bad(spec, 'strict', 'strict must be a boolean');
  return { strict: spec.strict };
}

function integerOf(spec: MappingSpec, field: string): number {
  const value = spec[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw bad(spec, field, `${field} must be an integer`);
  return value;
}

/**
 * Rebuilds a built-in mapping from its `toSpec()` output (deployments store specs; the API server
 * rebuilds the asset graph from them without the user's code). A user-defined mapping kind is not
 * known here: it throws a DefinitionError naming the kind, and callers decide what to do without it.
 */
export function mappingFromSpec(spec: MappingSpec): PartitionMapping {
  switch (spec?.kind) {
    case 'identity':
      return identity(strictOf(spec));
    case 'all':
      return all();
    case 'fromUnpartitioned':
      return fromUnpartitioned();
    case 'staticMap': {
      const map = spec.map;
      if (typeof map !== 'object' || map === null || Array.isArray(map)) throw bad(spec, 'map', 'map must be an object of upstream key → downstream key(s)');
      return staticMap(map as Record<string, string | string[]>);
    }
    case 'rollup':
      return rollup(strictOf(spec));
    case 'fanOut':
      return fanOut(strictOf(spec));
    case 'timeOverlap':
      return timeOverlap(strictOf(spec));
    case 'offset':
      return offset(integerOf(spec, 'offset'), strictOf(spec));
    case 'window':
      return window(integerOf(spec, 'size'), { ...strictOf(spec), offset: integerOf(spec, 'offset') });
    case 'perDimension': {
      const dims = spec.dimensions;
      if (typeof dims !== 'object' || dims === null) throw bad(spec, 'dimensions', 'dimensions must be an object of dimension name → mapping spec');
      return perDimension(Object.fromEntries(Object.entries(dims as Record<string, MappingSpec>).map(([name, s]) => [name, mappingFromSpec(s)])));
    }
    case 'dimension': {
      if (typeof spec.name !== 'string') throw bad(spec, 'name', 'name must be a string');
      return dimension(spec.name, spec.mapping === null || spec.mapping === undefined ? undefined : mappingFromSpec(spec.mapping as MappingSpec));
    }
    default:
      throw new DefinitionError('definition.bad_option', `mapping kind ${JSON.stringify(spec?.kind)} is not built in: only the code that defined it can rebuild it`, { field: 'mapping.kind' });
  }
}
