/**
 * What a node may do is what an admin granted it, over real HTTP on a real database: a node's
 * hello may narrow its arches and capabilities, never widen them. A node created with the build
 * capability that advertises build, test and sign serves only build: it cannot register a signing
 * key (POST /node/keys, 403) and never leases a sign or test task; a hello asking only for what was
 * not granted is refused (403 not_granted) and records nothing; `node list` shows what was granted
 * and what the node advertised. An admin's grant takes effect at once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateKey } from 'openpgp';
import type { NodeInfo } from '../../src/auth/types.ts';
import type { TaskKind } from '../../src/db/schema.ts';
import { runCli } from '../support/cli.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { insertBuildItem, insertQueuedTask, type BuildItemRef } from '../support/queued-tasks.ts';
import { api, examplePlatform, startTestServer, userToken, type TestServer } from '../support/server.ts';

const PLATFORM = 'example-el9';

let server: TestServer;
let item: BuildItemRef;
/** A platform's public signing key. */
let publicKey: string;

before(async () => {
  publicKey = (await generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'Platform key' }], format: 'armored' })).publicKey;
  server = await startTestServer({ platforms: [examplePlatform()] });
  await userToken(server, 'alice', 'maintainer');
  const owner = await server.ctx.db.kysely.selectFrom('users').select('id').where('name', '=', 'alice').executeTakeFirstOrThrow();
  item = await insertBuildItem(server.ctx, owner.id, PLATFORM);
});
after(() => server.close());

/** A queued task of `kind` for `arch`. */
function queueTask(kind: TaskKind, arch: string): Promise<number> {
  return insertQueuedTask(server.ctx, item, kind, arch);
}

/** Cancels every task still queued (so one test's leftovers do not feed the next). */
async function clearQueue(): Promise<void> {
  await server.ctx.db.kysely.updateTable('tasks').set({ state: 'cancelled' }).where('state', 'in', ['queued', 'leased']).execute();
}

