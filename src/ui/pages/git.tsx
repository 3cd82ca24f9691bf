/**
 * The git service: every upstream mirror with its state (last sync, failures in a row, the last
 * error) and, for maintainers, *Sync now*; the latest upstream events of all mirrors; the rules
 * that turn refs into builds. Each mirror's own page (git-package.tsx) has its package's
 * pipeline. The pages live at /mirrors: /git/… is where the master serves the mirrors themselves
 * to git.
 *
 * A master may mirror thousands of packages: the list is filtered in the page (by name or URL,
 * failing only; kept in the address) and draws at most {@link SHOWN} rows.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { EventView, MirrorInfo, Rule, SyncResult } from '../api-types.ts';
import { Action, ErrorBox, Loading, StateBadge, TableHead, TableWrap } from '../components.tsx';
import { formatAgo, formatTime } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';
import { Link, navigate, type Location } from '../router.ts';
import { hasRole, useSession } from '../session.ts';

/** Rows of the mirrors table drawn at most. */
const SHOWN = 200;
/** Events in the list of the latest ones. */
const RECENT_EVENTS = 20;

/** A mirror's own page. Its name may hold dots, so the address ends in a word, not the name (the master takes a last segment with a dot for a file). */
export function mirrorHref(name: string): string {
  return `/mirrors/${encodeURIComponent(name)}/pipeline`;
}

/** A mirror's state in a word: never synced, synced, or failing (failed syncs in a row). */
export function mirrorState(m: MirrorInfo): { state: string; label: string } {
  if (m.failures > 0) return { state: 'failed', label: 'failing' };
  if (m.syncedAt === null) return { state: 'pending', label: 'not synced yet' };
  return { state: 'succeeded', label: 'synced' };
}

/** refs/tags/imports/c9/x → "tag imports/c9/x"; refs/heads/main → "branch main". */
export function refLabel(ref: string): string {
  if (ref.startsWith('refs/tags/')) return `tag ${ref.slice('refs/tags/'.length)}`;
  if (ref.startsWith('refs/heads/')) return `branch ${ref.slice('refs/heads/'.length)}`;
  return ref;
}

