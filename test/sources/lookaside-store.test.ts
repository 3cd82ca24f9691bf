/**
 * distforge's own lookaside store on a real master (SQLite, or PostgreSQL under scripts/test.sh):
 * `distforge sources upload` as a maintainer, anonymous downloads by any hash, every bad input
 * refused with nothing stored, platform lookaside fields validated by field, and a CentOS-layout
 * tree (SPECS/ + .NAME.metadata, no tarball in git) submitted and built by a real node that takes
 * the tarball from the store.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BuildView } from '../../src/builds/index.ts';
import { NodeAgent } from '../../src/node/agent.ts';
import { hostArch } from '../../src/node/host.ts';
import type { NodeLogger } from '../../src/node/task-runner.ts';
import { runCli } from '../support/cli.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, examplePlatform, nodeToken, startTestServer, userToken, type TestServer } from '../support/server.ts';
import { bootstrapRepo, NODE_CACHE, PLATFORM_REPOS } from '../support/bootstrap-repo.ts';
import { makeGitRepo } from '../server/builds-support.ts';
import { EXAMPLES } from '../node/support.ts';

const TARBALL = join(EXAMPLES, 'hello-c', 'hello-c-1.0.tar.gz');
const data = readFileSync(TARBALL);
const hex = (type: string, d: Buffer): string => createHash(type).update(d).digest('hex');
const quiet: NodeLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

let server: TestServer;
let dir: string;
let maintainer: string;
let reader: string;

const upload = (args: string[], token = maintainer) => runCli(['sources', 'upload', ...args, '--server', server.url, '--token', token]);
const count = async (): Promise<number> => Number((await server.ctx.db.kysely.selectFrom('lookaside_files' as never).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

before(async () => {
  await bootstrapRepo();
  server = await startTestServer({ platforms: [examplePlatform()], platformReposDir: PLATFORM_REPOS });
  dir = mkdtempSync(join(tmpdir(), 'distforge-lookaside-'));
  maintainer = await userToken(server, 'mia', 'maintainer');
  reader = await userToken(server, 'rita', 'read-only');
});

after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test(`bad uploads are refused and store nothing (${TEST_DIALECT})`, async () => {
  const wrong = 'ab'.repeat(64);
  let r = await upload([TARBALL, '--sha512', wrong]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`hello-c-1\\.0\\.tar\\.gz: sha512 mismatch: expected ${wrong}, got ${hex('sha512', data)}; nothing stored`));
  r = await upload([TARBALL, '--hash', 'sha3:abcd']);
  assert.match(r.stderr, /unknown hash type "sha3"/);
  r = await upload([TARBALL, '--as', '../evil.tgz']);
  assert.match(r.stderr, /path traversal refused/);
  r = await upload([TARBALL], reader);
  assert.match(r.stderr, /needs the maintainer role/);
  const put = await fetch(`${server.url}/api/v1/lookaside/x.tgz?sha256=${'0'.repeat(64)}`, { method: 'PUT', body: 'x', headers: { authorization: `Bearer ${maintainer}`, 'content-type': 'application/octet-stream' } });
  assert.equal(put.status, 422);
  for (const name of ['evil%E2%80%AEzg.tar.gz', 'rlm%E2%80%8Fx.tgz', 'bell%07.tgz', 'c1%C2%9B.tgz']) {
    const bidi = await fetch(`${server.url}/api/v1/lookaside/${name}`, { method: 'PUT', body: 'x', headers: { authorization: `Bearer ${maintainer}`, 'content-type': 'application/octet-stream' } });
    assert.equal(bidi.status, 400, name);
    const e = (await bidi.json()) as { code: string; message: string };
    assert.equal(e.code, 'bad_filename', name);
    assert.match(e.message, /holds a control or invisible formatting character \(U\+[0-9A-F]{4}\)$/);
  }
  const anon = await fetch(`${server.url}/api/v1/lookaside/x.tgz`, { method: 'PUT', body: 'x', headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(anon.status, 401);
  assert.equal(await count(), 0);
  assert.equal((await api(server, 'GET', `/lookaside/sha512/${wrong}`)).status, 404);
  const bidiName = await api<{ code: string }>(server, 'GET', `/lookaside/sha512/${wrong}/evil%E2%80%AEzg.tar.gz`);
  assert.deepEqual([bidiName.status, bidiName.body.code], [400, 'bad_filename']);
  const bad = await api<{ code: string; message: string }>(server, 'GET', `/lookaside/sha3/${wrong}`);
  assert.deepEqual([bad.status, bad.body.code], [400, 'bad_hash']);
  assert.match(bad.body.message, /unknown hash type "sha3"/);
});

test(`sources upload stores the file; anyone downloads it by md5, sha1, sha256 or sha512 (${TEST_DIALECT})`, async () => {
  const r = await upload([TARBALL, '--name', 'hello-c', '--sha512', hex('sha512', data)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`SHA512 \\(hello-c-1\\.0\\.tar\\.gz\\) = ${hex('sha512', data)}`));
  assert.match(r.stdout, new RegExp(`\\.hello-c\\.metadata: ${hex('sha1', data)} SOURCES/hello-c-1\\.0\\.tar\\.gz`));
  for (const t of ['md5', 'sha1', 'sha256', 'sha512']) {
    const res = await fetch(`${server.url}/api/v1/lookaside/${t}/${hex(t, data)}/hello-c-1.0.tar.gz`);
    assert.equal(res.status, 200, t);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(data), t);
  }
  const bare = await fetch(`${server.url}/api/v1/lookaside/SHA512/${hex('sha512', data)}`);
  assert.equal(bare.headers.get('content-disposition')?.includes('hello-c-1.0.tar.gz'), true);
  await bare.body?.cancel();
  assert.equal(await count(), 4);
  const again = await upload([TARBALL, '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((JSON.parse(again.stdout) as { sha256: string }).sha256, hex('sha256', data));
  assert.equal(await count(), 4);
  const doc = (await api<{ paths: Record<string, unknown> }>(server, 'GET', '/openapi.json')).body;
  assert.ok(doc.paths['/api/v1/lookaside/{filename}'] && doc.paths['/api/v1/lookaside/{hashtype}/{*}']);
});

test(`platform lookaside fields are validated, naming the field (${TEST_DIALECT})`, async () => {
  const p = { ...examplePlatform(), name: 'la-test' };
  for (const [lookaside, field, problem] of [
    [[{ url: 'http://h/{hash}/{version}' }], 'lookaside[0].url', /unknown placeholder \{version\}/],
    [[{ url: 'http://h/{hash}' }, { url: 'ftp://h/{hash}' }], 'lookaside[1].url', /http:\/\/ or https:\/\//],
    [[{ url: 'http://h/{filename}' }], 'lookaside[0].url', /must contain \{hash\}/],
  ] as const) {
    const r = await api<{ code: string; message: string }>(server, 'POST', '/platforms', { token: server.adminToken, body: { ...p, lookaside } });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.ok(r.body.message.includes(`${field}: `), r.body.message);
    assert.match(r.body.message, problem);
  }
  const ok = await api<{ lookaside: unknown }>(server, 'POST', '/platforms', { token: server.adminToken, body: { ...p, lookaside: [{ url: 'https://src.example/repo/pkgs/{name}/{filename}/{hashtype}/{hash}/{filename}' }] } });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.deepEqual(ok.body.lookaside, [{ url: 'https://src.example/repo/pkgs/{name}/{filename}/{hashtype}/{hash}/{filename}' }]);
});

test(`a CentOS-layout tree submits and builds, its tarball taken from the store (${TEST_DIALECT})`, async () => {
  const spec = readFileSync(join(EXAMPLES, 'hello-c', 'hello-c.spec'), 'utf8');
  const tree = makeGitRepo(dir, 'hello-c', { 'SPECS/hello-c.spec': spec, '.hello-c.metadata': `${hex('sha1', data)} SOURCES/hello-c-1.0.tar.gz\n` });
  const node = await nodeToken(server, 'src-node', { arches: [hostArch(), 'noarch'] });
  const agent = new NodeAgent({ server: server.url, token: node.token, arches: [hostArch(), 'noarch'], maxConcurrency: 1, workDir: join(dir, 'work'), cacheDir: NODE_CACHE, pollMs: 50, waitSeconds: 0, log: quiet });
  const running = agent.run();
  try {
    const r = await api<BuildView>(server, 'POST', '/builds', { token: maintainer, body: { platforms: ['example-el9'], sources: [{ git: `${tree.url}#main` }] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    let b = r.body;
    for (let i = 0; i < 600 && !['succeeded', 'failed', 'cancelled'].includes(b.state); i++) {
      await new Promise((done) => setTimeout(done, 100));
      b = (await api<BuildView>(server, 'GET', `/builds/${r.body.id}`, { token: maintainer })).body;
    }
    assert.equal(b.state, 'succeeded', JSON.stringify(b.tasks.map((t) => [t.kind, t.state, t.failureReason])));
    assert.deepEqual(b.tasks.map((t) => t.kind).sort(), ['rpm', 'srpm']);
  } finally {
    agent.stop();
    await running;
  }
});
