import { describe, expect, it } from 'vitest';
import { asset, catalogOf, daily, DefinitionError, graphFromCatalog, hourly, input, loadDefinitions, offset, rollup, self, source, staticPartitions, multiPartitions, window, check, type CatalogAsset } from '../../src/index.js';

const raw = source({ key: 'raw', partitions: hourly({ start: '2024-01-01T00:00' }), observeIntervalMs: 5000, description: 'hourly files' });
const regions = staticPartitions(['eu', 'us']);
const daily_ = daily({ start: '2024-01-01' });
const clean = asset({ key: 'clean', partitions: daily_, inputs: { hours: input(raw, rollup()) }, compute: ({ hours }) => hours.size, group: 'ingest', description: 'cleaned', computeProvider: 'k8s', concurrency: 4, retry: { maximumAttempts: 3 }, checks: [check({ name: 'positive', blocking: true, description: 'more than 0', fn: (v: number) => v > 0 })] });
const running = asset({ key: 'running', partitions: daily_, inputs: { today: clean, prev: self<number>(offset(-1)) }, compute: ({ today, prev }) => today + (prev ?? 0), group: 'finance' });
const weekly = asset({ key: 'trailing', partitions: daily_, inputs: { last7: input(clean, window(7), { respectBlockingChecks: false }) }, compute: ({ last7 }) => last7.size });
const byRegion = asset({ key: 'by_region', partitions: multiPartitions({ region: regions, day: daily_ }), inputs: {}, compute: () => 1, metadata: { owner: 'team-a' } });

describe('the catalog of a deployment', () => {
  const graph = loadDefinitions([raw, clean, running, weekly, byRegion]);
  const catalog = catalogOf(graph);

  it('is plain JSON holding what the API shows', () => {
    expect(JSON.parse(JSON.stringify(catalog))).toEqual(catalog);
    const c = catalog.find((a) => a.key === 'clean');
    expect(c).toMatchObject({ kind: 'asset', group: 'ingest', description: 'cleaned', computeProvider: 'k8s', concurrency: 4, retry: { maximumAttempts: 3 }, checks: [{ name: 'positive', blocking: true, description: 'more than 0' }] });
    expect(c?.inputs[0]).toMatchObject({ name: 'hours', upstream: 'raw', mapping: { kind: 'rollup' }, cardinality: 'many', mappingDescription: expect.stringContaining('rollup') });
    expect(catalog.find((a) => a.key === 'raw')).toMatchObject({ kind: 'source', observeIntervalMs: 5000, description: 'hourly files' });
  });

  it('rebuilds the same graph without the code: order, partitions, mappings, options', () => {
    const rebuilt = graphFromCatalog(JSON.parse(JSON.stringify(catalog)) as CatalogAsset[]);
    expect(rebuilt.order).toEqual(graph.order);
    expect(catalogOf(rebuilt)).toEqual(catalog);
    const node = rebuilt.node('running');
    expect(node.inputs.find((i) => i.name === 'prev')?.self).toBe(true);
    expect(rebuilt.node('trailing').inputs[0]?.respectBlockingChecks).toBe(false);
  });

  it('its compute cannot run outside the workers', () => {
    const rebuilt = graphFromCatalog(catalog);
    const def = rebuilt.node('clean').definition;
    expect(def.kind).toBe('asset');
    if (def.kind === 'asset') expect(() => def.compute({} as never, {} as never)).toThrow(/runs only in its workers/);
  });

  it('reads the older shape (keys, partitions, inputs only)', () => {
    const old = [
      { key: 'a', kind: 'asset', partitions: daily_.toSpec(), inputs: [] },
      { key: 'b', kind: 'asset', partitions: daily_.toSpec(), inputs: [{ name: 'a', upstream: 'a', mapping: { kind: 'identity', strict: true } }] },
    ] as CatalogAsset[];
    expect(graphFromCatalog(old).order).toEqual(['a', 'b']);
  });

  it('names the asset and input it cannot rebuild', () => {
    const bad = [
      { key: 'a', kind: 'asset', partitions: daily_.toSpec(), inputs: [] },
      { key: 'b', kind: 'asset', partitions: daily_.toSpec(), inputs: [{ name: 'x', upstream: 'a', mapping: { kind: 'custom' } }] },
    ] as CatalogAsset[];
    expect(() => graphFromCatalog(bad)).toThrow(DefinitionError);
    expect(() => graphFromCatalog(bad)).toThrow(/asset b, input x: mapping kind "custom" is not built in/);
    const missing = [{ key: 'b', kind: 'asset', partitions: daily_.toSpec(), inputs: [{ name: 'x', upstream: 'nope', mapping: { kind: 'identity' } }] }] as CatalogAsset[];
    expect(() => graphFromCatalog(missing)).toThrow(/upstream nope is not in the catalog/);
  });
});
