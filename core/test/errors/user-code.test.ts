import { describe, expect, it } from 'vitest';
import { callUserCode, classifyError, failureFingerprint, failureStack, TransientError, UserCodeError } from '../../src/index.js';

function parse(line: string): number {
  if (!/^\d+$/.test(line)) throw new Error(`row "${line}" is not a number`);
  return Number(line);
}

describe('failureStack', () => {
  it('keeps the thrown error\'s stack, then each cause as "Caused by:"', () => {
    const root = new TypeError('socket closed');
    const middle = new Error('query failed', { cause: root });
    const top = new Error('loading orders failed', { cause: middle });
    const stack = failureStack(top) ?? '';
    const sections = stack.split(/\nCaused by: /);
    expect(sections.map((s) => s.split('\n')[0])).toEqual(['Error: loading orders failed', 'Error: query failed', 'TypeError: socket closed']);
    expect(sections[0]).toMatch(/\n\s+at .*user-code\.test\.ts:\d+:\d+/);
  });

  it('stops at a cycle of causes and after 8 levels', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect((failureStack(b) ?? '').split('Caused by: ')).toHaveLength(2);
    let deep = new Error('level 0');
    for (let i = 1; i < 20; i++) deep = new Error(`level ${i}`, { cause: deep });
    expect((failureStack(deep) ?? '').split('Caused by: ')).toHaveLength(8);
  });

  it('is null for an error without a stack, and names a non-Error cause by its text only when it is an Error', () => {
    const bare = new Error('no stack');
    bare.stack = undefined;
    expect(failureStack(bare)).toBeNull();
    const withString = new Error('outer', { cause: 'a string' });
    expect(failureStack(withString)).not.toContain('Caused by');
  });

  it('reaches the user function\'s frame through the user-code boundary', async () => {
    const thrown = await callUserCode('compute', { assetKey: 'orders', partitionKey: '2024-01-02' }, () => parse('x7')).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(UserCodeError);
    const cause = (thrown as UserCodeError).cause as Error;
    expect(failureStack(cause)).toMatch(/^Error: row "x7" is not a number\n\s+at parse \(.*user-code\.test\.ts:\d+:\d+\)/);
  });
});

describe('failureFingerprint and classifyError', () => {
  it.each([
    ['the same failure with other numbers and quoted values', () => new Error('row "a1" at line 7 is bad'), () => new Error('row "zz" at line 912 is bad'), true],
    ['another message', () => new Error('row is bad'), () => new Error('column is bad'), false],
    ['another error class', () => new TypeError('bad'), () => new RangeError('bad'), false],
  ] as const)('%s', (_name, a, b, same) => {
    expect(failureFingerprint(a()) === failureFingerprint(b())).toBe(same);
  });

  it.each([
    [new TransientError('rate limited'), 'transient'],
    [Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 'transient'],
    [new Error('wrapped', { cause: Object.assign(new Error('t'), { code: 'ETIMEDOUT' }) }), 'transient'],
    [new Error('division by zero'), 'actionable'],
  ] as const)('classifies %s as %s', (error, expected) => {
    expect(classifyError(error)).toBe(expected);
  });
});
