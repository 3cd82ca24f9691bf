/**
 * Nodes and queue: every node (builders, testers, signers) with what it was granted and what it
 * advertised, whether it is enabled, its current tasks against its capacity and when the master
 * last heard from it (stale past the master's limit); then the queue per arch and kind: tasks
 * waiting for dependencies, queued, running, the oldest queued one's wait, and which nodes take
 * them. Ages are reckoned on the master's clock (GET /queue says its time), not the browser's.
 * Admins enable and disable nodes here (PATCH /nodes/NAME; the server checks the role). The page
 * refreshes every few seconds while it is visible.
 */
import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { CurrentTask, NodeInfo, QueueRow, QueueView } from '../api-types.ts';
import { Action, ErrorBox, Loading, PageHead, StateBadge, TableHead, TableWrap } from '../components.tsx';
import { formatAgo, formatDuration, formatTimeExact } from '../format.ts';
import { usePageVisible, useResource, useTitle } from '../hooks.ts';
import { Link } from '../router.ts';
import { hasRole, useSession } from '../session.ts';

/** How often the page refreshes while visible. */
const REFRESH_MS = 3000;

/** What a node is called by what it does. */
const ROLE_NAMES: Record<string, string> = { build: 'builder', test: 'tester', sign: 'signer' };
/** Arches every node takes whether or not it lists them. */
const ANY_ARCH = new Set(['noarch', 'src']);

/** What the node serves: the granted values it also advertised (all granted before its first hello). */
function served(granted: readonly string[], advertised: readonly string[] | null): string[] {
  return advertised === null ? [...granted] : granted.filter((g) => advertised.includes(g));
}

