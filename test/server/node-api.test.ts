/**
 * The node API over real HTTP on 127.0.0.1 (the full app, SQLite or PostgreSQL): a node says
 * hello, leases an srpm task, heartbeats, streams its log, uploads the SRPM, completes; the rpm
 * task made from it (the builds domain's fan-out) is leased with the SRPM's download URL, which
 * serves the bytes. Bad input
 * changes nothing: a wrong sha256 (422, no row), a file that is not an RPM (422), names like
 * `../x` or `/abs` (400), a user token (403), no token (401), a node without the lease (409).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createNodeToken } from '../../src/auth/nodes.ts';
import { issueUserToken } from '../../src/auth/tokens.ts';
import { buildRpm } from '../../src/rpm/index.ts';
import type { RpmSpec } from '../../src/rpm/writer-types.ts';
import { enqueueReadyTasks, type LeasedTask } from '../../src/scheduler/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { insertBuildItem, insertQueuedTask } from '../support/queued-tasks.ts';
import { api, examplePlatform, startTestServer, type TestServer } from '../support/server.ts';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const rpmSpec = (extra: Partial<RpmSpec> = {}): RpmSpec => ({
  name: 'hello',
  version: '1.0',
  release: '1',
  arch: 'x86_64',
  summary: 'hi',
  description: 'says hello',
  license: 'MIT',
  ...extra,
});

let server: TestServer;
let nodeToken: string;
let otherToken: string;
let userToken: string;
let srpmTask: number;
/** The x86_64 rpm task made from the SRPM. */
let rpmTask: number;
let buildId: number;

const PLATFORM = 'example-el9';

before(async () => {
  server = await startTestServer({ platforms: [examplePlatform()] });
  const ctx = server.ctx;
  nodeToken = (await createNodeToken(ctx, { name: 'n1', arches: ['x86_64'], maxConcurrency: 2 })).secret;
  otherToken = (await createNodeToken(ctx, { name: 'n2', arches: ['x86_64'], maxConcurrency: 2 })).secret;
  const user = await issueUserToken(ctx, 'alice', 'maintainer');
  userToken = user.secret;
  const item = await insertBuildItem(ctx, user.userInfo.id, PLATFORM);
  buildId = item.buildId;
  srpmTask = await insertQueuedTask(ctx, item, 'srpm', 'src');
});
after(() => server.close());

/** PUT an artifact; `body` is sent as application/octet-stream. */
async function upload(token: string, taskId: number, name: string, body: Buffer, kind: string, sha256 = sha(body)): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}/api/v1/node/tasks/${taskId}/artifacts/${name}?kind=${kind}&sha256=${sha256}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

async function artifactNames(taskId: number): Promise<string[]> {
  const rows = await server.ctx.db.kysely.selectFrom('artifacts').select('name').where('task_id', '=', taskId).orderBy('name').execute();
  return rows.map((r) => r.name);
}

test(`hello records what the node advertises and answers what it serves; only node tokens may call the node API (${TEST_DIALECT})`, async () => {
  const hello = await api(server, 'POST', '/node/hello', { token: nodeToken, body: { arches: ['x86_64', 'noarch'], capabilities: ['build'], maxConcurrency: 2 } });
  assert.equal(hello.status, 200);
  assert.deepEqual(hello.body, { nodeId: (hello.body as { nodeId: number }).nodeId, name: 'n1', arches: ['x86_64'], capabilities: ['build'], notGranted: { arches: [], capabilities: [] } });
  const row = await server.ctx.db.kysely.selectFrom('nodes').selectAll().where('name', '=', 'n1').executeTakeFirstOrThrow();
  assert.deepEqual(JSON.parse(row.arches), ['x86_64'], 'the grant is unchanged');
  assert.deepEqual(JSON.parse(row.advertised_arches ?? 'null'), ['x86_64', 'noarch']);
  assert.notEqual(row.last_seen_at, null);

  const asUser = await api(server, 'POST', '/node/lease', { token: userToken });
  assert.equal(asUser.status, 403);
  assert.equal((asUser.body as { code: string }).code, 'forbidden');
  assert.equal((await api(server, 'POST', '/node/lease')).status, 401);
  const bad = await api(server, 'POST', '/node/hello', { token: nodeToken, body: { arches: ['vax'], capabilities: [], maxConcurrency: 0 } });
  assert.equal(bad.status, 400);
  assert.equal((bad.body as { code: string }).code, 'bad_request');
});

