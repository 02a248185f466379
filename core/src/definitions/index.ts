export * from './types.js';
export { asset, input, self, type AssetConfig } from './asset.js';
export { source, type SourceConfig } from './source.js';
export { check, notEmpty, type CheckConfig } from './check.js';
export { checkAssetKey } from './asset-key.js';
export { loadDefinitions, collectDefinitions, type AssetGraph, type GraphNode, type ResolvedInput } from './graph.js';
export { catalogOf, graphFromCatalog, type CatalogAsset, type CatalogInput, type CatalogCheck } from './catalog.js';
