import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { scopesFor } from './auth-scopes.js';
import type { RequestScope } from './api/request-scope.js';
import type { Role } from './api/viewer.js';

/** The Pothos schema builder (and nothing else: every type lives in `schema/<type>.ts`). */
export const builder = new SchemaBuilder<{
  /** graphql-yoga's context with the request's scope (yoga merges contexts: class instances ride in a field). */
  Context: { readonly scope: RequestScope };
  DefaultFieldNullability: false;
  AuthScopes: {
    /** The viewer holds `role` on the asset's group (a missing asset passes for a signed-in viewer: it is NotFound next). */
    asset: { readonly location: string | null | undefined; readonly assetKeys: readonly string[]; readonly role: Role };
    /** The viewer holds `role` on the group of the request's asset. */
    request: { readonly location: string | null | undefined; readonly id: string; readonly role: Role };
    /** The viewer holds `role` on the group of every asset over a dynamic partitions definition (every group when none uses it). */
    dynamic: { readonly location: string | null | undefined; readonly name: string; readonly role: Role };
    /** The viewer holds `role` on a group. */
    group: { readonly group: string; readonly role: Role };
    /** The viewer holds `role` on every group (`*`). */
    everywhere: Role;
    /** A verified token, or auth off. */
    signedIn: boolean;
  };
  Scalars: {
    JSON: { Input: unknown; Output: unknown };
    DateTime: { Input: number; Output: number };
  };
}>({
  // Errors before scope-auth: a Forbidden from the auth checks becomes a member of the field's error union.
  plugins: [ErrorsPlugin, ScopeAuthPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (context) => scopesFor(context.scope),
    treatErrorsAsUnauthorized: false,
    // A subscription is authorized when it starts (a refused one gets its error at once, not a silent stream).
    authorizeOnSubscribe: true,
  },
  errors: { directResult: true },
});
