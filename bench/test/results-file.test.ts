/* eslint-disable @typescript-eslint/no-explicit-any -- the file is JSON the test reads field by field. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LATEST_RESULTS, writeLatest } from '../src/results-file.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('bench/results/latest.json', () => {
  it('holds every result with the machine and the load at start and end, written whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-bench-results-'));
    dirs.push(dir);
    const path = join(dir, 'nested', 'latest.json');
    const results = [{ bench: 'planner', scale: 2000, ok: true, fullPlanMs: 12.5 }, { bench: 'reaction', scale: 2000, ok: false }];
    expect(writeLatest({ startedAt: new Date('2026-12-06T10:00:00Z'), loadAtStart: [3.5, 2, 1], smoke: true, scale: undefined, results, failed: ['reaction'] }, path)).toBe(path);
    const written = JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
    expect(written).toMatchObject({ startedAt: '2026-12-06T10:00:00.000Z', mode: 'smoke', failed: ['reaction'], results, loadAverage: { atStart: [3.5, 2, 1] } });
    expect(written['loadAverage'].atEnd).toHaveLength(3);
    expect(written['machine']).toMatchObject({ cores: expect.any(Number), cpu: expect.any(String), node: process.version });
    expect(Date.parse(written['finishedAt'])).toBeGreaterThanOrEqual(Date.parse(written['startedAt']));
    // No temporary file is left beside it.
    expect(readdirSync(join(dir, 'nested'))).toEqual(['latest.json']);
  });

  it('goes to bench/results/latest.json by default', () => {
    expect(LATEST_RESULTS.endsWith(join('bench', 'results', 'latest.json'))).toBe(true);
  });
});
