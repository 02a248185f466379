import type { RequestScope } from './request-scope.js';

/**
 * Writes one audit-log entry for a mutation: who (the viewer), what, on what, with what outcome.
 * A failing audit write fails the mutation's answer loudly in the log but never hides the outcome.
 */
export async function audit(ctx: RequestScope, action: string, target: string | null, details: Readonly<Record<string, unknown>>): Promise<void> {
  try {
    await ctx.api.store('default').audit(ctx.viewer.actor, action, target, { requestId: ctx.requestId, ...details });
  } catch (e) {
    ctx.api.log({ level: 'error', msg: 'audit log write failed', action, target, requestId: ctx.requestId, error: (e as Error).message });
  }
}
