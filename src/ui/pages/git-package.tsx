/**
 * A package's git mirror and pipeline (GET /api/v1/git/packages/NAME): the mirror's state (last
 * sync, failures in a row, the last error) with *Sync now* for maintainers, and every upstream
 * event newest first as one row of the pipeline: upstream ref → the rule that matched it → our
 * ref (when autopatched) → the build → its tasks by state → signed → released. Events that led to
 * no build say why (no rule matched, autopatch or the submission failed, still to be built). The
 * page refreshes every few seconds while anything in it is under way.
 */
import type { JSX } from 'preact';
import type { PipelineView } from '../api-types.ts';
import { ErrorBox, Fact, NotLoaded, PageHead, StateBadge, TableHead, TableWrap } from '../components.tsx';
import { formatDuration, formatTime } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';
import { Link } from '../router.ts';
import { useSession } from '../session.ts';
import { EventOutcome, mirrorState, refLabel, shortCommit, SyncButton, timeAndAgo } from './git.tsx';

type Entry = PipelineView['pipeline'][number];
type Build = NonNullable<Entry['build']>;

/** Task states in the order a reader wants them: trouble and work under way first. */
const TASK_ORDER = ['failed', 'leased', 'queued', 'blocked', 'succeeded', 'cancelled'];
const UNDER_WAY = new Set(['blocked', 'queued', 'leased']);

function underWay(e: Entry): boolean {
  if (e.status === 'pending' || e.status === 'submitting') return true;
  const b = e.build;
  return b !== null && (b.state === 'pending' || b.state === 'running' || b.tasks.some((t) => UNDER_WAY.has(t.state)));
}

