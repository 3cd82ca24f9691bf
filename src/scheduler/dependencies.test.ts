/**
 * Task dependencies and build state on a real database: tasks without unmet dependencies are
 * queued, a task is queued once all its dependencies succeeded, a failure or cancellation cancels
 * every dependent transitively, and the build's state follows its tasks. Also the state machine:
 * illegal moves are refused, retries and cancellations are recorded.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshDatabaseUrl, TEST_DIALECT } from '../../test/support/db.ts';
import { cancelTask, retryTask } from './control.ts';
import { enqueueReadyTasks } from './dependencies.ts';
import { taskEvents } from './events.ts';
import { leaseTask } from './lease.ts';
import { completeTask, failTask } from './leaseholder.ts';
import { refreshBuildState, settleBuilds } from './build-state.ts';
import { addBuild, addDependencies, addNode, addTask, addUser, buildState, getTask, openFixture, type Fixture } from './test-support.ts';
import { transitionTask } from './transitions.ts';

let f: Fixture;
before(async () => {
  f = await openFixture(await freshDatabaseUrl());
});
after(() => f.close());

/** Leases `taskId` for `node` (it must be the only queued task the node can take). */
async function lease(node: { id: number; arches: string[]; maxConcurrency: number }, taskId: number): Promise<void> {
  assert.equal((await leaseTask(f.ctx, node))?.id, taskId);
}

test(`a diamond: tasks are queued as their dependencies succeed (${TEST_DIALECT})`, async () => {
  const ctx = f.ctx;
  const build = await addBuild(ctx, await addUser(ctx, 'dia-owner'));
  const a = await addTask(ctx, build, { state: 'blocked', arch: 'src', kind: 'srpm' });
  const b = await addTask(ctx, build, { state: 'blocked', arch: 'x86_64' });
  const c = await addTask(ctx, build, { state: 'blocked', arch: 'aarch64' });
  const d = await addTask(ctx, build, { state: 'blocked', arch: 'noarch' });
  await addDependencies(ctx, b, a);
  await addDependencies(ctx, c, a);
  await addDependencies(ctx, d, b, c);
  const x86 = await addNode(ctx, 'dia-x86', ['x86_64']);
  const arm = await addNode(ctx, 'dia-arm', ['aarch64']);

  assert.equal(await enqueueReadyTasks(ctx, build.buildId), 1);
  assert.deepEqual(await Promise.all([a, b, c, d].map(async (id) => (await getTask(ctx, id)).state)), ['queued', 'blocked', 'blocked', 'blocked']);
  assert.equal(await buildState(ctx, build.buildId), 'pending');

  await lease(x86, a);
  assert.equal(await buildState(ctx, build.buildId), 'running');
  await completeTask(ctx, x86.id, a, {});
  assert.equal((await getTask(ctx, b)).state, 'queued');
  assert.equal((await getTask(ctx, c)).state, 'queued');
  assert.equal((await getTask(ctx, d)).state, 'blocked');
  const bEvents = await taskEvents(ctx, b);
  assert.deepEqual(bEvents.map((e) => e.message), ['queued: dependencies met']);

  await lease(x86, b);
  await lease(arm, c);
  // The last two dependencies of d succeed at the same time.
  await Promise.all([completeTask(ctx, x86.id, b, {}), completeTask(ctx, arm.id, c, {})]);
  assert.equal((await getTask(ctx, d)).state, 'queued');
  assert.equal(await buildState(ctx, build.buildId), 'running');
  await lease(arm, d);
  await completeTask(ctx, arm.id, d, {});
  assert.equal(await buildState(ctx, build.buildId), 'succeeded');
  const row = await ctx.db.kysely.selectFrom('builds').select('finished_at').where('id', '=', build.buildId).executeTakeFirstOrThrow();
  assert.equal(row.finished_at, ctx.now());
});

test('a failure cancels its dependents transitively; the build fails when nothing else runs', async () => {
  const ctx = f.ctx;
  const build = await addBuild(ctx, await addUser(ctx, 'cas-owner'));
  const a = await addTask(ctx, build, { state: 'blocked' });
  const other = await addTask(ctx, build, { state: 'blocked', arch: 'ppc64le' });
  const b = await addTask(ctx, build, { state: 'blocked' });
  const c = await addTask(ctx, build, { state: 'blocked' });
  await addDependencies(ctx, b, a);
  await addDependencies(ctx, c, b);
  await enqueueReadyTasks(ctx, build.buildId);
  const node = await addNode(ctx, 'cas-node', ['x86_64']);
  await lease(node, a);
  await failTask(ctx, node.id, a, 'compile error');
  for (const id of [b, c]) {
    const t = await getTask(ctx, id);
    assert.equal(t.state, 'cancelled');
    assert.equal(t.failure_reason, `dependency task ${a} failed`);
    assert.deepEqual((await taskEvents(ctx, id)).map((e) => [e.kind, e.message]), [['cancelled', `dependency task ${a} failed`]]);
  }
  assert.equal(await buildState(ctx, build.buildId), 'running', 'the ppc64le task is still queued');
  await cancelTask(ctx, other, 'no ppc64le builders');
  assert.equal(await buildState(ctx, build.buildId), 'failed');
});

