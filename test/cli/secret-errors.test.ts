/**
 * Errors never show a secret and are one line, with the real CLI against a real master on
 * 127.0.0.1: a token with a line break in it (a paste gone wrong) is refused before any request,
 * without being echoed, by client commands, `node` and `signer`; a token with only a trailing line
 * break (read from a file) works. `key list --keys` on a store that does not exist fails (exit 1).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../support/cli.ts';
import { nodeToken, startTestServer, type TestServer } from '../support/server.ts';

const work = mkdtempSync(join(tmpdir(), 'distforge-secret-errors-'));
const NO_ENV = { DISTFORGE_URL: '', DISTFORGE_TOKEN: '' };
let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

const REFUSED = 'distforge: the token (--token or DISTFORGE_TOKEN) has a line break, space or other character no distforge token has; it is not shown here: check how it was copied\n';

test('a token with a line break inside: one line, the token not shown, nothing sent', async () => {
  const [head = '', tail = ''] = [server.adminToken.slice(0, 20), server.adminToken.slice(20)];
  const broken = `${head}\n${tail}`;
  const viaFlag = await runCli(['node', 'list', '--server', server.url, '--token', broken], { env: NO_ENV });
  const viaEnv = await runCli(['token', 'list'], { env: { DISTFORGE_URL: server.url, DISTFORGE_TOKEN: broken } });
  for (const r of [viaFlag, viaEnv]) {
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, REFUSED);
  }
});

test('node and signer with such a token stop at once with the same line, instead of retrying and logging it', async () => {
  const node = await nodeToken(server, 'n1');
  const broken = `${node.token.slice(0, 10)}\r\n${node.token.slice(10)}`;
  const pass = join(work, 'pass');
  writeFileSync(pass, 'p\n');
  const runs = [
    await runCli(['node', '--server', server.url, '--token', broken, '--work', join(work, 'node-work'), '--log-level', 'info'], { env: NO_ENV, timeoutMs: 30_000 }),
    await runCli(['signer', '--server', server.url, '--token', broken, '--keys', join(work, 'keys'), '--passphrase-file', pass, '--log-level', 'info'], { env: NO_ENV, timeoutMs: 30_000 }),
  ];
  for (const r of runs) {
    assert.equal(r.code, 1);
    assert.equal(r.stderr, REFUSED);
    assert.equal(`${r.stdout}${r.stderr}`.includes(node.token.slice(10, 30)), false);
  }
});

test('a token read from a file, with its trailing line break, works', async () => {
  const r = await runCli(['node', 'list', '--json'], { env: { DISTFORGE_URL: server.url, DISTFORGE_TOKEN: `${server.adminToken}\n` } });
  assert.equal(r.code, 0, r.stderr);
});

test('key list on a key store that does not exist fails with one line', async () => {
  const missing = join(work, 'nonexistent');
  const r = await runCli(['key', 'list', '--keys', missing], { env: NO_ENV });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `distforge: ${missing}: no such key store (make one with distforge key generate --keys ${missing} …, or key import)\n`);
});

test('a token given where something else was expected is not echoed either', async () => {
  const r = await runCli(['token', 'revoke', server.adminToken], { env: { DISTFORGE_URL: server.url, DISTFORGE_TOKEN: server.adminToken } });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'distforge: token id must be a positive whole number, not "df_…"\n');
});
