import type { ApiTokenRow, AuditEntry } from '@weft/store';
import { audit } from '../api/audit.js';
import { InvalidInputError, NotFoundError } from '../api/errors.js';
import { checkRoles, type Viewer } from '../api/viewer.js';
import { builder } from '../builder.js';
import { pageSize } from './asset.js';
import { LOOKUP_ERRORS } from './errors.js';

function auditCursor(before: string | number): number {
  const n = Number(before);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidInputError('before', `before must be an audit entry id (a positive integer), got ${JSON.stringify(String(before).slice(0, 50))}`);
  return n;
}

const ViewerObject = builder.objectRef<Viewer>('Viewer').implement({
  description: 'Who is asking.',
  fields: (t) => ({
    actor: t.exposeString('actor', { description: 'The name the audit log records.' }),
    authenticated: t.exposeBoolean('authenticated'),
    roles: t.field({ type: 'JSON', description: 'Group → role (`*`: every group).', resolve: (v) => v.roles }),
  }),
});

const TokenObject = builder.objectRef<ApiTokenRow>('ApiToken').implement({
  description: 'An API token (its secret is shown once, when created).',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    roles: t.field({ type: 'JSON', resolve: (r) => r.roles }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.createdAt }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.expiresAt }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.revokedAt }),
    lastUsedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.lastUsedAt }),
  }),
});

const CreatedObject = builder.objectRef<{ token: ApiTokenRow; secret: string }>('ApiTokenCreated').implement({
  fields: (t) => ({
    token: t.field({ type: TokenObject, resolve: (c) => c.token }),
    secret: t.exposeString('secret', { description: 'Send as `Authorization: Bearer <secret>`. Shown only now: only its hash is stored.' }),
  }),
});

const AuditObject = builder.objectRef<AuditEntry>('AuditEntry').implement({
  fields: (t) => ({
    id: t.id({ resolve: (e) => e.id }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    actor: t.exposeString('actor'),
    action: t.exposeString('action'),
    target: t.string({ nullable: true, resolve: (e) => e.target }),
    details: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.details }),
  }),
});

builder.queryFields((t) => ({
  viewer: t.field({ type: ViewerObject, description: 'Who this request runs as.', resolve: (_r, _a, { scope: ctx }) => ctx.viewer }),
  apiTokens: t.field({ type: [TokenObject], authScopes: { everywhere: 'admin' }, resolve: (_r, _a, { scope: ctx }) => ctx.api.store('default').explorer.apiTokens() }),
  auditLog: t.field({
    type: [AuditObject],
    description: 'Who did what, newest first.',
    authScopes: { everywhere: 'admin' },
    args: { first: t.arg.int({ defaultValue: 100 }), before: t.arg.id({ required: false }) },
    resolve: (_r, args, { scope: ctx }) => ctx.api.store('default').explorer.auditLog({ first: pageSize(args.first, 100), before: args.before == null ? undefined : auditCursor(args.before) }),
  }),
}));

builder.mutationFields((t) => ({
  createApiToken: t.field({
    type: CreatedObject,
    description: 'Creates an API token with roles per asset group (`viewer`, `operator`, `admin`; group `*` for every group).',
    args: { name: t.arg.string({ required: true }), roles: t.arg({ type: 'JSON', required: true }), expiresAt: t.arg({ type: 'DateTime', required: false }) },
    errors: { types: LOOKUP_ERRORS },
    authScopes: { everywhere: 'admin' },
    resolve: async (_r, args, { scope: ctx }) => {
      if (args.name.trim().length === 0 || args.name.length > 200) throw new InvalidInputError('name', 'name must be 1–200 characters');
      const { roles, problem } = checkRoles(args.roles);
      if (!roles) throw new InvalidInputError('roles', problem ?? 'bad roles');
      if (args.expiresAt != null && args.expiresAt <= ctx.api.now) throw new InvalidInputError('expiresAt', 'expiresAt must be in the future');
      const store = ctx.api.store('default');
      const { id, secret } = await store.createApiToken(args.name, roles, args.expiresAt ?? null);
      await audit(ctx, 'create_token', id, { name: args.name, roles });
      const token = (await store.explorer.apiTokens()).find((x) => x.id === id)!;
      return { token, secret };
    },
  }),
  revokeApiToken: t.field({
    type: TokenObject,
    args: { id: t.arg.id({ required: true }) },
    errors: { types: LOOKUP_ERRORS },
    authScopes: { everywhere: 'admin' },
    resolve: async (_r, args, { scope: ctx }) => {
      const store = ctx.api.store('default');
      const id = String(args.id);
      const revoked = await store.revokeApiToken(id, ctx.api.now);
      const token = (await store.explorer.apiTokens()).find((x) => x.id === id);
      if (!token) throw new NotFoundError('API token', id);
      await audit(ctx, 'revoke_token', id, { revoked });
      return token;
    },
  }),
}));
