/**
 * Garbage collection of the artifact store over real HTTP (POST /api/v1/store/gc), on a local
 * store and on an S3 bucket (s3rver), on the test database (SQLite, or PostgreSQL with
 * DISTFORGE_TEST_PG). Blobs are made old by setting their time in the store behind its back.
 *
 * Kept: a build's uploaded SRPM and its tasks' artifacts, a lookaside file, a release
 * repository's comps.xml (all old), an SRPM upload not yet submitted that is younger than the
 * grace period, what was stored while a task that is still leased ran. Removed: old blobs nothing
 * names; a dry run lists them with their bytes first and deletes nothing. An SRPM named by a build
 * submitted after the dry run, or while a collection runs (between its listing and its deletion),
 * stays. Only an admin may collect; bad input is refused in one line; a second collection while
 * one runs is refused (409), on PostgreSQL also from another master.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runStoreGc, StoreGcRunningError, type StoreGcReport } from '../../src/blob-refs/index.ts';
import { buildRpm } from '../../src/rpm/index.ts';
import type { LeasedTask } from '../../src/scheduler/index.ts';
import { createContext } from '../../src/server/context-factory.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, examplePlatform, nodeToken, startTestServer, userToken, type TestServer } from '../support/server.ts';
import { buildSrpm, specOf } from './builds-support.ts';

const PLATFORM = 'example-el9';
const HOUR = 3600_000;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const COMPS = `<?xml version="1.0" encoding="UTF-8"?>
<comps><group><id>gc</id><name>gc</name><description>gc</description><packagelist><packagereq>gcpkg</packagereq></packagelist></group></comps>
`;

for (const backend of ['local', 's3'] as const) {
  describe(`store garbage collection: ${backend} store (${TEST_DIALECT})`, () => {
    let server: TestServer;
    let maintainer: string;
    let node: string;
    let work: string;
    /** Old blobs something names: they must stay. */
    const named = new Map<string, string>();
    let built: { srpm: string; rpm: string; rpmName: string };
    let lateSrpm: Buffer;
    let youngSrpm: string;
    let orphan: Buffer;

    const send = (method: 'POST' | 'PUT', path: string, body: Buffer | string, token = maintainer, type = 'application/octet-stream'): Promise<Response> =>
      fetch(`${server.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': type }, body });
    const gc = (body: unknown, token = server.adminToken) => api<StoreGcReport & { code?: string; message?: string }>(server, 'POST', '/store/gc', { token, body });
    const has = (s: string): Promise<boolean> => server.ctx.store.has(s);
    const srpmOf = (name: string): Buffer => readFileSync(buildSrpm(work, name, specOf(name, [], 'BuildArch: noarch')));
    async function upload(srpm: Buffer): Promise<string> {
      const r = await send('POST', '/srpms', srpm);
      assert.equal(r.status, 201);
      return ((await r.json()) as { sha256: string }).sha256;
    }
    async function submit(srpmSha256: string): Promise<number> {
      const r = await api<{ id: number }>(server, 'POST', '/builds', { token: maintainer, body: { platforms: [PLATFORM], sources: [{ srpmSha256 }] } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id;
    }
    async function lease(): Promise<LeasedTask> {
      const r = await api<{ task: LeasedTask }>(server, 'POST', '/node/lease', { token: node });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.task;
    }

    /** A build run by a stand-in node: its SRPM uploaded and submitted, the SRPM and an RPM uploaded by its tasks. */
    async function runBuild(): Promise<typeof built> {
      const srpmPath = buildSrpm(work, 'gcbuilt', specOf('gcbuilt', [], 'BuildArch: noarch'));
      const srpm = readFileSync(srpmPath);
      const srpmSha = await upload(srpm);
      await submit(srpmSha);
      const srpmTask = await lease();
      assert.equal((await send('PUT', `/node/tasks/${srpmTask.id}/artifacts/${basename(srpmPath)}?kind=srpm&sha256=${srpmSha}`, srpm, node)).status, 201);
      const facts = { packageName: 'gcbuilt', buildRequires: [], provides: ['gcbuilt'], specPath: 'gcbuilt.spec' };
      assert.equal((await api(server, 'POST', `/node/tasks/${srpmTask.id}/complete`, { token: node, body: { result: facts } })).status, 204);
      const rpmTask = await lease();
      const rpm = buildRpm({ name: 'gcbuilt', version: '1.0', release: '1.el9', arch: 'noarch', summary: 'gc', description: 'gc', license: 'MIT', sourcerpm: basename(srpmPath) });
      const rpmName = 'gcbuilt-1.0-1.el9.noarch.rpm';
      assert.equal((await send('PUT', `/node/tasks/${rpmTask.id}/artifacts/${rpmName}?kind=rpm&sha256=${sha(rpm)}`, rpm, node)).status, 201);
      const log = Buffer.from('build.log of gcbuilt\n');
      assert.equal((await send('PUT', `/node/tasks/${rpmTask.id}/artifacts/build.log?kind=log&sha256=${sha(log)}`, log, node)).status, 201);
      assert.equal((await api(server, 'POST', `/node/tasks/${rpmTask.id}/complete`, { token: node, body: {} })).status, 204);
      named.set(srpmSha, 'the build\'s SRPM').set(sha(rpm), 'the build\'s RPM').set(sha(log), 'the build\'s log');
      return { srpm: srpmSha, rpm: sha(rpm), rpmName };
    }

    before(async () => {
      server = await startTestServer({ platforms: [examplePlatform()], store: backend });
      maintainer = await userToken(server, 'maint', 'maintainer');
      node = (await nodeToken(server, 'n1', { arches: ['x86_64', 'noarch'] })).token;
      work = mkdtempSync(join(tmpdir(), 'distforge-gc-'));
      built = await runBuild();
      const tarball = Buffer.from('a lookaside source tarball\n');
      assert.equal((await send('PUT', '/lookaside/gc-1.0.tar.gz', tarball)).status, 201);
      named.set(sha(tarball), 'a lookaside file');
      assert.equal((await send('PUT', `/platforms/${PLATFORM}/release-repos/BaseOS/groups`, COMPS, server.adminToken, 'application/xml')).status, 200);
      named.set(sha(Buffer.from(COMPS)), "a release repository's comps.xml");
      for (const s of named.keys()) await server.ageBlob(s, 48 * HOUR);
      // Uploaded and never submitted: one a day and a bit ago, one just now.
      lateSrpm = srpmOf('gclate');
      await server.ageBlob(await upload(lateSrpm), 25 * HOUR);
      youngSrpm = await upload(srpmOf('gcyoung'));
      orphan = randomBytes(50_000);
      await server.ctx.store.put(orphan);
      await server.ageBlob(sha(orphan), 30 * HOUR);
    });
    after(async () => {
      await server?.close();
      rmSync(work, { recursive: true, force: true });
    });

    test('only an admin may collect; bad input is refused in one line and deletes nothing', async () => {
      assert.equal((await api(server, 'POST', '/store/gc', { body: {} })).status, 401);
      const maint = await gc({ dryRun: true }, maintainer);
      assert.equal(maint.status, 403);
      assert.equal(maint.body.message, 'this call needs the admin role; maint is maintainer');
      const nodeCall = await gc({}, node);
      assert.equal(nodeCall.status, 403);
      for (const [body, message] of [
        [{ graceSeconds: 60 }, /graceSeconds.*3600/],
        [{ graceSeconds: 'a day' }, /graceSeconds/],
        [{ dryRun: 'yes' }, /dryRun/],
        [{ dryRun: true, everything: true }, /everything/],
      ] as const) {
        const r = await gc(body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.doesNotMatch(r.body.message ?? '', /\n/);
        assert.match(r.body.message ?? '', message);
      }
      assert.equal(await has(sha(orphan)), true);
      assert.equal(await has(sha(lateSrpm)), true);
    });

    test('a dry run lists the old blobs nothing names, with the bytes they take, and deletes nothing', async () => {
      const r = await gc({ dryRun: true });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const report = r.body;
      assert.equal(report.dryRun, true);
      assert.equal(report.graceSeconds, 24 * 3600);
      // Oldest first: the orphan (30 h), the SRPM uploaded 25 h ago and never submitted.
      assert.deepEqual(report.blobs.map((b) => [b.sha256, b.size]), [[sha(orphan), orphan.length], [sha(lateSrpm), lateSrpm.length]]);
      assert.equal(report.bytes, orphan.length + lateSrpm.length);
      assert.ok(report.blobs.every((b) => b.modifiedAt < Date.now() - 24 * HOUR));
      assert.equal(report.referenced.blobs, named.size);
      assert.equal(report.recent.blobs, 1, 'the young SRPM upload');
      assert.equal(report.scanned.blobs, named.size + 3);
      for (const s of [sha(orphan), sha(lateSrpm), youngSrpm, ...named.keys()]) assert.equal(await has(s), true, 'a dry run deletes nothing');
    });

    test('a blob named after the dry run is kept; the run deletes the rest and says what it freed', async () => {
      await submit(sha(lateSrpm));
      const r = await gc({});
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.dryRun, false);
      assert.deepEqual(r.body.blobs.map((b) => b.sha256), [sha(orphan)]);
      assert.equal(r.body.bytes, orphan.length);
      assert.equal(await has(sha(orphan)), false);
      for (const [s, what] of named) assert.equal(await has(s), true, `${what} is kept`);
      assert.equal(await has(sha(lateSrpm)), true, 'the SRPM a build now names is kept');
      assert.equal(await has(youngSrpm), true, 'the young upload is kept');
      // What is kept still serves.
      const rpm = await fetch(`${server.url}/api/v1/artifacts/${built.rpm}/${built.rpmName}`);
      assert.equal(rpm.status, 200);
      assert.equal(sha(Buffer.from(await rpm.arrayBuffer())), built.rpm);
      assert.equal((await fetch(`${server.url}/api/v1/lookaside/sha256/${sha(Buffer.from('a lookaside source tarball\n'))}/gc-1.0.tar.gz`)).status, 200);
      // Nothing left to collect.
      const again = await gc({});
      assert.deepEqual([again.body.blobs.length, again.body.bytes], [0, 0]);
    });

    test('a blob named while the collection runs, between its listing and its deletion, is kept', async () => {
      const srpm = srpmOf('gcrace');
      const s = await upload(srpm);
      await server.ageBlob(s, 30 * HOUR);
      const report = await runStoreGc(server.ctx, {
        dryRun: false,
        onListed: async (candidates) => {
          assert.deepEqual(candidates.map((c) => c.sha256), [s]);
          await submit(s);
        },
      });
      assert.deepEqual(report.blobs, []);
      assert.equal(report.spared, 1);
      assert.equal(await has(s), true);
    });

    test('what was stored while a task still leased ran is kept until the task ends', async () => {
      // A task leased 30 h ago and still running (its node heart-beating); a blob stored 26 h ago,
      // as a lease hands a signer the repomd.xml files it puts in the store, not yet recorded.
      const task = await lease();
      await server.ctx.db.kysely.updateTable('tasks').set({ started_at: Date.now() - 30 * HOUR }).where('id', '=', task.id).execute();
      const handed = randomBytes(1000);
      await server.ctx.store.put(handed);
      await server.ageBlob(sha(handed), 26 * HOUR);
      const during = await gc({});
      assert.deepEqual(during.body.blobs, []);
      assert.equal(during.body.recent.blobs, 2, 'the young SRPM upload and the blob stored while the task ran');
      assert.equal(await has(sha(handed)), true);
      assert.equal((await api(server, 'POST', `/node/tasks/${task.id}/fail`, { token: node, body: { reason: 'stopped by the test' } })).status, 204);
      const afterwards = await gc({});
      assert.deepEqual(afterwards.body.blobs.map((b) => b.sha256), [sha(handed)]);
      assert.equal(await has(sha(handed)), false);
    });

    test('two collections at once: the second is refused, saying another one runs', async () => {
      let release = (): void => undefined;
      const gate = new Promise<void>((done) => (release = done));
      let listed = (): void => undefined;
      const holding = new Promise<void>((done) => (listed = done));
      const first = runStoreGc(server.ctx, {
        dryRun: false,
        onListed: async () => {
          listed();
          await gate;
        },
      });
      await holding;
      try {
        const second = await gc({ dryRun: true });
        assert.equal(second.status, 409);
        assert.equal(second.body.code, 'gc_running');
        assert.match(second.body.message ?? '', /^another garbage collection of the artifact store is running/);
        if (TEST_DIALECT === 'postgres') {
          // Another master on the same database.
          const other = await createContext({ dataDir: mkdtempSync(join(work, 'master2-')), db: server.dbUrl, publicUrl: 'http://127.0.0.1', logLevel: 'silent', store: server.ctx.store });
          try {
            await assert.rejects(runStoreGc(other, { dryRun: true }), StoreGcRunningError);
          } finally {
            // Its store is the first master's: only its database is closed here.
            await other.db.close();
          }
        }
      } finally {
        release();
      }
      await first;
      assert.equal((await gc({ dryRun: true })).status, 200, 'once it ended, another may run');
    });
  });
}
