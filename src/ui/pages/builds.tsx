/**
 * The builds feed: newest first, paged, with the filters GET /api/v1/builds takes. The filter
 * controls are made from the API's own description of that endpoint (its query parameters in the
 * OpenAPI document): a filter the master supports appears, one it does not is never sent. The
 * address holds the filters and the page, so a filtered feed can be bookmarked and shared.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiClient } from '../api.ts';
import type { BuildPage, BuildSummary, PlatformView } from '../api-types.ts';
import { ErrorBox, Loading, StateBadge, TableHead } from '../components.tsx';
import { formatDuration, formatTime } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';
import { Link, navigate, type Location } from '../router.ts';
import { hasRole, useSession } from '../session.ts';

const PAGE = 50;

/** A page of the feed; newer masters say whether `total` is exact (else a lower bound). */
type FeedPage = Omit<BuildPage, 'builds'> & { builds: FeedBuild[]; totalExact?: boolean };

/** A query parameter of GET /builds, from the OpenAPI document. */
export interface FeedFilter {
  name: string;
  label: string;
  description?: string;
  kind: 'enum' | 'boolean' | 'text' | 'number';
  values?: string[];
}

const LABELS: Record<string, string> = {
  state: 'State',
  owner: 'Owner',
  platform: 'Platform',
  arch: 'Arch',
  package: 'Package name',
  nevra: 'NEVRA',
  ref: 'Git ref',
  signed: 'Signed',
  released: 'Released',
};
/** Parameters that are paging or the search box, not filters. */
const NOT_FILTERS = new Set(['limit', 'offset', 'q', 'search', 'cursor', 'before', 'after']);
const SEARCH_NAMES = ['q', 'search'];

interface OpenApiParameter {
  in: string;
  name: string;
  description?: string;
  schema?: { type?: string; enum?: string[]; description?: string };
}

/** The query parameters of GET /builds as filters, and the search parameter if there is one. */
export async function feedFilters(api: ApiClient, signal: AbortSignal): Promise<{ filters: FeedFilter[]; search: FeedFilter | null }> {
  const doc = await api.get<{ paths?: Record<string, { get?: { parameters?: OpenApiParameter[] } }> }>('/openapi.json', undefined, signal);
  const params = (doc.paths?.['/api/v1/builds']?.get?.parameters ?? []).filter((p) => p.in === 'query');
  const toFilter = (p: OpenApiParameter): FeedFilter => {
    const s = p.schema ?? {};
    const kind = s.enum ? 'enum' : s.type === 'boolean' ? 'boolean' : s.type === 'integer' || s.type === 'number' ? 'number' : 'text';
    const description = p.description ?? s.description;
    return { name: p.name, label: LABELS[p.name] ?? p.name.charAt(0).toUpperCase() + p.name.slice(1), kind, ...(s.enum && { values: s.enum }), ...(description !== undefined && { description }) };
  };
  const searchParam = params.find((p) => SEARCH_NAMES.includes(p.name));
  return { filters: params.filter((p) => !NOT_FILTERS.has(p.name)).map(toFilter), search: searchParam ? toFilter(searchParam) : null };
}

/**
 * What newer masters add to each build of the feed (all optional: an older master's feed has only
 * the summary, and the page shows what it gets).
 */
type FeedBuild = BuildSummary & {
  packages?: string[];
  /** With a package search: the NEVRAs that matched. */
  matches?: string[];
  /** How many of its tasks are in each state, and in all. */
  tasks?: Partial<Record<string, number>> & { total?: number };
  signed?: boolean;
  released?: boolean;
};

/** Package names of a build when the feed gives them. */
function packagesOf(b: FeedBuild): string | null {
  const names = (b.packages ?? []).filter((p) => typeof p === 'string');
  if (names.length === 0) return null;
  return names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', ');
}

/** "3 of 5 tasks done, 1 failed" from the feed's task counts. */
function taskProgress(t: NonNullable<FeedBuild['tasks']>): string {
  const done = (t.succeeded ?? 0) + (t.failed ?? 0) + (t.cancelled ?? 0);
  const failed = t.failed ? `, ${t.failed} failed` : '';
  return `${done} of ${t.total ?? 0} tasks done${failed}`;
}

/** The arches a task may have, for an `arch` filter. */
const ARCH_CHOICES = ['x86_64', 'aarch64', 'ppc64le', 's390x', 'i686', 'noarch', 'src'];

function FilterControl({ f, value, platforms, onChange }: { f: FeedFilter; value: string; platforms: string[]; onChange: (v: string) => void }): JSX.Element {
  const id = `filter-${f.name}`;
  const options =
    f.kind === 'enum' ? (f.values ?? []) : f.kind === 'boolean' ? ['true', 'false'] : f.name === 'platform' && platforms.length > 0 ? platforms : f.name === 'arch' ? ARCH_CHOICES : null;
  const label = (v: string): string => (f.kind === 'boolean' ? (v === 'true' ? 'yes' : 'no') : v);
  return (
    <div class="field">
      <label for={id}>{f.label}</label>
      {options ? (
        <select id={id} name={f.name} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">any</option>
          {options.map((v) => (
            <option key={v} value={v}>
              {label(v)}
            </option>
          ))}
        </select>
      ) : (
        <input id={id} name={f.name} type="text" inputMode={f.kind === 'number' ? 'numeric' : 'text'} value={value} onInput={(e) => onChange(e.currentTarget.value)} {...(f.description && { title: f.description })} />
      )}
    </div>
  );
}

