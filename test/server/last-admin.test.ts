/**
 * Someone can always administer the server, over real HTTP on a real database: the last admin
 * with a working token cannot be demoted (409), not even by itself, and two admins demoting each
 * other at the same moment leave one of them admin. With another working admin, demoting works.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { UserInfo } from '../../src/auth/types.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, startTestServer, userToken, type TestServer } from '../support/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const role = async (name: string): Promise<string> => (await api<UserInfo>(server, 'GET', `/users/${name}`, { token: server.adminToken })).body.role;
/** The admins, as the database holds them. */
const admins = async (): Promise<string[]> => (await server.ctx.db.kysely.selectFrom('users').select('name').where('role', '=', 'admin').orderBy('name').execute()).map((u) => u.name);

test(`the last admin cannot demote itself (${TEST_DIALECT})`, async () => {
  for (const to of ['read-only', 'maintainer']) {
    const r = await api<{ code: string; message: string }>(server, 'PATCH', '/users/admin', { token: server.adminToken, body: { role: to } });
    assert.equal(r.status, 409);
    assert.deepEqual(r.body, {
      code: 'conflict',
      message: `user "admin" is the last admin with a working token; make another user admin and give them a token before changing this one's role`,
    });
  }
  assert.equal(await role('admin'), 'admin');
  assert.equal((await api(server, 'GET', '/users', { token: server.adminToken })).status, 200, 'the admin still administers');
});

test('an admin without a working token does not count: demoting the one who has one is refused', async () => {
  const created = await api(server, 'POST', '/users', { token: server.adminToken, body: { name: 'tokenless', role: 'admin' } });
  assert.equal(created.status, 201);
  assert.equal((await api(server, 'PATCH', '/users/admin', { token: server.adminToken, body: { role: 'read-only' } })).status, 409);
  assert.equal((await api(server, 'PATCH', '/users/tokenless', { token: server.adminToken, body: { role: 'read-only' } })).status, 200, 'the tokenless admin may go');
  assert.deepEqual(await admins(), ['admin']);
});

test('with another working admin, an admin may be demoted; then the other is the last', async () => {
  const carol = await userToken(server, 'carol', 'admin');
  const demoted = await api<UserInfo>(server, 'PATCH', '/users/admin', { token: carol, body: { role: 'maintainer' } });
  assert.equal(demoted.status, 200);
  assert.equal(demoted.body.role, 'maintainer');
  const last = await api<{ code: string }>(server, 'PATCH', '/users/carol', { token: carol, body: { role: 'read-only' } });
  assert.equal(last.status, 409);
  assert.deepEqual(await admins(), ['carol']);
  // The admin token of the first start is no admin any more: carol gives the role back.
  assert.equal((await api(server, 'GET', '/users', { token: server.adminToken })).status, 403);
  assert.equal((await api(server, 'PATCH', '/users/admin', { token: carol, body: { role: 'admin' } })).status, 200);
});

test('two admins demoting each other at the same moment: one stays admin', async () => {
  const dan = await userToken(server, 'dan', 'admin');
  const erin = await userToken(server, 'erin', 'admin');
  // Only dan and erin may count: the others step down first.
  for (const name of ['admin', 'carol']) assert.equal((await api(server, 'PATCH', `/users/${name}`, { token: dan, body: { role: 'maintainer' } })).status, 200);
  const [a, b] = await Promise.all([
    api(server, 'PATCH', '/users/erin', { token: dan, body: { role: 'read-only' } }),
    api(server, 'PATCH', '/users/dan', { token: erin, body: { role: 'read-only' } }),
  ]);
  // The second may also be refused as a non-admin (403) when the first committed before it was authorised.
  const statuses = [a.status, b.status].sort();
  assert.ok(statuses[0] === 200 && (statuses[1] === 409 || statuses[1] === 403), `statuses ${statuses.join(', ')}`);
  assert.equal((await admins()).length, 1);
});
