/**
 * Rebuilds a partitions definition from its `toSpec()` output (deployments store specs; the
 * planner and API rebuild definitions from them). `partitionsFromSpec(d.toSpec())` describes the
 * same partitions as `d` and has a deep-equal spec.
 */
import { DefinitionError } from '../../errors.js';
import type { PartitionsDefinition, PartitionsSpec, SingleDimensionPartitions, TimeWindowPartitions } from '../types.js';
import { dynamicPartitions } from './dynamic.js';
import { multiPartitions } from './multi.js';
import { staticPartitions } from './static.js';
import { unpartitioned } from './unpartitioned.js';
import { cronWindows, daily, hourly, minutely, monthly, weekly, yearly, type Weekday } from './time-window.js';

type TimeSpec = Extract<PartitionsSpec, { kind: 'time' }>;

/** Rebuilds time-window partitions from a `time` spec. */
function timeFromSpec(spec: TimeSpec): TimeWindowPartitions {
  const base = {
    start: spec.start,
    ...(spec.end === null ? {} : { end: spec.end }),
    timezone: spec.timezone,
    lagMinutes: spec.lagMinutes,
  };
  switch (spec.granularity) {
    case 'minute':
      return minutely(base);
    case 'hour':
      return hourly(base);
    case 'day':
      return daily(base);
    case 'week':
      return weekly({ ...base, weekStartsOn: (spec.weekStartsOn ?? 1) as Weekday });
    case 'month':
      return monthly(base);
    case 'year':
      return yearly(base);
    case 'cron':
      return cronWindows({ ...base, cron: spec.cron ?? '' });
    default:
      throw new DefinitionError('definition.bad_option', `unknown time granularity ${JSON.stringify(spec.granularity)} in a partitions spec`, {
        field: 'partitions.granularity',
      });
  }
}

/** Rebuilds the definition a spec describes; throws a DefinitionError for an invalid spec. */
export function partitionsFromSpec(spec: PartitionsSpec): PartitionsDefinition {
  switch (spec?.kind) {
    case 'time':
      return timeFromSpec(spec);
    case 'unpartitioned':
      return unpartitioned();
    case 'static':
      return staticPartitions(spec.keys);
    case 'dynamic':
      return dynamicPartitions({ name: spec.name });
    case 'multi': {
      const dimensions: Record<string, SingleDimensionPartitions> = {};
      for (const { name, spec: dimension } of spec.dimensions) {
        const definition = partitionsFromSpec(dimension);
        if (definition.kind === 'multi' || definition.kind === 'unpartitioned') {
          throw new DefinitionError('definition.bad_option', `dimension "${name}" of a multi spec is ${definition.kind}, not a single dimension`, {
            field: `partitions.dimensions.${name}`,
          });
        }
        Object.defineProperty(dimensions, name, { value: definition, enumerable: true });
      }
      return multiPartitions(dimensions);
    }
    default:
      throw new DefinitionError('definition.bad_option', `unknown partitions spec kind ${JSON.stringify((spec as { kind?: unknown } | null)?.kind)}`, {
        field: 'partitions.kind',
      });
  }
}
