/**
 * Errata: advisories newest first (GET /api/v1/errata), 50 a page, with a search box (the API's
 * `q`: an advisory id or its start, a CVE id, a package name or NEVRA) and filters by platform,
 * type and state. The address holds the search, the filters and the page. Anonymous visitors see
 * released advisories; users see drafts too; maintainers may write a new one.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { AdvisoryPage, AdvisorySummary, PlatformView } from '../api-types.ts';
import { ErrorBox, Loading, Options, PageHead, PlatformOptions, StateBadge, TableHead, TableWrap } from '../components.tsx';
import { ADVISORY_STATES, ADVISORY_TYPES, typeName } from '../errata-terms.ts';
import { formatTime } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';
import { Link, navigate, type Location } from '../router.ts';
import { hasRole, useSession } from '../session.ts';

const PAGE = 50;
const FIELDS = ['q', 'platform', 'type', 'state'] as const;
type Field = (typeof FIELDS)[number];

/** A list of names, the first few and how many more. */
function some(names: string[], shown = 3): string {
  return names.length > shown ? `${names.slice(0, shown).join(', ')} and ${names.length - shown} more` : names.join(', ');
}

function ErrataTable({ advisories }: { advisories: AdvisorySummary[] }): JSX.Element {
  return (
    <TableWrap label="Advisories">
      <table class="cards">
        <caption class="visually-hidden">Advisories, newest first</caption>
        <TableHead columns={['Advisory', 'Type', 'Severity', 'State', 'Synopsis', 'Platform', 'Packages', 'CVEs', 'Issued']} />
        <tbody>
          {advisories.map((a) => (
            <tr key={a.id}>
              <th scope="row" data-label="Advisory" class="nowrap">
                <Link href={`/errata/${a.id}`}>{a.id}</Link>
              </th>
              <td data-label="Type">{typeName(a.type)}</td>
              <td data-label="Severity">{a.severity ?? <span class="muted">–</span>}</td>
              <td data-label="State">
                <StateBadge state={a.state} />
              </td>
              <td data-label="Synopsis">{a.title}</td>
              <td data-label="Platform">{a.platform}</td>
              <td data-label="Packages" class="break">
                {some(a.sourcePackages)}
              </td>
              <td data-label="CVEs" class="break">
                {a.cves.length ? some(a.cves) : <span class="muted">–</span>}
              </td>
              <td data-label="Issued">{a.issuedAt === null ? <span class="muted">not yet (created {formatTime(a.createdAt)})</span> : formatTime(a.issuedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

export function ErrataPage({ loc }: { loc: Location }): JSX.Element {
  useTitle('Errata');
  const { api, who } = useSession();
  const asked = Object.fromEntries(FIELDS.map((f) => [f, loc.query.get(f)?.trim() ?? ''])) as Record<Field, string>;
  const offset = Math.max(0, Number(loc.query.get('offset') ?? 0) || 0);
  const platforms = useResource((signal) => api.get<PlatformView[]>('/platforms', undefined, signal), 'platforms');
  const list = useResource(
    (signal) => api.get<AdvisoryPage>('/errata', { ...asked, limit: PAGE, offset }, signal),
    JSON.stringify({ asked, offset, who: who.kind === 'user' ? who.name : '' }),
  );
  // What the form shows: the address's values until the user changes one.
  const [draft, setDraft] = useState<Record<Field, string> | null>(null);
  const values = draft ?? asked;
  const set = (f: Field) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) => setDraft({ ...values, [f]: e.currentTarget.value });
  const href = (v: Record<Field, string>, to = 0): string => {
    const q = new URLSearchParams();
    for (const f of FIELDS) if (v[f].trim() !== '') q.set(f, v[f].trim());
    if (to > 0) q.set('offset', String(to));
    return `/errata${q.size ? `?${q}` : ''}`;
  };
  const apply = (e: Event): void => {
    e.preventDefault();
    setDraft(null);
    navigate(href(values));
  };
  const filtered = FIELDS.some((f) => asked[f] !== '');
  const page = list.data;
  return (
    <section>
      <PageHead
        actions={
          hasRole(who, 'maintainer') && (
            <Link href="/errata/new" class="button primary">
              New advisory
            </Link>
          )
        }
      >
        Errata
      </PageHead>
      <form class="filters" role="search" aria-label="Search advisories" onSubmit={apply}>
        <div class="field search">
          <label for="errata-q">Search</label>
          <input id="errata-q" type="search" name="q" maxLength={512} value={values.q} onInput={set('q')} placeholder="DFSA-2026:0001, CVE-2026-1234 or a package name" aria-describedby="errata-q-help" />
          <span id="errata-q-help" class="muted small">
            An advisory id (or its start), a CVE id, a package name or NEVRA.
          </span>
        </div>
        <div class="field">
          <label for="errata-platform">Platform</label>
          <select id="errata-platform" name="platform" value={values.platform} onChange={set('platform')}>
            <PlatformOptions names={(platforms.data ?? []).map((p) => p.name)} any />
          </select>
        </div>
        <div class="field">
          <label for="errata-type">Type</label>
          <select id="errata-type" name="type" value={values.type} onChange={set('type')}>
            <Options values={ADVISORY_TYPES} label={typeName} first="any" />
          </select>
        </div>
        <div class="field">
          <label for="errata-state">State</label>
          <select id="errata-state" name="state" value={values.state} onChange={set('state')}>
            <Options values={ADVISORY_STATES} first="any" />
          </select>
        </div>
        <div class="field buttons">
          <button type="submit" class="button">
            Search
          </button>
          {filtered && (
            <Link href="/errata" class="button plain" onClick={() => setDraft(null)}>
              Clear
            </Link>
          )}
        </div>
      </form>
      <ErrorBox message={list.error} />
      {!page && !list.error && <Loading what="advisories" />}
      {page && (
        <>
          <p class="muted" role="status">
            {page.advisories.length === 0
              ? filtered
                ? 'No advisories match.'
                : 'No advisories yet.'
              : `Advisories ${page.offset + 1}–${page.offset + page.advisories.length} of ${page.total}${who.kind === 'user' ? '' : ' (released ones; sign in to see drafts)'}`}
          </p>
          {page.advisories.length > 0 && <ErrataTable advisories={page.advisories} />}
          <nav class="pager" aria-label="Pages of advisories">
            {offset > 0 && (
              <Link href={href(asked, Math.max(0, offset - PAGE))} rel="prev">
                ← Newer
              </Link>
            )}
            {page.offset + page.advisories.length < page.total && (
              <Link href={href(asked, offset + PAGE)} rel="next">
                Older →
              </Link>
            )}
          </nav>
        </>
      )}
    </section>
  );
}