test('a node leases the srpm task, heartbeats, logs, uploads the SRPM and completes it', async () => {
  const leased = await api<{ task: LeasedTask }>(server, 'POST', '/node/lease', { token: nodeToken });
  assert.equal(leased.status, 200);
  const t = leased.body.task;
  assert.equal(t.id, srpmTask);
  assert.equal(t.kind, 'srpm');
  assert.equal(t.arch, 'src');
  assert.equal(t.attempt, 1);
  assert.deepEqual(t.source, { kind: 'git', gitUrl: 'https://git.example/hello.git', gitRef: 'main', gitCommit: 'c'.repeat(40) });
  assert.equal(t.platformDefinition.name, PLATFORM);
  assert.ok(Array.isArray(t.platformDefinition.arches));
  assert.deepEqual(t.dependencies, []);
  assert.ok(Array.isArray(t.repositories));
  assert.ok(t.leaseExpiresAt > Date.now());

  const hb = await api<{ leaseExpiresAt: number }>(server, 'POST', `/node/tasks/${srpmTask}/heartbeat`, { token: nodeToken });
  assert.equal(hb.status, 200);
  assert.ok(hb.body.leaseExpiresAt >= t.leaseExpiresAt);
  for (const [seq, chunk] of [[0, 'Executing(%prep)\n'], [1, 'Wrote: hello.src.rpm\n'], [1, 'Wrote: hello.src.rpm\n'], [2, 'binary \u0000 output\n']] as const) {
    const res = await fetch(`${server.url}/api/v1/node/tasks/${srpmTask}/log?seq=${seq}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${nodeToken}`, 'content-type': 'text/plain; charset=utf-8' },
      body: chunk,
    });
    assert.equal(res.status, 204);
  }
  const log = await server.ctx.db.kysely.selectFrom('task_logs').select('chunk').where('task_id', '=', srpmTask).orderBy('seq').execute();
  assert.equal(log.map((l) => l.chunk).join(''), 'Executing(%prep)\nWrote: hello.src.rpm\nbinary \uFFFD output\n', 'a NUL is kept as U+FFFD');

  // Another node may not touch it.
  const intruder = await api<{ code: string }>(server, 'POST', `/node/tasks/${srpmTask}/heartbeat`, { token: otherToken });
  assert.equal(intruder.status, 409);
  assert.equal(intruder.body.code, 'lease_lost');
  assert.equal((await upload(otherToken, srpmTask, 'x.src.rpm', Buffer.from('x'), 'log')).status, 409);

  const srpm = buildRpm(rpmSpec({ arch: 'src', files: [{ path: 'hello.spec', data: 'Name: hello\n' }] }));
  const up = await upload(nodeToken, srpmTask, 'hello-1.0-1.src.rpm', srpm, 'srpm');
  assert.equal(up.status, 201);
  assert.deepEqual(up.body, { sha256: sha(srpm), size: srpm.length });
  const indexed = await server.ctx.db.kysely.selectFrom('rpm_packages').selectAll().where('sha256', '=', sha(srpm)).executeTakeFirstOrThrow();
  assert.equal(indexed.arch, 'src');

  assert.equal((await api(server, 'POST', `/node/tasks/${srpmTask}/complete`, { token: nodeToken, body: { result: { arches: ['x86_64'] } } })).status, 204);
  assert.equal((await api(server, 'POST', `/node/tasks/${srpmTask}/complete`, { token: nodeToken, body: {} })).status, 409);
  const rpmTasks = await server.ctx.db.kysely.selectFrom('tasks').select(['id', 'arch', 'state']).where('build_id', '=', buildId).where('kind', '=', 'rpm').execute();
  assert.deepEqual(rpmTasks.map((r) => [r.arch, r.state]), [['x86_64', 'queued']], 'the SRPM fanned out to one x86_64 task');
  rpmTask = rpmTasks[0]?.id ?? 0;
});

