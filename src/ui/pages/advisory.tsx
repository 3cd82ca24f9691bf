/**
 * One advisory (GET /api/v1/errata/ID): its fields, references, packages, state and the release
 * that published it; or (`/errata/ID/osv`) its OSV document as the API gives it, formatted. The
 * actions follow the roles the API asks for: maintainers edit (drafts, approved advisories, and
 * amendments of released ones) and delete drafts; admins approve drafts and retract approved or
 * released advisories. The server checks every role again.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { AdvisoryRecord } from '../api-types.ts';
import { Action, ErrorBox, Fact, Loading, NotLoaded, PageHead, StateBadge, TableHead, TableWrap } from '../components.tsx';
import { referenceHref, referenceName, typeName } from '../errata-terms.ts';
import { formatTime } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';
import { Link, navigate } from '../router.ts';
import { hasRole, useSession } from '../session.ts';

export type AdvisoryView = 'details' | 'osv';

/** Who did it and when, or a dash. */
function byAt(at: number | null, by: string | null): string {
  return at === null ? '–' : `${formatTime(at)}${by ? ` by ${by}` : ''}`;
}

function Actions({ a, reload }: { a: AdvisoryRecord; reload: () => void }): JSX.Element | null {
  const { api, who } = useSession();
  const [reason, setReason] = useState('');
  if (!hasRole(who, 'maintainer')) return null;
  const admin = hasRole(who, 'admin');
  const retractable = admin && (a.state === 'approved' || a.state === 'released');
  return (
    <div class="actions" role="group" aria-label="Actions">
      {a.state !== 'retracted' && (
        <Link href={`/errata/${a.id}/edit`} class="button">
          {a.state === 'released' ? 'Amend' : 'Edit'}
        </Link>
      )}
      {admin && a.state === 'draft' && (
        <Action label="Approve" kind="primary" confirm={{ question: `Approve ${a.id}? A release may then publish it.`, yes: 'Approve it' }} run={async () => void (await api.send('POST', `/errata/${a.id}/approve`))} onDone={reload} />
      )}
      {retractable && (
        <>
          <span class="field inline-field">
            <label for="retract-reason">Reason to retract</label>
            <input id="retract-reason" type="text" maxLength={1000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} placeholder="optional" />
          </span>
          <Action
            label="Retract"
            kind="danger"
            confirm={{ question: `Retract ${a.id}? This cannot be undone.`, yes: 'Retract it' }}
            run={async () => void (await api.send('POST', `/errata/${a.id}/retract`, reason.trim() ? { reason: reason.trim() } : undefined))}
            onDone={reload}
          />
        </>
      )}
      {a.state === 'draft' && (
        <Action
          label="Delete"
          kind="danger"
          confirm={{ question: `Delete draft ${a.id}?`, yes: 'Delete it' }}
          run={async () => {
            await api.send('DELETE', `/errata/${a.id}`);
            navigate('/errata');
          }}
        />
      )}
    </div>
  );
}