export function shortCommit(commit: string): string {
  return commit.slice(0, 12);
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** What a sync did, in a sentence. */
export function describeSync(r: SyncResult): string {
  if (r.baseline) return 'Fetched for the first time: its refs are recorded, nothing is built.';
  if (!r.changed) return 'Nothing changed upstream.';
  const parts: string[] = [];
  if (r.events.length > 0) {
    const build = r.events.filter((e) => e.rule !== null).length;
    parts.push(`${plural(r.events.length, 'new or moved ref')} (${build} to build${r.events.length > build ? `, ${r.events.length - build} matching no rule` : ''})`);
  }
  if (r.deleted.length > 0) parts.push(`${plural(r.deleted.length, 'ref')} gone upstream`);
  return `Synced: ${parts.join('; ') || 'refs updated'}.`;
}

/**
 * *Sync now* (maintainers): the sync's outcome or the server's refusal beside the button; the
 * mirror is reloaded either way (a failed sync counts as a failure and records its error).
 */
export function SyncButton({ name, reload, inRow = false }: { name: string; reload: () => void; inRow?: boolean }): JSX.Element | null {
  const { api, who } = useSession();
  if (!hasRole(who, 'maintainer')) return null;
  return (
    <Action
      label="Sync now"
      {...(inRow && { ariaLabel: `Sync now: ${name}` })}
      run={async () => {
        try {
          return describeSync(await api.send<SyncResult>('POST', `/git/mirrors/${encodeURIComponent(name)}/sync`));
        } finally {
          reload();
        }
      }}
    />
  );
}

/** An event's status: the build it led to, else why there is none. */
export function EventOutcome({ e }: { e: EventView }): JSX.Element {
  if (e.buildId !== null) return <Link href={`/builds/${e.buildId}`}>build #{e.buildId}</Link>;
  return (
    <>
      <StateBadge state={e.status === 'submitting' ? 'running' : e.status} label={e.status} />
      {e.message && <div class={e.status === 'failed' ? 'reason' : 'muted small'}>{e.message}</div>}
    </>
  );
}

function MirrorsTable({ mirrors, reload }: { mirrors: MirrorInfo[]; reload: () => void }): JSX.Element {
  const { who } = useSession();
  const maintainer = hasRole(who, 'maintainer');
  return (
    <TableWrap label="Mirrors and their state">
      <table class="cards">
        <caption class="visually-hidden">Upstream mirrors and their state</caption>
        <TableHead columns={['Mirror', 'Upstream', 'State', 'Last sync', 'Failures', 'Last error', 'Refs', maintainer && 'Actions']} />
        <tbody>
          {mirrors.map((m) => {
            const s = mirrorState(m);
            return (
              <tr key={m.name}>
                <th scope="row" data-label="Mirror" class="break">
                  <Link href={mirrorHref(m.name)}>{m.name}</Link>
                </th>
                <td data-label="Upstream" class="break">
                  <code>{m.url}</code>
                </td>
                <td data-label="State">
                  <StateBadge state={s.state} label={s.label} />
                </td>
                <td data-label="Last sync">
                  {m.syncedAt === null ? <span class="muted">never</span> : <time dateTime={new Date(m.syncedAt).toISOString()}>{formatTime(m.syncedAt)}</time>}
                  <div class="muted small">next {formatTime(m.nextPollAt)}</div>
                </td>
                <td data-label="Failures">{m.failures}</td>
                <td data-label="Last error">{m.lastError ? <span class="reason">{m.lastError}</span> : <span class="muted">–</span>}</td>
                <td data-label="Refs">{m.refs}</td>
                {maintainer && (
                  <td data-label="Actions">
                    <SyncButton name={m.name} reload={reload} inRow />
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Mirrors({ loc, onSynced }: { loc: Location; onSynced: () => void }): JSX.Element {
  const { api } = useSession();
  const q = loc.query.get('q') ?? '';
  const failing = loc.query.get('failing') === '1';
  const [draft, setDraft] = useState<string | null>(null);
  const res = useResource((signal) => api.get<MirrorInfo[]>('/git/mirrors', undefined, signal), 'mirrors', () => 15_000);
  const all = res.data ?? [];
  const needle = q.trim().toLowerCase();
  const matching = all.filter((m) => (!failing || m.failures > 0) && (!needle || m.name.toLowerCase().includes(needle) || m.url.toLowerCase().includes(needle)));
  const failingCount = all.filter((m) => m.failures > 0).length;
  const never = all.filter((m) => m.failures === 0 && m.syncedAt === null).length;
  const go = (query: { q: string; failing: boolean }): void => {
    const p = new URLSearchParams();
    if (query.q.trim()) p.set('q', query.q.trim());
    if (query.failing) p.set('failing', '1');
    setDraft(null);
    navigate(`/mirrors${p.size ? `?${p}` : ''}`);
  };
  return (
    <section aria-labelledby="mirrors-h">
      <h2 id="mirrors-h">Mirrors</h2>
      <ErrorBox message={res.error} />
      {!res.data && !res.error && <Loading what="mirrors" />}
      {res.data && all.length === 0 && <p>No mirrors yet (an admin registers them: distforge git add NAME URL, or the configuration file's git: section).</p>}
      {res.data && all.length > 0 && (
        <>
          <p class="muted" role="status">
            {plural(all.length, 'mirror')}: {all.length - failingCount - never} synced, {failingCount} failing, {never} not synced yet.
          </p>
          <form
            class="filters"
            role="search"
            aria-label="Filter mirrors"
            onSubmit={(e) => {
              e.preventDefault();
              go({ q: draft ?? q, failing });
            }}
          >
            <div class="field search">
              <label for="mirror-q">Name or URL</label>
              <input id="mirror-q" type="search" value={draft ?? q} onInput={(e) => setDraft(e.currentTarget.value)} />
            </div>
            <div class="field buttons">
              <label class="check">
                <input type="checkbox" checked={failing} onChange={(e) => go({ q: draft ?? q, failing: e.currentTarget.checked })} /> Failing only
              </label>
              <button type="submit" class="button">
                Filter
              </button>
            </div>
          </form>
          {matching.length === 0 ? (
            <p>No mirror matches.</p>
          ) : (
            <>
              {matching.length > SHOWN && (
                <p class="muted">
                  The first {SHOWN} of {matching.length} matching mirrors; filter to find others.
                </p>
              )}
              <MirrorsTable
                mirrors={matching.slice(0, SHOWN)}
                reload={() => {
                  res.reload();
                  onSynced();
                }}
              />
            </>
          )}
        </>
      )}
    </section>
  );
}

/** The latest events of every mirror; loaded again after each sync made here (`syncs` counts them). */
function RecentEvents({ syncs }: { syncs: number }): JSX.Element {
  const { api } = useSession();
  const res = useResource((signal) => api.get<EventView[]>('/git/events', { limit: RECENT_EVENTS }, signal), 'events', () => 15_000);
  const { reload } = res;
  useEffect(() => {
    if (syncs > 0) reload();
  }, [syncs, reload]);
  return (
    <section aria-labelledby="events-h">
      <h2 id="events-h">Latest upstream events</h2>
      <ErrorBox message={res.error} />
      {!res.data && !res.error && <Loading what="events" />}
      {res.data && res.data.length === 0 && <p>No tag or branch has appeared or moved upstream since the mirrors were registered.</p>}
      {res.data && res.data.length > 0 && (
        <TableWrap label="Upstream events, newest first">
          <table class="cards">
            <caption class="visually-hidden">Upstream events of every mirror, newest first</caption>
            <TableHead columns={['When', 'Mirror', 'Upstream ref', 'Rule', 'Outcome']} />
            <tbody>
              {res.data.map((e) => (
                <tr key={e.id}>
                  <td data-label="When">
                    {formatTime(e.at)} <span class="muted small">via {e.via}</span>
                  </td>
                  <th scope="row" data-label="Mirror" class="break">
                    <Link href={mirrorHref(e.mirror)}>{e.mirror}</Link>
                  </th>
                  <td data-label="Upstream ref" class="break">
                    {refLabel(e.ref)} <code class="muted small">{shortCommit(e.commit)}</code>
                  </td>
                  <td data-label="Rule">{e.rule ?? <span class="muted">none</span>}</td>
                  <td data-label="Outcome">
                    <EventOutcome e={e} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

function Rules(): JSX.Element {
  const { api } = useSession();
  const res = useResource((signal) => api.get<Rule[]>('/git/rules', undefined, signal), 'rules');
  return (
    <section aria-labelledby="rules-h">
      <h2 id="rules-h">Rules</h2>
      <p class="muted">A new or moved upstream ref that a rule matches is built for the rule's platforms, through autopatch when it says so.</p>
      <ErrorBox message={res.error} />
      {!res.data && !res.error && <Loading what="rules" />}
      {res.data && res.data.length === 0 && <p>No rules yet: upstream refs are recorded, nothing is built.</p>}
      {res.data && res.data.length > 0 && (
        <TableWrap label="Rules: refs built for platforms">
          <table class="cards">
            <caption class="visually-hidden">Rules: which refs are built for which platforms</caption>
            <TableHead columns={['Rule', 'Matches', 'Mirrors', 'Platforms', 'Autopatch']} />
            <tbody>
              {res.data.map((r) => (
                <tr key={r.name}>
                  <th scope="row" data-label="Rule">
                    {r.name}
                  </th>
                  <td data-label="Matches" class="break">
                    {r.tag !== undefined ? 'tags' : 'branches'} <code>{r.tag ?? r.branch}</code>
                  </td>
                  <td data-label="Mirrors" class="break">
                    {r.mirrors?.join(', ') ?? <span class="muted">all</span>}
                  </td>
                  <td data-label="Platforms">{r.platforms.join(', ')}</td>
                  <td data-label="Autopatch" class="break">
                    {r.autopatch ? (
                      <>
                        our branch <code>{r.autopatch.branch}</code>
                        {r.autopatch.repo && (
                          <div class="muted small">
                            patches <code>{r.autopatch.repo}</code>
                            {r.autopatch.ref && ` at ${r.autopatch.ref}`}
                          </div>
                        )}
                      </>
                    ) : (
                      <span class="muted">no: built as upstream has it</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

export function GitPage({ loc }: { loc: Location }): JSX.Element {
  useTitle('Git mirrors');
  const [syncs, setSyncs] = useState(0);
  return (
    <section>
      <h1 tabIndex={-1}>Git mirrors</h1>
      <p class="muted">Upstream package repositories distforge mirrors and watches; a new tag or branch head that a rule matches is built by itself.</p>
      <Mirrors loc={loc} onSynced={() => setSyncs((n) => n + 1)} />
      <RecentEvents syncs={syncs} />
      <Rules />
    </section>
  );
}

/** A past time and how long ago it was: "2026-12-06 16:28 (3 min 5 s ago)". */
export function timeAndAgo(ms: number | null): string {
  return ms === null ? '–' : `${formatTime(ms)} (${formatAgo(ms)})`;
}
