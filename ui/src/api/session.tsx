/**
 * Who is looking: the viewer's roles per asset group, from the API. Controls are shown by role
 * (`can('operator', group)`); the server enforces the same roles on every field regardless.
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { Provider, useQuery, type Client } from 'urql';
import { makeClient } from './client';
import { currentToken, storeToken } from './token';

export type Role = 'viewer' | 'operator' | 'admin';
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export interface Viewer {
  readonly actor: string;
  readonly authenticated: boolean;
  /** Group → role; `*` is every group. */
  readonly roles: Readonly<Record<string, Role>>;
}

export interface Session {
  readonly viewer: Viewer | null;
  /** The server refused the token (or needs one): the login page is shown. */
  readonly needsLogin: boolean;
  readonly loading: boolean;
  readonly error: string | null;
  /** Whether the viewer holds at least `role` in `group` (`*` for every group). */
  can(role: Role, group?: string | null): boolean;
  login(token: string): void;
  logout(): void;
}

const SessionContext = createContext<Session | null>(null);

export const VIEWER_QUERY = `query Viewer { viewer { actor authenticated roles } }`;

export function roleIn(viewer: Viewer | null, group: string | null | undefined): Role | null {
  if (!viewer) return null;
  const candidates = [viewer.roles['*'], group != null ? viewer.roles[group] : undefined].filter((r): r is Role => r !== undefined);
  return candidates.sort((a, b) => RANK[b] - RANK[a])[0] ?? null;
}

function SessionState({ children, onLogin, onLogout }: { children: ReactNode; onLogin(token: string): void; onLogout(): void }) {
  const [{ data, error, fetching }] = useQuery<{ viewer: Viewer }>({ query: VIEWER_QUERY, requestPolicy: 'network-only' });
  const unauthenticated = error?.response?.status === 401 || error?.graphQLErrors.some((e) => e.extensions?.['code'] === 'UNAUTHENTICATED' || e.extensions?.['code'] === 'FORBIDDEN') === true;
  const viewer = data?.viewer ?? null;
  const can = useCallback(
    (role: Role, group?: string | null) => {
      const held = roleIn(viewer, group ?? null);
      return held !== null && RANK[held] >= RANK[role];
    },
    [viewer],
  );
  const value = useMemo<Session>(
    () => ({ viewer, needsLogin: unauthenticated || (viewer !== null && !viewer.authenticated && Object.keys(viewer.roles).length === 0), loading: fetching && !data, error: error && !unauthenticated ? error.message : null, can, login: onLogin, logout: onLogout }),
    [viewer, unauthenticated, fetching, data, error, can, onLogin, onLogout],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** Holds the client and the viewer; a login or logout makes a new client (no cached answer survives it). */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [client, setClient] = useState<Client>(() => makeClient());
  const login = useCallback((token: string) => {
    storeToken(token);
    setClient(makeClient());
  }, []);
  const logout = useCallback(() => {
    storeToken(null);
    setClient(makeClient());
  }, []);
  return (
    <Provider value={client}>
      <SessionState key={currentToken() ?? ''} onLogin={login} onLogout={logout}>
        {children}
      </SessionState>
    </Provider>
  );
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}
