/**
 * leaseForNode on a real database (SQLite; PostgreSQL with DISTFORGE_TEST_PG, where a node whose
 * row the master has read leases in one statement): the same decisions and events as the long
 * way, a build started at its first lease, and a node's grant changed after it was read (arches,
 * advertised capabilities, concurrency, enabled) honoured at the next lease; an idle node's look
 * at an empty queue writes nothing until its mark is stale.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshDatabaseUrl, TEST_DIALECT } from '../../test/support/db.ts';
import { taskEvents } from './events.ts';
import { leaseForNode, type NodeGrants } from './lease-at-once.ts';
import { SEEN_EVERY_MS } from './nodes.ts';
import { addBuild, addNode, addTask, addTasks, addUser, clearQueue, buildState, getTask, openFixture, type Fixture } from './test-support.ts';

let f: Fixture;
before(async () => {
  f = await openFixture(await freshDatabaseUrl());
});
after(() => f.close());

async function setNode(id: number, values: { arches?: string; advertised_capabilities?: string; max_concurrency?: number; enabled?: number }): Promise<void> {
  await f.ctx.db.kysely.updateTable('nodes').set(values).where('id', '=', id).execute();
}

test(`leases after the first decide as the first: order, fairness, events, a build started (${TEST_DIALECT})`, async () => {
  await clearQueue(f.ctx);
  const ctx = f.ctx;
  const grants: NodeGrants = new Map();
  const [a, b] = [await addUser(ctx, 'once-a'), await addUser(ctx, 'once-b')];
  const buildA = await addBuild(ctx, a);
  const aTasks = await addTasks(ctx, buildA, 3);
  const node = await addNode(ctx, 'once-node', ['x86_64']);
  const first = await leaseForNode(ctx, node.id, grants);
  assert.equal(first?.task.id, aTasks[0]);
  assert.ok(grants.has(node.id), 'the node row the lease read is kept');
  assert.equal(await buildState(ctx, buildA.buildId), 'running');

  f.advance(10);
  const buildB = await addBuild(ctx, b);
  const bTask = await addTask(ctx, buildB);
  const second = await leaseForNode(ctx, node.id, grants);
  assert.equal(second?.task.id, bTask, 'the owner with fewer leased tasks goes first');
  assert.equal(second?.task.state, 'leased');
  assert.equal(second?.task.leased_by, node.id);
  assert.equal(second?.task.lease_expires_at, ctx.now() + ctx.settings.leaseMs);
  assert.equal(await buildState(ctx, buildB.buildId), 'running', 'a pending build starts at its first lease');
  if (second?.source) {
    assert.equal(second.source.git_url, 'https://git.example/hello.git');
    assert.equal(second.source.kind, 'git');
  }
  const [event] = (await taskEvents(ctx, bTask)).filter((e) => e.kind === 'leased');
  assert.equal(event?.message, 'leased by node once-node (x86_64): priority 0, owner once-b has 0 running, node has 1 of 4, attempt 1 of 3');
  assert.equal(event?.node_id, node.id);
  const third = await leaseForNode(ctx, node.id, grants);
  assert.equal(third?.task.id, aTasks[1]);
  const [thirdEvent] = (await taskEvents(ctx, aTasks[1] ?? 0)).filter((e) => e.kind === 'leased');
  assert.match(thirdEvent?.message ?? '', /owner once-a has 1 running, node has 2 of 4/);
});

test(`a grant changed after the master read it holds at the next lease (${TEST_DIALECT})`, async () => {
  await clearQueue(f.ctx);
  const ctx = f.ctx;
  const grants: NodeGrants = new Map();
  const build = await addBuild(ctx, await addUser(ctx, 'grant-owner'));
  const node = await addNode(ctx, 'grant-node', ['x86_64', 'aarch64'], 3);
  const x86 = await addTasks(ctx, build, 3, { arch: 'x86_64' });
  assert.equal((await leaseForNode(ctx, node.id, grants))?.task.id, x86[0]);

  // An admin takes x86_64 away: only aarch64 tasks now.
  await setNode(node.id, { arches: '["aarch64"]' });
  const arm = await addTask(ctx, build, { arch: 'aarch64' });
  assert.equal((await leaseForNode(ctx, node.id, grants))?.task.id, arm);
  assert.equal(await leaseForNode(ctx, node.id, grants), null);
  assert.equal((await getTask(ctx, x86[1] ?? 0)).state, 'queued');

  // Given back, then the node advertises only tests: no rpm task.
  await setNode(node.id, { arches: '["x86_64"]' });
  assert.equal((await leaseForNode(ctx, node.id, grants))?.task.id, x86[1]);
  await setNode(node.id, { advertised_capabilities: '["test"]' });
  assert.equal(await leaseForNode(ctx, node.id, grants), null, 'a node that advertises only tests gets no rpm task');
  await setNode(node.id, { advertised_capabilities: '["build"]' });

  // It holds 3 (its limit): nothing more; raised to 4 but disabled: nothing; enabled: one more.
  assert.equal(await leaseForNode(ctx, node.id, grants), null, 'a node at its limit gets nothing');
  await setNode(node.id, { max_concurrency: 4, enabled: 0 });
  assert.equal(await leaseForNode(ctx, node.id, grants), null, 'a disabled node gets nothing');
  await setNode(node.id, { enabled: 1 });
  assert.equal((await leaseForNode(ctx, node.id, grants))?.task.id, x86[2]);
  assert.equal(await leaseForNode(ctx, node.id, grants), null, 'full again: 4 of 4');
});

test(`an idle node's look at an empty queue writes its mark only when stale (${TEST_DIALECT})`, async () => {
  await clearQueue(f.ctx);
  const ctx = f.ctx;
  const grants: NodeGrants = new Map();
  const build = await addBuild(ctx, await addUser(ctx, 'idle-owner'));
  const node = await addNode(ctx, 'idle-node', ['x86_64']);
  await addTask(ctx, build);
  assert.ok(await leaseForNode(ctx, node.id, grants));
  const seen = async (): Promise<number | null> => (await ctx.db.kysely.selectFrom('nodes').select('last_seen_at').where('id', '=', node.id).executeTakeFirstOrThrow()).last_seen_at;
  const leasedAt = ctx.now();
  assert.equal(Number(await seen()), leasedAt);
  f.advance(1000);
  assert.equal(await leaseForNode(ctx, node.id, grants), null);
  assert.equal(Number(await seen()), leasedAt, 'a fresh mark is left alone');
  f.advance(SEEN_EVERY_MS);
  assert.equal(await leaseForNode(ctx, node.id, grants), null);
  assert.equal(Number(await seen()), ctx.now(), 'a stale mark is refreshed');
});

test(`20 nodes leasing at once, each twice, never lease a task twice (${TEST_DIALECT})`, async () => {
  await clearQueue(f.ctx);
  const ctx = f.ctx;
  const grants: NodeGrants = new Map();
  const build = await addBuild(ctx, await addUser(ctx, 'race-owner'));
  const ids = await addTasks(ctx, build, 30);
  const nodes = await Promise.all(Array.from({ length: 20 }, (_, i) => addNode(ctx, `race-${i}`, ['x86_64'], 2)));
  const leased: number[] = [];
  for (const n of nodes.slice(0, 5)) leased.push((await leaseForNode(ctx, n.id, grants))?.task.id ?? 0); // some rows read before
  const rounds = await Promise.all(nodes.map(async (n) => [await leaseForNode(ctx, n.id, grants), await leaseForNode(ctx, n.id, grants)]));
  leased.push(...rounds.flat().flatMap((g) => (g ? [g.task.id] : [])));
  assert.equal(new Set(leased).size, leased.length, 'no task leased twice');
  // Whatever the race left queued (a task claimed under a lease's feet is skipped, not waited
  // for) is leased now, one at a time; in the end every task once.
  for (const n of nodes) {
    for (let g = await leaseForNode(ctx, n.id, grants); g; g = await leaseForNode(ctx, n.id, grants)) leased.push(g.task.id);
  }
  assert.deepEqual([...leased].sort((x, y) => x - y), ids);
  const rows = await ctx.db.kysely.selectFrom('tasks').select(['id', 'leased_by']).where('id', 'in', ids).execute();
  const perNode = new Map<number, number>();
  for (const r of rows) perNode.set(r.leased_by ?? 0, (perNode.get(r.leased_by ?? 0) ?? 0) + 1);
  assert.ok([...perNode.values()].every((c) => c <= 2), 'no node above its limit');
  const events = await ctx.db.kysely.selectFrom('task_events').select('task_id').where('task_id', 'in', ids).where('kind', '=', 'leased').execute();
  assert.equal(events.length, ids.length, 'one leased event per task');
});

test(`one node asking for work many times at once never holds more than its limit (${TEST_DIALECT})`, async () => {
  await clearQueue(f.ctx);
  const ctx = f.ctx;
  const grants: NodeGrants = new Map();
  const build = await addBuild(ctx, await addUser(ctx, 'greedy-owner'));
  await addTasks(ctx, build, 60);
  // Rounds of twelve requests of one node at the same moment: half of the rounds after one lease
  // (its row read, so the requests take the one-statement way on PostgreSQL), half on a node
  // never seen (every request the long way). A race shows in some rounds, not in every one.
  for (let round = 0; round < 8; round++) {
    const node = await addNode(ctx, `greedy-${round}`, ['x86_64'], 2);
    const warm = round % 2 === 0;
    if (warm) {
      assert.ok(await leaseForNode(ctx, node.id, grants), 'the first lease');
      assert.ok(grants.has(node.id));
    }
    const at = await Promise.all(Array.from({ length: 12 }, () => leaseForNode(ctx, node.id, grants)));
    const held = await ctx.db.kysely.selectFrom('tasks').select('id').where('leased_by', '=', node.id).where('state', '=', 'leased').execute();
    assert.equal(held.length, 2, `round ${round}: the node holds exactly its limit`);
    assert.equal(at.filter((g) => g !== null).length, warm ? 1 : 2, `round ${round}: as many leases as free slots`);
  }
});
