/**
 * `distforge node|platform|token …` as a user runs them against a real server: output shapes,
 * `--server/--token` and DISTFORGE_URL/DISTFORGE_TOKEN, and one clear line (exit 1) for every
 * refusal, which changes nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { NodeInfo } from '../../src/auth/types.ts';
import type { StoredPlatform } from '../../src/platforms/types.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, EXAMPLE_PLATFORM_FILE, nodeToken, startTestServer, userToken, type TestServer } from '../support/server.ts';

let server: TestServer;
let maintainer: string;
let node: string;
const work = mkdtempSync(join(tmpdir(), 'distforge-client-'));
const NO_ENV = { DISTFORGE_URL: '', DISTFORGE_TOKEN: '' };

before(async () => {
  server = await startTestServer();
  maintainer = await userToken(server, 'max', 'maintainer');
  node = (await nodeToken(server, 'existing', { arches: ['aarch64'] })).token;
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

/** Runs `distforge ARGS --server URL [--token T]`. */
function cli(args: string[], token?: string): Promise<CliResult> {
  return runCli([...args, '--server', server.url, ...(token ? ['--token', token] : [])], { env: NO_ENV });
}

function assertRefused(r: CliResult, message: string | RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  if (typeof message === 'string') assert.equal(lines[0], `distforge: ${message}`);
  else assert.match(lines[0] ?? '', message);
}

async function nodeNames(): Promise<string[]> {
  return (await api<NodeInfo[]>(server, 'GET', '/nodes', { token: server.adminToken })).body.map((n) => n.name);
}

async function platformNames(): Promise<string[]> {
  return (await api<StoredPlatform[]>(server, 'GET', '/platforms')).body.map((p) => p.name);
}

test(`node add prints a working token; node list shows the node (${TEST_DIALECT})`, async () => {
  const add = await cli(['node', 'add', 'builder1', '--arches', 'x86_64,noarch', '--max', '3'], server.adminToken);
  assert.equal(add.code, 0, add.stderr);
  const secret = add.stdout.trim();
  assert.match(secret, /^df_[A-Za-z0-9_-]{43}$/);
  assert.match(add.stderr, /created node builder1 \(x86_64, noarch; 3 at a time\)/);
  assert.deepEqual((await api(server, 'GET', '/whoami', { token: secret })).body, { kind: 'node', name: 'builder1' });
  const list = await cli(['node', 'list'], maintainer);
  assert.equal(list.code, 0, list.stderr);
  const [header, ...rows] = list.stdout.trimEnd().split('\n');
  assert.match(header ?? '', /^NAME +ARCHES +CAPABILITIES +ADVERTISED ARCHES +ADVERTISED CAPABILITIES +MAX +ENABLED +LAST SEEN$/);
  assert.ok(rows.some((r) => /^builder1 +x86_64,noarch +build +- +- +3 +yes +never$/.test(r)), list.stdout);
  const json = await runCli(['node', 'list', '--json'], { env: { DISTFORGE_URL: server.url, DISTFORGE_TOKEN: maintainer } });
  assert.equal(json.code, 0, json.stderr);
  const nodes = JSON.parse(json.stdout) as NodeInfo[];
  assert.deepEqual(nodes.find((n) => n.name === 'builder1')?.arches, ['x86_64', 'noarch']);
});

