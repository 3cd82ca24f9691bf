/**
 * What every master runs, run by two masters at once on one PostgreSQL database (each with its
 * own connection pool, as two processes have): lease expiry, the fan-out, a build's sign request,
 * a build repository's rendering; our autopatched repository restored from its bundle in the
 * store; and the claims a dead master leaves behind (a git mirror's sync, a git event being
 * submitted) taken over once they lapse. Nothing is done twice, nothing is lost.
 * PostgreSQL only: SQLite is one master.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureBuildRepo, fanOutPending } from '../../src/builds/index.ts';
import type { Context } from '../../src/context.ts';
import { ensureOurs, oursDir, processPendingEvents, saveOurs, SERVICE_USER } from '../../src/git/index.ts';
import { syncMirror } from '../../src/git/sync.ts';
import { gitDb } from '../../src/git/schema.ts';
import { createContext } from '../../src/server/context-factory.ts';
import { completeTask, expireLeases, leaseTask } from '../../src/scheduler/index.ts';
import { addBuild, addNode, addTasks, addUser, openFixture, type Fixture } from '../../src/scheduler/test-support.ts';
import { requestSigning } from '../../src/signing/index.ts';
import { freshDatabaseUrl, TEST_DIALECT } from '../support/db.ts';
import { commitChange, makeGitRepo, specOf } from '../server/builds-support.ts';
import { rpmbuild } from '../support/rpmbuild.ts';
import { makeBuild, releaseSpec, startReleaseRig, type ReleaseRig } from '../releases/support.ts';

const skip = TEST_DIALECT === 'sqlite' ? 'needs DISTFORGE_TEST_PG' : false;

/** A second master on the server's database and store, with a data directory of its own. */
async function secondMaster(dbUrl: string, store: Context['store'], publicUrl: string): Promise<{ ctx: Context; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'distforge-master2-'));
  const ctx = await createContext({ dataDir: dir, db: dbUrl, store, publicUrl, logLevel: 'silent' });
  return {
    ctx,
    async close() {
      await ctx.db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('two masters at once on one database: scheduler claims', { skip }, () => {
  let a: Fixture;
  let b: Fixture;
  before(async () => {
    const url = await freshDatabaseUrl();
    a = await openFixture(url, { leaseMs: 1000 });
    b = await openFixture(url, { leaseMs: 1000 });
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  test('both reapers expire 300 leases at once: each lease expires once', async () => {
    const build = await addBuild(a.ctx, await addUser(a.ctx, 'race-owner'));
    const ids = await addTasks(a.ctx, build, 300);
    const node = await addNode(a.ctx, 'race-node', ['x86_64'], 1000);
    for (let i = 0; i < ids.length; i++) assert.ok(await leaseTask(a.ctx, node));
    a.advance(5000);
    b.advance(5000);
    const counts = await Promise.all([expireLeases(a.ctx), expireLeases(b.ctx), expireLeases(a.ctx), expireLeases(b.ctx)]);
    assert.equal(counts.reduce((x, y) => x + y, 0), 300, `expired by each run: ${counts.join(', ')}`);
    const events = await a.ctx.db.kysely.selectFrom('task_events').select(['task_id', (eb) => eb.fn.countAll<number>().as('n')]).where('kind', '=', 'expired').groupBy('task_id').execute();
    assert.equal(events.length, 300);
    assert.ok(events.every((e) => Number(e.n) === 1), 'one expired event per task');
    const attempts = await a.ctx.db.kysely.selectFrom('tasks').select('attempt').where('id', 'in', ids).execute();
    assert.ok(attempts.every((t) => t.attempt === 2), 'attempt + 1 once');
  });

  test("a dead master's hold on a git mirror lapses after one lease length; then another master syncs it", async () => {
    const root = mkdtempSync(join(tmpdir(), 'distforge-race-git-'));
    try {
      const upstream = makeGitRepo(root, 'held', { 'held.spec': specOf('held') }, 'v1');
      const now = a.ctx.now();
      const row = await gitDb(a.ctx)
        .insertInto('git_mirrors')
        .values({ name: 'held', url: upstream.url, webhook_secret: null, poll_interval_s: null, created_at: now, updated_at: now, synced_at: null, next_poll_at: now, failures: 0, last_error: null, sync_until: now + 1000, sync_by: 'dead-host/1' })
        .returningAll()
        .executeTakeFirstOrThrow();
      assert.equal(await syncMirror(b.ctx, row, { via: 'poll', intervalS: 300 }), null, 'held by the dead master');
      a.advance(1001);
      b.advance(1001);
      const r = await syncMirror(b.ctx, row, { via: 'poll', intervalS: 300 });
      assert.equal(r?.baseline, true);
      const after1 = await gitDb(a.ctx).selectFrom('git_mirrors').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
      assert.equal(after1.sync_until, null);
      assert.match(after1.sync_by ?? '', new RegExp(`/${process.pid}$`));
      assert.ok((await gitDb(a.ctx).selectFrom('git_mirror_refs').select('name').where('mirror_id', '=', row.id).execute()).some((x) => x.name === 'refs/tags/v1'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('our autopatched repository travels through the store: a master without it, or behind, restores it from the bundle', async () => {
    const other: Context = { ...b.ctx, store: a.ctx.store };
    const ours = oursDir(a.ctx.settings.dataDir, 'bundled');
    const git = (dir: string, ...args: string[]) => execFileSync('git', ['--git-dir', dir, ...args], { encoding: 'utf8' }).trim();
    const work = mkdtempSync(join(tmpdir(), 'distforge-race-ours-'));
    try {
      const repo = makeGitRepo(work, 'bundled', { 'bundled.spec': specOf('bundled') }, 'changed/a9/bundled-1');
      execFileSync('git', ['clone', '-q', '--mirror', repo.url, ours]);
      assert.equal(await ensureOurs(other, 'bundled'), false, 'nothing recorded yet, and no copy');
      await saveOurs(a.ctx, 'bundled');
      assert.equal(await ensureOurs(other, 'bundled'), true);
      const copy = oursDir(other.settings.dataDir, 'bundled');
      assert.equal(git(copy, 'for-each-ref'), git(ours, 'for-each-ref'));
      commitChange(repo, 'README', 'two\n');
      execFileSync('git', ['-C', repo.url, 'tag', '-a', 'changed/a9/bundled-2', '-m', 'two']);
      execFileSync('git', ['--git-dir', ours, 'fetch', '-q', repo.url, '+refs/*:refs/*']);
      await saveOurs(a.ctx, 'bundled');
      await ensureOurs(other, 'bundled');
      assert.match(git(copy, 'for-each-ref'), /refs\/tags\/changed\/a9\/bundled-2/);
      assert.equal(git(copy, 'for-each-ref'), git(ours, 'for-each-ref'));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test("an event a dead master left submitting is taken over: the build it had submitted is recorded, no second build", async () => {
    const ctx = a.ctx;
    const service = await addUser(ctx, SERVICE_USER);
    const now = ctx.now();
    const mirror = await gitDb(ctx).insertInto('git_mirrors').values({ name: 'taken', url: '/nowhere', webhook_secret: null, poll_interval_s: null, created_at: now, updated_at: now, synced_at: now, next_poll_at: now + 1e9, failures: 0, last_error: null, sync_until: null }).returning('id').executeTakeFirstOrThrow();
    const rule = await gitDb(ctx).insertInto('git_rules').values({ name: 'taken-rule', kind: 'tag', pattern: '*', mirrors: null, platforms: '["p1"]', autopatch: null, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
    const commit = 'c'.repeat(40);
    const ev = await gitDb(ctx)
      .insertInto('git_events')
      .values({ mirror_id: mirror.id, ref: 'refs/tags/t1', old_commit: null, new_commit: commit, via: 'poll', at: now, rule_id: rule.id, status: 'submitting', message: null, claimed_until: now + 1000 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const build = await ctx.db.kysely.insertInto('builds').values({ owner_id: service, state: 'pending', priority: 0, platforms: '["p1"]', explicit_order: 0, public: 1, created_at: now }).returning('id').executeTakeFirstOrThrow();
    await ctx.db.kysely.insertInto('build_items').values({ build_id: build.id, position: 0, kind: 'git', git_url: 'http://dead-master:8080/git/taken.git', git_ref: 'refs/tags/t1', git_commit: commit, name: 'taken' }).execute();
    assert.equal(await processPendingEvents(b.ctx), 0, 'the claim still holds');
    b.advance(1001);
    a.advance(1001);
    const handled = await Promise.all([processPendingEvents(a.ctx), processPendingEvents(b.ctx)]);
    assert.equal(handled[0] + handled[1], 1, 'taken over by one master');
    const row = await gitDb(ctx).selectFrom('git_events').selectAll().where('id', '=', ev.id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'submitted');
    assert.equal(row.build_id, build.id);
    assert.equal((await ctx.db.kysely.selectFrom('builds').select('id').where('owner_id', '=', service).execute()).length, 1);
  });
});

describe('two masters at once on one database: builds', { skip }, () => {
  let rig: ReleaseRig;
  let other: Awaited<ReturnType<typeof secondMaster>>;
  before(async () => {
    rig = await startReleaseRig();
    other = await secondMaster(rig.server.dbUrl, rig.server.ctx.store, rig.server.url);
  });
  after(async () => {
    await other?.close();
    await rig?.close();
  });

  test('both fan out the same srpm tasks at once: one set of rpm tasks', async () => {
    const { server, node } = rig;
    const spec = specOf('racefan');
    const repo = makeGitRepo(server.gitRoot, 'racefan', { 'racefan.spec': spec });
    const { submitBuild } = await import('../../src/builds/index.ts');
    const owner = await server.ctx.db.kysely.selectFrom('users').select('id').where('name', '=', 'maint').executeTakeFirstOrThrow();
    const buildId = await submitBuild(server.ctx, owner.id, { platforms: ['example-el9'], sources: [{ git: `${repo.url}#main` }], public: true });
    const files = rpmbuild(mkdtempSync(join(rig.dir, 'racefan-')), 'racefan', spec);
    const [srpm] = await node.leaseAll();
    assert.ok(srpm);
    await node.upload(srpm, files.filter((f) => f.endsWith('.src.rpm')));
    // Completed without the hook, so that only the two loops below fan it out.
    await completeTask(server.ctx, node.id, srpm.id, await node.srpmFacts(srpm));
    const made = await Promise.all([fanOutPending(server.ctx, buildId), fanOutPending(other.ctx, buildId), fanOutPending(server.ctx, buildId)]);
    assert.equal(made.reduce((x, y) => x + y, 0), 1, `fan-outs: ${made.join(', ')}`);
    const rpmTasks = await server.ctx.db.kysely.selectFrom('tasks').select(['arch']).where('build_id', '=', buildId).where('kind', '=', 'rpm').execute();
    assert.deepEqual(rpmTasks.map((t) => t.arch).sort(), ['x86_64']);
  });

  test("both render a build's repository at once: one rendering, the same repomd.xml on both", async () => {
    const id = await makeBuild(rig, 'racerepo', releaseSpec('racerepo', '1.0'));
    const [dirA, dirB] = await Promise.all([ensureBuildRepo(rig.server.ctx, id, 'example-el9', 'x86_64'), ensureBuildRepo(other.ctx, id, 'example-el9', 'x86_64')]);
    assert.notEqual(dirA, dirB, 'each master has its own copy');
    const sha = (dir: string) => createHash('sha256').update(readFileSync(join(dir, 'repodata', 'repomd.xml'))).digest('hex');
    assert.equal(sha(dirA), sha(dirB));
    const rec = await rig.server.ctx.db.kysely.selectFrom('build_repo_metadata' as never).selectAll().where('build_id' as never, '=', id as never).execute();
    assert.equal(rec.length, 1);
    assert.equal((rec[0] as { repomd_sha256: string }).repomd_sha256, sha(dirA));
    const rpms = execFileSync('ls', [dirB], { encoding: 'utf8' });
    assert.match(rpms, /racerepo-1\.0-1\.el9\.x86_64\.rpm/, 'the other master linked the package from the store');
  });

  test("both ask to sign the same build at once: one set of sign tasks", async () => {
    const id = await makeBuild(rig, 'racesign', releaseSpec('racesign', '1.0'));
    await rig.stopSigner();
    try {
      const results = await Promise.all([requestSigning(rig.server.ctx, { buildId: id, requestedBy: null }), requestSigning(other.ctx, { buildId: id, requestedBy: null })]);
      const made = results.flatMap((r) => r.taskIds);
      const tasks = await rig.server.ctx.db.kysely.selectFrom('tasks').select(['id', 'kind']).where('build_id', '=', id).where('kind', 'in', ['sign', 'sign-repo']).execute();
      assert.deepEqual(made.sort(), tasks.map((t) => t.id).sort(), 'every task made is one of the build\'s');
      assert.equal(tasks.filter((t) => t.kind === 'sign').length, 1, JSON.stringify(tasks));
      assert.ok(results.some((r) => r.taskIds.length === 0), 'the second request found the tasks made');
    } finally {
      await rig.startSigner();
    }
  });
});