async function addNode(name: string, arches: string[], capabilities: string[]): Promise<string> {
  const r = await api<{ secret: string }>(server, 'POST', '/nodes', { token: server.adminToken, body: { name, arches, capabilities } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.secret;
}

async function lease(token: string): Promise<{ status: number; task?: { id: number; kind: string } }> {
  const r = await api<{ task?: { id: number; kind: string } }>(server, 'POST', '/node/lease', { token });
  return r.status === 200 ? { status: r.status, ...(r.body.task && { task: r.body.task }) } : { status: r.status };
}

interface Hello {
  nodeId: number;
  name: string;
  arches: string[];
  capabilities: string[];
  notGranted: { arches: string[]; capabilities: string[] };
}

test(`a build node that advertises test and sign serves only build: no signing key, no sign or test task (${TEST_DIALECT})`, async () => {
  const token = await addNode('builder', ['x86_64'], ['build']);
  const hello = await api<Hello>(server, 'POST', '/node/hello', { token, body: { arches: ['x86_64', 'aarch64', 'noarch'], capabilities: ['build', 'test', 'sign'], maxConcurrency: 4 } });
  assert.equal(hello.status, 200);
  assert.deepEqual(hello.body.capabilities, ['build']);
  assert.deepEqual(hello.body.arches, ['x86_64']);
  assert.deepEqual(hello.body.notGranted, { arches: ['aarch64'], capabilities: ['test', 'sign'] });

  const shown = await api<NodeInfo>(server, 'GET', '/nodes/builder', { token: server.adminToken });
  assert.deepEqual(shown.body.capabilities, ['build'], 'the grant is unchanged');
  assert.deepEqual(shown.body.arches, ['x86_64']);
  assert.deepEqual(shown.body.advertisedCapabilities, ['build', 'test', 'sign']);
  assert.deepEqual(shown.body.advertisedArches, ['x86_64', 'aarch64', 'noarch']);

  // The platform's public key: a build node may not register it and so become its signer.
  const keys = await api<{ code: string; message: string }>(server, 'POST', '/node/keys', { token, body: { keys: [publicKey] } });
  assert.equal(keys.status, 403);
  assert.deepEqual(keys.body, { code: 'forbidden', message: 'node builder was not granted the sign capability (an admin grants it)' });
  const registered = await api(server, 'GET', '/keys', { token: server.adminToken });
  assert.deepEqual([registered.status, registered.body], [200, []], 'no key registered');

  await queueTask('sign', 'noarch');
  await queueTask('test', 'x86_64');
  await queueTask('rpm', 'aarch64');
  assert.equal((await lease(token)).status, 204, 'neither the sign, the test nor the aarch64 task');
  const rpm = await queueTask('rpm', 'x86_64');
  const got = await lease(token);
  assert.equal(got.task?.id, rpm, 'what it was granted it gets');
  await clearQueue();
});

test('a hello asking only for capabilities that were not granted is refused and records nothing', async () => {
  const token = await addNode('tester', ['x86_64'], ['test']);
  const first = await api<Hello>(server, 'POST', '/node/hello', { token, body: { arches: ['x86_64'], capabilities: ['test'], maxConcurrency: 1 } });
  assert.equal(first.status, 200);
  const refused = await api<{ code: string; message: string }>(server, 'POST', '/node/hello', { token, body: { arches: ['x86_64'], capabilities: ['build', 'sign'], maxConcurrency: 8 } });
  assert.equal(refused.status, 403);
  assert.deepEqual(refused.body, {
    code: 'not_granted',
    message: 'node tester advertises capabilities build, sign, but an admin granted it only test; only an admin grants more (PATCH /api/v1/nodes/tester)',
  });
  const shown = await api<NodeInfo>(server, 'GET', '/nodes/tester', { token: server.adminToken });
  assert.deepEqual([shown.body.capabilities, shown.body.advertisedCapabilities, shown.body.maxConcurrency], [['test'], ['test'], 1]);
});

test('a node narrows what it serves; an admin widens the grant and the node gets the new work at once', async () => {
  const token = await addNode('both', ['x86_64'], ['build', 'test']);
  const hello = await api<Hello>(server, 'POST', '/node/hello', { token, body: { arches: ['x86_64'], capabilities: ['test'], maxConcurrency: 2 } });
  assert.deepEqual([hello.body.capabilities, hello.body.notGranted.capabilities], [['test'], []]);
  await queueTask('srpm', 'src');
  assert.equal((await lease(token)).status, 204, 'it advertised test only: no build task');
  const testTask = await queueTask('test', 'x86_64');
  assert.equal((await lease(token)).task?.id, testTask);
  await clearQueue();

  const signer = await addNode('would-sign', ['x86_64'], ['build']);
  await api(server, 'POST', '/node/hello', { token: signer, body: { arches: ['x86_64'], capabilities: ['build', 'sign'], maxConcurrency: 1 } });
  assert.equal((await api(server, 'POST', '/node/keys', { token: signer, body: { keys: [publicKey] } })).status, 403);
  const granted = await api<NodeInfo>(server, 'PATCH', '/nodes/would-sign', { token: server.adminToken, body: { capabilities: ['build', 'sign'] } });
  assert.deepEqual(granted.body.capabilities, ['build', 'sign']);
  assert.equal((await api(server, 'POST', '/node/keys', { token: signer, body: { keys: [publicKey] } })).status, 200);
  const sign = await queueTask('sign', 'noarch');
  assert.equal((await lease(signer)).task?.id, sign);
  await clearQueue();
});

test('node list shows what each node was granted and what it advertised', async () => {
  await addNode('silent', ['aarch64'], ['build']);
  const r = await runCli(['node', 'list', '--server', server.url, '--token', server.adminToken], { env: { DISTFORGE_URL: '', DISTFORGE_TOKEN: '' } });
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
  assert.deepEqual(rows[0], ['NAME', 'ARCHES', 'CAPABILITIES', 'ADVERTISED ARCHES', 'ADVERTISED CAPABILITIES', 'MAX', 'ENABLED', 'LAST SEEN']);
  const row = (name: string): string[] | undefined => rows.find((cells) => cells[0] === name);
  assert.deepEqual(row('builder')?.slice(0, 5), ['builder', 'x86_64', 'build', 'x86_64,aarch64,noarch', 'build,test,sign']);
  assert.deepEqual(row('silent')?.slice(0, 5), ['silent', 'aarch64', 'build', '-', '-']);
});