test('the rpm task gets the SRPM as a dependency with a working download URL', async () => {
  const leased = await api<{ task: LeasedTask }>(server, 'POST', '/node/lease', { token: nodeToken });
  assert.equal(leased.status, 200);
  const t = leased.body.task;
  assert.equal(t.id, rpmTask);
  const dep = t.dependencies.find((d) => d.taskId === srpmTask);
  assert.ok(dep, 'the srpm task is among the dependencies');
  const [art] = dep?.artifacts ?? [];
  assert.equal(art?.name, 'hello-1.0-1.src.rpm');
  assert.equal(art?.url, `${server.url}/api/v1/artifacts/${art?.sha256}/hello-1.0-1.src.rpm`);
  const res = await fetch(art?.url ?? '');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(sha(bytes), art?.sha256);
  assert.equal((await fetch(`${server.url}/api/v1/artifacts/${'0'.repeat(64)}/x.rpm`)).status, 404);
  assert.equal((await fetch(`${server.url}/api/v1/artifacts/nothex/x.rpm`)).status, 400);
});

test('bad uploads are refused and record nothing', async () => {
  const rpm = buildRpm(rpmSpec());
  const wrong = await upload(nodeToken, rpmTask, 'hello-1.0-1.x86_64.rpm', rpm, 'rpm', sha(Buffer.from('other bytes')));
  assert.equal(wrong.status, 422);
  assert.equal((wrong.body as { code: string }).code, 'checksum_mismatch');
  assert.match((wrong.body as { message: string }).message, new RegExp(sha(rpm)));
  const notRpm = await upload(nodeToken, rpmTask, 'fake.rpm', Buffer.from('not an rpm at all'), 'rpm');
  assert.equal(notRpm.status, 422);
  assert.equal((notRpm.body as { code: string }).code, 'bad_artifact');
  // (A bare .. never reaches the server: HTTP clients resolve it in the URL.)
  for (const name of ['%2E%2E%2Fx', '%2Fabs', 'a%2Fb', 'nul%00', 'evil%E2%80%AEmp4.rpm', 'zero%E2%80%8Bwidth.rpm', 'c1%C2%85.log']) {
    const res = await upload(nodeToken, rpmTask, name, Buffer.from('x'), 'log');
    assert.equal(res.status, 400, name);
    assert.equal((res.body as { code: string }).code, 'bad_name', name);
  }
  const badKind = await upload(nodeToken, rpmTask, 'x.txt', Buffer.from('x'), 'exe');
  assert.equal(badKind.status, 400);
  assert.deepEqual(await artifactNames(rpmTask), []);

  assert.equal((await upload(nodeToken, rpmTask, 'hello-1.0-1.x86_64.rpm', rpm, 'rpm')).status, 201);
  assert.equal((await upload(nodeToken, rpmTask, 'hello-1.0-1.x86_64.rpm', rpm, 'rpm')).status, 201, 'a retried upload');
  assert.equal((await upload(nodeToken, rpmTask, 'build.log', Buffer.from('log text'), 'log')).status, 201);
  assert.deepEqual(await artifactNames(rpmTask), ['build.log', 'hello-1.0-1.x86_64.rpm']);
});

test('refusing, failing, and finishing the build', async () => {
  const refused = await api(server, 'POST', `/node/tasks/${rpmTask}/refuse`, { token: nodeToken, body: { reason: 'disk full' } });
  assert.equal(refused.status, 204);
  const again = await api(server, 'POST', '/node/lease', { token: nodeToken });
  assert.equal(again.status, 204, `never offered to n1 again: ${JSON.stringify(again.body)}`);
  const other = await api<{ task: LeasedTask }>(server, 'POST', '/node/lease', { token: otherToken });
  assert.equal(other.body.task.id, rpmTask);
  assert.equal((await api(server, 'POST', `/node/tasks/${rpmTask}/fail`, { token: otherToken, body: {} })).status, 400);
  assert.equal((await api(server, 'POST', `/node/tasks/${rpmTask}/complete`, { token: otherToken, body: { result: null } })).status, 204);
  const build = await server.ctx.db.kysely.selectFrom('builds').select('state').where('id', '=', buildId).executeTakeFirstOrThrow();
  assert.equal(build.state, 'succeeded');
  const events = await server.ctx.db.kysely.selectFrom('task_events').select('kind').where('task_id', '=', rpmTask).orderBy('id').execute();
  assert.deepEqual(events.map((e) => e.kind).filter((k) => k !== 'created'), ['queued', 'leased', 'artifact', 'artifact', 'artifact', 'refused', 'leased', 'succeeded']);
});