function FeedTable({ builds }: { builds: FeedBuild[] }): JSX.Element {
  // Masters that list each build's packages in the feed get a column for them.
  const packages = builds.some((b) => packagesOf(b) !== null);
  return (
    <table class="feed cards">
      <caption class="visually-hidden">Builds, newest first</caption>
      <TableHead columns={['Build', 'State', packages && 'Packages', 'Platforms', 'Owner', 'Submitted', 'Took']} />
      <tbody>
        {builds.map((b) => (
          <tr key={b.id}>
            <th scope="row" data-label="Build">
              <Link href={`/builds/${b.id}`}>#{b.id}</Link>
              {!b.public && <span class="muted"> (private)</span>}
            </th>
            <td data-label="State">
              <StateBadge state={b.state} />
              {b.signed && <> <StateBadge state="succeeded" label="signed" /></>}
              {b.released && <> <StateBadge state="released" label="released" /></>}
              {b.tasks && b.tasks.total !== undefined && b.tasks.total > 0 && <div class="muted small">{taskProgress(b.tasks)}</div>}
              {b.failureReason && <div class="reason">{b.failureReason}</div>}
            </td>
            {packages && (
              <td data-label="Packages">
                {packagesOf(b) ?? <span class="muted">–</span>}
                {b.matches && b.matches.length > 0 && <div class="muted small break">matched {b.matches.join(', ')}</div>}
              </td>
            )}
            <td data-label="Platforms">{b.platforms.join(', ')}</td>
            <td data-label="Owner">{b.owner}</td>
            <td data-label="Submitted">{formatTime(b.createdAt)}</td>
            <td data-label="Took">{b.finishedAt ? formatDuration(b.finishedAt - b.createdAt) : <span class="muted">running</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function BuildsPage({ loc }: { loc: Location }): JSX.Element {
  useTitle('Builds');
  const { api, who } = useSession();
  const described = useResource((signal) => feedFilters(api, signal), 'filters');
  const platforms = useResource((signal) => api.get<PlatformView[]>('/platforms', undefined, signal), 'platforms');
  const supported = new Set([...(described.data?.filters ?? []).map((f) => f.name), ...(described.data?.search ? [described.data.search.name] : [])]);
  // Only what the master declares is sent (it refuses unknown parameters).
  const query: Record<string, string> = {};
  for (const [k, v] of loc.query) if (supported.has(k) && v !== '') query[k] = v;
  const offset = Math.max(0, Number(loc.query.get('offset') ?? 0) || 0);
  const ready = described.data !== undefined || described.error !== null;
  const key = JSON.stringify({ query, offset, ready, who: who.kind === 'user' ? who.name : '' });
  const feed = useResource(
    (signal) => (ready ? api.get<FeedPage>('/builds', { ...query, limit: PAGE, offset }, signal) : new Promise<FeedPage>(() => undefined)),
    key,
    (page) => (page.builds.some((b) => b.state === 'pending' || b.state === 'running') ? 3000 : 15000),
  );
  const [draft, setDraft] = useState<Record<string, string> | null>(null);
  const values = draft ?? Object.fromEntries(loc.query);
  const apply = (e: Event): void => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(values)) if (supported.has(k) && v.trim() !== '') q.set(k, v.trim());
    setDraft(null);
    navigate(`/builds${q.size ? `?${q}` : ''}`);
  };
  const pageHref = (to: number): string => {
    const q = new URLSearchParams(query);
    if (to > 0) q.set('offset', String(to));
    return `/builds${q.size ? `?${q}` : ''}`;
  };
  const set = (name: string) => (v: string) => setDraft({ ...values, [name]: v });
  const search = described.data?.search;
  const page = feed.data;
  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Builds</h1>
        {hasRole(who, 'maintainer') && (
          <Link href="/builds/new" class="button primary">
            New build
          </Link>
        )}
      </div>
      <form class="filters" role="search" aria-label="Filter builds" onSubmit={apply}>
        {search && (
          <div class="field search">
            <label for="feed-search">Search</label>
            <input id="feed-search" type="search" name={search.name} value={values[search.name] ?? ''} onInput={(e) => set(search.name)(e.currentTarget.value)} placeholder="build id, NEVRA or package name" {...(search.description && { title: search.description })} />
          </div>
        )}
        {(described.data?.filters ?? []).map((f) => (
          <FilterControl key={f.name} f={f} value={values[f.name] ?? ''} platforms={(platforms.data ?? []).map((p) => p.name)} onChange={set(f.name)} />
        ))}
        <div class="field buttons">
          <button type="submit" class="button">
            Filter
          </button>
          {Object.keys(query).length > 0 && (
            <Link href="/builds" class="button plain" onClick={() => setDraft(null)}>
              Clear
            </Link>
          )}
        </div>
      </form>
      <ErrorBox message={feed.error} />
      {!page && !feed.error && <Loading what="builds" />}
      {page && (
        <>
          <p class="muted" role="status">
            {page.total === 0 && page.builds.length === 0
              ? 'No builds match.'
              : `Builds ${page.offset + 1}–${page.offset + page.builds.length} of ${page.totalExact === false ? `at least ${page.total}` : page.total}${who.kind === 'anonymous' ? ' (public builds; sign in to see all)' : ''}`}
          </p>
          {page.builds.length > 0 && <FeedTable builds={page.builds} />}
          <nav class="pager" aria-label="Pages of builds">
            {offset > 0 && (
              <Link href={pageHref(Math.max(0, offset - PAGE))} rel="prev">
                ← Newer
              </Link>
            )}
            {(page.offset + page.builds.length < page.total || (page.totalExact === false && page.builds.length === PAGE)) && (
              <Link href={pageHref(offset + PAGE)} rel="next">
                Older →
              </Link>
            )}
          </nav>
        </>
      )}
    </section>
  );
}
