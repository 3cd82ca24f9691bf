/**
 * The signing commands against a real master over HTTP: `build sign`, `key list`, `key allow` and
 * `signer`, each bad input one line on stderr, exit 1, and nothing changed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, type CliResult } from '../support/cli.ts';
import { TEST_DIALECT } from '../support/db.ts';
import { api, examplePlatform, nodeToken, startTestServer, userToken, type TestServer } from '../support/server.ts';

let server: TestServer;
let dir: string;
let maintainer: string;
const NO_ENV = { DISTFORGE_URL: '', DISTFORGE_TOKEN: '', DISTFORGE_SIGNER_PASSPHRASE: '' };

before(async () => {
  server = await startTestServer({ platforms: [examplePlatform()] });
  maintainer = await userToken(server, 'signing-maint', 'maintainer');
  dir = mkdtempSync(join(tmpdir(), 'distforge-sign-cli-'));
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], token?: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli([...args, '--server', server.url, ...(token ? ['--token', token] : [])], { env: { ...NO_ENV, ...env } });
}

function assertRefused(r: CliResult, message: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr.trimEnd(), message);
}

test(`signing commands refuse bad input with one line (${TEST_DIALECT})`, async () => {
  assertRefused(await cli(['build', 'sign', '999'], maintainer), /^distforge: build 999 does not exist$/);
  assertRefused(await cli(['build', 'sign', '1']), /^distforge: this command needs a token/);
  assertRefused(await cli(['key', 'allow', 'nothex', '--platform', 'example-el9'], server.adminToken), /^distforge: invalid key id "nothex": 16 hex digits/);
  assertRefused(await cli(['key', 'allow', 'ABCDEF0123456789', '--platform', 'example-el9'], server.adminToken), /^distforge: key ABCDEF0123456789 is not known/);
  assertRefused(await cli(['key', 'allow', 'ABCDEF0123456789', '--platform', 'example-el9'], maintainer), /^distforge: this call needs the admin role/);
  const list = await cli(['key', 'list', '--json']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout), [], 'no key yet: nothing was registered by the refused calls');
  assertRefused(await runCli(['key', 'list'], { env: NO_ENV }), /^distforge: no server given: pass --server URL or set DISTFORGE_URL$/);
});

test('the signer refuses to start without a token, a passphrase or keys', async () => {
  const signer = (await nodeToken(server, 'cli-signer', { arches: ['x86_64'], capabilities: ['sign'] })).token;
  const keys = join(dir, 'empty-keys');
  writeFileSync(join(dir, 'pass'), 'p\n');
  assertRefused(await runCli(['signer', '--keys', keys, '--server', server.url], { env: NO_ENV }), /^distforge: a signer needs a node token with the sign capability/);
  assertRefused(await cli(['signer', '--keys', keys], signer), /^distforge: the key store needs a passphrase: pass --passphrase-file FILE or set DISTFORGE_SIGNER_PASSPHRASE$/);
  assertRefused(await cli(['signer', '--keys', keys, '--passphrase-file', join(dir, 'pass')], signer), /the key store holds no keys \(distforge key generate --keys/);
  assertRefused(await cli(['signer', '--keys', keys, '--passphrase-file', join(dir, 'pass'), '--max-concurrency', '0'], signer), /^distforge: --max-concurrency must be a whole number of at least 1, not "0"$/);
  assert.equal((await api<unknown[]>(server, 'GET', '/keys')).body.length, 0);
});
