/**
 * What a node receives with a lease, on a real database: the source of the task's item (a git
 * commit, or an uploaded SRPM's download URL), the platform definition, the artifacts of the
 * tasks it depends on (for an rpm task, its item's SRPM) with absolute URLs, and a decorator's
 * additions.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshDatabaseUrl, TEST_DIALECT } from '../../test/support/db.ts';
import { recordArtifact } from './artifacts.ts';
import { leaseTask, leaseTaskForNode } from './lease.ts';
import { describeGrant, describeLease } from './lease-details.ts';
import { completeTask } from './leaseholder.ts';
import { addBuild, addDependencies, addNode, addTask, addUser, openFixture, type Fixture } from './test-support.ts';

let f: Fixture;
before(async () => {
  f = await openFixture(await freshDatabaseUrl());
});
after(() => f.close());

test(`a lease describes source, platform and input artifacts (${TEST_DIALECT})`, async () => {
  const ctx = f.ctx;
  await ctx.db.kysely.insertInto('platforms').values({ name: 'p1', definition: '{"name":"p1","distTag":".el9"}', created_at: 0, updated_at: 0 }).execute();
  const build = await addBuild(ctx, await addUser(ctx, 'ld-owner'));
  const lib = await addBuild(ctx, build.ownerId);
  const srpm = await addTask(ctx, build, { kind: 'srpm', arch: 'src' });
  const libRpm = await addTask(ctx, { ...lib, buildId: build.buildId }, { arch: 'noarch' });
  const rpm = await addTask(ctx, build, { state: 'blocked' });
  await addDependencies(ctx, rpm, libRpm);
  const node = await addNode(ctx, 'ld-node', ['x86_64'], 10);
  const a = await leaseTask(ctx, node);
  const b = await leaseTask(ctx, node);
  assert.deepEqual([a?.id, b?.id].sort(), [srpm, libRpm].sort());
  await recordArtifact(ctx, node.id, srpm, { name: 'hello-1-1.src.rpm', kind: 'srpm', sha256: '1'.repeat(64), size: 1 });
  await recordArtifact(ctx, node.id, srpm, { name: 'build.log', kind: 'log', sha256: '2'.repeat(64), size: 1 });
  await recordArtifact(ctx, node.id, libRpm, { name: 'lib-1-1.noarch.rpm', kind: 'rpm', sha256: '3'.repeat(64), size: 1 });
  await completeTask(ctx, node.id, srpm, null);
  await completeTask(ctx, node.id, libRpm, null);
  const task = await leaseTask(ctx, node);
  assert.equal(task?.id, rpm);
  if (!task) return;

  const leased = await describeLease(ctx, task);
  assert.equal(leased.kind, 'rpm');
  assert.equal(leased.leaseExpiresAt, ctx.now() + ctx.settings.leaseMs);
  assert.deepEqual(leased.source, { kind: 'git', gitUrl: 'https://git.example/hello.git', gitRef: 'main', gitCommit: 'a'.repeat(40) });
  assert.deepEqual(leased.platformDefinition, { name: 'p1', distTag: '.el9' });
  const url = (sha: string, name: string): string => `http://127.0.0.1:9/api/v1/artifacts/${sha}/${name}`;
  assert.deepEqual(leased.dependencies, [
    { taskId: srpm, artifacts: [{ name: 'hello-1-1.src.rpm', kind: 'srpm', sha256: '1'.repeat(64), url: url('1'.repeat(64), 'hello-1-1.src.rpm') }] },
    { taskId: libRpm, artifacts: [{ name: 'lib-1-1.noarch.rpm', kind: 'rpm', sha256: '3'.repeat(64), url: url('3'.repeat(64), 'lib-1-1.noarch.rpm') }] },
  ].sort((x, y) => x.taskId - y.taskId));
  assert.deepEqual(leased.repositories, []);

  const decorated = await describeLease(ctx, task, (_ctx, t) => Promise.resolve({ repositories: [`https://repo.example/${t.platform}/`] }));
  assert.deepEqual(decorated.repositories, ['https://repo.example/p1/']);
  assert.equal(decorated.id, rpm);
});

test('an uploaded SRPM item gives the node its download URL (as the node API leases)', async () => {
  const ctx = f.ctx;
  const build = await addBuild(ctx, await addUser(ctx, 'ld-srpm'));
  await ctx.db.kysely.updateTable('build_items').set({ kind: 'srpm', git_url: null, git_ref: null, git_commit: null, srpm_sha256: 'f'.repeat(64) }).where('id', '=', build.itemId).execute();
  const id = await addTask(ctx, build, { kind: 'srpm', arch: 'src' });
  const node = await addNode(ctx, 'ld-srpm-node', ['x86_64'], 100);
  // As the node API leases: the grant carries the source on PostgreSQL, SQLite reads it after.
  let grant = await leaseTaskForNode(ctx, node.id);
  while (grant && grant.task.id !== id) grant = await leaseTaskForNode(ctx, node.id);
  assert.ok(grant);
  assert.equal(grant.task.kind, 'srpm');
  assert.equal(grant.task.state, 'leased');
  const leased = await describeGrant(ctx, grant);
  assert.deepEqual(leased.source, { kind: 'srpm', gitUrl: null, gitRef: null, gitCommit: null, srpmUrl: `http://127.0.0.1:9/api/v1/artifacts/${'f'.repeat(64)}/hello.src.rpm` });
  assert.deepEqual(leased.platformDefinition, { name: 'p1', distTag: '.el9' });
});