/** Granted values with what the node did not advertise, and advertised ones no admin granted. */
function Granted({ granted, advertised, implied = new Set<string>() }: { granted: readonly string[]; advertised: readonly string[] | null; implied?: Set<string> }): JSX.Element {
  const notAdvertised = advertised === null ? [] : granted.filter((g) => !advertised.includes(g) && !implied.has(g));
  const notGranted = advertised === null ? [] : advertised.filter((a) => !granted.includes(a) && !implied.has(a));
  return (
    <>
      {granted.map((g, i) => (
        <span key={g}>
          {i > 0 && ', '}
          {notAdvertised.includes(g) ? <span class="muted">{g} (granted, not advertised)</span> : g}
        </span>
      ))}
      {notGranted.length > 0 && <div class="muted small">advertised, not granted: {notGranted.join(', ')}</div>}
    </>
  );
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** Why a node is not live, or null when the master heard from it lately. */
function silence(n: NodeInfo, view: QueueView): 'never seen' | 'stale' | null {
  if (n.lastSeenAt === null) return 'never seen';
  return view.now - n.lastSeenAt > view.staleAfterMs ? 'stale' : null;
}

function nodeKind(n: NodeInfo): string {
  const roles = served(n.capabilities, n.advertisedCapabilities).map((c) => ROLE_NAMES[c] ?? c);
  return roles.length ? roles.join(', ') : 'none';
}

function taskHref(t: CurrentTask): string | null {
  if (t.buildId !== null) return `/builds/${t.buildId}?task=${t.id}`;
  if (t.releaseId !== null) return `/releases/${t.releaseId}`;
  return null;
}

function taskName(t: CurrentTask): string {
  const what = t.buildId !== null ? `build ${t.buildId}` : t.releaseId !== null ? `release ${t.releaseId}` : t.platform;
  return `${t.kind} task #${t.id}: ${t.package ?? what} ${t.kind === 'srpm' ? 'source' : t.arch}${t.package ? `, ${what}` : ''}`;
}

/** A node's current task: a link to it, how long it runs, its attempt, and a lapsed lease. */
function TaskItem({ task, now }: { task: CurrentTask; now: number }): JSX.Element {
  const href = taskHref(task);
  const lapsed = task.leaseExpiresAt !== null && task.leaseExpiresAt < now;
  const title = [
    task.startedAt !== null && `leased ${formatTimeExact(task.startedAt)}`,
    task.leaseExpiresAt !== null && `lease until ${formatTimeExact(task.leaseExpiresAt)}`,
    `platform ${task.platform}`,
  ]
    .filter(Boolean)
    .join('; ');
  return (
    <li title={title}>
      {href ? <Link href={href}>{taskName(task)}</Link> : taskName(task)}{' '}
      <span class="muted small">
        {task.startedAt !== null && `for ${formatDuration(now - task.startedAt)}`}
        {task.attempt > 1 && `, attempt ${task.attempt} of ${task.maxAttempts}`}
      </span>
      {lapsed && (
        <>
          {' '}
          <StateBadge state="failed" label="lease lapsed" />
        </>
      )}
    </li>
  );
}

/** When the master last heard from the node, relative on the master's clock, absolute in the title. */
function LastSeen({ node, view }: { node: NodeInfo; view: QueueView }): JSX.Element {
  if (node.lastSeenAt === null) return <StateBadge state="unseen" label="never seen" />;
  const at = formatTimeExact(node.lastSeenAt);
  const stale = silence(node, view) === 'stale';
  return (
    <>
      <time dateTime={new Date(node.lastSeenAt).toISOString()} title={at}>
        {formatAgo(node.lastSeenAt, view.now)}
      </time>
      <span class="visually-hidden"> (at {at})</span>
      {stale && (
        <div>
          <StateBadge state="stale" label="stale" /> <span class="muted small">silent for over {formatDuration(view.staleAfterMs)}</span>
        </div>
      )}
    </>
  );
}

function NodeActions({ node, onDone }: { node: NodeInfo; onDone: () => void }): JSX.Element {
  const { api } = useSession();
  const patch = async (enabled: boolean): Promise<string> => {
    await api.send<NodeInfo>('PATCH', `/nodes/${encodeURIComponent(node.name)}`, { enabled });
    return enabled ? `${node.name} enabled` : `${node.name} disabled`;
  };
  return node.enabled ? (
    <Action label={`Disable ${node.name}`} kind="danger" confirm={{ question: `Disable ${node.name}? It takes no new tasks; those it runs go on.`, yes: 'Disable' }} run={() => patch(false)} onDone={onDone} />
  ) : (
    <Action label={`Enable ${node.name}`} run={() => patch(true)} onDone={onDone} />
  );
}

function NodesTable({ nodes, view, admin, reload }: { nodes: NodeInfo[]; view: QueueView; admin: boolean; reload: () => void }): JSX.Element {
  if (nodes.length === 0) return <p>No nodes yet (an admin adds them: distforge node add NAME --arches ARCH,…).</p>;
  return (
    <TableWrap label="Nodes">
      <table class="cards nodes">
        <caption class="visually-hidden">Nodes, what they do and what they run</caption>
        <TableHead columns={['Node', 'Kind', 'Arches', 'Enabled', 'Tasks', 'Current tasks', 'Last heard from', admin && 'Actions']} />
        <tbody>
          {nodes.map((n) => {
            const tasks = view.currentTasks.filter((t) => t.node === n.name);
            return (
              <tr key={n.name}>
                <th scope="row" data-label="Node" class="nowrap">
                  {n.name}
                </th>
                <td data-label="Kind">
                  {nodeKind(n)}
                  {!sameSet(n.capabilities, n.advertisedCapabilities ?? n.capabilities) && (
                    <div class="muted small">
                      capabilities: <Granted granted={n.capabilities} advertised={n.advertisedCapabilities} />
                    </div>
                  )}
                </td>
                <td data-label="Arches">
                  <Granted granted={n.arches} advertised={n.advertisedArches} implied={ANY_ARCH} />
                  {n.advertisedArches === null && <div class="muted small">(has not said hello yet)</div>}
                </td>
                <td data-label="Enabled">{n.enabled ? 'yes' : <StateBadge state="disabled" label="disabled" />}</td>
                <td data-label="Tasks">
                  {tasks.length} of {n.maxConcurrency}
                </td>
                <td data-label="Current tasks" class="break">
                  {tasks.length === 0 ? (
                    <span class="muted">idle</span>
                  ) : (
                    <ul class="plain-list">
                      {tasks.map((t) => (
                        <TaskItem key={t.id} task={t} now={view.now} />
                      ))}
                    </ul>
                  )}
                </td>
                <td data-label="Last heard from">
                  <LastSeen node={n} view={view} />
                </td>
                {admin && (
                  <td data-label="Actions">
                    <NodeActions node={n} onDone={reload} />
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

const KIND_NOTES: Record<string, string> = {
  srpm: 'source packages',
  rpm: 'binary packages',
  test: 'package tests',
  sign: 'package signing',
  'sign-repo': 'repository metadata signing',
};

function QueueTable({ view, nodes }: { view: QueueView; nodes: NodeInfo[] }): JSX.Element {
  if (view.queue.length === 0) return <p>Nothing is queued or running.</p>;
  // A node that takes the tasks but is not heard from runs nothing: say so beside its name.
  const named = (name: string): string => {
    const n = nodes.find((x) => x.name === name);
    const why = n && silence(n, view);
    return why ? `${name} (${why})` : name;
  };
  const wait = (r: QueueRow): string => (r.oldestQueuedAt === null ? '–' : formatDuration(view.now - r.oldestQueuedAt));
  return (
    <TableWrap label="Queue by arch and kind">
      <table class="cards queue">
        <caption class="visually-hidden">Tasks not ended, by arch and kind</caption>
        <TableHead columns={['Arch', 'Kind', 'Waiting for dependencies', 'Queued', 'Running', 'Oldest queued for', 'Taken by']} />
        <tbody>
          {view.queue.map((r) => (
            <tr key={`${r.arch} ${r.kind}`}>
              <th scope="row" data-label="Arch">
                {r.arch}
              </th>
              <td data-label="Kind">
                {r.kind} <span class="muted small">({KIND_NOTES[r.kind] ?? r.kind})</span>
              </td>
              <td data-label="Waiting for dependencies" class="num">
                {r.blocked}
              </td>
              <td data-label="Queued" class="num">
                {r.queued}
              </td>
              <td data-label="Running" class="num">
                {r.running}
              </td>
              <td data-label="Oldest queued for">
                {r.oldestQueuedAt === null ? '–' : <span title={`queued ${formatTimeExact(r.oldestQueuedAt)}`}>{wait(r)}</span>}
              </td>
              <td data-label="Taken by" class="break">
                {r.nodes.length ? r.nodes.map(named).join(', ') : r.queued > 0 ? <StateBadge state="failed" label="no enabled node" /> : <span class="muted">no enabled node</span>}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" data-label="Arch">
              All
            </th>
            <td data-label="Kind" />
            <td data-label="Waiting for dependencies" class="num">
              {view.totals.blocked}
            </td>
            <td data-label="Queued" class="num">
              {view.totals.queued}
            </td>
            <td data-label="Running" class="num">
              {view.totals.running}
            </td>
            <td data-label="Oldest queued for" />
            <td data-label="Taken by" />
          </tr>
        </tfoot>
      </table>
    </TableWrap>
  );
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function NodesPage(): JSX.Element {
  useTitle('Nodes and queue');
  const { api, who } = useSession();
  const signedIn = who.kind === 'user';
  const visible = usePageVisible();
  const res = useResource(
    async (signal) => {
      if (!signedIn) return null;
      const [nodes, view] = await Promise.all([api.get<NodeInfo[]>('/nodes', undefined, signal), api.get<QueueView>('/queue', undefined, signal)]);
      return { nodes, view };
    },
    `nodes ${api.token ?? ''}`,
    (data) => (data && visible ? REFRESH_MS : null),
    // The master restarting or out of reach: keep trying while in sight (the last answer stays shown).
    () => (visible ? REFRESH_MS : null),
  );
  // Back in sight (another tab, a restored window): refresh at once, then on the timer again.
  const { reload } = res;
  const wasVisible = useRef(visible);
  useEffect(() => {
    if (visible && !wasVisible.current) reload();
    wasVisible.current = visible;
  }, [visible, reload]);

  if (!signedIn) {
    return (
      <section>
        <PageHead>Nodes and queue</PageHead>
        <p>
          The nodes and the queue name every build's packages, private ones too: <Link href="/sign-in?next=%2Fnodes">sign in</Link> to see them.
        </p>
      </section>
    );
  }
  const data = res.data;
  const admin = hasRole(who, 'admin');
  return (
    <section>
      <PageHead>Nodes and queue</PageHead>
      <ErrorBox message={res.error} />
      {!data && !res.error && <Loading what="the nodes and the queue" />}
      {data && (
        <>
          <p class="muted">
            {plural(data.nodes.length, 'node', 'nodes')}; {plural(data.view.totals.running, 'task', 'tasks')} running, {data.view.totals.queued} queued,{' '}
            {data.view.totals.blocked} waiting for dependencies. As of {formatTimeExact(data.view.now)} on the master's clock; refreshed every {REFRESH_MS / 1000} s while
            this page is in sight. A node is stale when the master has not heard from it (hello, request for work or heartbeat) for over{' '}
            {formatDuration(data.view.staleAfterMs)}.
          </p>
          <h2 id="nodes-h">Nodes</h2>
          <NodesTable nodes={data.nodes} view={data.view} admin={admin} reload={reload} />
          <h2 id="queue-h">Queue</h2>
          <QueueTable view={data.view} nodes={data.nodes} />
        </>
      )}
    </section>
  );
}
