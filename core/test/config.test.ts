import { describe, expect, it } from 'vitest';
import { DefinitionError, defineConfig, MAX_INLINE_VALUE_BYTES, retentionSchedule, type WeftConfig } from '../src/index.js';

function configError(config: WeftConfig): DefinitionError {
  try {
    defineConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(DefinitionError);
    return error as DefinitionError;
  }
  throw new Error(`defineConfig accepted ${JSON.stringify(config)}`);
}

describe('weft.config retention', () => {
  it('turns ages into a policy and an interval (every defaults to 1h)', () => {
    expect(retentionSchedule({ events: '30d', detail: '90d', checks: '2w' })).toEqual({
      policy: { eventsOlderThanMs: 30 * 86_400_000, detailOlderThanMs: 90 * 86_400_000, checksOlderThanMs: 14 * 86_400_000 },
      everyMs: 3_600_000,
    });
    expect(retentionSchedule({ detail: '1h', every: '10m' })).toEqual({ policy: { detailOlderThanMs: 3_600_000 }, everyMs: 600_000 });
    const config = { location: 'site', retention: { events: '7d', every: '6h' } };
    expect(defineConfig(config)).toBe(config);
  });

  it('names the field at fault', () => {
    const cases: Array<[WeftConfig['retention'], string, RegExp]> = [
      [{ events: '30 days' }, 'retention.events', /retention\.events must be an age like 30d.*got "30 days"/],
      [{ detail: '30m' }, 'retention.detail', /retention\.detail must be at least 1h, got "30m"/],
      [{ checks: '40000d' }, 'retention.checks', /retention\.checks must be at most 100 years/],
      [{ events: '1d', every: '30s' }, 'retention.every', /retention\.every must be at least 1m, got "30s"/],
      [{ every: '1h' }, 'retention', /retention needs events, detail and\/or checks/],
      [{ events: 30 as unknown as string }, 'retention.events', /retention\.events must be an age like 30d.*got 30/],
    ];
    for (const [retention, field, message] of cases) {
      const error = configError({ retention });
      expect(error.code).toBe('definition.bad_option');
      expect(error.context.field, JSON.stringify(retention)).toBe(field);
      expect(error.message).toMatch(message);
      expect(error.message.startsWith('weft.config: ')).toBe(true);
    }
    expect(configError({ retention: null as unknown as WeftConfig['retention'] }).context.field).toBe('retention');
  });
});

describe('weft.config inlineValueBytes', () => {
  it('takes a whole number of bytes from 0 to the store limit', () => {
    for (const inlineValueBytes of [0, 1024, MAX_INLINE_VALUE_BYTES]) expect(defineConfig({ inlineValueBytes }).inlineValueBytes).toBe(inlineValueBytes);
  });

  it.each([-1, 1.5, MAX_INLINE_VALUE_BYTES + 1, Number.NaN])('refuses %s, naming the field', (inlineValueBytes) => {
    const error = configError({ inlineValueBytes });
    expect(error.context.field).toBe('inlineValueBytes');
    expect(error.message).toMatch(/weft\.config: inlineValueBytes must be a whole number of bytes from 0 to 65536/);
  });
});
