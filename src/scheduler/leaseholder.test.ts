/**
 * What a leaseholder may do, on a real database: heartbeats extend the lease, completion and
 * failure by the holder, refusal (the task is never offered to that node again), and lease_lost
 * (409, nothing changed) for a node that does not hold the lease any more.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshDatabaseUrl, TEST_DIALECT } from '../../test/support/db.ts';
import { DistforgeError } from '../errors.ts';
import { taskEvents } from './events.ts';
import { expireLeases } from './expiry.ts';
import { leaseTask } from './lease.ts';
import { completeTask, failTask, heartbeat, refuseTask, type CompleteOptions } from './leaseholder.ts';
import { SEEN_EVERY_MS } from './nodes.ts';
import { addBuild, addDependencies, addNode, addTask, addUser, buildState, getTask, openFixture, type Fixture } from './test-support.ts';

let f: Fixture;
before(async () => {
  f = await openFixture(await freshDatabaseUrl(), { leaseMs: 1000 });
});
after(() => f.close());

function isLeaseLost(e: unknown): boolean {
  assert.ok(e instanceof DistforgeError);
  assert.equal(e.code, 'lease_lost');
  assert.equal(e.status, 409);
  return true;
}

async function oneLeasedTask(nodeName: string): Promise<{ taskId: number; buildId: number; node: Awaited<ReturnType<typeof addNode>> }> {
  const ctx = f.ctx;
  const build = await addBuild(ctx, await addUser(ctx, `${nodeName}-owner`));
  const taskId = await addTask(ctx, build, { arch: 'noarch' });
  const node = await addNode(ctx, nodeName, ['x86_64'], 100);
  let t = await leaseTask(ctx, node);
  // Other tests' tasks may still be queued: take until ours comes.
  while (t && t.id !== taskId) t = await leaseTask(ctx, node);
  assert.equal(t?.id, taskId);
  return { taskId, buildId: build.buildId, node };
}

test(`heartbeats extend the lease; completion stores the result and finishes the build (${TEST_DIALECT})`, async () => {
  const ctx = f.ctx;
  const { taskId, buildId, node } = await oneLeasedTask('hb-node');
  f.advance(800);
  assert.deepEqual(await heartbeat(ctx, node.id, taskId), { leaseExpiresAt: ctx.now() + 1000 });
  f.advance(800);
  assert.equal(await expireLeases(ctx), 0, 'the heartbeat kept the lease alive');
  const done = await completeTask(ctx, node.id, taskId, { arches: ['x86_64'] });
  assert.equal(done.state, 'succeeded');
  assert.equal(done.finished_at, ctx.now());
  assert.deepEqual(JSON.parse(done.result ?? 'null'), { arches: ['x86_64'] });
  assert.equal(await buildState(ctx, buildId), 'succeeded');
  assert.deepEqual(
    (await taskEvents(ctx, taskId)).map((e) => e.kind),
    ['leased', 'succeeded'],
  );
});

test(`completion hooks run for the kinds that have them only; a task others wait for queues them (${TEST_DIALECT})`, async () => {
  const ctx = f.ctx;
  const build = await addBuild(ctx, await addUser(ctx, 'hooks-owner'));
  const node = await addNode(ctx, 'hooks-node', ['x86_64'], 100);
  const calls: string[] = [];
  const options: CompleteOptions = {
    prepare: async (_ctx, task) => {
      calls.push(`prepare ${task.kind}`);
      return task.id;
    },
    onSucceeded: async (_tx, task, prepared) => {
      assert.equal(prepared, task.id);
      calls.push(`succeeded ${task.kind}`);
    },
    hooklessKinds: ['rpm', 'test'],
  };
  /** Adds a task, leases it (taking whatever other tests left queued first) and completes it. */
  const run = async (spec: Parameters<typeof addTask>[2], opts = options, dependsOn?: number): Promise<number> => {
    const id = await addTask(ctx, build, { ...spec, ...(dependsOn !== undefined && { state: 'blocked' }) });
    if (dependsOn !== undefined) {
      await addDependencies(ctx, id, dependsOn);
      return id;
    }
    let t = await leaseTask(ctx, node);
    while (t && t.id !== id) t = await leaseTask(ctx, node);
    assert.equal((await completeTask(ctx, node.id, id, null, opts)).state, 'succeeded');
    return id;
  };
  await run({ arch: 'src', kind: 'srpm' });
  assert.deepEqual(calls.splice(0), ['prepare srpm', 'succeeded srpm']);
  // An rpm task another waits for: no hook, and its dependent is queued.
  const rpm = await addTask(ctx, build);
  const waiting = await run({}, options, rpm);
  let t = await leaseTask(ctx, node);
  while (t && t.id !== rpm) t = await leaseTask(ctx, node);
  await completeTask(ctx, node.id, rpm, null, options);
  assert.deepEqual(calls.splice(0), []);
  assert.equal((await getTask(ctx, waiting)).state, 'queued', 'the dependent is queued in the same completion');
  t = await leaseTask(ctx, node);
  while (t && t.id !== waiting) t = await leaseTask(ctx, node);
  await completeTask(ctx, node.id, waiting, { ok: true }, options);
  assert.deepEqual(calls.splice(0), []);
  assert.deepEqual(JSON.parse((await getTask(ctx, waiting)).result ?? 'null'), { ok: true });
  // Without hooklessKinds, the hooks run for every kind.
  await run({}, { prepare: options.prepare, onSucceeded: options.onSucceeded });
  assert.deepEqual(calls.splice(0), ['prepare rpm', 'succeeded rpm']);
  assert.equal(await buildState(ctx, build.buildId), 'succeeded');
});

