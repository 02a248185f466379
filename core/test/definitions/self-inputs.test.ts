import { describe, expect, it } from 'vitest';
import { asset, daily, DefinitionError, loadDefinitions, offset, self, window } from '../../src/index.js';

describe('self inputs', () => {
  it('accept a lenient offset(-1) and a backward window', () => {
    const a = asset({ key: 'running', partitions: daily({ start: '2024-01-01' }), inputs: { prev: self<number>(offset(-1)) }, compute: ({ prev }) => (prev ?? 0) + 1 });
    const b = asset({ key: 'trailing', partitions: daily({ start: '2024-01-01' }), inputs: { prev: self<number>(window(3, { offset: -1 })) }, compute: ({ prev }) => prev.size });
    expect(loadDefinitions([a, b]).order).toEqual(['running', 'trailing']);
  });

  it('reject a strict offset that would block the first partition forever', () => {
    const a = asset({ key: 'running', partitions: daily({ start: '2024-01-01' }), inputs: { prev: self<number>(offset(-1, { strict: true })) }, compute: () => 1 });
    const error = (() => {
      try {
        loadDefinitions([a]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error).toMatchObject({ code: 'definition.cycle', context: { assetKey: 'running', field: 'inputs.prev' } });
    expect((error as Error).message).toContain('the first partition would wait forever');
  });
});
