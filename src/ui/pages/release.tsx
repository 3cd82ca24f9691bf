/**
 * A release: where each package goes and why, the checks (run now for a plan), the repository
 * versions it made, and the actions: commit and revert for admins, moving a package to another
 * release repository, dropping packages and deleting the plan for maintainers (the server checks
 * each role again).
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { CheckResult, PlatformView, ReleasePackageView, ReleaseView } from '../api-types.ts';
import { Action, ErrorBox, Fact, NotLoaded, Options, PageHead, StateBadge, TableWrap, TableHead } from '../components.tsx';
import { formatTime } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';
import { Link, navigate } from '../router.ts';
import { hasRole, useSession } from '../session.ts';

function CheckTable({ checks, label }: { checks: CheckResult[]; label: string }): JSX.Element {
  return (
    <TableWrap label={label}>
      <table class="cards">
        <TableHead columns={['Result', 'Check', 'Package', 'Message']} />
        <tbody>
          {checks.map((c, i) => (
            <tr key={i}>
              <td data-label="Result">
                <StateBadge state={c.ok ? 'passed' : 'failed'} label={c.ok ? 'pass' : c.forceable ? 'fail (forceable)' : 'fail'} />
              </td>
              <th scope="row" data-label="Check">
                {c.check}
              </th>
              <td data-label="Package" class="break">
                {c.package ?? c.advisory ?? <span class="muted">the release</span>}
              </td>
              <td data-label="Message">{c.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** The failing checks in full; the passing ones (six a package) folded away. */
function Checks({ checks }: { checks: CheckResult[] }): JSX.Element {
  const failed = checks.filter((c) => !c.ok);
  const passed = checks.filter((c) => c.ok);
  return (
    <>
      <p role="status">{failed.length === 0 ? `All ${checks.length} checks pass.` : `${failed.length} of ${checks.length} checks fail${failed.every((c) => c.forceable) ? ' (each may be forced)' : ''}.`}</p>
      {failed.length > 0 && <CheckTable checks={failed} label="Failing checks" />}
      {passed.length > 0 && (
        <details>
          <summary>The {passed.length} passing checks</summary>
          <CheckTable checks={passed} label="Passing checks" />
        </details>
      )}
    </>
  );
}

function Actions({ r, reload }: { r: ReleaseView; reload: () => void }): JSX.Element | null {
  const { api, who } = useSession();
  const failed = (r.checks ?? []).filter((c) => !c.ok);
  const forceOnly = failed.length > 0 && failed.every((c) => c.forceable);
  const admin = hasRole(who, 'admin');
  const maintainer = hasRole(who, 'maintainer');
  if (!maintainer) return null;
  return (
    <div class="actions" role="group" aria-label="Actions">
      {admin && r.state === 'planned' && failed.length === 0 && (
        <Action label="Commit" kind="primary" confirm={{ question: `Publish release ${r.id} to ${r.platform}'s repositories?`, yes: 'Commit and publish' }} run={async () => void (await api.send('POST', `/releases/${r.id}/commit`, {}))} onDone={reload} />
      )}
      {admin && r.state === 'planned' && forceOnly && (
        <Action label="Commit anyway" kind="danger" confirm={{ question: `Force release ${r.id} despite ${failed.length} failing checks?`, yes: 'Force the commit' }} run={async () => void (await api.send('POST', `/releases/${r.id}/commit`, { force: true }))} onDone={reload} />
      )}
      {admin && r.state === 'released' && (
        <Action label="Revert" kind="danger" confirm={{ question: `Serve the versions before release ${r.id} again?`, yes: 'Revert the release' }} run={async () => void (await api.send('POST', `/releases/${r.id}/revert`))} onDone={reload} />
      )}
      {r.state === 'planned' && (
        <Action
          label="Delete plan"
          kind="danger"
          confirm={{ question: `Delete plan ${r.id}?`, yes: 'Delete it' }}
          run={async () => {
            await api.send('DELETE', `/releases/${r.id}`);
            navigate('/releases');
          }}
        />
      )}
    </div>
  );
}

/** Moves a binary package (its debuginfo and SRPM follow) to another release repository of the plan's platform. */
function MoveControl({ release, pkg, repos, reload }: { release: ReleaseView; pkg: ReleasePackageView; repos: string[]; reload: () => void }): JSX.Element | null {
  const { api } = useSession();
  const here = new Set(pkg.repos.map((c) => c.split('/')[0]));
  const others = repos.filter((r) => !here.has(r));
  const [to, setTo] = useState('');
  if (others.length === 0) return null;
  const target = others.includes(to) ? to : (others[0] ?? '');
  const id = `move-${pkg.nevra}`;
  return (
    <span class="move">
      <label for={id} class="visually-hidden">
        Move {pkg.nevra} to
      </label>
      <select id={id} value={target} onChange={(e) => setTo(e.currentTarget.value)}>
        <Options values={others} />
      </select>
      <Action label="Move" ariaLabel={`Move ${pkg.name} to ${target}`} run={async () => void (await api.send('POST', `/releases/${release.id}/moves`, { package: pkg.nevra, repo: target }))} onDone={reload} />
    </span>
  );
}