function Details({ a }: { a: AdvisoryRecord }): JSX.Element {
  return (
    <>
      <dl class="facts">
        <Fact term="Type">{typeName(a.type)}</Fact>
        <Fact term="Severity">{a.severity ?? '–'}</Fact>
        <Fact term="Platform">{a.platform}</Fact>
        <Fact term="Reboot suggested">{a.rebootSuggested ? 'yes' : 'no'}</Fact>
        <Fact term="Created">{byAt(a.createdAt, a.createdBy)}</Fact>
        <Fact term="Last changed">{formatTime(a.modifiedAt)}</Fact>
        <Fact term="Approved">{byAt(a.approvedAt, a.approvedBy)}</Fact>
        <Fact term="Issued">{formatTime(a.issuedAt)}</Fact>
        {a.updatedAt !== null && a.updatedAt !== a.issuedAt && <Fact term="Updated">{formatTime(a.updatedAt)}</Fact>}
        <Fact term="Released by">{a.releaseId === null ? 'no release yet' : <Link href={`/releases/${a.releaseId}`}>release #{a.releaseId}</Link>}</Fact>
        {a.retractedAt !== null && (
          <Fact term="Retracted">
            {byAt(a.retractedAt, a.retractedBy)}
            {a.retractionReason && `: ${a.retractionReason}`}
          </Fact>
        )}
      </dl>
      <section aria-labelledby="description-h">
        <h2 id="description-h">Description</h2>
        {a.description ? <p class="prose">{a.description}</p> : <p class="muted">None.</p>}
      </section>
      <section aria-labelledby="solution-h">
        <h2 id="solution-h">Solution</h2>
        {a.solution ? <p class="prose">{a.solution}</p> : <p class="muted">None.</p>}
      </section>
      <section aria-labelledby="references-h">
        <h2 id="references-h">References ({a.references.length})</h2>
        {a.references.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <TableWrap label="References">
            <table class="cards">
              <TableHead columns={['Reference', 'Kind', 'Title']} />
              <tbody>
                {a.references.map((r) => {
                  const href = referenceHref(r);
                  return (
                    <tr key={`${r.type} ${r.id}`}>
                      <th scope="row" data-label="Reference" class="break">
                        {href ? (
                          <a href={href} rel="noopener noreferrer">
                            {r.id}
                          </a>
                        ) : (
                          r.id
                        )}
                      </th>
                      <td data-label="Kind">{referenceName(r.type)}</td>
                      <td data-label="Title">{r.title ?? <span class="muted">–</span>}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
      <section aria-labelledby="packages-h">
        <h2 id="packages-h">Packages ({a.packages.length})</h2>
        <TableWrap label="Packages">
          <table class="cards">
            <TableHead columns={['Package', 'Arch', 'Built from']} />
            <tbody>
              {a.packages.map((p) => (
                <tr key={p.nevra}>
                  <th scope="row" data-label="Package" class="break">
                    {p.nevra}
                  </th>
                  <td data-label="Arch">{p.arch}</td>
                  <td data-label="Built from" class="break">
                    {p.source.name}-{p.source.version}-{p.source.release}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </section>
    </>
  );
}

function Osv({ id }: { id: string }): JSX.Element {
  const { api } = useSession();
  const doc = useResource((signal) => api.get<unknown>(`/errata/${id}/osv`, undefined, signal), id);
  return (
    <section aria-labelledby="osv-h">
      <h2 id="osv-h">OSV document</h2>
      <p class="muted">
        As <code>GET /api/v1/errata/{id}/osv</code> gives it (OSV schema 1.6); a platform's released advisories are its feed <code>/api/v1/platforms/NAME/errata/osv</code>.
      </p>
      <ErrorBox message={doc.error} />
      {doc.data === undefined && !doc.error && <Loading what="the OSV document" />}
      {doc.data !== undefined && (
        <pre class="json" tabIndex={0} aria-label={`OSV document of ${id}`}>
          {JSON.stringify(doc.data, null, 2)}
        </pre>
      )}
    </section>
  );
}

export function AdvisoryPage({ id, view }: { id: string; view: AdvisoryView }): JSX.Element {
  useTitle(view === 'osv' ? `${id} (OSV)` : id);
  const { api } = useSession();
  const res = useResource((signal) => api.get<AdvisoryRecord>(`/errata/${id}`, undefined, signal), id);
  const a = res.data;
  if (!a) return <NotLoaded title={id} what={`advisory ${id}`} error={res.error} />;
  return (
    <section>
      <PageHead actions={<Actions a={a} reload={res.reload} />}>
        {a.id} <StateBadge state={a.state} />
      </PageHead>
      <p class="lead">{a.title}</p>
      <ErrorBox message={res.error} />
      {a.state === 'approved' && <p class="muted">Approved: the next release of {a.platform} that carries it publishes it. Editing it makes it a draft again.</p>}
      <nav class="tabs" aria-label="Views of the advisory">
        <Link href={`/errata/${a.id}`} aria-current={view === 'details' ? 'page' : undefined}>
          Details
        </Link>
        <Link href={`/errata/${a.id}/osv`} aria-current={view === 'osv' ? 'page' : undefined}>
          OSV JSON
        </Link>
      </nav>
      {view === 'osv' ? <Osv id={a.id} /> : <Details a={a} />}
    </section>
  );
}
