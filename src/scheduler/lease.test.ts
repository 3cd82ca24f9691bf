/**
 * leaseTask on a real database (SQLite; PostgreSQL with DISTFORGE_TEST_PG): arch routing, noarch
 * and srpm tasks to any node, priorities, fairness between owners, per-node concurrency, and many
 * nodes leasing at once never taking the same task twice. Each decision is recorded as an event.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshDatabaseUrl, TEST_DIALECT } from '../../test/support/db.ts';
import { leaseTask } from './lease.ts';
import { taskEvents } from './events.ts';
import { addBuild, addNode, addTask, addTasks, addUser, clearQueue, getTask, openFixture, type Fixture } from './test-support.ts';

let f: Fixture;
before(async () => {
  f = await openFixture(await freshDatabaseUrl());
});
after(() => f.close());

test(`a node gets only the kinds of task its capabilities cover: build, test, sign (${TEST_DIALECT})`, async () => {
  await clearQueue(f.ctx);
  const ctx = f.ctx;
  const owner = await addUser(ctx, 'kind-owner');
  const build = await addBuild(ctx, owner);
  const sign = await addTask(ctx, build, { arch: 'noarch', kind: 'sign' });
  const check = await addTask(ctx, build, { arch: 'x86_64', kind: 'test' });
  const rpm = await addTask(ctx, build, { arch: 'x86_64' });
  const builder = await addNode(ctx, 'kind-builder', ['x86_64']);
  const tester = { ...(await addNode(ctx, 'kind-tester', ['x86_64'])), capabilities: ['test'] };
  const signer = { ...(await addNode(ctx, 'kind-signer', ['x86_64'])), capabilities: ['sign'] };
  assert.deepEqual([(await leaseTask(ctx, builder))?.id, await leaseTask(ctx, builder)], [rpm, null], 'a build node takes neither test nor sign tasks');
  assert.deepEqual([(await leaseTask(ctx, tester))?.id, await leaseTask(ctx, tester)], [check, null]);
  assert.deepEqual([(await leaseTask(ctx, signer))?.id, await leaseTask(ctx, signer)], [sign, null]);
});

test(`a node gets only tasks of the arches it serves; noarch and src go to any node (${TEST_DIALECT})`, async () => {
  await clearQueue(f.ctx);
  const ctx = f.ctx;
  const owner = await addUser(ctx, 'arch-owner');
  const build = await addBuild(ctx, owner);
  const aarch = await addTask(ctx, build, { arch: 'aarch64' });
  const x86 = await addTask(ctx, build, { arch: 'x86_64' });
  const noarch = await addTask(ctx, build, { arch: 'noarch' });
  const srpm = await addTask(ctx, build, { arch: 'src', kind: 'srpm' });
  const ppc = await addNode(ctx, 'arch-ppc', ['ppc64le']);
  const x = await addNode(ctx, 'arch-x86', ['x86_64']);

  const forPpc = [await leaseTask(ctx, ppc), await leaseTask(ctx, ppc), await leaseTask(ctx, ppc)];
  assert.deepEqual(forPpc.map((t) => t?.id ?? null), [noarch, srpm, null]);
  const forX = [await leaseTask(ctx, x), await leaseTask(ctx, x)];
  assert.deepEqual(forX.map((t) => t?.id ?? null), [x86, null]);
  assert.equal((await getTask(ctx, aarch)).state, 'queued');

  const leased = await getTask(ctx, x86);
  assert.equal(leased.state, 'leased');
  assert.equal(leased.leased_by, x.id);
  assert.equal(leased.lease_expires_at, ctx.now() + ctx.settings.leaseMs);
  assert.equal(leased.started_at, ctx.now());
  const [event] = (await taskEvents(ctx, x86)).filter((e) => e.kind === 'leased');
  assert.equal(event?.node_id, x.id);
  assert.match(event?.message ?? '', /^leased by node arch-x86 \(x86_64\): priority 0, owner arch-owner has 2 running, node has 0 of 4/);
  const [anyEvent] = (await taskEvents(ctx, noarch)).filter((e) => e.kind === 'leased');
  assert.match(anyEvent?.message ?? '', /\(noarch, any node\)/);
});

test('higher priority goes first, then the oldest', async () => {
  await clearQueue(f.ctx);
  const ctx = f.ctx;
  const owner = await addUser(ctx, 'prio-owner');
  const low = await addTask(ctx, await addBuild(ctx, owner, 0));
  f.advance(10);
  const high = await addTask(ctx, await addBuild(ctx, owner, 10));
  f.advance(10);
  const low2 = await addTask(ctx, await addBuild(ctx, owner, 0));
  const node = await addNode(ctx, 'prio-node', ['x86_64'], 10);
  const order = [await leaseTask(ctx, node), await leaseTask(ctx, node), await leaseTask(ctx, node)];
  assert.deepEqual(order.map((t) => t?.id), [high, low, low2]);
});

test("one owner's 3,000 queued tasks do not starve another owner's one", async () => {
  await clearQueue(f.ctx);
  const ctx = f.ctx;
  const alice = await addUser(ctx, 'fair-alice');
  const bob = await addUser(ctx, 'fair-bob');
  const aliceTasks = await addTasks(ctx, await addBuild(ctx, alice), 3000);
  f.advance(1000);
  const [bobTask] = await addTasks(ctx, await addBuild(ctx, bob), 1);
  const node = await addNode(ctx, 'fair-node', ['x86_64'], 100);
  const firstFew = [];
  for (let i = 0; i < 3; i++) firstFew.push((await leaseTask(ctx, node))?.id);
  assert.ok(firstFew.includes(bobTask), `bob's task ${bobTask} among the first leases ${firstFew.join(', ')}`);
  assert.equal(firstFew[0], aliceTasks[0]);
  const event = (await taskEvents(ctx, bobTask ?? 0)).find((e) => e.kind === 'leased');
  assert.match(event?.message ?? '', /owner fair-bob has 0 running/);
});

test('a node never holds more leases than its maxConcurrency', async () => {
  await clearQueue(f.ctx);
  const ctx = f.ctx;
  const owner = await addUser(ctx, 'conc-owner');
  await addTasks(ctx, await addBuild(ctx, owner), 5);
  const node = await addNode(ctx, 'conc-node', ['x86_64'], 2);
  assert.ok(await leaseTask(ctx, node));
  assert.ok(await leaseTask(ctx, node));
  assert.equal(await leaseTask(ctx, node), null);
  const other = await addNode(ctx, 'conc-other', ['x86_64'], 2);
  assert.ok(await leaseTask(ctx, other), 'another node still gets work');
  const held = await ctx.db.kysely.selectFrom('tasks').select('id').where('leased_by', '=', node.id).where('state', '=', 'leased').execute();
  assert.equal(held.length, 2);
});

test('an empty queue leases nothing; a build starts running at its first lease', async () => {
  await clearQueue(f.ctx);
  const ctx = f.ctx;
  const node = await addNode(ctx, 'idle-node', ['x86_64']);
  assert.equal(await leaseTask(ctx, node), null);
  const build = await addBuild(ctx, await addUser(ctx, 'start-owner'));
  await addTask(ctx, build);
  const task = await leaseTask(ctx, node);
  assert.equal(task?.build_id, build.buildId);
  const row = await ctx.db.kysely.selectFrom('builds').select('state').where('id', '=', build.buildId).executeTakeFirstOrThrow();
  assert.equal(row.state, 'running');
});

test('50 nodes leasing at once never lease a task twice', async () => {
  await clearQueue(f.ctx);
  const ctx = f.ctx;
  const owners = [await addUser(ctx, 'race-a'), await addUser(ctx, 'race-b'), await addUser(ctx, 'race-c')];
  const tasks: number[] = [];
  for (const o of owners) tasks.push(...(await addTasks(ctx, await addBuild(ctx, o), 10, { arch: 'noarch' })));
  const nodes = [];
  for (let i = 0; i < 50; i++) nodes.push(await addNode(ctx, `race-${i}`, ['x86_64'], 1));
  const leased = (await Promise.all(nodes.map((n) => leaseTask(ctx, n)))).filter((t) => t !== null);
  const ids = leased.map((t) => t.id);
  assert.equal(new Set(ids).size, ids.length, 'no task leased twice');
  assert.ok(ids.length > 0);
  // Whatever the race left queued is leased now, one at a time; in the end every task once.
  for (const n of nodes) {
    if (leased.some((t) => t.leased_by === n.id)) continue;
    const t = await leaseTask(ctx, n);
    if (t) ids.push(t.id);
  }
  assert.deepEqual([...ids].sort((a, b) => a - b), tasks);
  const leasedRows = await ctx.db.kysely.selectFrom('tasks').select(['id', 'leased_by']).where('id', 'in', tasks).execute();
  for (const r of leasedRows) assert.equal(leased.find((t) => t.id === r.id)?.leased_by ?? r.leased_by, r.leased_by);
  const events = await ctx.db.kysely.selectFrom('task_events').select('task_id').where('task_id', 'in', tasks).where('kind', '=', 'leased').execute();
  assert.equal(events.length, tasks.length, 'one leased event per task');
});
