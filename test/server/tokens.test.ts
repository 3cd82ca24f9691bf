/**
 * /api/v1/tokens, /api/v1/users and /api/v1/whoami over real HTTP on a real database: roles, the
 * secret shown once, revocation taking effect at once, and refusals that change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TokenInfo, UserInfo } from '../../src/auth/types.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, nodeToken, startTestServer, type TestServer } from '../support/server.ts';

interface Issued {
  secret: string;
  token: TokenInfo;
  user: UserInfo;
}

let server: TestServer;
let admin: string;

before(async () => {
  server = await startTestServer();
  admin = server.adminToken;
});
after(() => server.close());

async function issue(user: string, role?: string): Promise<Issued> {
  const r = await api<Issued>(server, 'POST', '/tokens', { token: admin, body: { user, ...(role && { role }) } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function userNames(): Promise<string[]> {
  return (await api<UserInfo[]>(server, 'GET', '/users', { token: admin })).body.map((u) => u.name);
}

test(`whoami: the admin token of the first start, anonymous without a token (${TEST_DIALECT})`, async () => {
  assert.deepEqual((await api(server, 'GET', '/whoami', { token: admin })).body, { kind: 'user', name: 'admin', role: 'admin' });
  assert.deepEqual((await api(server, 'GET', '/whoami')).body, { kind: 'anonymous' });
});

test('an admin issues a token, creating the user with a role', async () => {
  const t = await issue('alice', 'maintainer');
  assert.match(t.secret, /^df_[A-Za-z0-9_-]{43}$/);
  assert.equal(t.user.role, 'maintainer');
  assert.equal(t.token.kind, 'user');
  assert.equal(t.token.user, 'alice');
  assert.deepEqual((await api(server, 'GET', '/whoami', { token: t.secret })).body, { kind: 'user', name: 'alice', role: 'maintainer' });
  const second = await issue('alice');
  assert.notEqual(second.secret, t.secret);
  const listed = await api<TokenInfo[]>(server, 'GET', '/tokens', { token: admin });
  assert.ok(listed.body.some((x) => x.id === t.token.id));
  assert.equal(JSON.stringify(listed.body).includes(t.secret), false);
  const own = await api<TokenInfo[]>(server, 'GET', '/tokens', { token: t.secret });
  assert.deepEqual(own.body.map((x) => x.user), ['alice', 'alice']);
});

test('issuing tokens is for admins; bad requests are refused and create nothing', async () => {
  const m = await issue('max', 'maintainer');
  const r = await issue('rita', 'read-only');
  const node = await nodeToken(server, 'builder');
  const before = await userNames();
  assert.equal((await api(server, 'POST', '/tokens', { body: { user: 'eve', role: 'admin' } })).status, 401);
  const byMaintainer = await api(server, 'POST', '/tokens', { token: m.secret, body: { user: 'eve', role: 'admin' } });
  assert.equal(byMaintainer.status, 403);
  assert.deepEqual(byMaintainer.body, { code: 'forbidden', message: 'this call needs the admin role; max is maintainer' });
  assert.equal((await api(server, 'POST', '/tokens', { token: r.secret, body: { user: 'eve', role: 'admin' } })).status, 403);
  const byNode = await api(server, 'POST', '/tokens', { token: node.token, body: { user: 'eve', role: 'admin' } });
  assert.equal(byNode.status, 403);
  assert.deepEqual(byNode.body, { code: 'forbidden', message: 'a node token cannot be used for this call' });
  const badRole = await api(server, 'POST', '/tokens', { token: admin, body: { user: 'eve', role: 'root' } });
  assert.equal(badRole.status, 400);
  assert.deepEqual(badRole.body, { code: 'bad_request', message: 'body.role: must be one of admin, maintainer, read-only' });
  const noRole = await api(server, 'POST', '/tokens', { token: admin, body: { user: 'eve' } });
  assert.equal(noRole.status, 404);
  assert.deepEqual(noRole.body, { code: 'not_found', message: 'no user named "eve"; give a role to create it' });
  const otherRole = await api(server, 'POST', '/tokens', { token: admin, body: { user: 'max', role: 'admin' } });
  assert.equal(otherRole.status, 409);
  const pathy = await api<{ code: string }>(server, 'POST', '/tokens', { token: admin, body: { user: '../root', role: 'admin' } });
  assert.equal(pathy.status, 400);
  assert.equal(pathy.body.code, 'invalid_name');
  assert.deepEqual(await userNames(), before);
  assert.deepEqual((await api(server, 'GET', '/whoami', { token: m.secret })).body, { kind: 'user', name: 'max', role: 'maintainer' });
});

test('a revoked token stops working at once; users revoke only their own', async () => {
  const a = await issue('bob', 'read-only');
  const b = await issue('carol', 'read-only');
  const notYours = await api(server, 'DELETE', `/tokens/${b.token.id}`, { token: a.secret });
  assert.equal(notYours.status, 403);
  assert.equal((await api(server, 'GET', '/whoami', { token: b.secret })).status, 200);
  const own = await api<TokenInfo>(server, 'DELETE', `/tokens/${a.token.id}`, { token: a.secret });
  assert.equal(own.status, 200);
  assert.equal(typeof own.body.revokedAt, 'number');
  const after = await api(server, 'GET', '/whoami', { token: a.secret });
  assert.equal(after.status, 401);
  assert.deepEqual(after.body, { code: 'unauthorized', message: 'unknown or revoked token' });
  assert.equal((await api(server, 'DELETE', `/tokens/${b.token.id}`, { token: admin })).status, 200);
  assert.equal((await api(server, 'GET', '/nodes', { token: b.secret })).status, 401);
  assert.equal((await api(server, 'DELETE', '/tokens/999999', { token: admin })).status, 404);
  assert.equal((await api(server, 'DELETE', '/tokens/abc', { token: admin })).status, 400);
  assert.equal((await api(server, 'DELETE', `/tokens/${b.token.id}`)).status, 401);
});

test('the last working admin token cannot be revoked', async () => {
  const adminTokens = (await api<TokenInfo[]>(server, 'GET', '/tokens', { token: admin })).body.filter((t) => t.user === 'admin' && t.revokedAt === null);
  assert.equal(adminTokens.length, 1);
  const r = await api<{ code: string }>(server, 'DELETE', `/tokens/${adminTokens[0]?.id ?? 0}`, { token: admin });
  assert.equal(r.status, 409);
  assert.equal(r.body.code, 'conflict');
  assert.equal((await api(server, 'GET', '/whoami', { token: admin })).status, 200);
});

test('users: admins list, create and change roles; others may not', async () => {
  const created = await api<UserInfo>(server, 'POST', '/users', { token: admin, body: { name: 'dave', role: 'read-only' } });
  assert.equal(created.status, 201);
  assert.equal((await api(server, 'POST', '/users', { token: admin, body: { name: 'dave', role: 'read-only' } })).status, 409);
  const promoted = await api<UserInfo>(server, 'PATCH', '/users/dave', { token: admin, body: { role: 'maintainer' } });
  assert.equal(promoted.body.role, 'maintainer');
  const dave = await issue('dave');
  assert.equal((await api<UserInfo>(server, 'GET', '/users/dave', { token: dave.secret })).body.role, 'maintainer');
  assert.equal((await api(server, 'GET', '/users/admin', { token: dave.secret })).status, 403);
  assert.equal((await api(server, 'GET', '/users', { token: dave.secret })).status, 403);
  assert.equal((await api(server, 'GET', '/users')).status, 401);
  assert.equal((await api(server, 'PATCH', '/users/dave', { token: dave.secret, body: { role: 'admin' } })).status, 403);
  assert.equal((await api(server, 'PATCH', '/users/ghost', { token: admin, body: { role: 'admin' } })).status, 404);
  assert.equal((await api(server, 'PATCH', '/users/dave', { token: admin, body: { role: 'god' } })).status, 400);
  assert.equal((await api(server, 'POST', '/users', { token: admin, body: { name: '/etc', role: 'admin' } })).status, 400);
  assert.equal((await api<UserInfo>(server, 'GET', '/users/dave', { token: admin })).body.role, 'maintainer');
});
