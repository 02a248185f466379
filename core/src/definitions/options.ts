import { DefinitionError } from '../errors.js';
import type { AssetOptions } from './types.js';

const KNOWN = new Set(['version', 'computeProvider', 'concurrency', 'batchSize', 'priority', 'retry', 'timeoutMs', 'group', 'description', 'metadata']);

function positiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Validates an asset's options, throwing a DefinitionError naming the asset and the field. */
export function checkAssetOptions(assetKey: string, options: AssetOptions & Record<string, unknown>): void {
  const fail = (field: string, message: string): never => {
    throw new DefinitionError('definition.bad_option', `asset ${assetKey}: ${field} ${message}`, { assetKey, field });
  };
  for (const name of Object.keys(options)) if (!KNOWN.has(name)) fail(name, `is not an asset option (options: ${[...KNOWN].join(', ')})`);
  if (options.version !== undefined && (typeof options.version !== 'string' || options.version.trim() === '')) fail('version', `must be a non-empty string, got ${JSON.stringify(options.version)}`);
  if (options.computeProvider !== undefined && (typeof options.computeProvider !== 'string' || options.computeProvider === '')) fail('computeProvider', 'must be a provider name');
  if (options.concurrency !== undefined && !positiveInteger(options.concurrency)) fail('concurrency', `must be a positive integer, got ${JSON.stringify(options.concurrency)}`);
  if (options.batchSize !== undefined && !positiveInteger(options.batchSize)) fail('batchSize', `must be a positive integer, got ${JSON.stringify(options.batchSize)}`);
  if (options.priority !== undefined && !(typeof options.priority === 'number' && Number.isFinite(options.priority))) fail('priority', `must be a finite number, got ${JSON.stringify(options.priority)}`);
  if (options.timeoutMs !== undefined && !positiveInteger(options.timeoutMs)) fail('timeoutMs', `must be a positive integer of milliseconds, got ${JSON.stringify(options.timeoutMs)}`);
  const retry = options.retry;
  if (retry !== undefined) {
    if (typeof retry !== 'object' || retry === null) fail('retry', 'must be an object');
    if (retry.maximumAttempts !== undefined && !positiveInteger(retry.maximumAttempts)) fail('retry.maximumAttempts', `must be a positive integer, got ${JSON.stringify(retry.maximumAttempts)}`);
    if (retry.initialIntervalMs !== undefined && !positiveInteger(retry.initialIntervalMs)) fail('retry.initialIntervalMs', 'must be a positive integer');
    if (retry.maximumIntervalMs !== undefined && !positiveInteger(retry.maximumIntervalMs)) fail('retry.maximumIntervalMs', 'must be a positive integer');
    if (retry.backoffCoefficient !== undefined && !(typeof retry.backoffCoefficient === 'number' && retry.backoffCoefficient >= 1)) fail('retry.backoffCoefficient', 'must be a number ≥ 1');
  }
}
