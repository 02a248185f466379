import { describe, expect, it } from 'vitest';
import { ComputeLog, MAX_LINES, MAX_MESSAGE_BYTES } from '../src/runtime/compute-log.js';

const where = { assetKey: 'a', partitionKey: '2024-01-01', token: 'f'.repeat(64), attempt: 2 };

describe('a compute’s log', () => {
  it('keeps lines in order with their level and fields, and echoes them as JSON', () => {
    const echoed: string[] = [];
    const log = new ComputeLog(() => 1000, (l) => echoed.push(l));
    const l = log.logger(where);
    l.log('read 3 rows', { rows: 3 });
    l.log('odd value', { level: 'warn', value: -1 });
    l.log('shouted', { level: 'LOUD' });
    l.close();
    expect(log.lines).toEqual([
      { ...where, line: 0, at: 1000, level: 'info', message: 'read 3 rows', fields: { rows: 3 } },
      { ...where, line: 1, at: 1000, level: 'warn', message: 'odd value', fields: { value: -1 } },
      { ...where, line: 2, at: 1000, level: 'info', message: 'shouted' },
    ]);
    expect(JSON.parse(echoed[1] ?? '')).toEqual({ asset: 'a', partition: '2024-01-01', level: 'warn', message: 'odd value', value: -1 });
  });

  it('caps an attempt at MAX_LINES and says how many it dropped', () => {
    const log = new ComputeLog(() => 0, () => {});
    const l = log.logger(where);
    for (let i = 0; i < MAX_LINES + 500; i++) l.log(`line ${i}`);
    l.close();
    expect(log.lines).toHaveLength(MAX_LINES);
    expect(log.lines.at(-1)).toMatchObject({ level: 'warn', line: MAX_LINES - 1, message: `501 more log line(s) dropped: an attempt keeps at most ${MAX_LINES}` });
    expect(log.lines.map((x) => x.line)).toEqual([...Array(MAX_LINES).keys()]);
  });

  it('truncates a huge message on a character boundary and says its size', () => {
    const log = new ComputeLog(() => 0, () => {});
    log.logger(where).log('é'.repeat(MAX_MESSAGE_BYTES));
    const message = log.lines[0]?.message ?? '';
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(message).toMatch(/^é+… \(truncated: 32768 bytes\)$/);
  });
});
