/**
 * The signing protocol between a signer and the master, on the local store and on S3: the lease
 * carries the heads of a sign task's packages, the signer sends back only new signature headers,
 * and the master composes the signed packages from the originals it holds. A signature header over
 * another header, by a key other than the requested one or a key no longer allowed, malformed,
 * oversized, changing more than signatures, for a package not in the task, or for a task another
 * signer holds is refused with a clear message and changes nothing; good ones give packages that
 * `rpmkeys --checksig` accepts. A real signer signs corpus packages without a payload digest (the
 * whole package downloaded, through a file) and re-signs signed ones; the master composes a large
 * package from the original's file.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createNodeToken } from '../../src/auth/nodes.ts';
import { createUser } from '../../src/auth/users.ts';
import type { Context } from '../../src/context.ts';
import { NodeClient } from '../../src/node/client.ts';
import type { NodeLogger } from '../../src/node/task-runner.ts';
import { publicKeyArmored, readSecretKey, signDetached, type SecretKey } from '../../src/pgp/secret-key.ts';
import { Header } from '../../src/rpm/header.ts';
import { LEAD_SIZE, readRpmBuffer, signatureBlock, withSignatureBlock } from '../../src/rpm/index.ts';
import { buildSignatureBlock } from '../../src/rpm/sign.ts';
import { SigTag } from '../../src/rpm/tags.ts';
import { blockedTask } from '../../src/scheduler/index.ts';
import { generateKey, unlockKeys } from '../../src/signer/keystore.ts';
import { createSigner } from '../../src/signer/signer.ts';
import type { SignTaskLease } from '../../src/signer/job.ts';
import { composeSigned } from '../../src/signing/compose.ts';
import { requestedKey, signTaskOriginals } from '../../src/signing/completion.ts';
import { signingDb } from '../../src/signing/schema.ts';
import { BadSignatureError, isBuildSigned, requestSigning, setKeyPlatforms } from '../../src/signing/index.ts';
import { readBlob } from '../../src/storage/read-blob.ts';
import { corpusKey, corpusRpm } from '../support/corpus.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { keyDb, rpmkeysCheck } from '../support/rpmkeys.ts';
import { examplePlatform, startTestServer, type TestServer } from '../support/server.ts';

const PLATFORM = 'example-el9';
const PASS = 'protocol test passphrase';

/** Packages with a payload digest: signed from their heads. */
const WITH_DIGEST = ['RPMS__hello-2.0-1.x86_64.rpm', 'RPMS__imatest-1.0-1.fc34.noarch.rpm', 'RPMS__hello-2.0-1.x86_64-signed.rpm'];
/** Packages without one: downloaded whole. */
const WITHOUT_DIGEST = ['RPMS__hello-1.0-1.i386.rpm', 'RPMS__obsolete-foo-1.0-1.noarch.rpm', 'SRPMS__foo-1.0-1.src.rpm'];

const quiet: NodeLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