test('the OpenAPI document describes the node API', async () => {
  const doc = await api<{ paths: Record<string, Record<string, unknown>> }>(server, 'GET', '/openapi.json');
  assert.equal(doc.status, 200);
  for (const [path, method] of [
    ['/api/v1/node/hello', 'post'],
    ['/api/v1/node/lease', 'post'],
    ['/api/v1/node/tasks/{id}/heartbeat', 'post'],
    ['/api/v1/node/tasks/{id}/log', 'post'],
    ['/api/v1/node/tasks/{id}/artifacts/{name}', 'put'],
    ['/api/v1/node/tasks/{id}/complete', 'post'],
    ['/api/v1/node/tasks/{id}/fail', 'post'],
    ['/api/v1/node/tasks/{id}/refuse', 'post'],
    ['/api/v1/artifacts/{sha256}/{name}', 'get'],
  ]) {
    assert.ok(doc.body.paths[path ?? '']?.[method ?? ''], `${method} ${path}`);
  }
});

test('a node may wait for work: it gets a task as soon as one is queued, or 204 when its time is up', async () => {
  const ctx = server.ctx;
  // Nothing for n1 is queued now (the build above is finished).
  const waiting = api<{ task: LeasedTask }>(server, 'POST', '/node/lease?wait=20', { token: nodeToken });
  const waitingOther = api<{ task: LeasedTask }>(server, 'POST', '/node/lease?wait=1', { token: otherToken });
  await new Promise((r) => setTimeout(r, 300));
  const owner = await ctx.db.kysely.selectFrom('users').select('id').where('name', '=', 'alice').executeTakeFirstOrThrow();
  const item = await ctx.db.kysely.selectFrom('build_items').select('id').where('build_id', '=', buildId).executeTakeFirstOrThrow();
  const now = ctx.now();
  const queued = await ctx.db.kysely
    .insertInto('tasks')
    .values({ build_id: buildId, item_id: item.id, kind: 'rpm', platform: PLATFORM, arch: 'noarch', state: 'blocked', priority: 0, owner_id: owner.id, attempt: 1, max_attempts: 3, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await enqueueReadyTasks(ctx, buildId);
  const [got, other] = await Promise.all([waiting, waitingOther]);
  // One of the two waiting nodes gets it (n2's wait may have ended first); the other gets 204.
  const statuses = [got.status, other.status].sort();
  assert.ok(statuses[0] === 200 || statuses[1] === 200, `someone got the task: ${statuses.join(', ')}`);
  const winner = got.status === 200 ? got : other;
  assert.equal(winner.body.task.id, queued.id);
  assert.equal((await api(server, 'POST', '/node/lease?wait=1', { token: nodeToken })).status, 204, 'nothing left: 204 after the wait');
  const bad = await api(server, 'POST', '/node/lease?wait=600', { token: nodeToken });
  assert.equal(bad.status, 400);
  const token = winner === got ? nodeToken : otherToken;
  assert.equal((await api(server, 'POST', `/node/tasks/${queued.id}/complete`, { token, body: {} })).status, 204);
});

test('closing the server answers the nodes that wait', async () => {
  const other = await startTestServer();
  const token = (await createNodeToken(other.ctx, { name: 'waiter', arches: ['x86_64'], maxConcurrency: 1 })).secret;
  const waiting = api(other, 'POST', '/node/lease?wait=60', { token });
  await new Promise((r) => setTimeout(r, 300));
  await other.close();
  assert.equal((await waiting).status, 204);
});
