/**
 * A platform's release repositories (`/platforms/NAME/repos`): every channel (REPO/ARCH,
 * REPO/ARCH/debug, REPO/Source) with its current version and the versions kept
 * (GET /platforms/NAME/release-repos). Choosing a channel shows what it serves now, searched by
 * package name a page at a time (GET …/release-repos/REPO/packages), and its versions; choosing a
 * version shows what it changed against the version it was made from (GET …/versions/N). The
 * address holds the channel, version, search and page.
 */
import type { JSX } from 'preact';
import type { ChannelContent, ChannelView, VersionDetail } from '../api-types.ts';
import { ErrorBox, Loading, StateBadge, TableHead, TableWrap } from '../components.tsx';
import { formatTime } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';
import { Link, navigate, type Location } from '../router.ts';
import { useSession } from '../session.ts';

const PAGE = 100;

type Query = { repo?: string; channel?: string; version?: string; name?: string; offset?: string };

function hrefOf(platform: string, q: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v && !(k === 'offset' && v === '0')) params.set(k, v);
  return `/platforms/${encodeURIComponent(platform)}/repos${params.size ? `?${params}` : ''}`;
}

function Channels({ platform, channels, chosen }: { platform: string; channels: ChannelView[]; chosen: string }): JSX.Element {
  return (
    <TableWrap label="Channels">
      <table class="cards">
        <caption class="visually-hidden">Release repository channels of {platform}</caption>
        <TableHead columns={['Channel', 'Current version', 'Versions kept', 'Served at']} />
        <tbody>
          {channels.map((c) => {
            const name = `${c.repo}/${c.channel}`;
            return (
              <tr key={name}>
                <th scope="row" data-label="Channel">
                  <Link href={hrefOf(platform, { repo: c.repo, channel: c.channel })} aria-current={chosen === name ? 'true' : undefined}>
                    {name}
                  </Link>
                </th>
                <td data-label="Current version">{c.current ?? <span class="muted">none yet</span>}</td>
                <td data-label="Versions kept">{c.versions.length}</td>
                <td data-label="Served at" class="break">
                  <a href={`/repos/${platform}/${c.path}`}>/repos/{platform}/{c.path}</a>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Content({ platform, channel, query }: { platform: string; channel: ChannelView; query: Query }): JSX.Element {
  const { api } = useSession();
  const name = query.name ?? '';
  const offset = Math.max(0, Number(query.offset ?? 0) || 0);
  const res = useResource(
    (signal) => api.get<ChannelContent>(`/platforms/${platform}/release-repos/${channel.repo}/packages`, { channel: channel.channel, name: name || undefined, limit: PAGE, offset }, signal),
    `${platform}|${channel.repo}|${channel.channel}|${name}|${offset}`,
  );
  const onSearch = (e: Event): void => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    navigate(hrefOf(platform, { repo: channel.repo, channel: channel.channel, name: String(data.get('name') ?? '').trim(), offset: '0' }));
  };
  const c = res.data;
  return (
    <section aria-labelledby="content-h">
      <h3 id="content-h">What it serves now{c && c.current !== null ? ` (version ${c.current})` : ''}</h3>
      <form class="filters" role="search" aria-label="Search the channel's packages" onSubmit={onSearch}>
        <div class="field">
          <label for="content-name">Package name starts with</label>
          <input id="content-name" name="name" type="search" autoComplete="off" spellcheck={false} defaultValue={name} key={name} />
        </div>
        <div class="field buttons">
          <button type="submit" class="button">
            Search
          </button>
        </div>
      </form>
      <ErrorBox message={res.error} />
      {!c && !res.error && <Loading what="packages" />}
      {c && c.total === 0 && <p>{name ? `No package whose name starts with "${name}".` : 'Nothing published here yet.'}</p>}
      {c && c.total > 0 && (
        <>
          <p class="muted">
            {offset + 1}–{offset + c.packages.length} of {c.total} packages
          </p>
          <TableWrap label="Packages served">
            <table class="cards">
              <TableHead columns={['Package', 'Arch', 'Released by']} />
              <tbody>
                {c.packages.map((p) => (
                  <tr key={p.sha256}>
                    <th scope="row" data-label="Package" class="break">
                      <a href={`/repos/${platform}/${channel.path}${p.href}`}>{p.nevra}</a>
                    </th>
                    <td data-label="Arch">{p.arch}</td>
                    <td data-label="Released by">
                      <Link href={`/releases/${p.releaseId}`}>release {p.releaseId}</Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <nav class="pager" aria-label="Pages of packages">
            {offset > 0 && <Link href={hrefOf(platform, { ...query, offset: String(Math.max(0, offset - PAGE)) })}>Previous</Link>}
            {offset + c.packages.length < c.total && <Link href={hrefOf(platform, { ...query, offset: String(offset + PAGE) })}>Next</Link>}
          </nav>
        </>
      )}
    </section>
  );
}

function Versions({ platform, channel, chosen }: { platform: string; channel: ChannelView; chosen: number | null }): JSX.Element {
  if (channel.versions.length === 0) return <p>No version published yet.</p>;
  return (
    <TableWrap label="Versions">
      <table class="cards">
        <TableHead columns={['Version', 'State', 'Packages', 'Advisories', 'Release', 'Published', 'Superseded']} />
        <tbody>
          {channel.versions.map((v) => (
            <tr key={v.number}>
              <th scope="row" data-label="Version">
                <Link href={hrefOf(platform, { repo: channel.repo, channel: channel.channel, version: String(v.number) })} aria-current={chosen === v.number ? 'true' : undefined}>
                  Version {v.number}
                </Link>
                {v.base !== null && <span class="muted"> (from {v.base})</span>}
                {v.cause === 'revert' && ' (revert)'}
              </th>
              <td data-label="State">
                <StateBadge state={v.number === channel.current ? 'current' : v.state} />
              </td>
              <td data-label="Packages">{v.packages}</td>
              <td data-label="Advisories">{v.advisories}</td>
              <td data-label="Release">
                <Link href={`/releases/${v.releaseId}`}>release {v.releaseId}</Link>
              </td>
              <td data-label="Published">{formatTime(v.publishedAt)}</td>
              <td data-label="Superseded">{v.supersededAt === null ? '–' : formatTime(v.supersededAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function VersionChanges({ platform, channel, number }: { platform: string; channel: ChannelView; number: number }): JSX.Element {
  const { api } = useSession();
  const res = useResource(
    (signal) => api.get<VersionDetail>(`/platforms/${platform}/release-repos/${channel.repo}/versions/${number}`, { channel: channel.channel }, signal),
    `${platform}|${channel.repo}|${channel.channel}|${number}`,
  );
  const v = res.data;
  const list = (title: string, items: string[]): JSX.Element => (
    <div>
      <h4>
        {title} ({items.length})
      </h4>
      {items.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <ul class="plain-list">
          {items.map((n) => (
            <li key={n} class="break">
              {n}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
  return (
    <section aria-labelledby="version-h">
      <h3 id="version-h">
        Version {number} of {channel.repo}/{channel.channel}
      </h3>
      <ErrorBox message={res.error} />
      {!v && !res.error && <Loading what={`version ${number}`} />}
      {v && (
        <>
          <p>
            {v.base === null ? 'The first version: everything in it was added.' : `Against version ${v.base}, the one it was made from${v.cause === 'revert' ? ' (a revert: the content of the version before the release it undid)' : ''}:`}{' '}
            {v.state !== 'expired' && (
              <a href={`/repos/${platform}/${channel.path}@${number}/`}>
                its files
              </a>
            )}
          </p>
          <div class="two-columns">
            {list('Added', v.added)}
            {list('Removed', v.removed)}
          </div>
        </>
      )}
    </section>
  );
}

export function ReleaseReposPage({ platform, loc }: { platform: string; loc: Location }): JSX.Element {
  useTitle(`Release repositories of ${platform}`);
  const { api } = useSession();
  const channels = useResource((signal) => api.get<ChannelView[]>(`/platforms/${platform}/release-repos`, undefined, signal), platform);
  const query: Query = Object.fromEntries([...loc.query].filter(([k]) => ['repo', 'channel', 'version', 'name', 'offset'].includes(k)));
  const chosen = channels.data?.find((c) => c.repo === query.repo && c.channel === query.channel) ?? null;
  const version = query.version && /^\d+$/.test(query.version) ? Number(query.version) : null;
  return (
    <section>
      <h1 tabIndex={-1}>Release repositories of {platform}</h1>
      <p class="muted">
        Each channel's versions and what they changed; dnf reads them under <code>/repos/{platform}/</code> (<a href={`/repos/${platform}.repo`}>{platform}.repo</a>).{' '}
        <Link href="/platforms">All platforms</Link>
      </p>
      <ErrorBox message={channels.error} />
      {!channels.data && !channels.error && <Loading what="release repositories" />}
      {channels.data && channels.data.length === 0 && <p>{platform} has no release repositories.</p>}
      {channels.data && channels.data.length > 0 && <Channels platform={platform} channels={channels.data} chosen={chosen ? `${chosen.repo}/${chosen.channel}` : ''} />}
      {query.repo && channels.data && !chosen && <ErrorBox message={`${platform} has no channel ${query.repo}/${query.channel ?? ''}`} />}
      {chosen && (
        <section aria-labelledby="channel-h">
          <h2 id="channel-h">
            {chosen.repo}/{chosen.channel}
          </h2>
          {version !== null ? <VersionChanges platform={platform} channel={chosen} number={version} /> : <Content platform={platform} channel={chosen} query={query} />}
          <h3>Versions</h3>
          <Versions platform={platform} channel={chosen} chosen={version} />
        </section>
      )}
    </section>
  );
}
