/**
 * /api/v1/platforms over real HTTP on a real database: anyone reads, admins write, and every bad
 * definition or name is a 400 naming the field that changes nothing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { StoredPlatform } from '../../src/platforms/types.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, examplePlatform, nodeToken, startTestServer, userToken, type TestServer } from '../support/server.ts';

let server: TestServer;
let admin: string;
let maintainer: string;
let node: string;

before(async () => {
  server = await startTestServer({ platforms: [examplePlatform()] });
  admin = server.adminToken;
  maintainer = await userToken(server, 'alice', 'maintainer');
  node = (await nodeToken(server, 'builder1')).token;
});
after(() => server.close());

const other = { name: 'other-el8', arches: ['aarch64', 'x86_64'], distTag: '.el8', macros: { rhel: '8' }, repositories: [{ name: 'base', url: 'https://mirror.example/8/BaseOS/$basearch/os/' }], lifecycle: { version: '8.10', codename: 'Cerulean Leopard' } };

/** A request whose path goes out exactly as given. */
function rawRequest(method: string, path: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const { hostname, port } = new URL(server.url);
    const req = request({ hostname, port, path, method, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail).end();
  });
}

async function names(): Promise<string[]> {
  const r = await api<StoredPlatform[]>(server, 'GET', '/platforms');
  return r.body.map((p) => p.name);
}

test(`anyone may list and show platforms (${TEST_DIALECT})`, async () => {
  const list = await api<StoredPlatform[]>(server, 'GET', '/platforms');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.map((p) => p.name), ['example-el9']);
  const one = await api<StoredPlatform>(server, 'GET', '/platforms/example-el9');
  assert.equal(one.status, 200);
  assert.equal(one.body.distTag, '.el9');
  assert.deepEqual(one.body.arches, ['x86_64', 'noarch']);
  assert.equal(one.body.macros.vendor, 'distforge example');
  assert.deepEqual(one.body.buildroot, { install: ['@buildsys-build'], releasever: '9' });
  assert.equal(one.body.lifecycle?.endOfSecuritySupport, '2032-05-31');
  assert.equal(typeof one.body.createdAt, 'number');
  assert.equal((await api(server, 'GET', '/platforms/example-el9', { token: node })).status, 200);
});

test('an admin creates, replaces and deletes a platform', async () => {
  const created = await api<StoredPlatform>(server, 'POST', '/platforms', { token: admin, body: other });
  assert.equal(created.status, 201);
  assert.equal(created.body.macros.dist, '.el8');
  assert.equal(created.body.lifecycle?.version, '8.10');
  assert.equal(created.body.repositories[0]?.url, other.repositories[0]?.url);
  const again = await api(server, 'POST', '/platforms', { token: admin, body: other });
  assert.equal(again.status, 409);
  assert.deepEqual(again.body, { code: 'already_exists', message: 'platform "other-el8" already exists' });
  const replaced = await api<StoredPlatform>(server, 'PUT', '/platforms/other-el8', { token: admin, body: { ...other, distTag: '.el8_10' } });
  assert.equal(replaced.status, 200);
  assert.equal(replaced.body.distTag, '.el8_10');
  assert.equal((await api<StoredPlatform>(server, 'GET', '/platforms/other-el8')).body.distTag, '.el8_10');
  const putNew = await api(server, 'PUT', '/platforms/third', { token: admin, body: { ...other, name: 'third' } });
  assert.equal(putNew.status, 201);
  assert.equal((await api(server, 'DELETE', '/platforms/third', { token: admin })).status, 204);
  assert.equal((await api(server, 'DELETE', '/platforms/other-el8', { token: admin })).status, 204);
  assert.deepEqual(await names(), ['example-el9']);
});

test('writing platforms needs an admin user token: 401 without, 403 for maintainers and nodes', async () => {
  const anon = await api(server, 'POST', '/platforms', { body: other });
  assert.equal(anon.status, 401);
  assert.equal((anon.body as { code: string }).code, 'unauthorized');
  const m = await api(server, 'POST', '/platforms', { token: maintainer, body: other });
  assert.equal(m.status, 403);
  assert.deepEqual(m.body, { code: 'forbidden', message: 'this call needs the admin role; alice is maintainer' });
  const n = await api(server, 'PUT', '/platforms/other-el8', { token: node, body: other });
  assert.equal(n.status, 403);
  assert.deepEqual(n.body, { code: 'forbidden', message: 'a node token cannot be used for this call' });
  assert.equal((await api(server, 'DELETE', '/platforms/example-el9', { token: maintainer })).status, 403);
  assert.equal((await api(server, 'DELETE', '/platforms/example-el9')).status, 401);
  assert.deepEqual(await names(), ['example-el9']);
});

test('an unknown platform is 404', async () => {
  const r = await api(server, 'GET', '/platforms/no-such');
  assert.equal(r.status, 404);
  assert.deepEqual(r.body, { code: 'not_found', message: 'no platform named "no-such"' });
  assert.equal((await api(server, 'DELETE', '/platforms/no-such', { token: admin })).status, 404);
});

