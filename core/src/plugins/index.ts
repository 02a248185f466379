export type { ObjectStorage } from '../storage/object-storage.js';
export type { ConnectorContext, ObservedPartition, ReportedVersion, SourceConnector } from './connector.js';
export type { ComputeProvider, ComputeTask, PortableCompute } from './compute.js';
export { decodePortableValue, encodePortableValue } from './portable-value.js';
export { compileKeyPattern, type KeyPattern } from './key-pattern.js';
export { definePlugin, checkCompatible, isPluginInstance, secret, WEFT_VERSION, type CheckSpec, type ConnectorSpec, type PluginContext, type PluginInstance, type PluginSpec, type Resolved, type WeftPlugin } from './define-plugin.js';
export { env, isSecret, redactSecrets, resolveSecret, forgetSecrets, type SecretRef } from './secrets.js';
export { loadPlugins, type LoadedPlugins } from './load-plugins.js';
export type { ListenedInput, MaterializationEvent, MaterializationListener } from './listener.js';
/** zod, for plugins' option schemas (the version Weft validates with). */
export { z } from 'zod';