for (const store of ['local', 's3'] as const) {
  describe(`signature headers sent to the master (${TEST_DIALECT}, ${store} store)`, () => {
    let server: TestServer;
    let dir: string;
    let keysDir: string;
    let secret: SecretKey;
    let keyid: string;
    let pubFile: string;
    let signerToken: string;
    let otherSignerToken: string;
    let owner: number;
    let signer: NodeClient;

    /** A succeeded build of `files` (corpus packages, by name), as a build node would have left it. */
    async function makeBuild(ctx: Context, files: string[]): Promise<number> {
      const now = ctx.now();
      const build = await ctx.db.kysely
        .insertInto('builds')
        .values({ owner_id: owner, state: 'succeeded', priority: 0, platforms: JSON.stringify([PLATFORM]), explicit_order: 0, public: 1, created_at: now, finished_at: now, failure_reason: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      const item = await ctx.db.kysely
        .insertInto('build_items')
        .values({ build_id: build.id, position: 0, kind: 'srpm', git_url: null, git_ref: null, git_commit: null, srpm_sha256: null, name: 'corpus' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const task = await ctx.db.kysely
        .insertInto('tasks')
        .values({ ...blockedTask({ buildId: build.id, itemId: item.id, kind: 'rpm', platform: PLATFORM, arch: 'x86_64', priority: 0, ownerId: owner, maxAttempts: 3, now }), state: 'succeeded', finished_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const f of files) {
        const blob = await ctx.store.put(readFileSync(corpusRpm(f)));
        await ctx.db.kysely.insertInto('artifacts').values({ task_id: task.id, name: f.replace(/^S?RPMS__/, ''), kind: f.endsWith('.src.rpm') ? 'srpm' : 'rpm', sha256: blob.sha256, size: blob.size, created_at: now }).execute();
      }
      return build.id;
    }

    /** A build of `files` with signing asked for, and its sign task leased by `signer`. */
    async function leasedSignTask(files: string[]): Promise<{ buildId: number; lease: SignTaskLease }> {
      const buildId = await makeBuild(server.ctx, files);
      await requestSigning(server.ctx, { buildId, requestedBy: owner });
      for (;;) {
        const lease = (await signer.lease()) as SignTaskLease | null;
        assert.ok(lease, 'a task to lease');
        if (lease.kind === 'sign') return { buildId, lease };
        // An earlier build's repository metadata: not what this test signs.
        await signer.fail(lease.id, 'not signed by this test');
      }
    }

    /** The heads the lease carries, parsed, by package name. */
    function headsOf(lease: SignTaskLease): Map<string, ReturnType<typeof readRpmBuffer>> {
      const heads = lease.sign?.heads;
      assert.ok(heads, 'the lease carries the heads');
      assert.equal(heads.next, null, 'all of them');
      return new Map(heads.packages.map((p) => [p.name, readRpmBuffer(Buffer.from(p.head, 'base64'))]));
    }

    /** POST …/signatures as `token`; the answer's status and body. */
    async function send(taskId: number, body: unknown, token = signerToken): Promise<{ status: number; body: { code?: string; message?: string; completed?: boolean; packages?: { name: string; sha256: string }[] } }> {
      const res = await fetch(`${server.url}/api/v1/node/tasks/${taskId}/signatures`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as { code?: string; message?: string } };
    }

    /** What a refusal must leave as it was: the task held, nothing recorded for it. */
    async function recorded(taskId: number): Promise<unknown> {
      const db = server.ctx.db.kysely;
      const task = await db.selectFrom('tasks').select(['state', 'leased_by']).where('id', '=', taskId).executeTakeFirstOrThrow();
      const artifacts = await db.selectFrom('artifacts').select('name').where('task_id', '=', taskId).execute();
      const signatures = await signingDb(server.ctx).selectFrom('signatures').select('id').where('sign_task_id', '=', taskId).execute();
      return { task, artifacts: artifacts.length, signatures: signatures.length };
    }

    const b64 = (b: Buffer): string => b.toString('base64');

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'distforge-sign-protocol-'));
      keysDir = join(dir, 'keys');
      server = await startTestServer({ platforms: [examplePlatform()], store });
      owner = (await createUser(server.ctx, 'maint', 'maintainer')).id;
      const info = await generateKey(keysDir, { algorithm: 'ed25519', name: 'Protocol Test', email: 'protocol@example.org' }, PASS);
      keyid = info.keyid;
      const [unlocked] = await unlockKeys(keysDir, PASS);
      assert.ok(unlocked);
      secret = unlocked.secret;
      pubFile = join(dir, 'RPM-GPG-KEY-protocol');
      writeFileSync(pubFile, publicKeyArmored(secret));
      signerToken = (await createNodeToken(server.ctx, { name: 'signer1', arches: ['x86_64'], capabilities: ['sign'], maxConcurrency: 2 })).secret;
      otherSignerToken = (await createNodeToken(server.ctx, { name: 'signer2', arches: ['x86_64'], capabilities: ['sign'], maxConcurrency: 2 })).secret;
      signer = new NodeClient(server.url, signerToken);
      await signer.hello({ arches: ['x86_64'], capabilities: ['sign'], maxConcurrency: 1 });
      await signer.registerKeys([publicKeyArmored(secret)]);
      await setKeyPlatforms(server.ctx, keyid, [PLATFORM]);
    });
    after(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('bad signature headers are refused with the reason and change nothing; good ones make packages rpmkeys accepts', async () => {
      const { buildId, lease } = await leasedSignTask(WITH_DIGEST);
      const heads = headsOf(lease);
      const names = [...heads.keys()].sort();
      assert.deepEqual(names, WITH_DIGEST.map((f) => f.replace(/^S?RPMS__/, '')).sort());
      const good = new Map<string, Buffer>();
      for (const [name, f] of heads) good.set(name, await signatureBlock(f, secret));
      // Two packages with different headers (the signed hello has the same header as the unsigned one).
      const [first, second] = ['hello-2.0-1.x86_64.rpm', 'imatest-1.0-1.fc34.noarch.rpm'];
      const firstHead = heads.get(first) as ReturnType<typeof readRpmBuffer>;
      const firstBlock = good.get(first) as Buffer;
      const before = await recorded(lease.id);
      const refused = async (body: unknown, status: number, message: RegExp, token?: string): Promise<void> => {
        const r = await send(lease.id, body, token);
        assert.equal(r.status, status, JSON.stringify(r.body));
        assert.match(r.body.message ?? '', message);
        assert.deepEqual(await recorded(lease.id), before, 'nothing changed');
      };
      const one = (signatureHeader: string, name = first) => ({ keyid, packages: [{ name, signatureHeader }], complete: false });

      // Over another package's header: the signature does not check over this one's.
      const otherHeader = await signDetached(secret, (heads.get(second) as ReturnType<typeof readRpmBuffer>).header.blob);
      const misplaced = buildSignatureBlock(firstHead, otherHeader, secret.algorithm, firstHead.headerStart - LEAD_SIZE) as Buffer;
      await refused(one(b64(misplaced)), 422, new RegExp(`^${first.replaceAll('.', '\\.')}: the signature does not check with key ${keyid} \\(Header V4 EdDSA/SHA256 Signature, key ID [0-9a-f]+: BAD\\)$`));
      // By another key (claiming the requested one), or naming another key.
      const stranger = await readSecretKey(readFileSync(corpusKey('rpm.org-rsa-2048-test.secret'), 'utf8'));
      await refused(one(b64(await signatureBlock(firstHead, stranger))), 422, /the signature does not check with key [0-9A-F]{16} \(.*NOKEY/);
      await refused({ ...one(b64(firstBlock)), keyid: '0123456789ABCDEF' }, 422, new RegExp(`^signed with key 0123456789ABCDEF, but sign task ${lease.id} asks for key ${keyid}$`));
      // A key the admin took back from the platform meanwhile.
      await setKeyPlatforms(server.ctx, keyid, []);
      await refused(one(b64(firstBlock)), 422, new RegExp(`^key ${keyid} may no longer sign packages of platform ${PLATFORM}`));
      await setKeyPlatforms(server.ctx, keyid, [PLATFORM]);
      // Malformed: not base64, not a header, trailing bytes, no signature region.
      await refused(one('not base64!'), 400, /signatureHeader/);
      await refused(one(b64(Buffer.from('no header here, just some bytes'))), 422, /: the signature header is malformed \(bad header magic\)$/);
      await refused(one(b64(Buffer.concat([firstBlock, Buffer.alloc(8)]))), 422, /: the signature header is malformed \(8 bytes follow the header\)$/);
      await refused(one(b64(firstBlock.subarray(0, 100))), 422, /: the signature header is malformed/);
      // Oversized: past the schema's bound, and past the master's.
      await refused(one(b64(Buffer.alloc(65 * 1024))), 400, /signatureHeader/);
      await refused(one(b64(Buffer.alloc(64 * 1024 + 1))), 422, /the signature header is 65537 bytes, more than the 65536 accepted$/);
      // Changing more than signatures: a size, or reserved space that is not zeros.
      const sig = Header.parse(firstBlock);
      const at = (tag: number): number => 16 + sig.il * 16 + (sig.entry(tag)?.offset ?? 0);
      const resized = Buffer.from(firstBlock);
      resized.writeUInt32BE(resized.readUInt32BE(at(SigTag.SIZE)) + 1, at(SigTag.SIZE));
      await refused(one(b64(resized)), 422, /: the signature header changes more than the signature \(tag 1000 differs from the original\)$/);
      const junk = Buffer.from(firstBlock);
      junk[at(SigTag.RESERVEDSPACE)] = 1;
      await refused(one(b64(junk)), 422, /\(its reserved space is not zero-filled\)$/);
      // Not a package of the task; one package twice.
      await refused(one(b64(firstBlock), 'other-1.0-1.x86_64.rpm'), 422, new RegExp(`^other-1\\.0-1\\.x86_64\\.rpm is not a package of sign task ${lease.id}$`));
      await refused({ keyid, packages: [{ name: first, signatureHeader: b64(firstBlock) }, { name: first, signatureHeader: b64(firstBlock) }] }, 422, /: two signature headers were sent$/);
      // Completing before every package is signed.
      await refused({ keyid, packages: [{ name: first, signatureHeader: b64(firstBlock) }], complete: true }, 422, new RegExp(` was not signed \\(sign task ${lease.id}\\)$`));
      // A signer that does not hold the task, or a token that is not a node's.
      const other = new NodeClient(server.url, otherSignerToken);
      await other.hello({ arches: ['x86_64'], capabilities: ['sign'], maxConcurrency: 1 });
      await refused(one(b64(firstBlock)), 409, /another node holds it now/, otherSignerToken);
      await refused(one(b64(firstBlock)), 403, /./, server.adminToken);
      const headsAnswer = await fetch(`${server.url}/api/v1/node/tasks/${lease.id}/package-heads`, { headers: { authorization: `Bearer ${otherSignerToken}` } });
      assert.equal(headsAnswer.status, 409, 'nor its packages\' heads');

      // Good: the first package alone, then the rest completing the task.
      const partial = await send(lease.id, one(b64(firstBlock)));
      assert.equal(partial.status, 200, JSON.stringify(partial.body));
      assert.equal(partial.body.completed, false);
      assert.equal(await isBuildSigned(server.ctx, buildId), false);
      const rest = names.filter((n) => n !== first).map((name) => ({ name, signatureHeader: b64(good.get(name) as Buffer) }));
      const done = await send(lease.id, { keyid, packages: rest, complete: true, log: { seq: 0, text: 'signed by the test\n' } });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.completed, true);
      assert.equal(await isBuildSigned(server.ctx, buildId), true);
      assert.equal((await send(lease.id, one(b64(firstBlock)))).status, 409, 'the task is done');
      // The repository metadata's task that follows takes no package signatures.
      const repoTask = await signer.lease();
      assert.equal(repoTask?.kind, 'sign-repo');
      const notPackages = await send(repoTask?.id ?? 0, one(b64(firstBlock)));
      assert.deepEqual([notPackages.status, notPackages.body.code], [400, 'not_a_sign_task']);
      await signer.fail(repoTask?.id ?? 0, 'not signed by this test');
      const log = await server.ctx.db.kysely.selectFrom('task_logs').select('chunk').where('task_id', '=', lease.id).execute();
      assert.deepEqual(log.map((l) => l.chunk), ['signed by the test\n']);

      const db = keyDb([pubFile]);
      const signed = await server.ctx.db.kysely.selectFrom('artifacts').select(['name', 'sha256']).where('task_id', '=', lease.id).execute();
      assert.equal(signed.length, names.length);
      for (const s of signed) {
        const bytes = await readBlob(server.ctx.store, s.sha256);
        assert.ok(readRpmBuffer(bytes).header.blob.equals((heads.get(s.name) as ReturnType<typeof readRpmBuffer>).header.blob), `${s.name}: the original header`);
        const file = join(dir, `signed-${s.name}`);
        writeFileSync(file, bytes);
        const check = rpmkeysCheck(db, file);
        assert.equal(check.code, 0, check.output);
        assert.ok(check.checks.some(([n, st]) => /^Header V4 EdDSA\/SHA256 Signature, key ID/.test(n) && st === 'OK'), check.output);
      }
    });

    test('a signer signs packages without a payload digest (downloaded whole, through a file) and re-signs signed ones', async () => {
      const buildId = await makeBuild(server.ctx, [...WITHOUT_DIGEST, 'RPMS__hello-2.0-1.x86_64-v3-signed.rpm']);
      await requestSigning(server.ctx, { buildId, requestedBy: owner });
      const { agent } = await createSigner({ server: server.url, token: signerToken, keysDir, passphrase: PASS, workDir: join(dir, 'work'), waitSeconds: 1, log: quiet, inMemoryBytes: 0 });
      const running = agent.run();
      try {
        for (let i = 0; !(await isBuildSigned(server.ctx, buildId)); i++) {
          assert.ok(i < 300, 'signed within 30 s');
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        agent.stop();
        await running;
      }
      const db = keyDb([pubFile]);
      const signTask = await server.ctx.db.kysely.selectFrom('tasks').select('id').where('build_id', '=', buildId).where('kind', '=', 'sign').executeTakeFirstOrThrow();
      const signed = await server.ctx.db.kysely.selectFrom('artifacts').select(['name', 'sha256']).where('task_id', '=', signTask.id).execute();
      assert.equal(signed.length, WITHOUT_DIGEST.length + 1);
      for (const s of signed) {
        const file = join(dir, `whole-${s.name}`);
        writeFileSync(file, await readBlob(server.ctx.store, s.sha256));
        const check = rpmkeysCheck(db, file);
        assert.equal(check.code, 0, check.output);
        if (!/hello-2\.0/.test(s.name)) assert.ok(check.checks.some(([n, st]) => /^V4 EdDSA\/SHA256 Signature/.test(n) && st === 'OK'), `${s.name}: the header+payload signature too\n${check.output}`);
        assert.ok(!check.checks.some(([n]) => /RSA/.test(n)), `${s.name}: the old signatures are gone\n${check.output}`);
      }
      const events = await server.ctx.db.kysely.selectFrom('task_events').select('message').where('task_id', '=', signTask.id).where('kind', '=', 'artifact').execute();
      assert.equal(events.length, signed.length);
      assert.match(events[0]?.message ?? '', /signed, composed from the signer's signature header$/);
    });

    test('the master composes a large package from the original\'s file, checked before it enters the store', async () => {
      const { lease } = await leasedSignTask([WITH_DIGEST[0] as string, WITH_DIGEST[1] as string]);
      const heads = headsOf(lease);
      const key = await requestedKey(server.ctx, { id: lease.id, kind: 'sign', platform: PLATFORM });
      const originals = await signTaskOriginals(server.ctx, lease.id);
      const sent = await Promise.all([...heads].map(async ([name, f]) => ({ name, signatureHeader: await signatureBlock(f, secret) })));
      const composed = await composeSigned(server.ctx, lease, key, originals, sent, { inMemoryBytes: 0 });
      for (const c of composed) {
        const original = await readBlob(server.ctx.store, c.originalSha256);
        const inMemory = withSignatureBlock(original, readRpmBuffer(original), (sent.find((s) => s.name === c.name) as { signatureHeader: Buffer }).signatureHeader);
        assert.ok((await readBlob(server.ctx.store, c.sha256)).equals(inMemory), `${c.name}: the same bytes as composed in memory`);
      }
      // Over another header: refused while staged, nothing stored.
      const [a, b] = [...heads.values()] as [ReturnType<typeof readRpmBuffer>, ReturnType<typeof readRpmBuffer>];
      const misplaced = buildSignatureBlock(a, await signDetached(secret, b.header.blob), secret.algorithm, a.headerStart - LEAD_SIZE) as Buffer;
      const name = [...heads.keys()][0] as string;
      const original = await readBlob(server.ctx.store, (originals.find((o) => o.name === name) as { sha256: string }).sha256);
      const wouldBe = createHash('sha256').update(withSignatureBlock(original, readRpmBuffer(original), misplaced)).digest('hex');
      await assert.rejects(composeSigned(server.ctx, lease, key, originals, [{ name, signatureHeader: misplaced }], { inMemoryBytes: 0 }), (e: unknown) => e instanceof BadSignatureError && /does not check with key/.test(e.message));
      assert.equal(await server.ctx.store.has(wouldBe), false, 'the refused package was not stored');
      await signer.fail(lease.id, 'done with it');
    });
  });
}
