/**
 * Releases, newest first (GET /api/v1/releases), filtered by platform and state, and a form for
 * maintainers to plan one from builds.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { PlatformView, ReleaseView } from '../api-types.ts';
import { ErrorBox, Loading, StateBadge, TableWrap, TableHead, PlatformOptions } from '../components.tsx';
import { formatTime } from '../format.ts';
import { useRequest, useResource, useTitle } from '../hooks.ts';
import { Link, navigate, type Location } from '../router.ts';
import { hasRole, useSession } from '../session.ts';

const PAGE = 50;
const STATES = ['planned', 'publishing', 'released', 'reverted'];

function PlanForm({ platforms }: { platforms: PlatformView[] }): JSX.Element {
  const { api } = useSession();
  const [platform, setPlatform] = useState('');
  const [builds, setBuilds] = useState('');
  const { busy, error, setError, run } = useRequest();
  const chosen = platform || platforms[0]?.name || '';
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const ids = builds.split(/[\s,]+/).filter(Boolean).map(Number);
    if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n < 1)) {
      setError('Give build numbers, separated by commas or spaces.');
      return;
    }
    const r = await run(() => api.send<ReleaseView>('POST', '/releases', { platform: chosen, builds: ids }));
    if (r) navigate(`/releases/${r.id}`);
  };
  return (
    <form class="filters" aria-labelledby="plan-h" onSubmit={(e) => void submit(e)}>
      <h2 id="plan-h" class="full">
        Plan a release
      </h2>
      <div class="field">
        <label for="plan-platform">Platform</label>
        <select id="plan-platform" value={chosen} onChange={(e) => setPlatform(e.currentTarget.value)}>
          <PlatformOptions names={platforms.map((p) => p.name)} />
        </select>
      </div>
      <div class="field">
        <label for="plan-builds">Builds</label>
        <input id="plan-builds" type="text" inputMode="numeric" placeholder="12, 14" value={builds} onInput={(e) => setBuilds(e.currentTarget.value)} />
      </div>
      <div class="field buttons">
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Planning…' : 'Plan'}
        </button>
      </div>
      <div class="full">
        <ErrorBox message={error} />
      </div>
    </form>
  );
}

export function ReleasesPage({ loc }: { loc: Location }): JSX.Element {
  useTitle('Releases');
  const { api, who } = useSession();
  const platform = loc.query.get('platform') ?? '';
  const state = loc.query.get('state') ?? '';
  const offset = Math.max(0, Number(loc.query.get('offset') ?? 0) || 0);
  const platforms = useResource((signal) => api.get<PlatformView[]>('/platforms', undefined, signal), 'platforms');
  const list = useResource(
    (signal) => api.get<ReleaseView[]>('/releases', { platform, state, limit: PAGE, offset }, signal),
    `${platform}|${state}|${offset}`,
    (rs) => (rs.some((r) => r.state === 'publishing') ? 2000 : null),
  );
  const href = (change: Record<string, string>): string => {
    const q = new URLSearchParams({ ...(platform && { platform }), ...(state && { state }), ...change });
    for (const [k, v] of [...q]) if (!v || (k === 'offset' && v === '0')) q.delete(k);
    return `/releases${q.size ? `?${q}` : ''}`;
  };
  const onFilter = (e: Event): void => {
    e.preventDefault();
    const f = e.currentTarget as HTMLFormElement;
    const data = new FormData(f);
    navigate(href({ platform: String(data.get('platform') ?? ''), state: String(data.get('state') ?? ''), offset: '0' }));
  };
  return (
    <section>
      <h1 tabIndex={-1}>Releases</h1>
      {hasRole(who, 'maintainer') && platforms.data && platforms.data.length > 0 && <PlanForm platforms={platforms.data} />}
      <form class="filters" role="search" aria-label="Filter releases" onSubmit={onFilter}>
        <div class="field">
          <label for="rel-platform">Platform</label>
          <select id="rel-platform" name="platform" value={platform}>
            <PlatformOptions names={(platforms.data ?? []).map((p) => p.name)} any />
          </select>
        </div>
        <div class="field">
          <label for="rel-state">State</label>
          <select id="rel-state" name="state" value={state}>
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field buttons">
          <button type="submit" class="button">
            Filter
          </button>
        </div>
      </form>
      <ErrorBox message={list.error} />
      {!list.data && !list.error && <Loading what="releases" />}
      {list.data && list.data.length === 0 && <p>No releases{platform || state ? ' match' : ' yet'}.</p>}
      {list.data && list.data.length > 0 && (
        <TableWrap label="Releases">
          <table class="cards">
            <caption class="visually-hidden">Releases, newest first</caption>
            <TableHead columns={['Release', 'Platform', 'State', 'Packages', 'Builds', 'Planned', 'Released']} />
            <tbody>
              {list.data.map((r) => (
                <tr key={r.id}>
                  <th scope="row" data-label="Release">
                    <Link href={`/releases/${r.id}`}>#{r.id}</Link>
                    {r.promoteFrom && <span class="muted"> (promotion from {r.promoteFrom})</span>}
                  </th>
                  <td data-label="Platform">{r.platform}</td>
                  <td data-label="State">
                    <StateBadge state={r.state} />
                  </td>
                  <td data-label="Packages">{r.packages.length}</td>
                  <td data-label="Builds">{r.builds.map((b) => `#${b}`).join(', ') || '–'}</td>
                  <td data-label="Planned">
                    {formatTime(r.createdAt)}
                    {r.createdBy && ` by ${r.createdBy}`}
                  </td>
                  <td data-label="Released">{formatTime(r.releasedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <nav class="pager" aria-label="Pages of releases">
        {offset > 0 && (
          <Link href={href({ offset: String(Math.max(0, offset - PAGE)) })} rel="prev">
            ← Newer
          </Link>
        )}
        {list.data?.length === PAGE && (
          <Link href={href({ offset: String(offset + PAGE) })} rel="next">
            Older →
          </Link>
        )}
      </nav>
    </section>
  );
}
