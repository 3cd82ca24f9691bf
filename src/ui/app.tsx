/**
 * The app: the session (token, who), the header with navigation and sign-in state, and the page
 * for the current address. After a navigation the new page's heading takes the focus, so keyboard
 * and screen-reader users start at the top of what changed.
 */
import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, createApi, errorMessage } from './api.ts';
import type { Whoami } from './api-types.ts';
import { ADVISORY_ID } from './errata-terms.ts';
import { AdvisoryPage } from './pages/advisory.tsx';
import { EditAdvisoryPage, NewAdvisoryPage } from './pages/advisory-editor.tsx';
import { BuildPage } from './pages/build.tsx';
import { BuildsPage } from './pages/builds.tsx';
import { ErrataPage } from './pages/errata.tsx';
import { GitPackagePage } from './pages/git-package.tsx';
import { GitPage } from './pages/git.tsx';
import { NewBuildPage } from './pages/new-build.tsx';
import { NodesPage } from './pages/nodes.tsx';
import { PlatformsPage } from './pages/platforms.tsx';
import { ReleaseReposPage } from './pages/release-repos.tsx';
import { ReleasePage } from './pages/release.tsx';
import { ReleasesPage } from './pages/releases.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { Link, match, navigate, useLocation, type Location } from './router.ts';
import { SessionContext, storedToken, storeToken, type Session } from './session.ts';

const ANONYMOUS: Whoami = { kind: 'anonymous' };

function page(loc: Location): JSX.Element {
  const { path } = loc;
  if (path === '/' || path === '/builds') return <BuildsPage loc={loc} />;
  if (path === '/builds/new') return <NewBuildPage />;
  let m = match('/builds/:id', path);
  if (m && /^\d+$/.test(m.id ?? '')) return <BuildPage id={Number(m.id)} loc={loc} />;
  if (path === '/releases') return <ReleasesPage loc={loc} />;
  m = match('/releases/:id', path);
  if (m && /^\d+$/.test(m.id ?? '')) return <ReleasePage id={Number(m.id)} />;
  if (path === '/errata') return <ErrataPage loc={loc} />;
  if (path === '/errata/new') return <NewAdvisoryPage />;
  m = match('/errata/:id', path) ?? match('/errata/:id/:view', path);
  if (m && ADVISORY_ID.test(m.id ?? '')) {
    const id = m.id ?? '';
    if (m.view === undefined) return <AdvisoryPage key={id} id={id} view="details" />;
    if (m.view === 'osv') return <AdvisoryPage key={id} id={id} view="osv" />;
    if (m.view === 'edit') return <EditAdvisoryPage key={id} id={id} />;
  }
  if (path === '/platforms') return <PlatformsPage />;
  m = match('/platforms/:name/repos', path);
  if (m?.name) return <ReleaseReposPage key={m.name} platform={m.name} loc={loc} />;
  // The git service's pages are under /mirrors: /git/… is the mirrors' own smart HTTP.
  if (path === '/mirrors') return <GitPage loc={loc} />;
  m = match('/mirrors/:name/pipeline', path) ?? match('/mirrors/:name', path);
  if (m?.name) return <GitPackagePage key={m.name} name={m.name} />;
  if (path === '/nodes') return <NodesPage />;
  if (path === '/sign-in') return <SignInPage loc={loc} />;
  return (
    <section>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link href="/builds">See the builds</Link>.
      </p>
    </section>
  );
}

const NAV: { href: string; label: string; current: (path: string) => boolean }[] = [
  { href: '/builds', label: 'Builds', current: (p) => p === '/' || (p.startsWith('/builds') && p !== '/builds/new') },
  { href: '/builds/new', label: 'New build', current: (p) => p === '/builds/new' },
  { href: '/releases', label: 'Releases', current: (p) => p.startsWith('/releases') },
  { href: '/errata', label: 'Errata', current: (p) => p.startsWith('/errata') },
  { href: '/platforms', label: 'Platforms', current: (p) => p === '/platforms' || p.startsWith('/platforms/') },
  { href: '/mirrors', label: 'Git', current: (p) => p === '/mirrors' || p.startsWith('/mirrors/') },
  { href: '/nodes', label: 'Nodes', current: (p) => p === '/nodes' },
];

export function App(): JSX.Element {
  const loc = useLocation();
  const [token, setToken] = useState(storedToken);
  const [who, setWho] = useState<Whoami | null>(token ? null : ANONYMOUS);
  const [signInError, setSignInError] = useState<string | null>(null);
  const api = useMemo(() => createApi(token), [token]);

  // A stored token is checked once; a revoked one signs the tab out. While the master cannot
  // answer (starting, unreachable) the check is tried again.
  useEffect(() => {
    if (!token) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = (): void => {
      api.get<Whoami>('/whoami').then(
        (w) => {
          if (!live) return;
          setSignInError(null);
          setWho(w);
        },
        (e: unknown) => {
          if (!live) return;
          if (!(e instanceof ApiError && e.status === 401)) {
            setSignInError(`Cannot check your token yet: ${errorMessage(e)}`);
            timer = setTimeout(check, 3000);
            return;
          }
          storeToken(null);
          setToken(null);
          setWho(ANONYMOUS);
          setSignInError('Your token is no longer accepted; sign in again.');
        },
      );
    };
    check();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, token]);

  const session: Session | null = useMemo(
    () =>
      who && {
        api,
        who,
        async signIn(secret: string) {
          const w = await createApi(secret).get<Whoami>('/whoami');
          if (w.kind !== 'user') throw new Error('that is a node token: sign in with a user token');
          storeToken(secret);
          setSignInError(null);
          setToken(secret);
          setWho(w);
        },
        signOut() {
          storeToken(null);
          setToken(null);
          setWho(ANONYMOUS);
          navigate('/builds');
        },
      },
    [api, who],
  );

  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [loc.path]);

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/builds" class="brand">
          distforge
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.href}>
                <Link href={n.href} aria-current={n.current(loc.path) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          {who?.kind === 'user' ? (
            <>
              <span>
                {who.name} <span class="muted">({who.role})</span>
              </span>
              <button type="button" class="button plain" onClick={() => session?.signOut()}>
                Sign out
              </button>
            </>
          ) : (
            <Link href={`/sign-in?next=${encodeURIComponent(loc.path)}`} class="button plain">
              Sign in
            </Link>
          )}
        </div>
      </header>
      <main id="main">
        {signInError && (
          <p class="error" role="alert">
            {signInError}
          </p>
        )}
        {session ? <SessionContext.Provider value={session}>{page(loc)}</SessionContext.Provider> : <p role="status">Checking your token…</p>}
      </main>
    </>
  );
}
