/**
 * Who is asking: an API token's roles per asset group, or everyone (auth off in `weft dev`).
 * Roles rank viewer < operator < admin; a role on group `*` holds for every group.
 */
import type { ProvenanceStore } from '@weft/store';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** The group of assets that name none. */
export const DEFAULT_GROUP = 'default';
/** The group a role holds everywhere. */
export const ANY_GROUP = '*';

const rank = (role: string | undefined): number => (role === undefined ? 0 : ROLES.indexOf(role as Role) + 1);

/** The caller of one request. */
export interface Viewer {
  /** Who the audit log names. */
  readonly actor: string;
  readonly tokenId: string | null;
  /** Roles per group (`*` for every group); auth off holds admin on `*`. */
  readonly roles: Readonly<Record<string, Role>>;
  readonly authenticated: boolean;
  /** Whether the viewer holds at least `role` on `group`. */
  can(role: Role, group: string): boolean;
  /** Whether the viewer holds at least `role` on every group (tokens, instance-wide reads). */
  canEverywhere(role: Role): boolean;
}

function viewer(actor: string, tokenId: string | null, roles: Readonly<Record<string, Role>>, authenticated: boolean): Viewer {
  return {
    actor,
    tokenId,
    roles,
    authenticated,
    can: (role, group) => Math.max(rank(roles[group]), rank(roles[ANY_GROUP])) >= rank(role),
    canEverywhere: (role) => rank(roles[ANY_GROUP]) >= rank(role),
  };
}

/** Everyone, with every right: auth is off (`weft dev`, or `--insecure-no-auth`). */
export const UNAUTHENTICATED_ADMIN: Viewer = viewer('anonymous (auth off)', null, { [ANY_GROUP]: 'admin' }, false);
/** No token, or a token that does not verify: sees nothing, may do nothing. */
export const NOBODY: Viewer = viewer('anonymous', null, {}, false);

/** Validates roles given to a new token: group names map to one of the three roles. */
export function checkRoles(roles: unknown): { roles?: Record<string, Role>; problem?: string } {
  if (typeof roles !== 'object' || roles === null || Array.isArray(roles)) return { problem: 'roles must be an object of group → role' };
  const entries = Object.entries(roles as Record<string, unknown>);
  if (entries.length === 0) return { problem: 'roles must name at least one group' };
  for (const [group, role] of entries) {
    if (group.length === 0 || group.length > 200) return { problem: `group ${JSON.stringify(group)} must be 1–200 characters` };
    if (!ROLES.includes(role as Role)) return { problem: `role of group ${JSON.stringify(group)} must be one of ${ROLES.join(', ')} (got ${JSON.stringify(role)})` };
  }
  return { roles: Object.fromEntries(entries) as Record<string, Role> };
}

/** The viewer of a request's `Authorization: Bearer <secret>` header. */
export async function viewerOf(header: string | null, store: ProvenanceStore, now: number): Promise<Viewer> {
  const match = header === null ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) return NOBODY;
  const token = await store.verifyApiToken(match[1], now);
  if (!token) return NOBODY;
  const { roles } = checkRoles(token.roles);
  return viewer(`token:${token.name}`, token.id, roles ?? {}, true);
}