test('node commands refuse bad input with one line and change nothing', async () => {
  const before = await nodeNames();
  assertRefused(await cli(['node', 'add', 'sneaky', '--arches', 'x86_64'], node), 'a node token cannot be used for this call');
  assertRefused(await cli(['node', 'add', 'sneaky', '--arches', 'x86_64'], maintainer), 'this call needs the admin role; max is maintainer');
  assertRefused(await cli(['node', 'add', 'sneaky', '--arches', 'x86_64']), 'this command needs a token: pass --token TOKEN or set DISTFORGE_TOKEN');
  assertRefused(await cli(['node', 'add', '../../etc', '--arches', 'x86_64'], server.adminToken), 'invalid node name: "../../etc" must not contain a path separator');
  assertRefused(await cli(['node', 'add', '/abs', '--arches', 'x86_64'], server.adminToken), /^distforge: invalid node name: /);
  assertRefused(await cli(['node', 'add', 'n', '--arches', 'x86,noarch'], server.adminToken), /^distforge: --arches: unknown arch "x86"/);
  assertRefused(await cli(['node', 'add', 'n', '--arches', 'x86_64', '--max', '0'], server.adminToken), '--max must be a whole number of at least 1, not "0"');
  assertRefused(await cli(['node', 'add', 'existing', '--arches', 'x86_64'], server.adminToken), 'node "existing" already exists');
  assertRefused(await cli(['node', 'list'], node), 'a node token cannot be used for this call');
  assertRefused(await cli(['node', 'list'], 'df_not-a-real-token'), 'unknown or revoked token');
  assert.deepEqual(await nodeNames(), before);
});

test('platform add, list and show', async () => {
  const add = await cli(['platform', 'add', EXAMPLE_PLATFORM_FILE], server.adminToken);
  assert.equal(add.code, 0, add.stderr);
  assert.equal(add.stdout, 'platform example-el9 created\n');
  const list = await cli(['platform', 'list']);
  assert.equal(list.code, 0, list.stderr);
  // The release table; its state on the master's day: test/cli/platform-list.test.ts.
  assert.match(list.stdout, /^NAME +VERSION +CODENAME +UPSTREAM +KERNEL +RELEASED +UPSTREAM RELEASED +LAG +ACTIVE SUPPORT TO +SECURITY SUPPORT TO +STATE +DIST +ARCHES\nexample-el9 +9\.4 +Example Ocelot +EL 9\.4 +5\.14\.0-427\.13\.1\.el9_4 +2024-05-06 +2024-04-30 +6 days +2027-05-31 +2032-05-31 +(supported|security-only|end-of-life) +\.el9 +x86_64,noarch\n$/);
  const json = await cli(['platform', 'list', '--json']);
  const platforms = JSON.parse(json.stdout) as StoredPlatform[];
  assert.equal(platforms[0]?.macros.vendor, 'distforge example');
  assert.deepEqual(platforms[0]?.buildroot, { install: ['@buildsys-build'], releasever: '9' });
  const show = await cli(['platform', 'show', 'example-el9']);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /^name: example-el9\n/m);
  assert.match(show.stdout, /url: \/api\/v1\/platform-repos\/bootstrap-el9\/\$basearch\//);
  const reAdd = join(work, 'shown.yaml');
  writeFileSync(reAdd, show.stdout);
  const replaced = await cli(['platform', 'add', reAdd, '--replace'], server.adminToken);
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.equal(replaced.stdout, 'platform example-el9 replaced\n');
});

test('platform commands refuse bad input with one line and change nothing', async () => {
  await cli(['platform', 'add', EXAMPLE_PLATFORM_FILE], server.adminToken);
  const before = await platformNames();
  const bad = join(work, 'bad.yaml');
  writeFileSync(bad, 'name: bad\narches: [x86_64, sparc]\ndistTag: .el9\n');
  assertRefused(await cli(['platform', 'add', bad], server.adminToken), `${bad}: arches[1]: unknown architecture "sparc" (expected one of x86_64, aarch64, ppc64le, s390x, i686, noarch)`);
  const pathy = join(work, 'pathy.yaml');
  writeFileSync(pathy, 'name: ../../etc\narches: [x86_64]\ndistTag: .el9\n');
  assertRefused(await cli(['platform', 'add', pathy], server.adminToken), `${pathy}: name: "../../etc" must not contain a path separator`);
  const missing = join(work, 'missing.yaml');
  assertRefused(await cli(['platform', 'add', missing], server.adminToken), `${missing}: cannot read: no such file`);
  assertRefused(await cli(['platform', 'add', EXAMPLE_PLATFORM_FILE], server.adminToken), 'platform "example-el9" already exists');
  assertRefused(await cli(['platform', 'add', EXAMPLE_PLATFORM_FILE, '--replace'], maintainer), 'this call needs the admin role; max is maintainer');
  assertRefused(await cli(['platform', 'add', EXAMPLE_PLATFORM_FILE, '--replace'], node), 'a node token cannot be used for this call');
  assertRefused(await cli(['platform', 'show', 'nope']), 'no platform named "nope"');
  assertRefused(await cli(['platform', 'show', '../etc']), 'invalid platform name: "../etc" must not contain a path separator');
  assert.deepEqual(await platformNames(), before);
});

