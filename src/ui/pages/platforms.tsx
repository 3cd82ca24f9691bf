/**
 * Platforms as a release table: version, codename, upstream base, kernel, dates, lag, state; and
 * what each builds with and publishes to: arches, build repositories, release repositories, and
 * the signing keys allowed for it (GET /keys; each key's public file links for download).
 */
import type { JSX } from 'preact';
import type { KeyView, PlatformView } from '../api-types.ts';
import { ErrorBox, Loading, StateBadge, TableWrap, TableHead } from '../components.tsx';
import { day } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';
import { Link } from '../router.ts';
import { useSession } from '../session.ts';

export function PlatformsPage(): JSX.Element {
  useTitle('Platforms');
  const { api } = useSession();
  const res = useResource((signal) => api.get<PlatformView[]>('/platforms', undefined, signal), 'platforms');
  const keys = useResource((signal) => api.get<KeyView[]>('/keys', undefined, signal), 'keys');
  const asOf = res.data?.[0]?.lifecycleStatus.asOf;
  return (
    <section>
      <h1 tabIndex={-1}>Platforms</h1>
      <ErrorBox message={res.error} />
      {!res.data && !res.error && <Loading what="platforms" />}
      {res.data && res.data.length === 0 && <p>No platforms yet (an admin adds them: distforge platform add FILE).</p>}
      {res.data && res.data.length > 0 && (
        <>
          {asOf && <p class="muted">States as of {asOf} (UTC), the master's day.</p>}
          <TableWrap label="Platform lifecycle">
            <table class="cards lifecycle">
              <caption class="visually-hidden">Platforms and their lifecycle</caption>
              <TableHead columns={['Platform', 'Version', 'Codename', 'Upstream', 'Kernel', 'Released', 'Upstream released', 'Lag', 'Active support to', 'Security support to', 'State', 'Dist', 'Arches', 'Repositories', 'Release repositories', 'Keys']} />
              <tbody>
                {res.data.map((p) => {
                  const l = p.lifecycle;
                  const lag = p.lifecycleStatus.lagDays;
                  return (
                    <tr key={p.name}>
                      <th scope="row" data-label="Platform">
                        {p.name}
                      </th>
                      <td data-label="Version">{l?.version ?? '–'}</td>
                      <td data-label="Codename">{l?.codename ?? '–'}</td>
                      <td data-label="Upstream">{l?.upstreamBase ?? '–'}</td>
                      <td data-label="Kernel" class="break">
                        {l?.kernel ?? '–'}
                      </td>
                      <td data-label="Released">{day(l?.releaseDate)}</td>
                      <td data-label="Upstream released">{day(l?.upstreamReleaseDate)}</td>
                      <td data-label="Lag">{lag === null ? '–' : `${lag} ${lag === 1 ? 'day' : 'days'}`}</td>
                      <td data-label="Active support to">{day(l?.endOfActiveSupport)}</td>
                      <td data-label="Security support to">{day(l?.endOfSecuritySupport)}</td>
                      <td data-label="State">
                        <StateBadge state={p.lifecycleStatus.state} />
                      </td>
                      <td data-label="Dist">{p.distTag}</td>
                      <td data-label="Arches">{p.arches.join(', ')}</td>
                      <td data-label="Repositories" class="break">
                        {(p.repositories ?? []).map((r) => r.name).join(', ') || '–'}
                      </td>
                      <td data-label="Release repositories" class="break">
                        {(p.releases?.repositories ?? []).length === 0 ? (
                          '–'
                        ) : (
                          <Link href={`/platforms/${p.name}/repos`} aria-label={`Release repositories of ${p.name}: ${(p.releases?.repositories ?? []).map((r) => r.name).join(', ')}`}>
                            {(p.releases?.repositories ?? []).map((r) => r.name).join(', ')}
                          </Link>
                        )}
                      </td>
                      <td data-label="Keys" class="break">
                        <PlatformKeys keys={keys.data} platform={p.name} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
        </>
      )}
    </section>
  );
}

/** The keys allowed to sign a platform's packages, each a link to its public key file. */
function PlatformKeys({ keys, platform }: { keys: KeyView[] | undefined; platform: string }): JSX.Element {
  if (!keys) return <>…</>;
  const allowed = keys.filter((k) => k.platforms.includes(platform));
  if (allowed.length === 0) return <>none</>;
  return (
    <>
      {allowed.map((k, n) => (
        <span key={k.keyid}>
          {n > 0 && ', '}
          <a href={`/api/v1/keys/${k.keyid}.asc`} title={`${k.algorithm}, ${k.userIds.join('; ')}`} download={`RPM-GPG-KEY-${k.keyid}`}>
            {k.keyid}
          </a>
        </span>
      ))}
    </>
  );
}
