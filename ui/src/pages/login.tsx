import { useState, type FormEvent } from 'react';
import { useSession } from '../api/session';

/** Shown when the server requires a token and this tab has none (or a refused one). */
export function LoginPage() {
  const { login, viewer } = useSession();
  const [token, setToken] = useState('');
  const refused = viewer !== null && !viewer.authenticated;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (token.trim()) login(token.trim());
  };
  return (
    <div className="login">
      <form onSubmit={submit} aria-label="Log in">
        <h1>Weft</h1>
        <p>This server requires an API token. Create one with <code>weft token create &lt;name&gt; --role &lt;group&gt;=viewer</code>.</p>
        {refused && sessionStorage.getItem('weft.token') ? <p className="error-box">The server did not accept that token (revoked, expired, or mistyped).</p> : null}
        <label>
          API token
          <input type="password" name="token" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} autoFocus />
        </label>
        <button type="submit">Log in</button>
      </form>
    </div>
  );
}
