/** The API token of this browser tab (sessionStorage: it dies with the tab, never in a URL). */
const KEY = 'weft.token';

export function currentToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
}
