/**
 * `distforge key generate|import|list` on a local key store: what a signer operator types. Each
 * bad input is one line on stderr and leaves the store as it was.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../support/cli.ts';
import { corpusKey } from '../support/corpus.ts';

const dir = mkdtempSync(join(tmpdir(), 'distforge-key-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const keys = join(dir, 'keys');
const pass = join(dir, 'pass');
writeFileSync(pass, 'secret words\n');

test('generate, import and list keys', async () => {
  const gen = await runCli(['key', 'generate', '--keys', keys, '--passphrase-file', pass, '--name', 'Example Packaging', '--email', 'pkg@example.org', '--algorithm', 'ed25519', '--json']);
  assert.equal(gen.code, 0, gen.stderr);
  const key = JSON.parse(gen.stdout) as { keyid: string; fingerprint: string; algorithm: string };
  assert.equal(key.algorithm, 'ed25519');
  const imp = await runCli(['key', 'import', corpusKey('rpm.org-rsa-2048-test.secret'), '--keys', keys], { env: { DISTFORGE_SIGNER_PASSPHRASE: 'secret words' } });
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stdout, /^imported rsa2048 key [0-9A-F]{16} \(fingerprint [0-9A-F]{40}\)\n$/);
  const list = await runCli(['key', 'list', '--keys', keys, '--json']);
  assert.equal(list.code, 0, list.stderr);
  const listed = JSON.parse(list.stdout) as { keyid: string; algorithm: string }[];
  assert.deepEqual(listed.map((k) => k.algorithm).sort(), ['ed25519', 'rsa2048']);
  assert.ok(listed.some((k) => k.keyid === key.keyid));
  const table = await runCli(['key', 'list', '--keys', keys]);
  assert.match(table.stdout, /^KEYID +ALGORITHM +CREATED +USER ID\n/);
});

test('bad input: one line naming the problem, nothing written', async () => {
  const empty = join(dir, 'empty-store');
  const cases: [string[], RegExp][] = [
    [['key', 'generate', '--keys', empty, '--name', 'n', '--email', 'a@example.org'], /^distforge: the key store needs a passphrase: pass --passphrase-file FILE or set DISTFORGE_SIGNER_PASSPHRASE$/],
    [['key', 'generate', '--keys', empty, '--passphrase-file', pass, '--name', 'n', '--email', 'nope'], /^distforge: not an e-mail address: "nope"$/],
    [['key', 'import', corpusKey('alice.asc'), '--keys', empty, '--passphrase-file', pass], /^distforge: .*alice\.asc: a public key: the signer needs the secret key/],
    [['key', 'import', join(dir, 'missing.asc'), '--keys', empty, '--passphrase-file', pass], /^distforge: .*missing\.asc: cannot read \(ENOENT\)$/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args, { env: { DISTFORGE_SIGNER_PASSPHRASE: '' } });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trimEnd(), message);
  }
  const usage = await runCli(['key', 'generate', '--name', 'n', '--email', 'a@example.org']);
  assert.equal(usage.code, 2, 'a missing --keys is a usage error');
  assert.deepEqual(readdirSync(dir).includes('empty-store') ? readdirSync(empty) : [], []);
});
