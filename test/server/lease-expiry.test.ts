/**
 * Lease expiry in the master as `distforge server` starts it (startServer: the app, the lease
 * reaper, the builds loop), over real HTTP with a short lease: a node that leases a task and goes
 * silent loses it; the reaper queues it again, another node leases it, the silent node's
 * heartbeat, log and completion get 409 lease_lost; past max_attempts the task and its build
 * fail with the reason. Nothing here calls expireLeases: the running server must.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createNodeToken } from '../../src/auth/nodes.ts';
import type { BuildView } from '../../src/builds/index.ts';
import type { LeasedTask } from '../../src/scheduler/index.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { freshDatabaseUrl, TEST_DIALECT } from '../support/db.ts';
import { api } from '../support/server.ts';

const PLATFORM = 'lease-el9';
const work = mkdtempSync(join(tmpdir(), 'distforge-lease-expiry-'));
let server: RunningServer;
let admin = '';
let buildId = 0;
let taskId = 0;

before(async () => {
  server = await startServer({ dataDir: join(work, 'data'), db: await freshDatabaseUrl(), host: '127.0.0.1', port: 0, logLevel: 'silent', leaseMs: 1000 });
  admin = server.admin.token ?? '';
  const ctx = server.ctx;
  const db = ctx.db.kysely;
  const owner = await db.selectFrom('users').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow();
  const now = ctx.now();
  buildId = (await db
    .insertInto('builds')
    .values({ owner_id: owner.id, state: 'pending', priority: 0, platforms: JSON.stringify([PLATFORM]), explicit_order: 0, public: 1, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow()).id;
  const item = await db
    .insertInto('build_items')
    .values({ build_id: buildId, position: 0, kind: 'git', git_url: 'https://git.example/silent.git', git_ref: 'main', git_commit: 'd'.repeat(40), name: 'silent' })
    .returning('id')
    .executeTakeFirstOrThrow();
  taskId = (await db
    .insertInto('tasks')
    .values({
      build_id: buildId, item_id: item.id, kind: 'rpm', platform: PLATFORM, arch: 'ppc64le', state: 'queued', priority: 0,
      owner_id: owner.id, attempt: 1, max_attempts: 2, created_at: now, queued_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()).id;
});

after(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Asks for a lease (waiting up to 2 s a time) until one comes; fails after 30 s. */
async function leaseWhenQueued(token: string, what: string): Promise<LeasedTask> {
  const end = Date.now() + 30_000;
  for (;;) {
    const r = await api<{ task: LeasedTask }>(server, 'POST', '/node/lease?wait=2', { token });
    if (r.status === 200) return r.body.task;
    assert.equal(r.status, 204, JSON.stringify(r.body));
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

async function task(): Promise<BuildView['tasks'][number] | undefined> {
  return (await api<BuildView>(server, 'GET', `/builds/${buildId}`, { token: admin })).body.tasks.find((t) => t.id === taskId);
}

test(`the running server's reaper requeues an expired lease for another node, then fails the task past max_attempts (${TEST_DIALECT})`, async () => {
  const silent = (await createNodeToken(server.ctx, { name: 'silent-node', arches: ['ppc64le'] })).secret;
  const other = (await createNodeToken(server.ctx, { name: 'other-node', arches: ['ppc64le'] })).secret;

  const first = await api<{ task: LeasedTask }>(server, 'POST', '/node/lease', { token: silent });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.task.id, taskId);
  assert.equal(first.body.task.attempt, 1);

  // The silent node never heart-beats: once its lease runs out, the reaper hands the task on.
  const second = await leaseWhenQueued(other, 'the reaper to queue the task again');
  assert.equal(second.id, taskId, 'another node leases the task');
  assert.equal(second.attempt, 2);
  assert.equal((await task())?.state, 'leased');

  const late: [string, string, unknown][] = [
    ['heartbeat', `/node/tasks/${taskId}/heartbeat`, undefined],
    ['complete', `/node/tasks/${taskId}/complete`, { result: {} }],
    ['fail', `/node/tasks/${taskId}/fail`, { reason: 'too late' }],
  ];
  for (const [what, path, body] of late) {
    const r = await api<{ code: string }>(server, 'POST', path, { token: silent, body });
    assert.equal(r.status, 409, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, 'lease_lost', what);
  }
  const log = await fetch(`${server.url}/api/v1/node/tasks/${taskId}/log?seq=0`, {
    method: 'POST',
    headers: { authorization: `Bearer ${silent}`, 'content-type': 'text/plain; charset=utf-8' },
    body: 'from the node that lost its lease\n',
  });
  assert.equal(log.status, 409);
  assert.equal((await task())?.state, 'leased', 'the late calls changed nothing');

  // The other node goes silent too: the second expiry is past max_attempts (2).
  const end = Date.now() + 30_000;
  let t = await task();
  while (t?.state !== 'failed') {
    if (Date.now() > end) throw new Error(`timed out waiting for the reaper to fail the task (state ${t?.state ?? '?'})`);
    await new Promise((r) => setTimeout(r, 100));
    t = await task();
  }
  assert.equal(t.failureReason, 'lease expired 2 times (last node other-node)');
  const b = (await api<BuildView>(server, 'GET', `/builds/${buildId}`, { token: admin })).body;
  assert.equal(b.state, 'failed');
  const events = (await api<{ kind: string; message: string }[]>(server, 'GET', `/tasks/${taskId}/events`, { token: admin })).body;
  assert.deepEqual(events.map((e) => e.kind), ['leased', 'expired', 'leased', 'expired']);
  assert.match(events[1]?.message ?? '', /node silent-node stopped heart-beating.*attempt 2 of 2/);
});
