import type { ReactNode } from 'react';
import { NavLink } from 'react-router';
import { useLive } from '../api/live';
import { useSession } from '../api/session';

export function Layout({ children }: { children: ReactNode }) {
  const { viewer, logout } = useSession();
  const live = useLive();
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Weft</span>
        <nav>
          <NavLink to="/" end>
            Assets
          </NavLink>
          <NavLink to="/failures">Failures</NavLink>
          <NavLink to="/requests">Requests</NavLink>
        </nav>
        <span className="spacer" />
        <span className={`live ${live.connected ? 'on' : 'off'}`} title={live.lastSeq === null ? 'no event yet' : `last event #${live.lastSeq}`} data-testid="live">
          {live.connected ? '● live' : '○ reconnecting'}
        </span>
        <span className="viewer" data-testid="viewer">
          {viewer?.actor ?? ''}
        </span>
        {viewer?.authenticated ? (
          <button type="button" className="link" onClick={logout}>
            Log out
          </button>
        ) : null}
      </header>
      <main>{children}</main>
    </div>
  );
}