test('cancelling a task cancels its dependents; a build of only cancelled tasks is cancelled', async () => {
  const ctx = f.ctx;
  const build = await addBuild(ctx, await addUser(ctx, 'can-owner'));
  const a = await addTask(ctx, build, { state: 'blocked' });
  const b = await addTask(ctx, build, { state: 'blocked' });
  await addDependencies(ctx, b, a);
  await enqueueReadyTasks(ctx, build.buildId);
  await cancelTask(ctx, a, 'user asked');
  assert.equal((await getTask(ctx, a)).failure_reason, 'user asked');
  assert.equal((await getTask(ctx, b)).failure_reason, `dependency task ${a} was cancelled`);
  assert.equal(await buildState(ctx, build.buildId), 'cancelled');
  await assert.rejects(cancelTask(ctx, a, 'again'), { code: 'illegal_transition', status: 409 });

  // Retrying: a is queued again, b waits for it.
  assert.equal((await retryTask(ctx, a)).state, 'queued');
  assert.equal((await retryTask(ctx, b)).state, 'blocked');
  assert.equal(await buildState(ctx, build.buildId), 'running');
  const node = await addNode(ctx, 'can-node', ['x86_64']);
  await lease(node, a);
  await completeTask(ctx, node.id, a, {});
  assert.equal((await getTask(ctx, b)).state, 'queued');
  await assert.rejects(retryTask(ctx, a), { code: 'illegal_transition' });
});

test('the state machine refuses illegal moves and changes nothing', async () => {
  const ctx = f.ctx;
  const build = await addBuild(ctx, await addUser(ctx, 'sm-owner'));
  const t = await addTask(ctx, build);
  const before = await getTask(ctx, t);
  for (const to of ['succeeded', 'failed', 'blocked'] as const) {
    await assert.rejects(transitionTask(ctx, before, to, { event: { kind: 'x', message: 'x' } }), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'illegal_transition');
      assert.match((e as Error).message, new RegExp(`task ${t} cannot move from queued to ${to}`));
      return true;
    });
  }
  assert.deepEqual(await getTask(ctx, t), before);
  assert.deepEqual(await taskEvents(ctx, t), []);
  // A move from a state the task is no longer in is a no-op, not a double move.
  const stale = { ...before, state: 'blocked' as const };
  assert.equal(await transitionTask(ctx, stale, 'queued', { event: { kind: 'queued', message: 'x' } }), null);
});

test('a build without tasks keeps its state', async () => {
  const ctx = f.ctx;
  const build = await addBuild(ctx, await addUser(ctx, 'empty-owner'));
  await ctx.db.kysely.updateTable('builds').set({ state: 'failed', failure_reason: 'dependency cycle' }).where('id', '=', build.buildId).execute();
  assert.equal(await refreshBuildState(ctx, build.buildId), 'failed');
  await assert.rejects(refreshBuildState(ctx, 999_999), { code: 'not_found' });
});

test('the last tasks of a build finishing at the same moment finish the build', async () => {
  const ctx = f.ctx;
  for (let round = 0; round < 5; round++) {
    const build = await addBuild(ctx, await addUser(ctx, `last-${round}`));
    const nodes = [await addNode(ctx, `last-${round}-a`, ['s390x']), await addNode(ctx, `last-${round}-b`, ['s390x']), await addNode(ctx, `last-${round}-c`, ['s390x'])];
    const ids = [await addTask(ctx, build, { arch: 's390x' }), await addTask(ctx, build, { arch: 's390x' }), await addTask(ctx, build, { arch: 's390x' })];
    const leased = await Promise.all(nodes.map((n) => leaseTask(ctx, n)));
    assert.deepEqual(leased.map((t) => t?.id).sort(), ids);
    await Promise.all(leased.map((t) => completeTask(ctx, t?.leased_by ?? 0, t?.id ?? 0, null)));
    assert.equal(await buildState(ctx, build.buildId), 'succeeded');
  }
});

test('settleBuilds finishes builds whose tasks all ended but whose state was not updated', async () => {
  const ctx = f.ctx;
  const build = await addBuild(ctx, await addUser(ctx, 'settle-owner'));
  const t = await addTask(ctx, build);
  await ctx.db.kysely.updateTable('tasks').set({ state: 'succeeded' }).where('id', '=', t).execute();
  await ctx.db.kysely.updateTable('builds').set({ state: 'running' }).where('id', '=', build.buildId).execute();
  assert.ok((await settleBuilds(ctx)) >= 1);
  assert.equal(await buildState(ctx, build.buildId), 'succeeded');
  assert.equal(await settleBuilds(ctx), 0);
});
