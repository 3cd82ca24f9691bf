/**
 * Who is using the UI: an API token kept in sessionStorage (for this browser tab's session only,
 * never in localStorage or a cookie), checked with GET /whoami. The role decides which actions the
 * UI offers; the server checks every action again whatever the UI shows.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './api.ts';
import type { Role, Whoami } from './api-types.ts';

const TOKEN_KEY = 'distforge.token';

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage refused (private mode): the token lasts until the page is left.
  }
}

const RANK: Record<Role, number> = { 'read-only': 0, maintainer: 1, admin: 2 };

/** The user has at least `role`. */
export function hasRole(who: Whoami, role: Role): boolean {
  return who.kind === 'user' && RANK[who.role] >= RANK[role];
}

export interface Session {
  api: ApiClient;
  who: Whoami;
  /** Checks the token with the server, then keeps it. @throws ApiError */
  signIn(token: string): Promise<void>;
  signOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the app');
  return s;
}