test('heartbeats mark the node seen, at most every SEEN_EVERY_MS (a busy node asks for no work meanwhile)', async () => {
  const ctx = f.ctx;
  const { taskId, node } = await oneLeasedTask('seen-node');
  const seen = async (): Promise<number | null> => (await ctx.db.kysely.selectFrom('nodes').select('last_seen_at').where('id', '=', node.id).executeTakeFirstOrThrow()).last_seen_at;
  const leasedAt = await seen();
  assert.equal(leasedAt, ctx.now(), 'the lease marked it');
  f.advance(SEEN_EVERY_MS - 200);
  await heartbeat(ctx, node.id, taskId);
  assert.equal(await seen(), leasedAt, 'a fresh mark is not written again');
  f.advance(400);
  await heartbeat(ctx, node.id, taskId);
  assert.equal(await seen(), ctx.now(), 'an older one is');
  // A heartbeat refused (lease lost) says nothing about the node's health to record.
  const other = await addNode(ctx, 'seen-other', ['x86_64']);
  f.advance(SEEN_EVERY_MS + 1);
  await assert.rejects(heartbeat(ctx, other.id, taskId), isLeaseLost);
  const otherSeen = await ctx.db.kysely.selectFrom('nodes').select('last_seen_at').where('id', '=', other.id).executeTakeFirstOrThrow();
  assert.equal(otherSeen.last_seen_at, null);
  await completeTask(ctx, node.id, taskId, null);
});

test('a late completion by a node whose lease expired gets lease_lost and changes nothing', async () => {
  const ctx = f.ctx;
  const { taskId, node } = await oneLeasedTask('late-node');
  f.advance(1001);
  assert.ok((await expireLeases(ctx)) >= 1);
  const before = await getTask(ctx, taskId);
  assert.equal(before.state, 'queued');
  await assert.rejects(completeTask(ctx, node.id, taskId, {}), isLeaseLost);
  await assert.rejects(failTask(ctx, node.id, taskId, 'too late'), isLeaseLost);
  await assert.rejects(heartbeat(ctx, node.id, taskId), isLeaseLost);
  await assert.rejects(refuseTask(ctx, node.id, taskId, 'no'), isLeaseLost);
  assert.deepEqual(await getTask(ctx, taskId), before);
  // Another node takes it; the first one still cannot complete it.
  const other = await addNode(ctx, 'late-other', ['x86_64'], 100);
  let t = await leaseTask(ctx, other);
  while (t && t.id !== taskId) t = await leaseTask(ctx, other);
  await assert.rejects(completeTask(ctx, node.id, taskId, {}), (e: unknown) => isLeaseLost(e) && /another node holds it/.test((e as Error).message));
  assert.equal((await completeTask(ctx, other.id, taskId, null)).state, 'succeeded');
  await assert.rejects(completeTask(ctx, other.id, taskId, null), isLeaseLost);
});

test('a node that fails a task fails it with the reason; the build fails', async () => {
  const ctx = f.ctx;
  const { taskId, buildId, node } = await oneLeasedTask('fail-node');
  const failed = await failTask(ctx, node.id, taskId, 'rpmbuild exited with 1', { log: 'build.log' });
  assert.equal(failed.state, 'failed');
  assert.equal(failed.failure_reason, 'rpmbuild exited with 1');
  assert.equal(await buildState(ctx, buildId), 'failed');
  const [, event] = await taskEvents(ctx, taskId);
  assert.equal(event?.kind, 'failed');
  assert.equal(event?.message, 'failed: rpmbuild exited with 1');
  assert.equal(event?.node_id, node.id);
});

test('a refused task is queued again and never offered to that node again', async () => {
  const ctx = f.ctx;
  const { taskId, node } = await oneLeasedTask('refuse-node');
  const queuedAt = (await getTask(ctx, taskId)).queued_at;
  const refused = await refuseTask(ctx, node.id, taskId, 'no kvm here');
  assert.equal(refused.state, 'queued');
  assert.equal(refused.leased_by, null);
  assert.equal(refused.attempt, 1, 'a refusal is not an attempt');
  assert.equal(refused.queued_at, queuedAt, 'it keeps its place');
  for (let t = await leaseTask(ctx, node); t; t = await leaseTask(ctx, node)) assert.notEqual(t.id, taskId);
  const other = await addNode(ctx, 'refuse-other', ['x86_64'], 100);
  let t = await leaseTask(ctx, other);
  while (t && t.id !== taskId) t = await leaseTask(ctx, other);
  assert.equal(t?.id, taskId);
  const refusals = await ctx.db.kysely.selectFrom('task_refusals').selectAll().where('task_id', '=', taskId).execute();
  assert.deepEqual(refusals.map((r) => [r.node_id, r.reason]), [[node.id, 'no kvm here']]);
  const kinds = (await taskEvents(ctx, taskId)).map((e) => e.kind);
  assert.deepEqual(kinds, ['leased', 'refused', 'leased']);
});

test('unknown tasks are reported as not found', async () => {
  const node = await addNode(f.ctx, 'nf-node', ['x86_64']);
  await assert.rejects(heartbeat(f.ctx, node.id, 999_999), { code: 'not_found' });
  await assert.rejects(completeTask(f.ctx, node.id, 999_999, null), { code: 'not_found' });
});