test('token create prints a working token; revoke stops it', async () => {
  const create = await cli(['token', 'create', '--user', 'bob', '--role', 'read-only'], server.adminToken);
  assert.equal(create.code, 0, create.stderr);
  const secret = create.stdout.trim();
  assert.match(secret, /^df_/);
  assert.match(create.stderr, /^token (\d+) for bob \(read-only\), shown only once:\n$/);
  assert.deepEqual((await api(server, 'GET', '/whoami', { token: secret })).body, { kind: 'user', name: 'bob', role: 'read-only' });
  const id = /^token (\d+)/.exec(create.stderr)?.[1] ?? '';
  const list = await cli(['token', 'list', '--json'], secret);
  assert.deepEqual((JSON.parse(list.stdout) as { id: number }[]).map((t) => String(t.id)), [id]);
  const revoke = await cli(['token', 'revoke', id], secret);
  assert.equal(revoke.code, 0, revoke.stderr);
  assert.equal(revoke.stdout, `token ${id} (bob) revoked\n`);
  assert.equal((await api(server, 'GET', '/whoami', { token: secret })).status, 401);
});

test('token commands refuse bad input with one line and change nothing', async () => {
  const users = async (): Promise<unknown> => (await api(server, 'GET', '/users', { token: server.adminToken })).body;
  const before = await users();
  assertRefused(await cli(['token', 'create', '--user', 'eve', '--role', 'admin'], maintainer), 'this call needs the admin role; max is maintainer');
  assertRefused(await cli(['token', 'create', '--user', 'eve', '--role', 'admin'], node), 'a node token cannot be used for this call');
  assertRefused(await cli(['token', 'create', '--user', 'eve', '--role', 'root'], server.adminToken), '--role: unknown role "root" (expected admin, maintainer, read-only)');
  assertRefused(await cli(['token', 'create', '--user', '../eve', '--role', 'admin'], server.adminToken), 'invalid user name: "../eve" must not contain a path separator');
  assertRefused(await cli(['token', 'create', '--user', 'eve'], server.adminToken), 'no user named "eve"; give a role to create it');
  assertRefused(await cli(['token', 'revoke', 'x1'], server.adminToken), 'token id must be a positive whole number, not "x1"');
  assertRefused(await cli(['token', 'revoke', '424242'], server.adminToken), 'no token with id 424242');
  assert.deepEqual(await users(), before);
});

test('no server, a bad server URL, and a server that does not answer', async () => {
  assertRefused(await runCli(['platform', 'list'], { env: NO_ENV }), 'no server given: pass --server URL or set DISTFORGE_URL');
  assertRefused(await runCli(['platform', 'list', '--server', 'localhost:8080'], { env: NO_ENV }), /^distforge: invalid server URL "localhost:8080"/);
  const free = createServer();
  await new Promise<void>((done) => free.listen(0, '127.0.0.1', done));
  const { port } = free.address() as AddressInfo;
  await new Promise<void>((done) => free.close(() => done()));
  for (const args of [['platform', 'list'], ['node', 'list', '--token', 'df_x']]) {
    assertRefused(await runCli([...args, '--server', `http://127.0.0.1:${port}`], { env: NO_ENV }), `cannot reach http://127.0.0.1:${port}: connection refused`);
  }
});