export function ReleasePage({ id }: { id: number }): JSX.Element {
  useTitle(`Release ${id}`);
  const { api, who } = useSession();
  const res = useResource((signal) => api.get<ReleaseView>(`/releases/${id}`, undefined, signal), String(id), (r) => (r.state === 'publishing' ? 1500 : null));
  const platformName = res.data?.platform ?? '';
  const platform = useResource((signal) => (platformName ? api.get<PlatformView>(`/platforms/${platformName}`, undefined, signal) : Promise.resolve(null)), platformName);
  const repoNames = (platform.data?.releases?.repositories ?? []).map((x) => x.name);
  const r = res.data;
  if (!r) return <NotLoaded title={`Release ${id}`} what={`release ${id}`} error={res.error} />;
  const canDrop = r.state === 'planned' && hasRole(who, 'maintainer');
  return (
    <section>
      <PageHead actions={<Actions r={r} reload={res.reload} />}>
        Release {r.id} <StateBadge state={r.state} />
      </PageHead>
      <ErrorBox message={res.error} />
      {r.failureReason && (
        <p class="hint" role="note">
          <strong>The last commit did not publish:</strong> {r.failureReason}
        </p>
      )}
      <dl class="facts">
        <Fact term="Platform">{r.platform}</Fact>
        <Fact term="Planned">
          {formatTime(r.createdAt)}
          {r.createdBy && ` by ${r.createdBy}`}
        </Fact>
        {r.committedAt !== null && (
          <Fact term="Committed">
            {formatTime(r.committedAt)}
            {r.committedBy && ` by ${r.committedBy}`}
            {r.forced && ' (forced)'}
          </Fact>
        )}
        {r.releasedAt !== null && <Fact term="Released">{formatTime(r.releasedAt)}</Fact>}
        {r.revertedAt !== null && (
          <Fact term="Reverted">
            {formatTime(r.revertedAt)}
            {r.revertedBy && ` by ${r.revertedBy}`}
          </Fact>
        )}
        {r.signTask && (
          <Fact term="Repository signing">
            task #{r.signTask.id} <StateBadge state={r.signTask.state} />
          </Fact>
        )}
        <Fact term="Builds">
          {r.builds.length
            ? r.builds.map((b, i) => (
                <span key={b}>
                  {i > 0 && ', '}
                  <Link href={`/builds/${b}`}>#{b}</Link>
                </span>
              ))
            : '–'}
        </Fact>
        {r.promoteFrom && <Fact term="Promotion from">{r.promoteFrom}</Fact>}
        {r.advisories.length > 0 && (
          <Fact term="Advisories">
            {r.advisories.map((a, i) => (
              <span key={a}>
                {i > 0 && ', '}
                <Link href={`/errata/${a}`}>{a}</Link>
              </span>
            ))}
          </Fact>
        )}
        {r.republish.length > 0 && <Fact term="Republishes">{r.republish.join(', ')}</Fact>}
        {r.note && <Fact term="Note">{r.note}</Fact>}
      </dl>

      {r.checks && (
        <section aria-labelledby="checks-h">
          <h2 id="checks-h">Checks</h2>
          <Checks checks={r.checks} />
        </section>
      )}

      <section aria-labelledby="packages-h">
        <h2 id="packages-h">Packages ({r.packages.length})</h2>
        <TableWrap label="Packages">
          <table class="cards">
            <caption class="visually-hidden">Packages of the release and where each goes</caption>
            <TableHead columns={['Package', 'Kind', 'Goes to', 'Why', 'Build', canDrop && 'Plan']} />
            <tbody>
              {r.packages.map((p) => (
                <tr key={p.nevra}>
                  <th scope="row" data-label="Package" class="break">
                    {p.nevra}
                  </th>
                  <td data-label="Kind">{p.kind}</td>
                  <td data-label="Goes to">{p.repos.join(', ')}</td>
                  <td data-label="Why">{p.reason}</td>
                  <td data-label="Build">
                    <Link href={`/builds/${p.buildId}`}>#{p.buildId}</Link>
                  </td>
                  {canDrop && (
                    <td data-label="Plan">
                      {p.kind === 'binary' && (
                        <>
                          <MoveControl release={r} pkg={p} repos={repoNames} reload={res.reload} />
                          <Action label={`Drop ${p.name}`} run={async () => void (await api.send('POST', `/releases/${r.id}/drops`, { package: p.nevra }))} onDone={res.reload} />
                        </>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </section>

      {r.versions.length > 0 && (
        <section aria-labelledby="versions-h">
          <h2 id="versions-h">Repository versions</h2>
          <TableWrap label="Repository versions">
            <table class="cards">
              <TableHead columns={['Channel', 'Version', 'State', 'Packages', 'Published']} />
              <tbody>
                {r.versions.map((v) => (
                  <tr key={`${v.repo}/${v.channel}/${v.number}`}>
                    <th scope="row" data-label="Channel">
                      {v.repo}/{v.channel}
                    </th>
                    <td data-label="Version">
                      {v.number}
                      {v.base !== null && <span class="muted"> (from {v.base})</span>}
                      {v.cause === 'revert' && ' (revert)'}
                    </td>
                    <td data-label="State">
                      <StateBadge state={v.state} />
                    </td>
                    <td data-label="Packages">{v.packages}</td>
                    <td data-label="Published">{formatTime(v.publishedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </section>
      )}
    </section>
  );
}
