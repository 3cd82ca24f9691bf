/**
 * Signing a build through the real master and a real signer talking HTTP on 127.0.0.1: keys
 * registered by the signer (public halves only), allowed per platform by an admin, sign requests
 * refused for a key the platform does not allow, the signed packages recorded beside the unsigned
 * originals and checked by rpmkeys with the key fetched from the API, dnf installing with
 * gpgcheck=1 from the build repository, a package changed in the store refused, a signer dying
 * mid-task leaving nothing recorded, and no private key material in any API answer, log line or
 * database row.
 */
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createNodeToken } from '../../src/auth/nodes.ts';
import type { BuildView } from '../../src/builds/index.ts';
import { NodeClient } from '../../src/node/client.ts';
import type { NodeLogger } from '../../src/node/task-runner.ts';
import { signRpm } from '../../src/rpm/index.ts';
import { readBlob } from '../../src/storage/read-blob.ts';
import { expireLeases } from '../../src/scheduler/index.ts';
import { generateKey, unlockKeys } from '../../src/signer/keystore.ts';
import { createSigner } from '../../src/signer/signer.ts';
import type { KeyInfo } from '../../src/pgp/key-info.ts';
import { verifyDetachedArmored } from '../../src/pgp/detached.ts';
import { readPublicKeys } from '../../src/pgp/keys.ts';
import { signDetachedArmored, readSecretKey } from '../../src/pgp/secret-key.ts';
import { DISTFORGE } from '../support/cli.ts';
import { corpusKey } from '../support/corpus.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { dnfInstallAsync, keyDb, rpmkeysCheck } from '../support/rpmkeys.ts';
import { findLeaks, passphraseNeedles, secretKeyNeedles } from '../support/secret-needles.ts';
import { api } from '../support/server.ts';
import { makeNoarchBuild, SimNode, startBuildsServer, type BuildsServer } from '../server/builds-support.ts';

const PLATFORM = 'example-el9';
const PASS = 'signer passphrase for the tests';

