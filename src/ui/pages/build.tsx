/**
 * A build: what it is made of and in which order, the package × arch matrix of its tasks (state,
 * attempt, node), the selected task with its failure reason and live log, test results, signatures,
 * artifacts and repositories, and the actions the signed-in user's role allows (the server checks
 * each again). The page refreshes itself while anything of the build still runs.
 */
import type { JSX } from 'preact';
import type { ArtifactView, BuildView, ItemView, TaskView } from '../api-types.ts';
import { Action, ErrorBox, Fact, NotLoaded, PageHead, StateBadge, TableWrap, TableHead } from '../components.tsx';
import { formatDuration, formatSize, formatTime } from '../format.ts';
import { useResource, useTitle } from '../hooks.ts';
import { Link, navigate, type Location } from '../router.ts';
import { hasRole, useSession } from '../session.ts';
import { LogTail } from './log-tail.tsx';
import { ReleaseActions } from './release-actions.tsx';

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);
const ARCH_ORDER = ['x86_64', 'aarch64', 'ppc64le', 's390x', 'i686', 'noarch'];

function archRank(a: string): number {
  const i = ARCH_ORDER.indexOf(a);
  return i < 0 ? ARCH_ORDER.length : i;
}

/** The name a dependency string starts with: `libfoo-devel >= 1.0` → libfoo-devel. */
function depName(dep: string): string {
  return dep.trim().split(/\s+/)[0] ?? dep;
}

/** Why item waits for each of its dependencies: the BuildRequires the other's packages provide. */
export function waitReasons(item: ItemView, items: ItemView[]): { on: ItemView; because: string[] }[] {
  return item.dependsOn.flatMap((depId) => {
    const on = items.find((i) => i.id === depId);
    if (!on) return [];
    const provided = new Set((on.provides ?? []).map(depName));
    const because = (item.buildRequires ?? []).filter((r) => provided.has(depName(r)));
    return [{ on, because }];
  });
}

function taskLabel(t: TaskView): string {
  return `${t.package ?? t.kind} ${t.kind === 'srpm' ? 'source' : t.arch}`;
}

function TaskCell({ task, selected, href }: { task: TaskView; selected: boolean; href: string }): JSX.Element {
  // The link's name is what it shows, with the task's package and arch first for screen readers
  // (the column and row headers say them to sighted readers).
  return (
    <Link href={href} class={`task-cell${selected ? ' selected' : ''}`} aria-current={selected ? 'true' : undefined}>
      <span class="visually-hidden">{taskLabel(task)}: </span>
      <StateBadge state={task.state} />
      <span class="task-meta">
        {' '}
        task #{task.id}, attempt {task.attempt}
        {task.node && `, node ${task.node}`}
      </span>
    </Link>
  );
}

