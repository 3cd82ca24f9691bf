/**
 * GET /api/v1/queue over real HTTP on a real database (SQLite, and PostgreSQL with
 * DISTFORGE_TEST_PG): tasks blocked, queued and running per arch and kind with the oldest queued,
 * the nodes that take each, every node's current tasks as nodes lease them over the node API, the
 * stale limit from the lease setting; heartbeats marking the node seen; who may read it; and what
 * the nodes page sends (PATCH /nodes/NAME) refused when it should be.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NodeInfo } from '../../src/auth/types.ts';
import type { QueueView } from '../../src/scheduler/index.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { insertBuildItem, insertQueuedTask, type BuildItemRef } from '../support/queued-tasks.ts';
import { api, examplePlatform, startTestServer, userToken, type TestServer } from '../support/server.ts';

const PLATFORM = 'example-el9';
const LEASE_MS = 90_000;

let server: TestServer;
let clock = Date.UTC(2026, 11, 6, 12, 0, 0);
let reader: string;
let maintainer: string;
let item: BuildItemRef;
/** builder-x86's node token. */
let builder: string;

before(async () => {
  server = await startTestServer({ platforms: [examplePlatform()], leaseMs: LEASE_MS, now: () => clock });
  reader = await userToken(server, 'rita', 'read-only');
  maintainer = await userToken(server, 'max', 'maintainer');
  const owner = await server.ctx.db.kysely.selectFrom('users').select('id').where('name', '=', 'max').executeTakeFirstOrThrow();
  item = await insertBuildItem(server.ctx, owner.id, PLATFORM);
});
after(() => server.close());

