/**
 * Logs and artifacts on a real database: only the leaseholder may append or record, log chunks
 * are idempotent per sequence number, an artifact name is recorded once per task, bad names are
 * refused, and an RPM artifact is indexed into rpm_packages.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshDatabaseUrl, TEST_DIALECT } from '../../test/support/db.ts';
import { buildRpm } from '../rpm/index.ts';
import type { RpmSpec } from '../rpm/writer-types.ts';
import { appendLog, checkArtifactName, recordArtifact, taskArtifacts, taskLog } from './artifacts.ts';
import { leaseTask } from './lease.ts';
import { rpmIndexRow } from './rpm-index.ts';
import { addBuild, addNode, addTask, addUser, openFixture, type Fixture } from './test-support.ts';

const spec = (extra: Partial<RpmSpec> = {}): RpmSpec => ({
  name: 'hello',
  version: '1.0',
  release: '1',
  arch: 'x86_64',
  summary: 'hi',
  description: 'says hello',
  license: 'MIT',
  ...extra,
});

let f: Fixture;
before(async () => {
  f = await openFixture(await freshDatabaseUrl());
});
after(() => f.close());

async function leased(name: string): Promise<{ taskId: number; nodeId: number; otherId: number }> {
  const ctx = f.ctx;
  const build = await addBuild(ctx, await addUser(ctx, `${name}-owner`));
  const taskId = await addTask(ctx, build, { arch: name });
  const node = await addNode(ctx, `${name}-node`, [name]);
  const other = await addNode(ctx, `${name}-other`, [name]);
  assert.equal((await leaseTask(ctx, node))?.id, taskId);
  return { taskId, nodeId: node.id, otherId: other.id };
}

test(`log chunks are idempotent per seq and only the leaseholder may append (${TEST_DIALECT})`, async () => {
  const { taskId, nodeId, otherId } = await leased('logarch');
  assert.equal(await appendLog(f.ctx, nodeId, taskId, 0, 'line 1\n'), true);
  assert.equal(await appendLog(f.ctx, nodeId, taskId, 1, 'line 2\n'), true);
  assert.equal(await appendLog(f.ctx, nodeId, taskId, 1, 'line 2 again\n'), false);
  await assert.rejects(appendLog(f.ctx, otherId, taskId, 2, 'intruder\n'), { code: 'lease_lost' });
  assert.deepEqual((await taskLog(f.ctx, taskId)).map((c) => c.chunk).join(''), 'line 1\nline 2\n');
  assert.deepEqual((await taskLog(f.ctx, taskId, 1)).map((c) => c.seq), [1]);
});

test('artifact names must be plain file names', async () => {
  for (const bad of ['', '.', '..', '../x', '/abs', 'a/b', 'a\\b', 'nul\u0000x', 'new\nline', 'x'.repeat(256)]) {
    assert.throws(() => checkArtifactName(bad), { code: 'bad_name', status: 400 }, JSON.stringify(bad));
  }
  for (const good of ['hello-1.0-1.el9.x86_64.rpm', 'build.log', '..hidden', 'a..b', 'ümlaut.txt']) checkArtifactName(good);
  const { taskId, nodeId } = await leased('namearch');
  await assert.rejects(recordArtifact(f.ctx, nodeId, taskId, { name: '../x', kind: 'log', sha256: 'c'.repeat(64), size: 1 }), { code: 'bad_name' });
  assert.deepEqual(await taskArtifacts(f.ctx, taskId), []);
});

test('an artifact is recorded once per name, only by the leaseholder, and an RPM is indexed', async () => {
  const { taskId, nodeId, otherId } = await leased('rpmarch');
  const data = buildRpm(spec({ provides: [{ name: 'greeting' }] }));
  const sha256 = 'd'.repeat(64);
  const rpm = rpmIndexRow({ data }, { name: 'hello-1.0-1.x86_64.rpm', kind: 'rpm', sha256, size: data.length }, f.ctx.now());
  assert.equal(rpm.name, 'hello');
  const input = { name: 'hello-1.0-1.x86_64.rpm', kind: 'rpm', sha256, size: data.length };
  await recordArtifact(f.ctx, nodeId, taskId, input, { rpm });
  await recordArtifact(f.ctx, nodeId, taskId, input, { rpm });
  await assert.rejects(recordArtifact(f.ctx, otherId, taskId, { ...input, name: 'other.rpm' }), { code: 'lease_lost' });
  assert.deepEqual((await taskArtifacts(f.ctx, taskId)).map((a) => a.name), ['hello-1.0-1.x86_64.rpm']);
  const indexed = await f.ctx.db.kysely.selectFrom('rpm_packages').selectAll().where('sha256', '=', sha256).execute();
  assert.equal(indexed.length, 1);
  assert.equal(indexed[0]?.arch, 'x86_64');
  const meta = JSON.parse(indexed[0]?.metadata ?? '{}') as { pkgId: string; provides: { name: string }[] };
  assert.equal(meta.pkgId, sha256);
  assert.ok(meta.provides.some((p) => p.name === 'greeting'));
});

test('an RPM artifact of a build records its package for the builds feed, replaced by a later upload under its name', async () => {
  const { taskId, nodeId } = await leased('pkgarch');
  const first = buildRpm(spec({ name: 'Greet', epoch: 2 }));
  const row = (data: Buffer, sha256: string) => rpmIndexRow({ data }, { name: 'greet.rpm', kind: 'rpm', sha256, size: data.length }, f.ctx.now());
  const artifact = await recordArtifact(f.ctx, nodeId, taskId, { name: 'greet.rpm', kind: 'rpm', sha256: '7'.repeat(64), size: first.length }, { rpm: row(first, '7'.repeat(64)) });
  const packages = () => f.ctx.db.kysely.selectFrom('artifact_packages').select(['artifact_id', 'key', 'name', 'epoch', 'nevra']).where('artifact_id', '=', artifact.id).execute();
  assert.deepEqual(await packages(), [{ artifact_id: artifact.id, key: 'greet-1.0-1.x86_64', name: 'Greet', epoch: 2, nevra: 'Greet-2:1.0-1.x86_64' }]);
  const second = buildRpm(spec({ name: 'Greet', version: '1.1' }));
  await recordArtifact(f.ctx, nodeId, taskId, { name: 'greet.rpm', kind: 'rpm', sha256: '8'.repeat(64), size: second.length }, { rpm: row(second, '8'.repeat(64)) });
  assert.deepEqual(await packages(), [{ artifact_id: artifact.id, key: 'greet-1.1-1.x86_64', name: 'Greet', epoch: null, nevra: 'Greet-1.1-1.x86_64' }]);
  await f.ctx.db.kysely.deleteFrom('artifacts').where('id', '=', artifact.id).execute();
  assert.deepEqual(await packages(), [], 'removed with its artifact');
});

test('an upload that is not an RPM, or of the wrong kind, is refused', () => {
  const file = { name: 'x.rpm', kind: 'rpm' as const, sha256: 'e'.repeat(64), size: 5 };
  assert.throws(() => rpmIndexRow({ data: Buffer.from('hello') }, file, 0), { code: 'bad_artifact', status: 422 });
  const data = buildRpm(spec());
  assert.throws(() => rpmIndexRow({ data }, { ...file, kind: 'srpm' }, 0), /binary RPM, uploaded as kind srpm/);
});
