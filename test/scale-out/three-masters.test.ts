/**
 * Three real `distforge server` processes on one PostgreSQL database and one artifact store
 * (`--store`: a shared directory, or with DISTFORGE_TEST_STORE=s3 a bucket of a real
 * S3-compatible server), each with its own data directory otherwise (docs/scale-out.md). A build submitted
 * to A is built by a node leasing through B and watched on B; its repository is served alike by
 * A, B and C (which never rendered it); it is signed by a real signer connected to C and
 * released, and the release repositories are served alike by every master. Then one master at a
 * time is killed with SIGKILL: in the middle of a build (the node moves on to the next master),
 * of signing (the signer's completion lost with its master), of a git sync (the dead master's
 * hold lapses, another syncs), and of a publication (the master that staged it dies, then the one
 * the signer completes through): every build finishes, no task completes twice, no artifact is
 * lost, and a repository's clients see the old version until the new one is whole.
 * PostgreSQL only: SQLite is one master.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createNodeToken } from '../../src/auth/nodes.ts';
import { issueUserToken } from '../../src/auth/tokens.ts';
import type { BuildView } from '../../src/builds/index.ts';
import type { Context } from '../../src/context.ts';
import { NodeClient } from '../../src/node/client.ts';
import type { LeasedTask, TaskArtifact } from '../../src/node/types.ts';
import { verifyDetachedArmored } from '../../src/pgp/detached.ts';
import { readPublicKeys } from '../../src/pgp/keys.ts';
import type { ReleaseView } from '../../src/releases/index.ts';
import { releasesDb } from '../../src/releases/schema.ts';
import { gitDb } from '../../src/git/schema.ts';
import { createContext } from '../../src/server/context-factory.ts';
import { generateKey } from '../../src/signer/keystore.ts';
import { createSigner } from '../../src/signer/signer.ts';
import type { LocalSettings, S3Settings } from '../../src/storage/store-settings.ts';
import { bootstrapRepo, PLATFORM_REPOS } from '../support/bootstrap-repo.ts';
import { newPgDatabase, TEST_DIALECT } from '../support/db.ts';
import { exitTempDir } from '../support/exit-temp-dir.ts';
import { S3RVER_CREDENTIALS, sharedS3Server } from '../support/s3-server.ts';
import { rpmbuild } from '../support/rpmbuild.ts';
import { api, EXAMPLE_PLATFORM_FILE } from '../support/server.ts';
import { commitChange, makeGitRepo } from '../server/builds-support.ts';
import { releaseSpec } from '../releases/support.ts';
import { gitDaemon, HoldingHttpProxy, HoldingTcpProxy, Master, until, type MasterOptions } from './support.ts';

const skip = TEST_DIALECT === 'sqlite' ? 'needs DISTFORGE_TEST_PG' : false;
const PLATFORM = 'example-el9';
const LEASE_SECONDS = 5;
const PASS = 'scale-out tests signer passphrase';

const run = promisify(execFile);
const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

describe(`three masters on one PostgreSQL database and one store (${process.env.DISTFORGE_TEST_STORE === 's3' ? 'S3' : 'a shared directory'})`, { skip }, () => {
  const root = exitTempDir('distforge-3m-');
  const store = join(root, 'store');
  let a: Master;
  let b: Master;
  let c: Master;
  let masters: Master[];
  let db: Context;
  let admin: string;
  let maintainer: string;
  let nodeToken: string;
  let signerToken: string;
  let pubkey: string;
  let proxyC: HoldingHttpProxy;
  let stopSigner: (() => Promise<void>) | null = null;
  const builds: number[] = [];
  const at = (m: Master) => ({ url: m.url });

  async function startSigner(): Promise<void> {
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const { agent } = await createSigner({ server: [proxyC.url, a.url], token: signerToken, keysDir: join(root, 'keys'), passphrase: PASS, workDir: join(root, 'signer-work'), waitSeconds: 1, log });
    const done = agent.run();
    stopSigner = async () => {
      agent.stop();
      await done;
      stopSigner = null;
    };
  }

  /** A spec's RPMs (SRPM first), built with rpmbuild. */
  function packages(name: string, version = '1.0'): string[] {
    const dir = join(root, 'rpmbuild', `${name}-${version}`);
    mkdirSync(dir, { recursive: true });
    return rpmbuild(dir, name, releaseSpec(name, version)).sort((x, y) => Number(y.endsWith('.src.rpm')) - Number(x.endsWith('.src.rpm')));
  }

  function artifact(path: string): TaskArtifact {
    const data = readFileSync(path);
    return { name: basename(path), kind: path.endsWith('.src.rpm') ? 'srpm' : 'rpm', path, sha256: sha256(data), size: statSync(path).size };
  }

  /** Submits a build of `name` from a git repository to `m`. */
  async function submit(m: Master, name: string): Promise<number> {
    const repo = makeGitRepo(join(root, 'git'), name, { [`${name}.spec`]: releaseSpec(name, '1.0') });
    const r = await api<{ id: number }>(at(m), 'POST', '/builds', { token: maintainer, body: { platforms: [PLATFORM], sources: [{ git: `${repo.url}#main` }], public: true } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    builds.push(r.body.id);
    return r.body.id;
  }

  async function leaseOne(node: NodeClient, kind: string): Promise<LeasedTask> {
    return until(`a ${kind} task`, async () => {
      const t = await node.lease();
      assert.ok(t === null || t.kind === kind, `leased a ${t?.kind ?? ''} task, not ${kind}`);
      return t ?? undefined;
    });
  }

  async function build(m: Master, id: number): Promise<BuildView> {
    return (await api<BuildView>(at(m), 'GET', `/builds/${id}`, { token: maintainer })).body;
  }

  /** Starts again any master a failed test left dead (so one failure does not fail the rest). */
  async function allRunning(): Promise<void> {
    for (const m of masters) if (!m.running) await m.start();
  }

  /** Waits until the build's packages and its repository's metadata are signed (as `m` says). */
  async function untilSigned(m: Master, id: number): Promise<void> {
    await until(`build ${id} and its repository metadata to be signed (seen on ${m.name})`, async () => {
      const v = await build(m, id);
      return v.signed && v.repositories.every((r) => r.metadataSignature !== null);
    }, 90_000);
  }

  async function fetchBytes(m: Master, path: string): Promise<{ status: number; data: Buffer }> {
    const r = await fetch(`${m.url}${path}`);
    return { status: r.status, data: Buffer.from(await r.arrayBuffer()) };
  }

  /** A build's repository file as each master serves it (same status and bytes everywhere). */
  async function sameEverywhere(path: string, on = masters): Promise<Buffer> {
    const got = await Promise.all(on.map((m) => fetchBytes(m, path)));
    for (const [i, g] of got.entries()) assert.equal(g.status, 200, `${on[i]?.name ?? '?'} ${path}: ${g.status} ${g.data.toString().slice(0, 300)}`);
    for (const g of got.slice(1)) assert.equal(sha256(g.data), sha256(got[0]?.data ?? ''), `${path} differs between masters`);
    return got[0]?.data ?? Buffer.alloc(0);
  }

  before(async () => {
    mkdirSync(store, { recursive: true });
    // DISTFORGE_TEST_STORE=s3 (scripts/test.sh runs this file so once more): one bucket of s3rver's.
    let shared: Pick<MasterOptions, 'store' | 'storeArgs' | 'storeEnv'> = { store };
    let inspectorStore: LocalSettings | S3Settings = { kind: 'local', dir: store };
    if (process.env.DISTFORGE_TEST_STORE === 's3') {
      const s3 = await sharedS3Server();
      inspectorStore = await s3.newStore({ prefix: 'distforge' });
      shared = {
        store: `s3://${inspectorStore.bucket}/distforge`,
        storeArgs: ['--s3-endpoint', s3.endpoint, '--s3-path-style'],
        storeEnv: { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey },
      };
    }
    await bootstrapRepo();
    const dbUrl = await newPgDatabase(process.env.DISTFORGE_TEST_PG ?? '', 'so');
    const configFile = join(root, 'server.yaml');
    writeFileSync(configFile, `platforms:\n  - ${EXAMPLE_PLATFORM_FILE}\n`);
    const make = (name: string) => new Master({ name, dataDir: join(root, name), ...shared, dbUrl, configFile, platformRepos: PLATFORM_REPOS, leaseSeconds: LEASE_SECONDS });
    [a, b, c] = [make('a'), make('b'), make('c')];
    masters = [a, b, c];
    // All three at once on an empty database: one migrates, one makes the admin, all load the platform.
    await Promise.all(masters.map((m) => m.start()));
    proxyC = new HoldingHttpProxy(c.url);
    await proxyC.start();
    db = await createContext({ dataDir: join(root, 'inspector'), db: dbUrl, store: inspectorStore, publicUrl: a.url, logLevel: 'silent' });
    const tokenFiles = masters.map((m) => join(m.o.dataDir, 'admin.token')).filter((f) => existsSync(f));
    assert.equal(tokenFiles.length, 1, 'one master made the admin and wrote its token');
    admin = readFileSync(tokenFiles[0] as string, 'utf8').trim();
    maintainer = (await issueUserToken(db, 'maint', 'maintainer')).secret;
    nodeToken = (await createNodeToken(db, { name: 'n1', arches: ['x86_64', 'noarch'], capabilities: ['build'], maxConcurrency: 4 })).secret;
    signerToken = (await createNodeToken(db, { name: 'signer1', arches: ['x86_64'], capabilities: ['sign'], maxConcurrency: 2 })).secret;
    const key = await generateKey(join(root, 'keys'), { algorithm: 'rsa4096', name: 'Scale Out', email: 'scale@example.org' }, PASS);
    await startSigner();
    await until('the signer to register its key', async () => (await api<{ keyid: string }[]>(at(b), 'GET', '/keys')).body.some((k) => k.keyid === key.keyid));
    const allowed = await api(at(b), 'PUT', `/keys/${key.keyid}/platforms`, { token: admin, body: { platforms: [PLATFORM] } });
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
    pubkey = (await api<string>(at(a), 'GET', `/keys/${key.keyid}.asc`)).body;
  });

  after(async () => {
    await stopSigner?.();
    for (const m of masters ?? []) await m.kill();
    await proxyC?.close();
    await db?.db.close();
  });

  test('a build submitted to A, built through B and watched there, served alike by all three, signed through C', async () => {
    const id = await submit(a, 'scaleapp');
    const files = packages('scaleapp');
    const node = new NodeClient([b.url, a.url, c.url], nodeToken);
    await node.hello({ arches: ['x86_64', 'noarch'], capabilities: ['build'], maxConcurrency: 4 });
    const srpm = await leaseOne(node, 'srpm');
    assert.equal(srpm.buildId, id);
    await node.appendLog(srpm.id, 0, 'making the SRPM of scaleapp\n');
    await node.uploadArtifact(srpm.id, artifact(files[0] as string));
    await node.complete(srpm.id, { packageName: 'scaleapp', buildRequires: [], provides: ['scaleapp'], specPath: 'scaleapp.spec' });
    const rpm = await leaseOne(node, 'rpm');
    assert.ok(rpm.repositories.some((r) => r.startsWith(`${b.url}/api/v1/builds/${id}/repo/`)), `the build's repository, at the master leased from: ${rpm.repositories.join(' ')}`);
    await node.appendLog(rpm.id, 0, 'building scaleapp for x86_64\n');
    for (const f of files.slice(1)) await node.uploadArtifact(rpm.id, artifact(f));
    await node.complete(rpm.id, {});
    assert.equal((await build(b, id)).state, 'succeeded');
    const logs = await api<{ chunks?: { text: string }[] }>(at(b), 'GET', `/builds/${id}/logs`, { token: maintainer });
    assert.equal(logs.status, 200);
    assert.match(JSON.stringify(logs.body), /building scaleapp for x86_64/);

    const repo = `/api/v1/builds/${id}/repo/${PLATFORM}/x86_64`;
    const repomd = await sameEverywhere(`${repo}/repodata/repomd.xml`);
    const primary = /href="(repodata\/[^"]*primary[^"]*)"/.exec(repomd.toString())?.[1];
    assert.ok(primary, repomd.toString());
    await sameEverywhere(`${repo}/${primary}`);
    const pkg = await sameEverywhere(`${repo}/scaleapp-1.0-1.el9.x86_64.rpm`, [c, a]);
    assert.equal(sha256(pkg), artifact(files.find((f) => f.endsWith('.x86_64.rpm')) as string).sha256);

    // Signing, through the signer connected to C.
    const s = await api(at(a), 'POST', `/builds/${id}/sign`, { token: maintainer, body: {} });
    assert.equal(s.status, 202, JSON.stringify(s.body));
    await untilSigned(b, id);
    const signedRepomd = await sameEverywhere(`${repo}/repodata/repomd.xml`);
    assert.notEqual(sha256(signedRepomd), sha256(repomd), 'the repository now holds the signed packages');
    const asc = await sameEverywhere(`${repo}/repodata/repomd.xml.asc`);
    assert.equal((await verifyDetachedArmored(asc.toString(), signedRepomd, await readPublicKeys(pubkey))).status, 'OK');
    const signers = await db.db.kysely.selectFrom('task_events as e').innerJoin('tasks as t', 't.id', 'e.task_id').innerJoin('nodes as n', 'n.id', 'e.node_id').select(['t.kind', 'n.name']).where('t.build_id', '=', id).where('e.kind', '=', 'leased').where('t.kind', 'in', ['sign', 'sign-repo']).execute();
    assert.ok(signers.length >= 2 && signers.every((x) => x.name === 'signer1'), JSON.stringify(signers));
  });

  test('a release: two masters commit at once and one is refused; the other is published and served alike by all three', async () => {
    const id = builds[0] as number;
    const plans: number[] = [];
    for (const m of [a, c]) {
      const r = await api<ReleaseView>(at(m), 'POST', '/releases', { token: maintainer, body: { platform: PLATFORM, builds: [id] } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      plans.push(r.body.id);
    }
    const commits = await Promise.all([api(at(a), 'POST', `/releases/${plans[0] ?? 0}/commit`, { token: admin, body: {} }), api(at(c), 'POST', `/releases/${plans[1] ?? 0}/commit`, { token: admin, body: {} })]);
    assert.deepEqual(commits.map((x) => x.status).sort(), [202, 409], JSON.stringify(commits.map((x) => x.body)));
    const won = plans[commits.findIndex((x) => x.status === 202)] as number;
    const lost = plans[commits.findIndex((x) => x.status === 409)] as number;
    const done = await until('the release to be published (seen on B)', async () => {
      const v = (await api<ReleaseView>(at(b), 'GET', `/releases/${won}`)).body;
      return v.state !== 'publishing' && v;
    }, 90_000);
    assert.equal(done.state, 'released', done.failureReason ?? '');
    assert.equal((await api(at(b), 'DELETE', `/releases/${lost}`, { token: maintainer })).status, 204);
    const channel = `/repos/${PLATFORM}/AppStream/x86_64`;
    const repomd = await sameEverywhere(`${channel}/repodata/repomd.xml`);
    const asc = await sameEverywhere(`${channel}/repodata/repomd.xml.asc`);
    assert.equal((await verifyDetachedArmored(asc.toString(), repomd, await readPublicKeys(pubkey))).status, 'OK');
    const primary = /href="(repodata\/[^"]*primary[^"]*)"/.exec(repomd.toString())?.[1];
    await sameEverywhere(`${channel}/${primary ?? ''}`);
    await sameEverywhere(`${channel}/Packages/s/scaleapp-1.0-1.el9.x86_64.rpm`);
  });

  test('A killed with SIGKILL in the middle of a build: the node carries on through B and the build finishes', async () => {
    await allRunning();
    const id = await submit(b, 'scalekill');
    const files = packages('scalekill');
    const switched: string[] = [];
    const node = new NodeClient([a.url, b.url, c.url], nodeToken, { onSwitch: (from, to) => switched.push(`${from} → ${to}`) });
    const srpm = await leaseOne(node, 'srpm');
    await node.appendLog(srpm.id, 0, 'making the SRPM of scalekill\n');
    await node.uploadArtifact(srpm.id, artifact(files[0] as string));
    await a.kill();
    await node.heartbeat(srpm.id);
    assert.deepEqual(switched, [`${a.url} → ${b.url}`]);
    await node.complete(srpm.id, { packageName: 'scalekill', buildRequires: [], provides: ['scalekill'], specPath: 'scalekill.spec' });
    const rpm = await leaseOne(node, 'rpm');
    for (const f of files.slice(1)) await node.uploadArtifact(rpm.id, artifact(f));
    await node.complete(rpm.id, {});
    assert.equal((await build(c, id)).state, 'succeeded');
    await a.start();
    await sameEverywhere(`/api/v1/builds/${id}/repo/${PLATFORM}/x86_64/repodata/repomd.xml`);
  });

  test("C killed with SIGKILL while the signer's completion is on its way: the signer completes through A", async () => {
    await allRunning();
    const id = builds[1] as number;
    // The sign task completes with its signatures (POST …/signatures), the sign-repo task with /complete.
    const held = proxyC.arm(/^POST \/api\/v1\/node\/tasks\/\d+\/(signatures|complete)$/);
    const s = await api(at(b), 'POST', `/builds/${id}/sign`, { token: maintainer, body: {} });
    assert.equal(s.status, 202, JSON.stringify(s.body));
    await held;
    await c.kill();
    proxyC.dropHeld();
    await untilSigned(b, id);
    await c.start();
    const repo = `/api/v1/builds/${id}/repo/${PLATFORM}/x86_64`;
    const repomd = await sameEverywhere(`${repo}/repodata/repomd.xml`);
    const asc = await sameEverywhere(`${repo}/repodata/repomd.xml.asc`);
    assert.equal((await verifyDetachedArmored(asc.toString(), repomd, await readPublicKeys(pubkey))).status, 'OK');
  });

  test('the master syncing a git mirror killed with SIGKILL: its hold lapses and another master syncs; each change makes one event', async () => {
    await allRunning();
    const upstreamRoot = join(root, 'upstream');
    const upstream = makeGitRepo(upstreamRoot, 'gitpkg', { 'gitpkg.spec': releaseSpec('gitpkg', '1.0') }, 'v1');
    const daemon = await gitDaemon(upstreamRoot);
    const proxy = new HoldingTcpProxy(daemon.port);
    await proxy.start();
    try {
      const url = `git://127.0.0.1:${proxy.port}/gitpkg`;
      const r = await api(at(a), 'POST', '/git/mirrors', { token: admin, body: { name: 'gitpkg', url, pollIntervalSeconds: 1 } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      // C never fetched the mirror: asked for it, it fetches it from the upstream first.
      // Not execFileSync: the upstream's proxy runs in this process.
      const listed = (await run('git', ['ls-remote', `${c.url}/git/gitpkg.git`])).stdout;
      assert.match(listed, new RegExp(`^${upstream.commit}\\trefs/heads/`, 'm'));

      commitChange(upstream, 'README', 'v2\n');
      execFileSync('git', ['-C', upstream.url, 'tag', '-a', 'v2', '-m', 'v2']);
      const holding = proxy.arm();
      await holding;
      const holder = await until('the sync holding the mirror', async () => {
        const row = await gitDb(db).selectFrom('git_mirrors').select(['sync_by', 'sync_until']).where('name', '=', 'gitpkg').executeTakeFirst();
        return row?.sync_until !== null && row?.sync_by ? row.sync_by : undefined;
      });
      const dying = masters.find((m) => holder.endsWith(`/${m.pid}`));
      assert.ok(dying, `${holder} is one of the masters (${masters.map((m) => m.pid).join(', ')})`);
      await dying.kill();
      proxy.release();
      const alive = masters.find((x) => x !== dying) as Master;
      await until('another master to sync the mirror', async () => {
        const p = (await api<{ refs: { ref: string }[] }>(at(alive), 'GET', '/git/packages/gitpkg')).body;
        return JSON.stringify(p.refs).includes('refs/tags/v2');
      }, 60_000);
      const row = await gitDb(db).selectFrom('git_mirrors').select(['sync_by', 'sync_until', 'failures']).where('name', '=', 'gitpkg').executeTakeFirstOrThrow();
      assert.notEqual(row.sync_by, holder, 'synced by another master');
      const events = await gitDb(db).selectFrom('git_events').select('id').where('ref', '=', 'refs/tags/v2').execute();
      assert.equal(events.length, 1, 'one event for the new tag');
      await dying.start();
      const again = (await run('git', ['ls-remote', `${dying.url}/git/gitpkg.git`])).stdout;
      assert.match(again, /refs\/tags\/v2/);
    } finally {
      proxy.release();
      await proxy.close();
      await daemon.stop();
    }
  });

  test('a publication: the master that staged it and then the one the signer completes through killed; the old version is served until the new one is whole', async () => {
    await allRunning();
    const id = builds[1] as number;
    const channel = `/repos/${PLATFORM}/AppStream/x86_64`;
    const old = await sameEverywhere(`${channel}/repodata/repomd.xml`);
    await stopSigner?.();
    const plan = await api<ReleaseView>(at(a), 'POST', '/releases', { token: maintainer, body: { platform: PLATFORM, builds: [id] } });
    assert.equal(plan.status, 201, JSON.stringify(plan.body));
    const commit = await api(at(b), 'POST', `/releases/${plan.body.id}/commit`, { token: admin, body: {} });
    assert.equal(commit.status, 202, JSON.stringify(commit.body));
    await b.kill();
    assert.equal(sha256(await sameEverywhere(`${channel}/repodata/repomd.xml`, [a, c])), sha256(old), 'staged is not served');

    // Watch A while it publishes: only the old repomd.xml or the new one, never anything else.
    const seen = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const r = await fetchBytes(a, `${channel}/repodata/repomd.xml`);
        if (r.status === 200) seen.add(sha256(r.data));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const held = proxyC.arm(/^POST \/api\/v1\/node\/tasks\/\d+\/complete$/);
    await startSigner();
    await held;
    await c.kill();
    proxyC.dropHeld();
    const done = await until('the release to be published through A', async () => {
      const v = (await api<ReleaseView>(at(a), 'GET', `/releases/${plan.body.id}`)).body;
      return v.state !== 'publishing' && v;
    }, 90_000);
    watching = false;
    await watcher;
    assert.equal(done.state, 'released', done.failureReason ?? '');
    await Promise.all([b.start(), c.start()]);
    const now = await sameEverywhere(`${channel}/repodata/repomd.xml`);
    assert.notEqual(sha256(now), sha256(old));
    assert.deepEqual([...seen].filter((x) => x !== sha256(old) && x !== sha256(now)), [], 'A served only the old or the new repomd.xml');
    const asc = await sameEverywhere(`${channel}/repodata/repomd.xml.asc`);
    assert.equal((await verifyDetachedArmored(asc.toString(), now, await readPublicKeys(pubkey))).status, 'OK');
    await sameEverywhere(`${channel}/Packages/s/scalekill-1.0-1.el9.x86_64.rpm`);
    // Every channel of the release switched together.
    const versions = await releasesDb(db).selectFrom('repo_versions').select(['state', 'repo', 'channel', 'number']).where('release_id', '=', plan.body.id).execute();
    assert.ok(versions.length >= 2 && versions.every((v) => v.state === 'published'), JSON.stringify(versions));
  });

  test('afterwards: every build finished, no task completed twice, no artifact lost', async () => {
    await allRunning();
    const rows = await db.db.kysely.selectFrom('builds').select(['id', 'state']).execute();
    assert.ok(rows.length >= 2);
    assert.deepEqual(rows.filter((r) => r.state !== 'succeeded'), []);
    const open = await db.db.kysely.selectFrom('tasks').select(['id', 'kind', 'state']).where('state', 'not in', ['succeeded']).execute();
    assert.deepEqual(open, []);
    const twice = await db.db.kysely.selectFrom('task_events').select(['task_id', (eb) => eb.fn.countAll<number>().as('n')]).where('kind', '=', 'succeeded').groupBy('task_id').having((eb) => eb.fn.countAll(), '>', 1).execute();
    assert.deepEqual(twice, []);
    const artifacts = await db.db.kysely.selectFrom('artifacts').select(['name', 'sha256']).execute();
    for (const x of artifacts) assert.ok(await db.store.has(x.sha256), `${x.name} (${x.sha256}) is in the store`);
  });
});