function Matrix({ build, selected, taskHref }: { build: BuildView; selected: number | null; taskHref: (id: number) => string }): JSX.Element {
  const buildTasks = build.tasks.filter((t) => t.kind === 'srpm' || t.kind === 'rpm');
  const arches = [...new Set(buildTasks.filter((t) => t.kind === 'rpm').map((t) => t.arch))].sort((a, b) => archRank(a) - archRank(b) || a.localeCompare(b));
  const rows = build.items.flatMap((item) => build.platforms.map((platform) => ({ item, platform })));
  const many = build.platforms.length > 1;
  return (
    <TableWrap label="Tasks by package and arch">
      <table class="matrix">
        <caption class="visually-hidden">Tasks by package (rows) and arch (columns)</caption>
        <TableHead columns={['Package', 'Source (SRPM)', ...arches]} />
        <tbody>
          {rows.map(({ item, platform }) => {
            const mine = buildTasks.filter((t) => t.itemId === item.id && t.platform === platform);
            const cell = (tasks: TaskView[], key: string): JSX.Element =>
              tasks.length ? (
                <td key={key}>
                  {tasks.map((t) => (
                    <TaskCell key={t.id} task={t} selected={t.id === selected} href={taskHref(t.id)} />
                  ))}
                </td>
              ) : (
                <td key={key} class="muted">
                  –
                </td>
              );
            return (
              <tr key={`${item.id}-${platform}`}>
                <th scope="row">
                  {item.package ?? `source ${item.position + 1}`}
                  {many && <div class="muted">{platform}</div>}
                </th>
                {cell(mine.filter((t) => t.kind === 'srpm'), 'src')}
                {arches.map((a) => cell(mine.filter((t) => t.kind === 'rpm' && t.arch === a), a))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Sources({ build }: { build: BuildView }): JSX.Element {
  const waits = build.items.map((item) => ({ item, reasons: waitReasons(item, build.items) }));
  return (
    <>
      <TableWrap label="Sources">
        <table class="cards">
          <caption class="visually-hidden">Sources of the build</caption>
          <TableHead columns={['Package', 'Source', 'Commit']} />
          <tbody>
            {build.items.map((i) => (
              <tr key={i.id}>
                <th scope="row" data-label="Package">
                  {i.package ?? <span class="muted">(not known yet)</span>}
                </th>
                <td data-label="Source" class="break">
                  {i.git ? `${i.git.url}#${i.git.ref}` : `uploaded SRPM ${i.srpmSha256?.slice(0, 12) ?? ''}…`}
                </td>
                <td data-label="Commit">
                  <code>{i.git?.commit?.slice(0, 12) ?? '–'}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <h3>Build order</h3>
      {build.explicitOrder && <p>Built one after another in the order given (explicit order).</p>}
      {waits.every((w) => w.reasons.length === 0) ? (
        <p class="muted">{build.items.some((i) => i.buildRequires === null) ? 'Known once every source package has been made.' : 'No package of this build waits for another.'}</p>
      ) : (
        <ul>
          {waits
            .filter((w) => w.reasons.length > 0)
            .map((w) => (
              <li key={w.item.id}>
                <strong>{w.item.package}</strong> waits for{' '}
                {w.reasons.map((r, n) => (
                  <span key={r.on.id}>
                    {n > 0 && ', '}
                    <strong>{r.on.package}</strong>
                    {r.because.length > 0 && <> (BuildRequires {r.because.join(', ')})</>}
                  </span>
                ))}
              </li>
            ))}
        </ul>
      )}
    </>
  );
}

function Tests({ build, taskHref }: { build: BuildView; taskHref: (id: number) => string }): JSX.Element | null {
  const tests = build.tasks.flatMap((t) => (t.tests ?? []).map((r) => ({ ...r, platform: t.platform })));
  if (tests.length === 0) return null;
  return (
    <section aria-labelledby="tests-h">
      <h2 id="tests-h">Tests</h2>
      <TableWrap label="Test results">
        <table class="cards">
          <TableHead columns={['Package', 'Arch', 'Result', 'Stages', 'Log']} />
          <tbody>
            {tests.map((r) => (
              <tr key={`${r.taskId}-${r.package}-${r.arch}`}>
                <th scope="row" data-label="Package">
                  {r.package}
                </th>
                <td data-label="Arch">{r.arch}</td>
                <td data-label="Result">
                  <StateBadge state={r.state} />
                </td>
                <td data-label="Stages">
                  <ul class="stages">
                    {r.stages.map((s) => (
                      <li key={s.name}>
                        {s.name}: <StateBadge state={s.state} />
                        {s.detail && <div class="reason">{s.detail}</div>}
                      </li>
                    ))}
                  </ul>
                </td>
                <td data-label="Log">
                  <Link href={taskHref(r.taskId)}>test task #{r.taskId}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}

function Artifacts({ build }: { build: BuildView }): JSX.Element {
  const rows: { a: ArtifactView; t: TaskView }[] = build.tasks.flatMap((t) => (t.kind === 'srpm' || t.kind === 'rpm' ? t.artifacts.map((a) => ({ a, t })) : []));
  if (rows.length === 0) return <p class="muted">No artifacts yet.</p>;
  const total = rows.reduce((s, r) => s + r.a.size, 0);
  return (
    <TableWrap label="Artifacts">
      <table class="cards">
        <caption class="visually-hidden">Artifacts: {rows.length} files</caption>
        <TableHead columns={['File', 'Size', 'Signature', 'sha256']} />
        <tbody>
          {rows.map(({ a, t }) => (
            <tr key={`${t.id}-${a.name}`}>
              <th scope="row" data-label="File" class="break">
                <a href={a.url} download={a.name}>
                  {a.name}
                </a>
              </th>
              <td data-label="Size">{formatSize(a.size)}</td>
              <td data-label="Signature">{a.signature ? <>signed by {a.signature.keyid}</> : <span class="muted">unsigned</span>}</td>
              <td data-label="sha256">
                <code title={a.sha256}>{a.sha256.slice(0, 16)}…</code>
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{rows.length} files</th>
            <td>{formatSize(total)}</td>
            <td colSpan={2}></td>
          </tr>
        </tfoot>
      </table>
    </TableWrap>
  );
}

function Signing({ build, selected, taskHref }: { build: BuildView; selected: number | null; taskHref: (id: number) => string }): JSX.Element {
  const signTasks = build.tasks.filter((t) => t.kind === 'sign' || t.kind === 'sign-repo');
  const packages = build.tasks.flatMap((t) => (t.kind === 'rpm' || t.kind === 'srpm' ? t.artifacts.filter((a) => a.kind === 'rpm' || a.kind === 'srpm') : []));
  const keys = [...new Set(packages.flatMap((a) => (a.signature ? [a.signature.keyid] : [])))];
  const signedCount = packages.filter((a) => a.signature).length;
  return (
    <>
      <p>
        {build.signed ? <StateBadge state="succeeded" label="signed" /> : <StateBadge state="pending" label="not signed" />} {signedCount} of {packages.length} packages signed
        {keys.length > 0 && <> with {keys.join(', ')}</>}.
      </p>
      {signTasks.length > 0 && (
        <ul class="task-list">
          {signTasks.map((t) => (
            <li key={t.id}>
              <TaskCell task={t} selected={t.id === selected} href={taskHref(t.id)} /> {t.kind === 'sign-repo' ? 'repository metadata' : t.package} on {t.platform}
            </li>
          ))}
        </ul>
      )}
      <h3>Repositories</h3>
      <ul>
        {build.repositories.map((r) => (
          <li key={`${r.platform}-${r.arch}`} class="break">
            {r.platform}/{r.arch}: <code>{r.url}</code> —{' '}
            {r.metadataSignature ? `repomd.xml signed by ${r.metadataSignature.keyid}` : <span class="muted">metadata not signed</span>}
          </li>
        ))}
      </ul>
    </>
  );
}

function Actions({ build, reload }: { build: BuildView; reload: () => void }): JSX.Element | null {
  const { api, who } = useSession();
  if (!hasRole(who, 'maintainer')) return null;
  const running = build.state === 'pending' || build.state === 'running';
  const hasFailed = build.tasks.some((t) => t.state === 'failed' || t.state === 'cancelled');
  const tests = build.tasks.some((t) => (t.tests ?? []).length > 0);
  return (
    <div class="actions" role="group" aria-label="Actions">
      {running && (
        <Action label="Cancel build" kind="danger" confirm={{ question: `Cancel every unfinished task of build ${build.id}?`, yes: 'Cancel the build' }} run={async () => void (await api.send('POST', `/builds/${build.id}/cancel`))} onDone={reload} />
      )}
      {!running && hasFailed && <Action label="Retry failed tasks" run={async () => void (await api.send('POST', `/builds/${build.id}/retry`))} onDone={reload} />}
      {!running && (
        <Action
          label="Rebuild"
          run={async () => {
            const b = await api.send<BuildView>('POST', `/builds/${build.id}/rebuild`, {});
            navigate(`/builds/${b.id}`);
          }}
        />
      )}
      {build.state === 'succeeded' && tests && (
        <Action
          label="Test again"
          run={async () => {
            const r = await api.send<{ made: unknown[]; kept: unknown[] }>('POST', `/builds/${build.id}/test`, {});
            return r.made.length ? `${r.made.length} test tasks made` : 'every package passed its newest test or is still testing: nothing to run again';
          }}
          onDone={reload}
        />
      )}
      {build.state === 'succeeded' && !build.signed && (
        <Action
          label="Sign"
          kind="primary"
          run={async () => {
            const r = await api.send<{ taskIds: number[]; keys: Record<string, string>; waitingFor: unknown[] }>('POST', `/builds/${build.id}/sign`, { waitForTests: true });
            return `${r.taskIds.length} sign tasks with ${Object.values(r.keys).join(', ')}${r.waitingFor.length ? `, waiting for ${r.waitingFor.length} tests` : ''}`;
          }}
          onDone={reload}
        />
      )}
      {build.state === 'succeeded' && <ReleaseActions build={build} />}
    </div>
  );
}

/**
 * The task to show: the one in the address, else a running one, else the first that failed, else
 * the build's last build task (so a build watched to its end keeps a log in sight).
 */
function pickTask(build: BuildView, asked: number | null): TaskView | null {
  if (asked !== null) return build.tasks.find((t) => t.id === asked) ?? null;
  const building = build.tasks.filter((t) => t.kind === 'srpm' || t.kind === 'rpm');
  return build.tasks.find((t) => t.state === 'leased') ?? build.tasks.find((t) => t.state === 'failed') ?? building.findLast((t) => t.state !== 'blocked' && t.state !== 'queued') ?? null;
}

/** Why a build failed: its own reason, else each failed task's. */
function FailureHint({ build, taskHref }: { build: BuildView; taskHref: (id: number) => string }): JSX.Element | null {
  const failed = build.tasks.filter((t) => t.state === 'failed');
  if (build.state !== 'failed' && failed.length === 0) return null;
  return (
    <div class="hint" role="note">
      <strong>Why it failed:</strong>{' '}
      {build.failureReason ?? (failed.length === 0 ? 'no task failed (cancelled?)' : null)}
      {failed.length > 0 && (
        <ul>
          {failed.map((t) => (
            <li key={t.id}>
              <Link href={taskHref(t.id)}>
                {t.kind} task #{t.id} ({taskLabel(t)})
              </Link>
              : {t.failureReason ?? 'no reason given'}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function BuildPage({ id, loc }: { id: number; loc: Location }): JSX.Element {
  useTitle(`Build ${id}`);
  const { api, who } = useSession();
  const res = useResource(
    (signal) => api.get<BuildView>(`/builds/${id}`, undefined, signal),
    `${id}:${who.kind === 'user' ? who.name : ''}`,
    (b) => (ENDED.has(b.state) && b.tasks.every((t) => ENDED.has(t.state)) ? null : 2000),
  );
  const asked = Number(loc.query.get('task')) || null;
  const taskHref = (t: number): string => `/builds/${id}?task=${t}#task`;
  const b = res.data;
  if (!b) return <NotLoaded title={`Build ${id}`} what={`build ${id}`} error={res.error} />;
  const task = pickTask(b, asked);
  return (
    <section>
      <PageHead actions={<Actions build={b} reload={res.reload} />}>
        Build {b.id} <StateBadge state={b.state} />
      </PageHead>
      <ErrorBox message={res.error} />
      <FailureHint build={b} taskHref={taskHref} />
      <dl class="facts">
        <Fact term="Owner">{b.owner}</Fact>
        <Fact term="Platforms">{b.platforms.join(', ')}</Fact>
        <Fact term="Arches">{b.arches ? `${b.arches.join(', ')} (and noarch)` : 'every arch of its platforms'}</Fact>
        <Fact term="Submitted">{formatTime(b.createdAt)}</Fact>
        <Fact term="Finished">{b.finishedAt ? `${formatTime(b.finishedAt)} (took ${formatDuration(b.finishedAt - b.createdAt)})` : 'not yet'}</Fact>
        <Fact term="Priority">{b.priority}</Fact>
        <Fact term="Visibility">{b.public ? 'public' : 'private'}</Fact>
        {b.rebuildOf !== null && (
          <Fact term="Rebuild of">
            <Link href={`/builds/${b.rebuildOf}`}>build {b.rebuildOf}</Link>
          </Fact>
        )}
      </dl>

      <section aria-labelledby="tasks-h">
        <h2 id="tasks-h">Tasks</h2>
        <Matrix build={b} selected={task?.id ?? null} taskHref={taskHref} />
      </section>

      {task && (
        <section aria-labelledby="task-h" id="task" class="task-panel">
          <h2 id="task-h">
            {task.kind} task #{task.id}: {task.package ?? ''} {task.kind === 'srpm' ? 'source' : task.arch} <StateBadge state={task.state} />
          </h2>
          <p class="muted">
            {task.platform} · attempt {task.attempt}
            {task.node ? ` · node ${task.node}` : ' · not leased yet'}
            {task.dependsOn.length > 0 && ` · waits for ${task.dependsOn.map((d) => `#${d}`).join(', ')}`}
          </p>
          {task.failureReason && (
            <p class="hint" role="note">
              <strong>Failure:</strong> {task.failureReason}
            </p>
          )}
          <LogTail key={task.id} buildId={b.id} task={task} onTaskState={(s) => s !== task.state && res.reload()} />
        </section>
      )}

      <Tests build={b} taskHref={taskHref} />

      <section aria-labelledby="sources-h">
        <h2 id="sources-h">Sources</h2>
        <Sources build={b} />
      </section>

      <section aria-labelledby="signing-h">
        <h2 id="signing-h">Signatures</h2>
        <Signing build={b} selected={task?.id ?? null} taskHref={taskHref} />
      </section>

      <section aria-labelledby="artifacts-h">
        <h2 id="artifacts-h">Artifacts</h2>
        <Artifacts build={b} />
      </section>
    </section>
  );
}
