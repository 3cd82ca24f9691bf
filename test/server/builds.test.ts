/**
 * The builds API over real HTTP on a real database (SQLite, or PostgreSQL with
 * DISTFORGE_TEST_PG), with real git repositories and the real rpmspec: submitting (order worked
 * out from BuildRequires, cycles refused naming the packages, explicit order), bad input changing
 * nothing, who may read and change a build, cancel, retry and rebuild, logs and events.
 */
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BuildView, LogPage } from '../../src/builds/index.ts';
import { appendLog } from '../../src/scheduler/index.ts';
import { api } from '../support/server.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { commitChange, exampleRepo, makeGitRepo, SimNode, specOf, startBuildsServer, type BuildsServer, type GitRepo } from './builds-support.ts';

const PLATFORM = 'example-el9';

describe(`builds API (${TEST_DIALECT})`, () => {
  let server: BuildsServer;
  let lib: GitRepo;
  let app: GitRepo;
  let node: SimNode;

  before(async () => {
    server = await startBuildsServer();
    lib = exampleRepo(server.gitRoot, 'libgreet', 'v1.0');
    app = exampleRepo(server.gitRoot, 'greeter');
    node = await SimNode.create(server);
  });
  after(() => server.close());

  const submit = (body: unknown, token = server.maintainer) => api<BuildView & { code: string; message: string }>(server, 'POST', '/builds', { token, body });
  const show = (id: number, token?: string) => api<BuildView & { code: string }>(server, 'GET', `/builds/${id}`, token ? { token } : {});
  async function counts(): Promise<number[]> {
    const db = server.ctx.db.kysely;
    const n = async (t: 'builds' | 'build_items' | 'tasks' | 'task_dependencies') => Number((await db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return [await n('builds'), await n('build_items'), await n('tasks'), await n('task_dependencies')];
  }

  test('the order is worked out: a library is built before its user even when submitted after it', async () => {
    const r = await submit({ platforms: [PLATFORM], sources: [{ git: `${app.url}#main` }, { git: `${lib.url}#v1.0` }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const b = r.body;
    assert.equal(b.state, 'pending');
    assert.equal(b.owner, 'maint');
    assert.deepEqual(b.items.map((i) => [i.package, i.specPath]), [['greeter', 'greeter.spec'], ['libgreet', 'SPECS/libgreet.spec']]);
    const [greeter, libgreet] = b.items;
    assert.equal(greeter?.git?.commit, app.commit);
    assert.equal(libgreet?.git?.commit, lib.commit, 'the annotated tag is resolved to its commit');
    // The master evaluates no spec: the order is known once the srpm tasks have reported.
    assert.deepEqual(greeter?.dependsOn, []);
    assert.deepEqual(b.tasks.map((t) => [t.package, t.kind, t.arch, t.state]), [['greeter', 'srpm', 'src', 'queued'], ['libgreet', 'srpm', 'src', 'queued']]);

    // Both SRPMs build (the simulated node reports what rpmbuild and rpmspec found in the
    // sandbox); then libgreet's rpm task is queued and greeter's waits for it.
    const [first, second] = await node.leaseAll();
    assert.ok(first && second);
    await node.complete(first, { arches: ['x86_64'] });
    assert.equal((await show(b.id, server.reader)).body.tasks.filter((t) => t.kind === 'rpm').length, 0, 'no rpm task before every srpm task has reported');
    await node.complete(second, { arches: ['x86_64'] });
    const fanned = (await show(b.id, server.reader)).body;
    const items = new Map(fanned.items.map((i) => [i.package, i]));
    assert.deepEqual(items.get('greeter')?.dependsOn, [items.get('libgreet')?.id]);
    assert.deepEqual(items.get('libgreet')?.dependsOn, []);
    const rpm = (name: string) => fanned.tasks.find((t) => t.kind === 'rpm' && t.package === name);
    const srpm = (name: string) => fanned.tasks.find((t) => t.kind === 'srpm' && t.package === name);
    assert.equal(rpm('libgreet')?.state, 'queued');
    assert.equal(rpm('greeter')?.state, 'blocked');
    assert.deepEqual(rpm('greeter')?.dependsOn, [srpm('greeter')?.id, rpm('libgreet')?.id].sort((x, y) => (x ?? 0) - (y ?? 0)));
    assert.deepEqual(rpm('libgreet')?.dependsOn, [srpm('libgreet')?.id]);
    assert.equal(fanned.state, 'running');

    const leased = await node.leaseAll();
    assert.deepEqual(leased.map((t) => t.id), [rpm('libgreet')?.id], 'only the library can be leased');
    const events = await api<{ kind: string; message: string }[]>(server, 'GET', `/tasks/${rpm('greeter')?.id}/events`, { token: server.reader });
    assert.match(events.body.map((e) => e.message).join('\n'), /waits for tasks/);
    const srpmEvents = await api<{ kind: string; message: string }[]>(server, 'GET', `/tasks/${srpm('greeter')?.id}/events`, { token: server.reader });
    assert.match(srpmEvents.body.map((e) => e.message).join('\n'), /wait for libgreet \(BuildRequires: libgreet-devel >= 1\.0\)/);
    const libEvents = await api<{ kind: string; message: string }[]>(server, 'GET', `/tasks/${srpm('libgreet')?.id}/events`, { token: server.reader });
    assert.match(libEvents.body.map((e) => e.message).join('\n'), /wait for no other package of the build/);
    await server.ctx.db.kysely.updateTable('builds').set({ public: 0 }).where('id', '=', b.id).execute();
  });

  test('a dependency cycle fails the packages on it, naming it; their users are cancelled; an explicit order builds them', async () => {
    const a = makeGitRepo(server.gitRoot, 'cyc-a', { 'cyc-a.spec': specOf('cyc-a', ['cyc-b-devel']) });
    const bRepo = makeGitRepo(server.gitRoot, 'cyc-b', { 'SPECS/cyc-b.spec': specOf('cyc-b', ['cyc-a-devel >= 1.0']) });
    const user = makeGitRepo(server.gitRoot, 'cyc-user', { 'cyc-user.spec': specOf('cyc-user', ['cyc-a-devel']) });
    const r = await submit({ platforms: [PLATFORM], sources: [{ git: `${a.url}#main` }, { git: `${bRepo.url}#main` }, { git: `${user.url}#main` }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    for (const t of await node.leaseAll()) await node.complete(t, { arches: ['x86_64'] });
    const b = (await show(r.body.id, server.reader)).body;
    assert.equal(b.state, 'failed');
    const rpm = (name: string) => b.tasks.find((t) => t.kind === 'rpm' && t.package === name);
    assert.equal(rpm('cyc-a')?.state, 'failed');
    assert.match(rpm('cyc-a')?.failureReason ?? '', /^dependency cycle: cyc-a → cyc-b → cyc-a/);
    assert.match(rpm('cyc-b')?.failureReason ?? '', /^dependency cycle: cyc-b → cyc-a → cyc-b/);
    assert.equal(rpm('cyc-user')?.state, 'cancelled');
    assert.match(rpm('cyc-user')?.failureReason ?? '', /^dependency task \d+ failed/);
    assert.equal((await node.leaseAll()).length, 0, 'nothing of the cycle is built');

    const ordered = await submit({ platforms: [PLATFORM], sources: [{ git: `${a.url}#main` }, { git: `${bRepo.url}#main` }], explicitOrder: true });
    assert.equal(ordered.status, 201, JSON.stringify(ordered.body));
    assert.equal(ordered.body.explicitOrder, true);
    assert.deepEqual(ordered.body.items.map((i) => i.dependsOn), [[], [ordered.body.items[0]?.id]]);
    for (const t of await node.leaseAll()) await node.complete(t, { arches: ['x86_64'] });
    const leased = await node.leaseAll();
    assert.deepEqual(leased.map((t) => t.item_id), [ordered.body.items[0]?.id], 'cyc-a first, as ordered');
    await server.ctx.db.kysely.updateTable('builds').set({ public: 0 }).where('id', 'in', [r.body.id, ordered.body.id]).execute();
  });

  test('bad input is a clear error and changes nothing', async () => {
    const before = await counts();
    const dataLink = join(server.gitRoot, 'data-link');
    symlinkSync(server.dataDir, dataLink);
    const cases: [unknown, number, string, RegExp][] = [
      [{ platforms: ['no-such-platform'], sources: [{ git: `${lib.url}#main` }] }, 404, 'unknown_platform', /no-such-platform.*known: example-el9/],
      [{ platforms: ['../etc'], sources: [{ git: `${lib.url}#main` }] }, 400, 'invalid_name', /platform name/],
      [{ platforms: [PLATFORM], sources: [{ git: `${server.gitRoot}/nowhere.git#main` }] }, 400, 'git_unreachable', /nowhere\.git/],
      [{ platforms: [PLATFORM], sources: [{ git: `${lib.url}#v9.9` }] }, 400, 'git_ref_not_found', /"v9\.9"/],
      [{ platforms: [PLATFORM], sources: [{ git: `${lib.url}#${'0'.repeat(40)}` }] }, 400, 'git_ref_not_found', /commit "0{40}"/],
      [{ platforms: [PLATFORM], sources: [{ git: `${lib.url}#../../etc` }] }, 400, 'usage', /not a valid git ref/],
      [{ platforms: [PLATFORM], sources: [{ git: lib.url }] }, 400, 'usage', /has no ref/],
      [{ platforms: [PLATFORM], sources: [{ srpmSha256: 'a'.repeat(64) }] }, 404, 'not_found', /no uploaded SRPM/],
      [{ platforms: [PLATFORM], sources: [] }, 400, 'bad_request', /sources/],
      [{ platforms: [PLATFORM], sources: [{ git: `${lib.url}#main` }], priority: 'high' }, 400, 'bad_request', /priority/],
      [{ platforms: [PLATFORM], sources: [{ git: `${lib.url}#main` }], priority: '5' }, 400, 'bad_request', /^body\.priority: must be integer$/],
      [{ platforms: PLATFORM, sources: [{ git: `${lib.url}#main` }] }, 400, 'bad_request', /^body\.platforms: must be array$/],
      [{ platforms: [PLATFORM], sources: [{ git: 'https://alice:hunter2@git.example/lib.git#main' }] }, 400, 'usage', /^git URL must not hold credentials \(https:\/\/\*\*\*@git\.example\/lib\.git\)/],
      [{ platforms: [PLATFORM], sources: [{ git: 'https://git.example/a\u0000b.git#main' }] }, 400, 'bad_request', /sources\[0\]\.git: must not hold control/],
      [{ platforms: [PLATFORM], sources: [{ git: `https://git.example/${'a'.repeat(1024 * 1024)}#main` }] }, 400, 'bad_request', /sources\[0\]\.git: must NOT have more than/],
      [{ platforms: [PLATFORM], sources: [{ git: `/proc/self/root${server.dataDir}/git-cache#main` }] }, 400, 'usage', /inside the server's data directory/],
      [{ platforms: [PLATFORM], sources: [{ git: `${dataLink}/git-cache#main` }] }, 400, 'usage', /inside the server's data directory/],
      [{ platforms: [PLATFORM], sources: [{ git: `${lib.url}#main`, srpmSha256: 'a'.repeat(64) }] }, 400, 'usage', /^sources\[0\] names both a git ref and an SRPM/],
    ];
    for (const [body, status, code, message] of cases) {
      const r = await submit(body);
      assert.equal(r.status, status, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, code, JSON.stringify(r.body));
      assert.match(r.body.message, message);
      assert.doesNotMatch(r.body.message, /hunter2/);
    }
    const noSpec = makeGitRepo(server.gitRoot, 'nospec', { 'README': 'nothing here\n' });
    const r = await submit({ platforms: [PLATFORM], sources: [{ git: `${noSpec.url}#main` }] });
    assert.equal(r.body.code, 'spec_not_found');
    assert.deepEqual(await counts(), before);
  });

  test('branches with slashes and full commit hashes are sources too', async () => {
    const repo = makeGitRepo(server.gitRoot, 'slashy', { 'slashy.spec': specOf('slashy') });
    const feature = commitChange(repo, 'slashy.spec', specOf('slashy', [], 'Provides: slashy-feature'), 'feature/x');
    const r = await submit({ platforms: [PLATFORM], sources: [{ git: `${repo.url}#feature/x` }, { git: `${lib.url}#${lib.commit}` }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.items[0]?.git?.commit, feature);
    assert.equal(r.body.items[1]?.git?.commit, lib.commit);
  });

  test('anonymous callers read public builds only; reading needs no role, changing needs maintainer', async () => {
    const pub = await submit({ platforms: [PLATFORM], sources: [{ git: `${lib.url}#main` }], public: true });
    const priv = await submit({ platforms: [PLATFORM], sources: [{ git: `${lib.url}#main` }] });
    assert.equal((await show(pub.body.id)).status, 200);
    const anon = await show(priv.body.id);
    assert.equal(anon.status, 401);
    assert.equal(anon.body.code, 'unauthorized');
    assert.equal((await show(priv.body.id, server.reader)).status, 200);
    assert.equal((await api(server, 'GET', `/builds/${priv.body.id}/logs`)).status, 401);
    const list = await api<{ builds: { id: number; public: boolean }[]; total: number }>(server, 'GET', '/builds?limit=500');
    assert.ok(list.body.builds.every((x) => x.public));
    assert.ok(list.body.builds.some((x) => x.id === pub.body.id));
    const all = await api<{ builds: { id: number }[] }>(server, 'GET', '/builds?limit=1', { token: server.reader });
    assert.equal(all.body.builds.length, 1);
    assert.equal((await submit({ platforms: [PLATFORM], sources: [{ git: `${lib.url}#main` }] }, server.reader)).status, 403);
    assert.equal((await api(server, 'POST', `/builds/${priv.body.id}/cancel`, { token: server.reader })).status, 403);
    assert.equal((await api(server, 'POST', `/builds/${priv.body.id}/cancel`)).status, 401);
    assert.equal((await show(999999, server.reader)).status, 404);
  });

  test('show --json shape: tasks with package, arch, state and downloadable artifact URLs', async () => {
    const r = await submit({ platforms: [PLATFORM], sources: [{ git: `${lib.url}#v1.0` }], priority: 5 });
    const b = r.body;
    for (const key of ['id', 'state', 'owner', 'platforms', 'createdAt', 'finishedAt', 'failureReason', 'items', 'tasks']) assert.ok(key in b, key);
    assert.equal(b.priority, 5);
    const t = b.tasks[0];
    assert.ok(t);
    for (const key of ['id', 'package', 'platform', 'arch', 'kind', 'state', 'attempt', 'failureReason', 'artifacts']) assert.ok(key in t, key);
    assert.equal(t.attempt, 1);
    assert.deepEqual(t.artifacts, []);
  });

  test('cancel, retry and rebuild', async () => {
    const repo = makeGitRepo(server.gitRoot, 'ctl', { 'ctl.spec': specOf('ctl') });
    const b = (await submit({ platforms: [PLATFORM], sources: [{ git: `${repo.url}#main` }] })).body;

    const cancelled = await api<BuildView>(server, 'POST', `/builds/${b.id}/cancel`, { token: server.maintainer });
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.state, 'cancelled');
    assert.ok(cancelled.body.finishedAt);
    assert.deepEqual(cancelled.body.tasks.map((t) => [t.state, t.failureReason]), [['cancelled', 'cancelled by maint']]);
    const again = await api<{ code: string }>(server, 'POST', `/builds/${b.id}/cancel`, { token: server.maintainer });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'build_state');

    const retried = await api<BuildView>(server, 'POST', `/builds/${b.id}/retry`, { token: server.maintainer });
    assert.equal(retried.status, 200);
    assert.equal(retried.body.finishedAt, null);
    assert.deepEqual(retried.body.tasks.map((t) => [t.state, t.attempt, t.failureReason]), [['queued', 1, null]]);

    // The SRPM build fails: the build fails; retry queues the task again.
    const [leased] = (await node.leaseAll()).filter((t) => t.build_id === b.id);
    assert.ok(leased);
    await node.fail(leased, 'rpmbuild -bs failed');
    const failed = (await show(b.id, server.reader)).body;
    assert.equal(failed.state, 'failed');
    assert.equal(failed.tasks[0]?.failureReason, 'rpmbuild -bs failed');
    const retry2 = await api<BuildView>(server, 'POST', `/builds/${b.id}/retry`, { token: server.maintainer });
    assert.equal(retry2.body.tasks[0]?.state, 'queued');
    assert.notEqual(retry2.body.state, 'failed');
    const nothing = await api<{ code: string }>(server, 'POST', `/builds/${b.id}/retry`, { token: server.maintainer });
    assert.equal(nothing.status, 409);

    // Rebuild uses the same commit even after the branch moved on; a new submit takes the new one.
    const moved = commitChange(repo, 'ctl.spec', specOf('ctl', [], 'Provides: ctl-next'));
    const rebuilt = await api<BuildView>(server, 'POST', `/builds/${b.id}/rebuild`, { token: server.maintainer });
    assert.equal(rebuilt.status, 201, JSON.stringify(rebuilt.body));
    assert.notEqual(rebuilt.body.id, b.id);
    assert.equal(rebuilt.body.rebuildOf, b.id);
    assert.equal(rebuilt.body.items[0]?.git?.commit, repo.commit);
    const fresh = (await submit({ platforms: [PLATFORM], sources: [{ git: `${repo.url}#main` }] })).body;
    assert.equal(fresh.items[0]?.git?.commit, moved);
  });

  test('a rebuild with the same build roots: each task is leased with the packages its counterpart recorded', async () => {
    const repo = makeGitRepo(server.gitRoot, 'lockme', { 'lockme.spec': specOf('lockme') });
    const b = (await submit({ platforms: [PLATFORM], sources: [{ git: `${repo.url}#main` }] })).body;
    const [srpm] = (await node.leaseAll()).filter((t) => t.build_id === b.id);
    assert.ok(srpm);
    await node.complete(srpm, { arches: ['x86_64'] });
    const recorded = (await show(b.id, server.reader)).body.tasks.find((t) => t.kind === 'srpm')?.buildroot;
    assert.ok(recorded && recorded.packages.length > 10, 'the srpm task recorded its root');

    const bad = await api<{ code: string; message: string }>(server, 'POST', `/builds/${b.id}/rebuild`, { token: server.maintainer, body: { sameBuildroot: 'yes' } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /sameBuildroot/);
    const locked = await api<BuildView>(server, 'POST', `/builds/${b.id}/rebuild`, { token: server.maintainer, body: { sameBuildroot: true } });
    assert.equal(locked.status, 201, JSON.stringify(locked.body));
    const plain = await api<BuildView>(server, 'POST', `/builds/${b.id}/rebuild`, { token: server.maintainer });
    assert.equal(plain.status, 201, JSON.stringify(plain.body));
    const leases = new Map<number, string[] | undefined>();
    for (let l = await node.lease(); l; l = await node.lease()) leases.set(l.task.build_id ?? -1, l.leased.buildrootLock);
    assert.deepEqual(leases.get(locked.body.id), recorded.packages.map((p) => p.nevra));
    assert.ok(leases.has(plain.body.id));
    assert.equal(leases.get(plain.body.id), undefined, 'a plain rebuild resolves its roots afresh');
    await server.ctx.db.kysely.updateTable('builds').set({ public: 0 }).where('id', 'in', [b.id, locked.body.id, plain.body.id]).execute();
  });

  test('logs: chunks of one task or of the whole build after a cursor', async () => {
    const repo = makeGitRepo(server.gitRoot, 'loggy', { 'loggy.spec': specOf('loggy') });
    const b = (await submit({ platforms: [PLATFORM], sources: [{ git: `${repo.url}#main` }] })).body;
    const [task] = (await node.leaseAll()).filter((t) => t.build_id === b.id);
    assert.ok(task);
    await appendLog(server.ctx, node.id, task.id, 0, 'line one\n');
    await appendLog(server.ctx, node.id, task.id, 1, 'line two\n');
    const first = await api<LogPage>(server, 'GET', `/builds/${b.id}/logs`, { token: server.reader });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.chunks.map((c) => c.text), ['line one\n', 'line two\n']);
    assert.equal(first.body.cursor, `${task.id}:1`);
    await appendLog(server.ctx, node.id, task.id, 2, 'line three\n');
    const next = await api<LogPage>(server, 'GET', `/builds/${b.id}/logs?after=${encodeURIComponent(first.body.cursor)}`, { token: server.reader });
    assert.deepEqual(next.body.chunks.map((c) => c.text), ['line three\n']);
    const one = await api<LogPage>(server, 'GET', `/builds/${b.id}/logs?task=${task.id}&after=0`, { token: server.reader });
    assert.deepEqual(one.body.chunks.map((c) => c.seq), [1, 2]);
    assert.equal((await api(server, 'GET', `/builds/${b.id}/logs?task=999999`, { token: server.reader })).status, 404);
    assert.equal((await api(server, 'GET', `/builds/${b.id}/logs?after=zzz`, { token: server.reader })).status, 400);
    for (const after of [`${task.id}:99999999999999999999`, '99999999999999999999:1', `${task.id}:1e20`]) {
      const absurd = await api<{ code: string; message: string }>(server, 'GET', `/builds/${b.id}/logs?after=${after}`, { token: server.reader });
      assert.equal(absurd.status, 400, after);
      assert.equal(absurd.body.code, 'usage');
    }
    const seq = await api<{ code: string }>(server, 'GET', `/builds/${b.id}/logs?task=${task.id}&after=99999999999999999999`, { token: server.reader });
    assert.deepEqual([seq.status, seq.body.code], [400, 'usage']);
  });
});