test('bad definitions are 400 naming the field, and change nothing', async () => {
  const cases: [unknown, RegExp][] = [
    [{ ...other, arches: ['x86_64', 'sparc'] }, /^body\.arches\[1\]: must be one of x86_64, aarch64/],
    [{ ...other, distTag: 'el8' }, /^platform definition: distTag: "el8" must start with "\."/],
    [{ ...other, distag: '.el8' }, /^body\.distag: unknown field$/],
    [{ name: 'x', arches: ['x86_64'] }, /^body\.distTag: is required$/],
    [{ ...other, arches: ['noarch'] }, /^platform definition: arches: must list at least one architecture besides noarch$/],
    [{ ...other, macros: { '%dist': '.x' } }, /^platform definition: macros\.%dist: /],
    [{ ...other, lifecycle: { version: '8', endOfSupport: '2029-13-01' } }, /^platform definition: lifecycle\.endOfSupport: "2029-13-01" is not a date/],
    [{ ...other, repositories: [{ name: 'r', url: 'ftp://x' }] }, /^platform definition: repositories\[0\]\.url: /],
    [{ ...other, macros: { _vendor: 'v'.repeat(1024 * 1024) } }, /^body\.macros\._vendor: must NOT have more than 4096 characters$/],
    [{ ...other, lifecycle: { version: '8', codename: 'c'.repeat(1024 * 1024) } }, /^body\.lifecycle\.codename: must NOT have more than 200 characters$/],
    [{ ...other, lifecycle: { version: '8', codename: 'Evil\u202Eemoh' } }, /^body\.lifecycle\.codename: must not hold control or invisible formatting characters$/],
    [{ ...other, lifecycle: { version: 8 } }, /^body\.lifecycle\.version: must be string$/],
    [{ ...other, tests: { timeoutSeconds: '60' } }, /^body\.tests\.timeoutSeconds: must be integer$/],
    [{ ...other, name: 123 }, /^body\.name: must be string$/],
    [{ ...other, arches: 'x86_64' }, /^body\.arches: must be array$/],
    [{ ...other, tests: { repository: { url: 'https://bob:hunter2@git.example/tests.git' } } }, /^platform definition: tests\.repository\.url: must not hold credentials \(https:\/\/\*\*\*@git\.example\/tests\.git\)/],
  ];
  for (const [body, message] of cases) {
    const r = await api<{ code: string; message: string }>(server, 'POST', '/platforms', { token: admin, body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.body.code, /^(bad_request|invalid_platform)$/);
    assert.match(r.body.message, message);
    assert.doesNotMatch(r.body.message, /hunter2/);
  }
  const notJson = await api(server, 'POST', '/platforms', { token: admin, body: undefined, headers: { 'content-type': 'application/json' } });
  assert.equal(notJson.status, 400);
  const mismatch = await api(server, 'PUT', '/platforms/example-el9', { token: admin, body: other });
  assert.equal(mismatch.status, 400);
  assert.match((mismatch.body as { message: string }).message, /name: "other-el8" does not match the URL's platform name "example-el9"/);
  assert.deepEqual(await names(), ['example-el9']);
  assert.equal((await api<StoredPlatform>(server, 'GET', '/platforms/example-el9')).body.distTag, '.el9');
});

test('path-like platform names are 400, in the body and in the URL', async () => {
  for (const name of ['../etc', '/etc/passwd', '..', 'a/b', '.hidden']) {
    const body = await api<{ code: string; message: string }>(server, 'POST', '/platforms', { token: admin, body: { ...other, name } });
    assert.equal(body.status, 400, name);
    assert.match(body.body.message, /^platform definition: name: /);
    // Sent as written (fetch would resolve "/platforms/%2E%2E" to "/api/v1" before sending it).
    const inUrl = `/api/v1/platforms/${encodeURIComponent(name).replace(/\./g, '%2E')}`;
    const url = await rawRequest('GET', inUrl);
    assert.equal(url.status, 400, name);
    assert.equal((JSON.parse(url.body) as { code: string }).code, 'invalid_name');
    assert.equal((await rawRequest('DELETE', inUrl, admin)).status, 400);
  }
  assert.deepEqual(await names(), ['example-el9']);
});

test('a platform a build uses cannot be deleted', async () => {
  const db = server.ctx.db.kysely;
  const adminUser = await db.selectFrom('users').select('id').where('name', '=', 'admin').executeTakeFirstOrThrow();
  await api(server, 'POST', '/platforms', { token: admin, body: { ...other, name: 'in-use' } });
  await db.insertInto('builds').values({ owner_id: adminUser.id, state: 'pending', priority: 0, platforms: JSON.stringify(['in-use']), explicit_order: 0, public: 1, created_at: Date.now(), finished_at: null, failure_reason: null }).execute();
  const r = await api<{ code: string }>(server, 'DELETE', '/platforms/in-use', { token: admin });
  assert.equal(r.status, 409);
  assert.equal(r.body.code, 'conflict');
  assert.equal((await api(server, 'GET', '/platforms/in-use')).status, 200);
});

test('platform repositories this master serves: anyone reads their files; nothing outside them is reachable', async () => {
  const dir = join(server.dataDir, 'platform-repos', 'local-el9', 'x86_64', 'repodata');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'repomd.xml'), '<repomd/>\n');
  writeFileSync(join(server.dataDir, 'secret.txt'), 'not for you\n');
  const ok = await fetch(`${server.url}/api/v1/platform-repos/local-el9/x86_64/repodata/repomd.xml`);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('content-type'), 'application/xml');
  assert.equal(await ok.text(), '<repomd/>\n');
  for (const bad of ['local-el9/x86_64/..%2F..%2F..%2Fsecret.txt', '..%2F..%2Fsecret.txt/x86_64/a', 'local-el9/x86_64/.hidden', 'local-el9/x86_64/repodata', 'nope/x86_64/repodata/repomd.xml']) {
    const r = await fetch(`${server.url}/api/v1/platform-repos/${bad}`);
    assert.ok(r.status === 404 || r.status === 400, `${bad}: ${r.status}`);
    const body = (await r.json()) as { code: string };
    assert.ok(body.code, bad);
  }
});