describe(`signing a build (${TEST_DIALECT})`, () => {
  let server: BuildsServer;
  let node: SimNode;
  let dir: string;
  let keysDir: string;
  let key: KeyInfo;
  let signerToken: string;
  let signer: { stop: () => Promise<void> } | null = null;
  let offset = 0;
  const serverLog: string[] = [];
  const signerLog: string[] = [];

  const logger: NodeLogger = {
    info: (o, m) => signerLog.push(JSON.stringify({ ...o, m })),
    warn: (o, m) => signerLog.push(JSON.stringify({ ...o, m })),
    error: (o, m) => signerLog.push(JSON.stringify({ ...o, m })),
  };

  async function stopSigner(): Promise<void> {
    await signer?.stop();
    signer = null;
  }

  /** Starts signer1; `inMemoryBytes: 0` makes it sign every package through a file, as it does large ones. */
  async function startSigner(options: { inMemoryBytes?: number } = {}): Promise<void> {
    const { agent } = await createSigner({ server: server.url, token: signerToken, keysDir, passphrase: PASS, workDir: join(dir, 'signer-work'), waitSeconds: 1, log: logger, ...options });
    const done = agent.run();
    signer = {
      stop: async () => {
        agent.stop();
        await done;
      },
    };
  }

  /** What each `distforge signer` process run by the tests wrote (stdout and stderr). */
  const signerProcessOutput: string[] = [];

  /** Starts `distforge signer ARGS` as a user would; stop() ends it (SIGTERM) and gives its output. */
  function startSignerProcess(args: string[], env: NodeJS.ProcessEnv): { output: () => string; stop: () => Promise<string> } {
    const child = spawn(DISTFORGE, args, { env: { ...process.env, DISTFORGE_URL: '', DISTFORGE_TOKEN: '', DISTFORGE_SIGNER_PASSPHRASE: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const exited = new Promise<void>((done) => child.once('close', () => done()));
    return {
      output: () => output,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(killer);
        return output;
      },
    };
  }

  const show = async (id: number): Promise<BuildView> => (await api<BuildView>(server, 'GET', `/builds/${id}`, { token: server.reader })).body;

  async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A succeeded build of one noarch package (real RPMs from rpmbuild), built by the SimNode. */
  const makeBuild = (name: string, options: { public?: boolean } = {}): Promise<number> => makeNoarchBuild(server, node, name, options);

  /** What a signer does with one package of its lease: download, sign with the test key, upload. */
  async function signByHand(client: NodeClient, taskId: number, a: { name: string; kind: string; url: string; sha256: string }): Promise<void> {
    const file = join(dir, `by-hand-${taskId}-${a.name}`);
    await client.download(a.url, file, a.sha256);
    const [unlocked] = await unlockKeys(keysDir, PASS);
    assert.ok(unlocked);
    await signRpm(file, unlocked.secret);
    const data = readFileSync(file);
    await client.uploadArtifact(taskId, { name: a.name, kind: a.kind as 'rpm', path: file, sha256: createHash('sha256').update(data).digest('hex'), size: data.length });
  }

  const packagesOf = (b: BuildView) => b.tasks.filter((t) => t.kind === 'srpm' || t.kind === 'rpm').flatMap((t) => t.artifacts.filter((a) => a.kind === 'rpm' || a.kind === 'srpm'));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'distforge-signing-'));
    keysDir = join(dir, 'keys');
    server = await startBuildsServer({
      logLevel: 'info',
      logDestination: new Writable({
        write(chunk: Buffer, _e, done) {
          serverLog.push(chunk.toString());
          done();
        },
      }),
      now: () => Date.now() + offset,
    });
    node = await SimNode.create(server);
    key = await generateKey(keysDir, { algorithm: 'rsa4096', name: 'Example Packaging', email: 'packaging@example.org' }, PASS);
    signerToken = (await createNodeToken(server.ctx, { name: 'signer1', arches: ['x86_64'], capabilities: ['sign'], maxConcurrency: 2 })).secret;
    await startSigner();
    await until('the signer to register its key', async () => (await api<{ keyid: string }[]>(server, 'GET', '/keys')).body.some((k) => k.keyid === key.keyid));
  });
  after(async () => {
    await signer?.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('sign requests are refused until an admin allows the key for the platform; bad input changes nothing', async () => {
    const id = await makeBuild('signrefused');
    const sign = (body: unknown, token = server.maintainer) => api<{ code: string; message: string }>(server, 'POST', `/builds/${id}/sign`, { token, body });
    let r = await sign({ key: key.keyid });
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'key_not_allowed');
    assert.match(r.body.message, new RegExp(`key ${key.keyid} may not sign packages of platform ${PLATFORM}`));
    r = await sign({});
    assert.equal(r.status, 409);
    assert.match(r.body.message, new RegExp(`no key may sign platform ${PLATFORM}`));
    assert.equal((await sign({ key: 'nothex' })).status, 400);
    assert.equal((await sign({ key: 'ABCDEF0123456789' })).status, 404);
    assert.equal((await sign({}, server.reader)).status, 403);
    assert.equal((await api(server, 'POST', '/builds/999999/sign', { token: server.maintainer, body: {} })).status, 404);
    assert.equal((await show(id)).tasks.filter((t) => t.kind === 'sign').length, 0, 'no sign task was created');
    const unsigned = (await show(id)).repositories[0];
    assert.equal(unsigned?.metadataSignature, null);
    const noAsc = await fetch(`${unsigned?.url ?? ''}repodata/repomd.xml.asc`);
    assert.equal(noAsc.status, 404);
    assert.match(((await noAsc.json()) as { message: string }).message, /repository metadata is not signed/);

    const allow = (platforms: string[], token = server.adminToken) => api<{ code: string; platforms: string[] }>(server, 'PUT', `/keys/${key.keyid}/platforms`, { token, body: { platforms } });
    assert.equal((await allow([PLATFORM], server.maintainer)).status, 403);
    assert.equal((await allow(['no-such-platform'])).status, 404);
    assert.deepEqual((await api<{ platforms: string[] }>(server, 'GET', `/keys/${key.keyid}`)).body.platforms, []);
    // Keys reach the master only from signers, and only public ones.
    const buildNode = (await createNodeToken(server.ctx, { name: 'builder-no-sign', arches: ['x86_64'] })).secret;
    const pub = await api<string>(server, 'GET', `/keys/${key.keyid}.asc`);
    assert.equal((await api(server, 'POST', '/node/keys', { token: buildNode, body: { keys: [pub.body] } })).status, 403);
    assert.equal((await api(server, 'POST', '/node/keys', { token: server.adminToken, body: { keys: [pub.body] } })).status, 403);
    const [unlocked] = await unlockKeys(keysDir, PASS);
    const privateBlock = unlocked?.secret.key.armor() ?? '';
    const refused = await api<{ code: string }>(server, 'POST', '/node/keys', { token: signerToken, body: { keys: [privateBlock] } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'bad_public_key');
  });

  test('the signer signs a build: rpmkeys checks every package with the key from the API, dnf installs with gpgcheck=1', async () => {
    assert.equal((await api(server, 'PUT', `/keys/${key.keyid}/platforms`, { token: server.adminToken, body: { platforms: [PLATFORM] } })).status, 200);
    const listed = (await api<{ keyid: string; platforms: string[]; algorithm: string; signer: string }[]>(server, 'GET', '/keys')).body.find((k) => k.keyid === key.keyid);
    assert.deepEqual({ platforms: listed?.platforms, algorithm: listed?.algorithm, signer: listed?.signer }, { platforms: [PLATFORM], algorithm: 'rsa4096', signer: 'signer1' });
    const id = await makeBuild('signme');
    // What a reader (a test node's dnf) fetched before the signing: the unsigned repository's metadata.
    const unsignedRepo = (await show(id)).repositories.find((x) => x.platform === PLATFORM)?.url ?? '';
    const primaryOf = (repomd: string): string => /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1] ?? '';
    const oldPrimary = primaryOf(await (await fetch(`${unsignedRepo}repodata/repomd.xml`)).text());
    assert.match(oldPrimary, /^repodata\/[0-9a-f]{64}-primary\.xml\.gz$/);
    const r = await api<{ taskIds: number[]; keys: Record<string, string> }>(server, 'POST', `/builds/${id}/sign`, { token: server.maintainer, body: {} });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.taskIds.length, 2, 'one sign task for the package, one sign-repo task for the repository metadata');
    assert.deepEqual(r.body.keys, { [PLATFORM]: key.keyid });
    const b = await until('the build and its repository metadata to be signed', async () => {
      const v = await show(id);
      return v.signed && v.repositories.every((x) => x.metadataSignature !== null) ? v : undefined;
    });
    assert.deepEqual(b.repositories.map((x) => x.metadataSignature?.keyid), b.repositories.map(() => key.keyid));
    // The builds feed lists it signed, and finds it among the signed builds.
    const feed = await api<{ builds: { id: number; signed: boolean; signedAt: number | null }[] }>(server, 'GET', `/builds?signed=true&q=${id}`, { token: server.reader });
    assert.deepEqual(feed.body.builds.map((x) => [x.id, x.signed, typeof x.signedAt]), [[id, true, 'number']]);
    const pubFile = join(dir, 'RPM-GPG-KEY-example');
    const pubRes = await fetch(`${server.url}/api/v1/keys/${key.keyid}.asc`);
    assert.equal(pubRes.status, 200);
    writeFileSync(pubFile, await pubRes.text());
    const db = keyDb([pubFile]);
    const packages = packagesOf(b);
    assert.equal(packages.length, 3, 'the SRPM, the package and its -devel');
    for (const p of packages) {
      assert.ok(p.signature, `${p.name} is signed`);
      assert.equal(p.signature.keyid, key.keyid);
      assert.notEqual(p.sha256, p.signature.unsignedSha256);
      const file = join(dir, p.name);
      writeFileSync(file, Buffer.from(await (await fetch(p.url)).arrayBuffer()));
      const check = rpmkeysCheck(db, file);
      assert.equal(check.code, 0, check.output);
      assert.ok(check.checks.some(([n, s]) => /^Header V4 RSA\/SHA(256|512) Signature, key ID/.test(n) && s === 'OK'), check.output);
      const original = Buffer.from(await (await fetch(p.signature.unsignedUrl)).arrayBuffer());
      writeFileSync(`${file}.unsigned`, original);
      assert.ok(!rpmkeysCheck(db, `${file}.unsigned`).checks.some(([n]) => /Signature/.test(n)), 'the unsigned original stays in the store, unsigned');
    }
    const repo = b.repositories.find((x) => x.platform === PLATFORM)?.url ?? '';
    // repomd.xml.asc is a detached signature over the repomd.xml served beside it.
    const repomd = Buffer.from(await (await fetch(`${repo}repodata/repomd.xml`)).arrayBuffer());
    const asc = await fetch(`${repo}repodata/repomd.xml.asc`);
    assert.equal(asc.status, 200);
    // The metadata was rendered again with the signed packages' checksums; the unsigned
    // generation's files are still served to a reader that has its repomd.xml.
    const newPrimary = primaryOf(repomd.toString('utf8'));
    assert.notEqual(newPrimary, oldPrimary);
    const primaryXml = gunzipSync(Buffer.from(await (await fetch(`${repo}${newPrimary}`)).arrayBuffer())).toString('utf8');
    for (const p of packages.filter((x) => !x.name.endsWith('.src.rpm'))) assert.ok(primaryXml.includes(p.sha256), `${p.name}: its signed checksum in primary.xml`);
    assert.equal((await fetch(`${repo}${oldPrimary}`)).status, 200, 'the previous generation is still served');
    const armored = await asc.text();
    assert.match(armored, /^-----BEGIN PGP SIGNATURE-----/);
    assert.equal((await verifyDetachedArmored(armored, repomd, await readPublicKeys(readFileSync(pubFile, 'utf8')))).status, 'OK');
    // dnf checks both: every package's signature and the repository metadata's (repo_gpgcheck=1).
    const installed = await dnfInstallAsync(join(dir, 'dnf'), repo, pubFile, 'signme-devel', { repoGpgcheck: true });
    assert.equal(installed.code, 0, installed.output);
    const again = await api<{ taskIds: number[] }>(server, 'POST', `/builds/${id}/sign`, { token: server.maintainer, body: {} });
    assert.deepEqual(again.body.taskIds, [], 'signed packages are not signed twice');
    const signTask = b.tasks.find((t) => t.kind === 'sign');
    const logs = await api<{ chunks: { text: string }[] }>(server, 'GET', `/builds/${id}/logs?task=${signTask?.id}`, { token: server.reader });
    assert.match(logs.body.chunks.map((c) => c.text).join(''), /signed signme-1\.0-1\.el9\.noarch\.rpm: header sha256 [0-9a-f]{64} \(package sha256 [0-9a-f]{64} as built\)/);
  });

  test("a private build's signed metadata is served at its repository-key URL without a token, and not to anonymous readers", async () => {
    const id = await makeBuild('privatesigned', { public: false });
    assert.equal((await api(server, 'POST', `/builds/${id}/sign`, { token: server.maintainer, body: {} })).status, 202);
    const b = await until('the private build and its repository metadata to be signed', async () => {
      const v = await show(id);
      return v.signed && v.repositories.every((x) => x.metadataSignature !== null) ? v : undefined;
    });
    const keyed = b.repositories[0]?.url ?? '';
    assert.match(keyed, /\/repo-key\/[^/]+\//, 'the URL carries the build repository key');
    const asc = await fetch(`${keyed}repodata/repomd.xml.asc`);
    assert.equal(asc.status, 200);
    const repomd = Buffer.from(await (await fetch(`${keyed}repodata/repomd.xml`)).arrayBuffer());
    const ring = await readPublicKeys(await (await fetch(`${server.url}/api/v1/keys/${key.keyid}.asc`)).text());
    assert.equal((await verifyDetachedArmored(await asc.text(), repomd, ring)).status, 'OK');
    const plain = `${server.url}/api/v1/builds/${id}/repo/${PLATFORM}/${b.repositories[0]?.arch ?? ''}/repodata/repomd.xml.asc`;
    assert.equal((await fetch(plain)).status, 401, 'no token, no private build');
  });

  test('a package changed in the store after building is refused by the master, naming both sums', async () => {
    const id = await makeBuild('tampered');
    const target = packagesOf(await show(id)).find((a) => a.kind === 'rpm' && !a.name.includes('devel'));
    assert.ok(target);
    await server.damageBlob(target.sha256, Buffer.concat([await readBlob(server.ctx.store, target.sha256), Buffer.from('changed')]));
    assert.equal((await api(server, 'POST', `/builds/${id}/sign`, { token: server.maintainer, body: {} })).status, 202);
    const failed = await until('the sign task to fail', async () => (await show(id)).tasks.find((t) => t.kind === 'sign' && t.state === 'failed'));
    assert.match(failed.failureReason ?? '', new RegExp(`^the master refused the signatures: ${target.name.replaceAll('.', '\\.')} is not the package that was built: the store gives sha256 [0-9a-f]{64}, the build recorded ${target.sha256}$`));
    const b = await show(id);
    assert.equal(b.signed, false);
    assert.deepEqual((await api<{ builds: { id: number }[] }>(server, 'GET', `/builds?signed=false&q=${id}`, { token: server.reader })).body.builds.map((x) => x.id), [id]);
    assert.equal(b.state, 'succeeded', 'a failed signing does not fail the build');
    assert.ok(packagesOf(b).every((p) => !p.signature), 'nothing recorded as signed');
  });

  test('a signer that dies mid-task leaves no half-signed package recorded; the task is leased again and finished', async () => {
    await stopSigner();
    const id = await makeBuild('killed');
    assert.equal((await api(server, 'POST', `/builds/${id}/sign`, { token: server.maintainer, body: {} })).status, 202);
    // A signer that signs and uploads one package, then is gone (no heartbeat, no completion).
    const dying = new NodeClient(server.url, signerToken);
    await dying.hello({ arches: ['x86_64'], capabilities: ['sign'], maxConcurrency: 1 });
    const lease = (await dying.lease()) as (Awaited<ReturnType<NodeClient['lease']>> & { sign?: { keyid: string } }) | null;
    assert.ok(lease);
    assert.equal(lease.sign?.keyid, key.keyid);
    const first = lease.dependencies.flatMap((d) => d.artifacts)[0];
    assert.ok(first);
    await signByHand(dying, lease.id, first);
    let b = await show(id);
    assert.equal(b.signed, false);
    assert.ok(packagesOf(b).every((p) => !p.signature), 'an uploaded but uncompleted signature is not recorded');

    offset += 10 * 60_000;
    assert.equal(await expireLeases(server.ctx), 1);
    const requeued = (await show(id)).tasks.find((t) => t.kind === 'sign');
    assert.deepEqual([requeued?.state, requeued?.attempt], ['queued', 2]);
    // This time every package goes through a file (the path packages over 64 MiB take).
    await startSigner({ inMemoryBytes: 0 });
    b = await until('the build and its repository metadata to be signed', async () => {
      const v = await show(id);
      return v.signed && v.repositories.every((x) => x.metadataSignature !== null) ? v : undefined;
    });
    const signTask = b.tasks.find((t) => t.kind === 'sign');
    const names = signTask?.artifacts.map((a) => a.name) ?? [];
    assert.equal(new Set(names).size, names.length, 'no artifact recorded twice');
    assert.equal(names.length, packagesOf(b).length);
    const pubFile = join(dir, 'RPM-GPG-KEY-killed');
    writeFileSync(pubFile, await (await fetch(`${server.url}/api/v1/keys/${key.keyid}.asc`)).text());
    const db = keyDb([pubFile]);
    for (const p of packagesOf(b)) {
      const file = join(dir, `killed-${p.name}`);
      writeFileSync(file, Buffer.from(await (await fetch(p.url)).arrayBuffer()));
      const check = rpmkeysCheck(db, file);
      assert.equal(check.code, 0, check.output);
    }
    await stopSigner();
    await startSigner();
  });

  test('a repomd.xml signature that does not check with the requested key is refused; nothing is recorded until a good one comes', async () => {
    await stopSigner();
    const id = await makeBuild('repomdcheck');
    assert.equal((await api(server, 'POST', `/builds/${id}/sign`, { token: server.maintainer, body: {} })).status, 202);
    const fake = new NodeClient(server.url, signerToken);
    await fake.hello({ arches: ['x86_64'], capabilities: ['sign'], maxConcurrency: 1 });
    const [unlocked] = await unlockKeys(keysDir, PASS);
    assert.ok(unlocked);
    // The package sign task, done by hand as a signer would.
    type Lease = Awaited<ReturnType<NodeClient['lease']>> & { repomd?: { arch: string; sha256: string; url: string }[] };
    const packages = (await fake.lease()) as Lease | null;
    assert.equal(packages?.kind, 'sign');
    for (const a of packages?.dependencies.flatMap((d) => d.artifacts) ?? []) await signByHand(fake, packages?.id ?? 0, a);
    await fake.complete(packages?.id ?? 0, {});
    const repoTask = (await fake.lease()) as Lease | null;
    assert.equal(repoTask?.kind, 'sign-repo');
    assert.equal(repoTask?.repomd?.length, (await show(id)).repositories.length, 'one repomd.xml per arch');
    const files = await Promise.all((repoTask?.repomd ?? []).map(async (f) => ({ ...f, data: Buffer.from(await (await fetch(f.url)).arrayBuffer()) })));
    // A completion without signatures, or with a malformed list: refused, naming what is missing.
    for (const result of [{}, { repomd: 'not a list' }, { repomd: [{ arch: 'x86_64' }] }]) {
      await assert.rejects(fake.complete(repoTask?.id ?? 0, result), /HTTP 422 bad_signature: example-el9\/\w+: no signature of repomd\.xml was sent/);
    }
    // A sign-repo task uploads nothing.
    const upload = join(dir, 'not-for-sign-repo.rpm');
    writeFileSync(upload, 'x');
    await assert.rejects(fake.uploadArtifact(repoTask?.id ?? 0, { name: 'x.rpm', kind: 'rpm', path: upload, sha256: createHash('sha256').update('x').digest('hex'), size: 1 }), /HTTP 400 usage: a sign-repo task uploads nothing/);
    // Signed with a key the platform did not ask for: refused, nothing recorded, the task still held.
    const other = await readSecretKey(readFileSync(corpusKey('rpm.org-rsa-2048-test.secret'), 'utf8'));
    const wrong = await Promise.all(files.map(async (f) => ({ arch: f.arch, sha256: f.sha256, signature: await signDetachedArmored(other, f.data) })));
    await assert.rejects(fake.complete(repoTask?.id ?? 0, { repomd: wrong }), /HTTP 422 bad_signature: example-el9\/\w+: the repomd\.xml signature does not check with key/);
    assert.ok((await show(id)).repositories.every((x) => x.metadataSignature === null), 'nothing recorded');
    // Over other bytes than the repository's repomd.xml: refused too.
    const stale = await Promise.all(files.map(async (f) => ({ arch: f.arch, sha256: '0'.repeat(64), signature: await signDetachedArmored(unlocked.secret, Buffer.from('other bytes')) })));
    await assert.rejects(fake.complete(repoTask?.id ?? 0, { repomd: stale }), /repomd\.xml changed while it was being signed/);
    const good = await Promise.all(files.map(async (f) => ({ arch: f.arch, sha256: f.sha256, signature: await signDetachedArmored(unlocked.secret, f.data) })));
    await fake.complete(repoTask?.id ?? 0, { repomd: good });
    const b = await show(id);
    assert.ok(b.repositories.every((x) => x.metadataSignature?.keyid === key.keyid));
    assert.equal(await (await fetch(`${b.repositories[0]?.url ?? ''}repodata/repomd.xml.asc`)).text(), good[0]?.signature);
    await startSigner();
  });

  test('a sign task for a key another signer holds is refused by this one and signed by the signer holding it', async () => {
    await stopSigner();
    const otherKeys = join(dir, 'keys-other');
    const other = await generateKey(otherKeys, { algorithm: 'ed25519', name: 'Other Signer', email: 'other@example.org' }, PASS);
    const token = (await createNodeToken(server.ctx, { name: 'signer-other', arches: ['x86_64'], capabilities: ['sign'], maxConcurrency: 2 })).secret;
    const { agent } = await createSigner({ server: server.url, token, keysDir: otherKeys, passphrase: PASS, workDir: join(dir, 'other-work'), waitSeconds: 1, log: logger });
    const running = agent.run();
    let id = 0;
    try {
      await until('the other signer to register its key', async () => (await api<{ keyid: string }[]>(server, 'GET', '/keys')).body.some((k) => k.keyid === other.keyid));
      id = await makeBuild('otherkey');
      assert.equal((await api(server, 'POST', `/builds/${id}/sign`, { token: server.maintainer, body: { key: key.keyid } })).status, 202);
      const task = (await show(id)).tasks.find((t) => t.kind === 'sign');
      assert.ok(task);
      const refused = await until('the other signer to refuse the sign task', async () => {
        const events = (await api<{ kind: string; message: string }[]>(server, 'GET', `/tasks/${task.id}/events`, { token: server.reader })).body;
        return events.find((e) => e.kind === 'refused');
      });
      assert.match(refused.message, new RegExp(`this signer does not hold key ${key.keyid}`));
      const b = await show(id);
      assert.equal(b.tasks.find((t) => t.id === task.id)?.state, 'queued', 'back in the queue, not failed');
      assert.equal(b.signed, false);
    } finally {
      agent.stop();
      await running;
    }
    await startSigner();
    const signed = await until('the signer holding the key to sign the build', async () => {
      const v = await show(id);
      return v.signed && v.repositories.every((x) => x.metadataSignature !== null) ? v : undefined;
    });
    assert.ok(packagesOf(signed).every((p) => p.signature?.keyid === key.keyid));

    // A key no other signer holds (as if signer1 had registered it once): the task fails with the
    // reason instead of waiting for ever.
    const signer1 = await server.ctx.db.kysely.selectFrom('nodes').select('id').where('name', '=', 'signer1').executeTakeFirstOrThrow();
    await (server.ctx.db.kysely as unknown as Kysely<{ signing_keys: { keyid: string; node_id: number | null } }>).updateTable('signing_keys').set({ node_id: signer1.id }).where('keyid', '=', other.keyid).execute();
    assert.equal((await api(server, 'PUT', `/keys/${other.keyid}/platforms`, { token: server.adminToken, body: { platforms: [PLATFORM] } })).status, 200);
    const orphan = await makeBuild('orphankey');
    assert.equal((await api(server, 'POST', `/builds/${orphan}/sign`, { token: server.maintainer, body: { key: other.keyid } })).status, 202);
    const failed = await until('the sign task to fail', async () => (await show(orphan)).tasks.find((t) => t.kind === 'sign' && t.state === 'failed'));
    assert.equal(failed.failureReason, `no signer holds key ${other.keyid}: start the signer whose key store has it, then ask again`);
    assert.equal((await api(server, 'PUT', `/keys/${other.keyid}/platforms`, { token: server.adminToken, body: { platforms: [] } })).status, 200);
  });

  test('the signer run as `distforge signer` (passphrase from a file, then from the environment) signs a build', async () => {
    await stopSigner();
    const passFile = join(dir, 'passphrase');
    writeFileSync(passFile, `${PASS}\n`, { mode: 0o600 });
    const args = ['signer', '--server', server.url, '--token', signerToken, '--keys', keysDir, '--work', join(dir, 'cli-signer-work'), '--log-level', 'trace'];
    const first = startSignerProcess([...args, '--passphrase-file', passFile], {});
    try {
      const id = await makeBuild('clisigned');
      assert.equal((await api(server, 'POST', `/builds/${id}/sign`, { token: server.maintainer, body: {} })).status, 202);
      const b = await until('the signer process to sign the build and its metadata', async () => {
        const v = await show(id);
        return v.signed && v.repositories.every((x) => x.metadataSignature !== null) ? v : undefined;
      });
      assert.ok(packagesOf(b).every((p) => p.signature?.keyid === key.keyid));
    } finally {
      signerProcessOutput.push(await first.stop());
    }
    const second = startSignerProcess(args, { DISTFORGE_SIGNER_PASSPHRASE: PASS });
    try {
      await until('the signer process to register its keys', async () => second.output().includes('public keys registered with the master'));
    } finally {
      signerProcessOutput.push(await second.stop());
    }
    for (const out of signerProcessOutput) {
      assert.match(out, /"msg":"keys unlocked"/, out);
      assert.ok(out.includes(key.keyid), out);
    }
    await startSigner();
  });

  test("no passphrase and no private key material (any encoding) in the signer's output, API answers, log lines or the database", async () => {
    const stores = [
      { name: 'the signer key', dir: keysDir },
      { name: 'the other signer key', dir: join(dir, 'keys-other') },
    ];
    const needles = [...passphraseNeedles(PASS, readFileSync(join(dir, 'passphrase'), 'utf8'))];
    for (const store of stores) {
      for (const u of await unlockKeys(store.dir, PASS)) {
        needles.push(...secretKeyNeedles(store.name, u.secret.key, readFileSync(join(store.dir, `${u.info.fingerprint}.key.asc`), 'utf8')));
      }
    }

    const answers: string[] = [];
    for (const path of ['/keys', `/keys/${key.keyid}`, `/keys/${key.keyid}.asc`, '/openapi.json', '/builds?limit=100', '/nodes']) {
      answers.push(await (await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${server.adminToken}` } })).text());
    }
    const builds = (await api<{ builds: { id: number }[] }>(server, 'GET', '/builds?limit=100', { token: server.adminToken })).body.builds;
    for (const b of builds) {
      answers.push(await (await fetch(`${server.url}/api/v1/builds/${b.id}`, { headers: { authorization: `Bearer ${server.adminToken}` } })).text());
      answers.push(await (await fetch(`${server.url}/api/v1/builds/${b.id}/logs`, { headers: { authorization: `Bearer ${server.adminToken}` } })).text());
    }
    const rows: string[] = [];
    for (const t of await server.ctx.db.kysely.introspection.getTables()) {
      rows.push(JSON.stringify(await server.ctx.db.kysely.selectFrom(t.name as 'users').selectAll().execute()));
    }
    assert.ok(serverLog.length > 0 && signerLog.length > 0 && signerProcessOutput.length === 2, 'every log was captured');
    for (const [where, texts] of [['API answers', answers], ['server log', serverLog], ['signer log', signerLog], ['signer process output', signerProcessOutput], ['database', rows]] as const) {
      const all = texts.join('\n');
      assert.ok(!all.includes('PRIVATE KEY'), `${where}: a private key block`);
      assert.deepEqual(findLeaks(all, needles), [], `${where} shows secrets`);
    }
  });
});