function TaskCounts({ build }: { build: Build }): JSX.Element {
  if (build.tasks.length === 0) return <span class="muted">none yet</span>;
  const counts = new Map<string, number>();
  for (const t of build.tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const states = [...counts.keys()].sort((a, b) => (TASK_ORDER.indexOf(a) + 1 || 99) - (TASK_ORDER.indexOf(b) + 1 || 99));
  return (
    <ul class="counts" aria-label={`${build.tasks.length} tasks`}>
      {states.map((s) => (
        <li key={s}>
          <StateBadge state={s} label={`${counts.get(s) ?? 0} ${s}`} />
        </li>
      ))}
    </ul>
  );
}

function OurRef({ e }: { e: Entry }): JSX.Element {
  if (e.ourRef) {
    return (
      <>
        <code>{refLabel(e.ourRef)}</code> <span class="muted small">autopatched{e.ourCommit && <>, {shortCommit(e.ourCommit)}</>}</span>
      </>
    );
  }
  return <span class="muted">{e.build ? 'upstream’s, unchanged' : '–'}</span>;
}

function Signed({ build }: { build: Build | null }): JSX.Element {
  if (!build) return <span class="muted">–</span>;
  if (!build.signed) return <span class="muted">not signed</span>;
  return (
    <>
      <StateBadge state="succeeded" label="signed" />
      {build.signedAt !== null && <div class="muted small">{formatTime(build.signedAt)}</div>}
    </>
  );
}

function Released({ build }: { build: Build | null }): JSX.Element {
  if (!build) return <span class="muted">–</span>;
  if (!build.released) return <span class="muted">not released</span>;
  return (
    <>
      <StateBadge state="released" />{' '}
      <span class="small">
        in{' '}
        {build.releasedIn.map((id, i) => (
          <span key={id}>
            {i > 0 && ', '}
            <Link href={`/releases/${id}`}>release #{id}</Link>
          </span>
        ))}
      </span>
    </>
  );
}

function Pipeline({ entries }: { entries: Entry[] }): JSX.Element {
  return (
    <TableWrap label="Pipeline, newest first">
      <table class="cards pipeline">
        <caption class="visually-hidden">Each upstream ref that appeared or moved, newest first, and where it went</caption>
        <TableHead columns={['Upstream ref', 'Rule', 'Our ref', 'Build', 'Tasks', 'Signed', 'Released']} />
        <tbody>
          {entries.map((e) => (
            <tr key={e.id}>
              <th scope="row" data-label="Upstream ref" class="break">
                {refLabel(e.ref)} <code class="muted small">{shortCommit(e.commit)}</code>
                <div class="muted small">
                  {formatTime(e.at)} via {e.via}
                </div>
              </th>
              <td data-label="Rule">{e.rule ?? <span class="muted">none</span>}</td>
              <td data-label="Our ref" class="break">
                <OurRef e={e} />
              </td>
              <td data-label="Build">
                {e.build ? (
                  <>
                    <Link href={`/builds/${e.build.id}`}>build #{e.build.id}</Link> <StateBadge state={e.build.state} />
                  </>
                ) : (
                  <EventOutcome e={e} />
                )}
              </td>
              <td data-label="Tasks">{e.build ? <TaskCounts build={e.build} /> : <span class="muted">–</span>}</td>
              <td data-label="Signed">
                <Signed build={e.build} />
              </td>
              <td data-label="Released">
                <Released build={e.build} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

export function GitPackagePage({ name }: { name: string }): JSX.Element {
  useTitle(`${name} · Git`);
  const { api } = useSession();
  const res = useResource(
    (signal) => api.get<PipelineView>(`/git/packages/${encodeURIComponent(name)}`, undefined, signal),
    name,
    (p) => (p.pipeline.some(underWay) ? 3000 : 15_000),
  );
  const p = res.data;
  if (!p) return <NotLoaded title={name} what={`the pipeline of ${name}`} error={res.error} />;
  const m = p.mirror;
  const s = mirrorState(m);
  return (
    <section>
      <PageHead actions={<SyncButton name={m.name} reload={res.reload} />}>
        {p.package} <StateBadge state={s.state} label={s.label} />
      </PageHead>
      <p class="muted">
        The git mirror of <code class="break">{m.url}</code> and the pipeline of its package. <Link href="/mirrors">All mirrors</Link>
      </p>
      <ErrorBox message={res.error} />
      {m.lastError && (
        <p class="hint" role="note">
          <strong>The last {m.failures === 1 ? 'sync' : `${m.failures} syncs`} failed:</strong> {m.lastError}
        </p>
      )}
      <dl class="facts">
        <Fact term="Last sync">{m.syncedAt === null ? 'never' : timeAndAgo(m.syncedAt)}</Fact>
        <Fact term="Next poll">{formatTime(m.nextPollAt)}</Fact>
        <Fact term="Polled">{m.pollIntervalSeconds === null ? 'at the service’s interval' : `every ${formatDuration(m.pollIntervalSeconds * 1000)}`}</Fact>
        <Fact term="Failures in a row">{m.failures}</Fact>
        <Fact term="Branches and tags">{m.refs}</Fact>
        <Fact term="Registered">{formatTime(m.createdAt)}</Fact>
        <Fact term="Clone URL">
          <code>{m.cloneUrl}</code>
        </Fact>
        <Fact term="Push webhook">
          <code>{m.webhookUrl}</code>
          <div class="muted small">{m.hasWebhookSecret ? 'signed with its own secret' : 'signed with the service’s secret, if it has one'}</div>
        </Fact>
      </dl>

      <section aria-labelledby="pipeline-h">
        <h2 id="pipeline-h">Pipeline</h2>
        {p.pipeline.length === 0 ? (
          <p>No tag or branch has appeared or moved upstream since the mirror's first sync (which records the refs it finds and builds nothing).</p>
        ) : (
          <>
            <p class="muted">Upstream ref → our ref (autopatched) → build → tasks → signed → released, newest first.</p>
            <Pipeline entries={p.pipeline} />
          </>
        )}
      </section>

      {p.refs.length > 0 && (
        <details class="refs">
          <summary>Its branches and tags ({p.refs.length})</summary>
          <TableWrap label="Branches and tags">
            <table class="cards">
              <TableHead columns={['Ref', 'Commit']} />
              <tbody>
                {p.refs.map((r) => (
                  <tr key={r.name}>
                    <th scope="row" data-label="Ref" class="break">
                      {refLabel(r.name)}
                    </th>
                    <td data-label="Commit">
                      <code>{shortCommit(r.commit)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </details>
      )}
    </section>
  );
}
