/**
 * How a task on Kubernetes failed, with the retry decision Weft acts on: transient (the cluster's
 * doing: OOMKilled, eviction, preemption, an image pull, a lost node, an API outage) or actionable
 * (the compute's own error, a non-zero exit, a Job the API refuses).
 */
import { WeftError, type FailureClass, type WeftErrorContext } from '@weft/core';

/** Why a task failed, for messages, fingerprints and tests. */
export type KubernetesFailureReason =
  | 'oom-killed'
  | 'evicted'
  | 'disrupted'
  | 'image-pull'
  | 'container-config'
  | 'node-lost'
  | 'pod-deleted'
  | 'exit-code'
  | 'compute-error'
  | 'no-result'
  | 'api';

/** What a {@link KubernetesTaskError} is about, besides the asset and partition. */
export interface KubernetesFailureContext extends WeftErrorContext {
  readonly reason: KubernetesFailureReason;
  readonly namespace: string;
  readonly job: string;
  readonly pod?: string;
  readonly exitCode?: number;
  /** The API's HTTP status, for `api` failures. */
  readonly status?: number;
}

/** A task that failed on Kubernetes; its `failureClass` is Weft's retry decision. */
export class KubernetesTaskError extends WeftError {
  override readonly name: string = 'KubernetesTaskError';
  declare readonly context: KubernetesFailureContext;
  constructor(message: string, context: KubernetesFailureContext, failureClass: FailureClass, options?: { cause?: unknown }) {
    super('compute.failed', message, context, failureClass, options);
  }
}

const TRANSIENT_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** The HTTP status of an error from @kubernetes/client-node (ApiException `code`, Watch `statusCode`). */
export function statusOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** The message a Kubernetes API error carries (its Status `message`, else the error's). */
export function apiMessage(error: unknown): string {
  const body = (error as { body?: unknown })?.body;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
  }
  const fromBody = (parsed as { message?: unknown } | undefined)?.message;
  if (typeof fromBody === 'string' && fromBody !== '') return fromBody;
  return error instanceof Error ? error.message : String(error);
}

/**
 * An API call's failure as a task failure: 5xx, 408, 429 and network errors are transient (the API
 * server is busy or away); other statuses (403 forbidden, 422 invalid, 404 namespace) and errors
 * that are no answer at all (a bug) are actionable.
 */
export function apiFailure(what: string, error: unknown, context: { readonly namespace: string; readonly job: string; readonly assetKey?: string; readonly partitionKey?: string }): KubernetesTaskError {
  const status = statusOf(error);
  const code = (error as { code?: unknown })?.code;
  const name = error instanceof Error ? error.name : '';
  // No HTTP answer: the network (node-fetch's FetchError with ECONNREFUSED, a reset, a timeout) is transient; a bug is not.
  const network = (status === undefined || status === 0) && (typeof code === 'string' || ['FetchError', 'AbortError', 'TimeoutError'].includes(name));
  const transient = network || (status !== undefined && TRANSIENT_STATUS.has(status));
  const message = `kubernetes: ${what} failed${status ? ` (HTTP ${status})` : ''}: ${apiMessage(error)}`;
  return new KubernetesTaskError(message, { ...context, reason: 'api', ...(status === undefined ? {} : { status }) }, transient ? 'transient' : 'actionable', { cause: error });
}