async function queue(token = reader): Promise<QueueView> {
  const r = await api<QueueView>(server, 'GET', '/queue', { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function addNode(name: string, arches: string[], capabilities: string[], maxConcurrency = 2): Promise<string> {
  const r = await api<{ secret: string }>(server, 'POST', '/nodes', { token: server.adminToken, body: { name, arches, capabilities, maxConcurrency } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.secret;
}

async function hello(token: string, arches: string[], capabilities: string[]): Promise<void> {
  const r = await api(server, 'POST', '/node/hello', { token, body: { arches, capabilities, maxConcurrency: 2 } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

async function lease(token: string): Promise<{ id: number; kind: string; arch: string }> {
  const r = await api<{ task: { id: number; kind: string; arch: string } }>(server, 'POST', '/node/lease', { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.task;
}

/** Queues a task at the current clock; returns its id. */
function queueTask(kind: 'srpm' | 'rpm' | 'test' | 'sign' | 'sign-repo', arch: string): Promise<number> {
  return insertQueuedTask(server.ctx, item, kind, arch);
}

test(`an empty queue: nothing waits or runs; the stale limit follows the lease setting (${TEST_DIALECT})`, async () => {
  const q = await queue();
  assert.deepEqual(q, {
    now: clock,
    leaseMs: LEASE_MS,
    // The lease (90 s) is longer than the longest lease wait (60 s), plus how stale a mark may get (10 s).
    staleAfterMs: 100_000,
    queue: [],
    totals: { blocked: 0, queued: 0, running: 0 },
    currentTasks: [],
  });
});

test('who may read it: any user; anonymous callers 401, node tokens 403', async () => {
  const anonymous = await api<{ code: string }>(server, 'GET', '/queue');
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.code, 'unauthorized');
  assert.equal((await api(server, 'GET', '/queue', { token: 'df_0000000000000000000000000000000000000000000' })).status, 401, 'an unknown token');
  const nodeToken = await addNode('auth-probe', ['i686'], ['build']);
  const asNode = await api<{ code: string; message: string }>(server, 'GET', '/queue', { token: nodeToken });
  assert.equal(asNode.status, 403);
  assert.equal(asNode.body.message, 'a node token cannot be used for this call');
  for (const token of [reader, maintainer, server.adminToken]) await queue(token);
  // Only GET: nothing changes the queue through it.
  assert.equal((await api(server, 'POST', '/queue', { token: server.adminToken, body: {} })).status, 404);
  // Disabled, the probe takes no task (it would take source packages): it stays out of the next tests.
  assert.equal((await api(server, 'PATCH', '/nodes/auth-probe', { token: server.adminToken, body: { enabled: false } })).status, 200);
});

test('queued tasks per arch and kind with the oldest queued; blocked ones apart; the nodes that take each', async () => {
  builder = await addNode('builder-x86', ['x86_64', 'noarch'], ['build']);
  const arm = await addNode('builder-arm', ['aarch64'], ['build']);
  await addNode('tester', ['x86_64'], ['test']);
  await addNode('signer', ['x86_64'], ['sign'], 4);
  await addNode('off', ['x86_64'], ['build', 'test']);
  assert.equal((await api(server, 'PATCH', '/nodes/off', { token: server.adminToken, body: { enabled: false } })).status, 200);
  // builder-arm was granted aarch64 but its host advertises only x86_64: it serves no aarch64.
  await hello(arm, ['x86_64'], ['build']);
  await hello(builder, ['x86_64', 'noarch'], ['build']);

  const first = clock;
  await queueTask('srpm', 'src');
  clock += 60_000;
  await queueTask('rpm', 'x86_64');
  clock += 60_000;
  await queueTask('rpm', 'x86_64');
  await queueTask('rpm', 'aarch64');
  await queueTask('test', 'x86_64');
  await queueTask('sign', 'noarch');
  await queueTask('sign-repo', 'noarch');
  const blocked = await queueTask('test', 'aarch64');
  await server.ctx.db.kysely.updateTable('tasks').set({ state: 'blocked', queued_at: null }).where('id', '=', blocked).execute();
  clock += 30_000;

  const q = await queue();
  assert.equal(q.now, clock);
  assert.deepEqual(
    q.queue.map((r) => [r.arch, r.kind, r.blocked, r.queued, r.running, r.oldestQueuedAt, r.nodes]),
    [
      ['aarch64', 'rpm', 0, 1, 0, first + 120_000, []],
      ['aarch64', 'test', 1, 0, 0, null, []],
      ['noarch', 'sign', 0, 1, 0, first + 120_000, ['signer']],
      ['noarch', 'sign-repo', 0, 1, 0, first + 120_000, ['signer']],
      // Any build node takes source packages (src), whatever its arches.
      ['src', 'srpm', 0, 1, 0, first, ['builder-arm', 'builder-x86']],
      ['x86_64', 'rpm', 0, 2, 0, first + 60_000, ['builder-x86']],
      ['x86_64', 'test', 0, 1, 0, first + 120_000, ['tester']],
    ],
  );
  assert.deepEqual(q.totals, { blocked: 1, queued: 7, running: 0 });
  assert.deepEqual(q.currentTasks, []);
});

test("a node's leased tasks are its current tasks; running counts follow; a heartbeat marks it seen", async () => {
  const leasedAt = clock;
  const srpm = await lease(builder);
  assert.equal(srpm.kind, 'srpm', 'the oldest first');
  clock += 5_000;
  const rpm = await lease(builder);
  assert.deepEqual([rpm.kind, rpm.arch], ['rpm', 'x86_64']);
  // At its capacity (2) it leases nothing more.
  assert.equal((await api(server, 'POST', '/node/lease', { token: builder })).status, 204);

  let q = await queue();
  assert.deepEqual(q.currentTasks, [
    {
      id: srpm.id, kind: 'srpm', arch: 'src', platform: PLATFORM, buildId: item.buildId, releaseId: null, package: 'hello', node: 'builder-x86',
      attempt: 1, maxAttempts: 3, startedAt: leasedAt, leaseExpiresAt: leasedAt + LEASE_MS,
    },
    {
      id: rpm.id, kind: 'rpm', arch: 'x86_64', platform: PLATFORM, buildId: item.buildId, releaseId: null, package: 'hello', node: 'builder-x86',
      attempt: 1, maxAttempts: 3, startedAt: leasedAt + 5_000, leaseExpiresAt: leasedAt + 5_000 + LEASE_MS,
    },
  ]);
  const row = (arch: string, kind: string): [number, number] | undefined => {
    const r = q.queue.find((x) => x.arch === arch && x.kind === kind);
    return r && [r.queued, r.running];
  };
  assert.deepEqual(row('src', 'srpm'), [0, 1], 'the row stays while its task runs');
  assert.deepEqual(row('x86_64', 'rpm'), [1, 1]);
  assert.deepEqual(q.totals, { blocked: 1, queued: 5, running: 2 });

  // A busy node asks for no work; its heartbeats say it is alive (last seen moves on).
  const seen = async (): Promise<number | null> => (await api<NodeInfo>(server, 'GET', '/nodes/builder-x86', { token: reader })).body.lastSeenAt;
  const before = await seen();
  clock += 45_000;
  const beat = await api<{ leaseExpiresAt: number }>(server, 'POST', `/node/tasks/${srpm.id}/heartbeat`, { token: builder });
  assert.equal(beat.status, 200);
  assert.equal(await seen(), clock);
  assert.ok(before !== null && before < clock);
  q = await queue();
  assert.equal(q.currentTasks.find((t) => t.id === srpm.id)?.leaseExpiresAt, clock + LEASE_MS);

  // The node finishes one: it leaves the current tasks.
  const failed = await api(server, 'POST', `/node/tasks/${rpm.id}/fail`, { token: builder, body: { reason: 'stopped by the test' } });
  assert.equal(failed.status, 204, JSON.stringify(failed.body));
  q = await queue();
  assert.deepEqual(q.currentTasks.map((t) => t.id), [srpm.id]);
  assert.deepEqual(row('x86_64', 'rpm'), [1, 0]);
});

test('the nodes page\'s PATCH: bad input refused, nothing changed', async () => {
  const shown = async (): Promise<NodeInfo> => (await api<NodeInfo>(server, 'GET', '/nodes/tester', { token: reader })).body;
  const was = await shown();
  const refused: [string, unknown, number][] = [
    ['/nodes/tester', { enabled: 'no' }, 400],
    ['/nodes/tester', { enabled: false, paused: true }, 400],
    ['/nodes/tester', [false], 400],
    ['/nodes/no-such-node', { enabled: false }, 404],
    ['/nodes/bad%20name', { enabled: false }, 400],
  ];
  for (const [path, body, status] of refused) {
    const r = await api<{ code: string; message: string }>(server, 'PATCH', path, { token: server.adminToken, body });
    assert.equal(r.status, status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    assert.equal(typeof r.body.message, 'string');
  }
  for (const [token, status] of [[undefined, 401], [reader, 403], [maintainer, 403]] as const) {
    assert.equal((await api(server, 'PATCH', '/nodes/tester', { ...(token && { token }), body: { enabled: false } })).status, status);
  }
  assert.deepEqual(await shown(), was);
  // A disabled node takes nothing: its rows name it no more.
  assert.equal((await api(server, 'PATCH', '/nodes/tester', { token: server.adminToken, body: { enabled: false } })).status, 200);
  assert.deepEqual((await queue()).queue.find((r) => r.arch === 'x86_64' && r.kind === 'test')?.nodes, []);
});
