/**
 * /api/v1/nodes over real HTTP on a real database: admins create nodes and get their token once;
 * any user lists them; node tokens authenticate as the node and are refused for user calls.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NodeInfo, TokenInfo } from '../../src/auth/types.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, startTestServer, userToken, type TestServer } from '../support/server.ts';

interface Issued {
  secret: string;
  token: TokenInfo;
  node: NodeInfo;
}

let server: TestServer;
let admin: string;
let reader: string;
let maintainer: string;

before(async () => {
  server = await startTestServer();
  admin = server.adminToken;
  reader = await userToken(server, 'rita', 'read-only');
  maintainer = await userToken(server, 'max', 'maintainer');
});
after(() => server.close());

async function nodeNames(): Promise<string[]> {
  return (await api<NodeInfo[]>(server, 'GET', '/nodes', { token: admin })).body.map((n) => n.name);
}

test(`an admin creates a node and gets its token once (${TEST_DIALECT})`, async () => {
  const r = await api<Issued>(server, 'POST', '/nodes', { token: admin, body: { name: 'builder-x86', arches: ['x86_64', 'noarch'], capabilities: ['build', 'test'], maxConcurrency: 4 } });
  assert.equal(r.status, 201);
  assert.match(r.body.secret, /^df_[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(r.body.node.arches, ['x86_64', 'noarch']);
  assert.deepEqual(r.body.node.capabilities, ['build', 'test']);
  assert.equal(r.body.node.maxConcurrency, 4);
  assert.equal(r.body.node.enabled, true);
  assert.equal(r.body.node.lastSeenAt, null);
  assert.equal(r.body.token.kind, 'node');
  assert.equal(r.body.token.node, 'builder-x86');
  const me = await api(server, 'GET', '/whoami', { token: r.body.secret });
  assert.deepEqual(me.body, { kind: 'node', name: 'builder-x86' });
  const list = await api<NodeInfo[]>(server, 'GET', '/nodes', { token: reader });
  assert.equal(list.status, 200);
  const listed = list.body.find((n) => n.name === 'builder-x86');
  assert.ok(listed);
  assert.equal(JSON.stringify(listed).includes(r.body.secret), false);
  const one = await api<NodeInfo>(server, 'GET', '/nodes/builder-x86', { token: maintainer });
  assert.equal(one.body.id, r.body.node.id);
  const stored = await server.ctx.db.kysely.selectFrom('tokens').select('token_hash').where('id', '=', r.body.token.id).executeTakeFirstOrThrow();
  assert.notEqual(stored.token_hash, r.body.secret);
  assert.match(stored.token_hash, /^[0-9a-f]{64}$/);
});

test('defaults: build capability, one task at a time', async () => {
  const r = await api<Issued>(server, 'POST', '/nodes', { token: admin, body: { name: 'builder-arm', arches: ['aarch64'] } });
  assert.equal(r.status, 201);
  assert.deepEqual(r.body.node.capabilities, ['build']);
  assert.equal(r.body.node.maxConcurrency, 1);
});

test('listing nodes needs a user token; a node token is refused', async () => {
  assert.equal((await api(server, 'GET', '/nodes')).status, 401);
  const node = await api<Issued>(server, 'POST', '/nodes', { token: admin, body: { name: 'lister', arches: ['i686'] } });
  const r = await api(server, 'GET', '/nodes', { token: node.body.secret });
  assert.equal(r.status, 403);
  assert.deepEqual(r.body, { code: 'forbidden', message: 'a node token cannot be used for this call' });
});

test('creating or changing nodes is for admins: maintainers, readers and nodes get 403, anonymous 401', async () => {
  const body = { name: 'sneaky', arches: ['x86_64'] };
  const before = await nodeNames();
  assert.equal((await api(server, 'POST', '/nodes', { body })).status, 401);
  assert.equal((await api(server, 'POST', '/nodes', { token: maintainer, body })).status, 403);
  assert.equal((await api(server, 'POST', '/nodes', { token: reader, body })).status, 403);
  const node = await api<Issued>(server, 'POST', '/nodes', { token: admin, body: { name: 'worker', arches: ['x86_64'] } });
  const asNode = await api(server, 'POST', '/nodes', { token: node.body.secret, body });
  assert.equal(asNode.status, 403);
  assert.deepEqual(asNode.body, { code: 'forbidden', message: 'a node token cannot be used for this call' });
  assert.equal((await api(server, 'PATCH', '/nodes/worker', { token: node.body.secret, body: { enabled: false } })).status, 403);
  assert.equal((await api(server, 'POST', '/nodes/worker/token', { token: maintainer })).status, 403);
  assert.deepEqual(await nodeNames(), [...before, 'worker'].sort());
});

test('bad node definitions are 400 and create nothing', async () => {
  const before = await nodeNames();
  const cases: [unknown, RegExp][] = [
    [{ name: 'n', arches: ['x86'] }, /^body\.arches\[0\]: must be one of x86_64/],
    [{ name: 'n', arches: [] }, /^body\.arches: /],
    [{ name: 'n' }, /^body\.arches: is required$/],
    [{ name: 'n', arches: ['noarch'] }, /^arches: a node needs at least one architecture besides noarch$/],
    [{ name: 'n', arches: ['x86_64'], maxConcurrency: 0 }, /^body\.maxConcurrency: must be >= 1$/],
    [{ name: 'n', arches: ['x86_64'], capabilities: ['fly'] }, /^body\.capabilities\[0\]: must be one of build, test, sign$/],
    [{ name: 'n', arches: ['x86_64'], colour: 'red' }, /^body\.colour: unknown field$/],
    [{ name: '../../etc', arches: ['x86_64'] }, /^invalid node name: "..\/..\/etc" must not contain a path separator$/],
    [{ name: '/abs', arches: ['x86_64'] }, /^invalid node name: /],
    [{ name: '..', arches: ['x86_64'] }, /^invalid node name: "\.\." must not contain "\.\."$/],
  ];
  for (const [body, message] of cases) {
    const r = await api<{ code: string; message: string }>(server, 'POST', '/nodes', { token: admin, body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.body.message, message);
  }
  assert.deepEqual(await nodeNames(), before);
});

test('a duplicate node is 409; an unknown node 404; a path-like name 400', async () => {
  await api(server, 'POST', '/nodes', { token: admin, body: { name: 'twin', arches: ['s390x'] } });
  const again = await api(server, 'POST', '/nodes', { token: admin, body: { name: 'twin', arches: ['s390x'] } });
  assert.equal(again.status, 409);
  assert.deepEqual(again.body, { code: 'already_exists', message: 'node "twin" already exists' });
  const missing = await api(server, 'GET', '/nodes/ghost', { token: admin });
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, { code: 'not_found', message: 'no node named "ghost"' });
  assert.equal((await api(server, 'PATCH', '/nodes/ghost', { token: admin, body: { enabled: false } })).status, 404);
  assert.equal((await api(server, 'GET', `/nodes/${encodeURIComponent('a/../b')}`, { token: admin })).status, 400);
});

test('an admin changes a node; bad changes change nothing', async () => {
  await api(server, 'POST', '/nodes', { token: admin, body: { name: 'changing', arches: ['x86_64'] } });
  const r = await api<NodeInfo>(server, 'PATCH', '/nodes/changing', { token: admin, body: { enabled: false, maxConcurrency: 2, arches: ['x86_64', 'i686', 'noarch'] } });
  assert.equal(r.status, 200);
  assert.equal(r.body.enabled, false);
  assert.equal(r.body.maxConcurrency, 2);
  assert.deepEqual(r.body.arches, ['x86_64', 'i686', 'noarch']);
  const bad = await api(server, 'PATCH', '/nodes/changing', { token: admin, body: { enabled: true, arches: ['noarch'] } });
  assert.equal(bad.status, 400);
  const now = await api<NodeInfo>(server, 'GET', '/nodes/changing', { token: admin });
  assert.equal(now.body.enabled, false);
  assert.deepEqual(now.body.arches, ['x86_64', 'i686', 'noarch']);
});

test("replacing a node's token makes the old one stop working", async () => {
  const first = await api<Issued>(server, 'POST', '/nodes', { token: admin, body: { name: 'rotated', arches: ['ppc64le'] } });
  const second = await api<Issued>(server, 'POST', '/nodes/rotated/token', { token: admin });
  assert.equal(second.status, 201);
  assert.notEqual(second.body.secret, first.body.secret);
  const old = await api(server, 'GET', '/whoami', { token: first.body.secret });
  assert.equal(old.status, 401);
  assert.deepEqual(old.body, { code: 'unauthorized', message: 'unknown or revoked token' });
  assert.deepEqual((await api(server, 'GET', '/whoami', { token: second.body.secret })).body, { kind: 'node', name: 'rotated' });
});
