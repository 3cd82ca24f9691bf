/**
 * Lease expiry on a real database: a node that stops heart-beating loses the task, which is
 * queued again with attempt + 1 and leased by another node; past max_attempts it fails with the
 * reason. The kill -9 case: the dead node's artifacts and completion are refused, the new
 * attempt's upload of the same name is recorded once, and the build finishes. The reaper the
 * server runs (startLeaseReaper) does all this by itself, on the context's clock.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshDatabaseUrl, TEST_DIALECT } from '../../test/support/db.ts';
import { recordArtifact, taskArtifacts } from './artifacts.ts';
import { taskEvents } from './events.ts';
import { expireLeases, startLeaseReaper } from './expiry.ts';
import { leaseTask } from './lease.ts';
import { completeTask, heartbeat } from './leaseholder.ts';
import { addBuild, addDependencies, addNode, addTask, addUser, buildState, getTask, openFixture, type Fixture } from './test-support.ts';

let f: Fixture;
before(async () => {
  f = await openFixture(await freshDatabaseUrl(), { leaseMs: 1000 });
});
after(() => f.close());

test(`an expired lease is queued again with attempt + 1, then fails past max_attempts (${TEST_DIALECT})`, async () => {
  const ctx = f.ctx;
  const build = await addBuild(ctx, await addUser(ctx, 'exp-owner'));
  const taskId = await addTask(ctx, build, { maxAttempts: 2 });
  const dependent = await addTask(ctx, build, { state: 'blocked' });
  await addDependencies(ctx, dependent, taskId);
  const n1 = await addNode(ctx, 'exp-n1', ['x86_64']);
  const n2 = await addNode(ctx, 'exp-n2', ['x86_64']);

  assert.equal((await leaseTask(ctx, n1))?.id, taskId);
  f.advance(1000);
  assert.equal(await expireLeases(ctx), 0, 'not yet: the lease runs until its expiry time');
  f.advance(1);
  assert.equal(await expireLeases(ctx), 1);
  const requeued = await getTask(ctx, taskId);
  assert.equal(requeued.state, 'queued');
  assert.equal(requeued.attempt, 2);
  assert.equal(requeued.leased_by, null);
  assert.equal(requeued.lease_expires_at, null);

  assert.equal((await leaseTask(ctx, n2))?.attempt, 2);
  f.advance(1001);
  assert.equal(await expireLeases(ctx), 1);
  const failed = await getTask(ctx, taskId);
  assert.equal(failed.state, 'failed');
  assert.equal(failed.failure_reason, 'lease expired 2 times (last node exp-n2)');
  const dep = await getTask(ctx, dependent);
  assert.equal(dep.state, 'cancelled');
  assert.equal(dep.failure_reason, `dependency task ${taskId} failed`);
  assert.equal(await buildState(ctx, build.buildId), 'failed');
  const events = await taskEvents(ctx, taskId);
  assert.deepEqual(events.map((e) => e.kind), ['leased', 'expired', 'leased', 'expired']);
  assert.match(events[1]?.message ?? '', /node exp-n1 stopped heart-beating.*attempt 2 of 2/);
  assert.equal(events[3]?.node_id, n2.id);
  assert.equal(await expireLeases(ctx), 0);
});

test('kill -9 a node mid-build: another node finishes the task, no artifact is recorded twice', async () => {
  const ctx = f.ctx;
  const build = await addBuild(ctx, await addUser(ctx, 'kill-owner'));
  const taskId = await addTask(ctx, build, { arch: 'aarch64' });
  const dead = await addNode(ctx, 'kill-dead', ['aarch64']);
  const alive = await addNode(ctx, 'kill-alive', ['aarch64']);
  const rpm = { name: 'hello-1.0-1.aarch64.rpm', kind: 'rpm', sha256: 'a'.repeat(64), size: 10 };

  assert.equal((await leaseTask(ctx, dead))?.id, taskId);
  await recordArtifact(ctx, dead.id, taskId, rpm);
  f.advance(1001);
  assert.equal(await expireLeases(ctx), 1);
  assert.equal((await leaseTask(ctx, alive))?.id, taskId);
  // The new attempt rebuilds and uploads the same name (other bytes: rebuilds differ in time stamps).
  await recordArtifact(ctx, alive.id, taskId, { ...rpm, sha256: 'b'.repeat(64), size: 11 });
  await recordArtifact(ctx, alive.id, taskId, { ...rpm, sha256: 'b'.repeat(64), size: 11 }); // a retried request
  await assert.rejects(recordArtifact(ctx, dead.id, taskId, { ...rpm, name: 'zombie.rpm' }), { code: 'lease_lost' });
  await completeTask(ctx, alive.id, taskId, {});
  const artifacts = await taskArtifacts(ctx, taskId);
  assert.deepEqual(artifacts.map((a) => [a.name, a.sha256, a.size]), [[rpm.name, 'b'.repeat(64), 11]]);
  assert.equal(await buildState(ctx, build.buildId), 'succeeded');
});

test('the reaper leaves live leases alone and handles many expired at once', async () => {
  const ctx = f.ctx;
  const build = await addBuild(ctx, await addUser(ctx, 'many-owner'));
  const node = await addNode(ctx, 'many-node', ['x86_64', 'aarch64', 'noarch'], 1000);
  const ids = [];
  for (let i = 0; i < 20; i++) ids.push(await addTask(ctx, build, { arch: 'noarch' }));
  for (;;) if (!(await leaseTask(ctx, node))) break;
  f.advance(500);
  const late = await addTask(ctx, build, { arch: 'noarch' });
  assert.equal((await leaseTask(ctx, node))?.id, late);
  f.advance(600);
  assert.equal(await expireLeases(ctx), 20);
  assert.equal((await getTask(ctx, late)).state, 'leased');
});

/** Polls `probe` (real time, the reaper's timer) until it holds; fails after 30 s. */
async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 30_000;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('the lease reaper requeues an expired lease on the context clock; the old holder gets lease_lost; past max_attempts the task fails', async () => {
  // A database of its own: the tests above leave noarch tasks queued, which any node may lease.
  const g = await openFixture(await freshDatabaseUrl(), { leaseMs: 1000 });
  const ctx = g.ctx;
  const build = await addBuild(ctx, await addUser(ctx, 'reaper-owner'));
  const taskId = await addTask(ctx, build, { arch: 'ppc64le', maxAttempts: 2 });
  const n1 = await addNode(ctx, 'reaper-n1', ['ppc64le']);
  const n2 = await addNode(ctx, 'reaper-n2', ['ppc64le']);
  const stop = startLeaseReaper(ctx, 5);
  try {
    assert.equal((await leaseTask(ctx, n1))?.id, taskId);
    g.advance(1001);
    await until('the reaper to requeue the expired lease', async () => (await getTask(ctx, taskId)).state === 'queued');
    const requeued = await getTask(ctx, taskId);
    assert.equal(requeued.attempt, 2);
    assert.equal(requeued.leased_by, null);

    const second = await leaseTask(ctx, n2);
    assert.equal(second?.id, taskId, 'another node leases it');
    assert.equal(second.attempt, 2);
    await assert.rejects(heartbeat(ctx, n1.id, taskId), { code: 'lease_lost', status: 409 });
    await assert.rejects(completeTask(ctx, n1.id, taskId, {}), { code: 'lease_lost', status: 409 });
    assert.equal((await getTask(ctx, taskId)).leased_by, n2.id, 'the old holder changed nothing');

    g.advance(1001);
    await until('the reaper to fail the task past max_attempts', async () => (await getTask(ctx, taskId)).state === 'failed');
    assert.equal((await getTask(ctx, taskId)).failure_reason, 'lease expired 2 times (last node reaper-n2)');
    await until('the build to fail', async () => (await buildState(ctx, build.buildId)) === 'failed');
    assert.deepEqual((await taskEvents(ctx, taskId)).map((e) => e.kind), ['leased', 'expired', 'leased', 'expired']);
  } finally {
    stop();
    await g.close();
  }
});
