/**
 * Sign in with an API token (`distforge token create`, or DATA/admin.token). The token is checked
 * with the server and kept in this tab's sessionStorage only.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ErrorBox } from '../components.tsx';
import { useRequest, useTitle } from '../hooks.ts';
import { navigate, type Location } from '../router.ts';
import { useSession } from '../session.ts';

/** Where to go after signing in: a path on this site only. */
function nextPath(loc: Location): string {
  const next = loc.query.get('next') ?? '/builds';
  return /^\/(?!\/)/.test(next) && next !== '/sign-in' ? next : '/builds';
}

export function SignInPage({ loc }: { loc: Location }): JSX.Element {
  useTitle('Sign in');
  const session = useSession();
  const [token, setToken] = useState('');
  const { busy, error, run } = useRequest();
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (await run(async () => session.signIn(token.trim()).then(() => true))) navigate(nextPath(loc), { replace: true });
  };
  return (
    <section class="narrow">
      <h1 tabIndex={-1}>Sign in</h1>
      {session.who.kind === 'user' && (
        <p role="status">
          You are signed in as {session.who.name} ({session.who.role}). Sign in with another token to switch.
        </p>
      )}
      <form onSubmit={(e) => void submit(e)}>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellcheck={false}
          required
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-describedby="token-help"
        />
        <p id="token-help" class="muted">
          A user token (<code>df_…</code>): <code>distforge token create --user NAME --role ROLE</code>, or the admin's in <code>DATA/admin.token</code>.
          It is kept for this browser tab only. Without one you see public builds, releases and platforms.
        </p>
        <ErrorBox message={error} />
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
