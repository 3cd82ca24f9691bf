/**
 * The sign server's key store on disk: keys generated (RSA 4096, v4 ed25519) and imported from
 * gpg-style armored exports are stored encrypted with the store passphrase (owner-only files),
 * listed without unlocking, unlocked with the passphrase only, and sign RPMs that rpmkeys accepts
 * with the public key. Bad input (empty or wrong passphrase, a public key, a key rpm cannot check)
 * is refused, naming the file, and writes nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as openpgp from 'openpgp';
import { publicKeyArmored } from '../../src/pgp/secret-key.ts';
import { buildRpm } from '../../src/rpm/index.ts';
import { signRpm } from '../../src/rpm/sign.ts';
import { generateKey, importKeys, listKeys, unlockKeys } from '../../src/signer/keystore.ts';
import { readPassphrase } from '../../src/signer/passphrase.ts';
import { corpusKey } from '../support/corpus.ts';
import { keyDb, rpmkeysCheck } from '../support/rpmkeys.ts';

const PASS = 'correct horse battery staple';
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'distforge-keystore-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function storeFiles(store: string): string[] {
  try {
    return readdirSync(store).sort();
  } catch {
    return [];
  }
}

/** Signs a fresh RPM with `key` and asks rpmkeys (holding only `pubkey`) about it. */
async function signAndCheck(secret: Parameters<typeof signRpm>[1], name: string): Promise<ReturnType<typeof rpmkeysCheck>> {
  const rpm = join(dir, `${name}-1.0-1.x86_64.rpm`);
  writeFileSync(rpm, buildRpm({ name, version: '1.0', release: '1', arch: 'x86_64', summary: 's', description: 'd', license: 'MIT' }));
  await signRpm(rpm, secret);
  const pub = join(dir, `${name}.pub.asc`);
  writeFileSync(pub, publicKeyArmored(secret));
  return rpmkeysCheck(keyDb([pub]), rpm);
}

test('generated RSA 4096 and ed25519 keys are stored encrypted, listed, unlocked and sign what rpmkeys accepts', async () => {
  const store = join(dir, 'gen');
  const rsa = await generateKey(store, { algorithm: 'rsa4096', name: 'Example Packaging', email: 'packaging@example.org' }, PASS);
  const ed = await generateKey(store, { algorithm: 'ed25519', name: 'Example Packaging (ed)', email: 'packaging@example.org' }, PASS);
  assert.equal(rsa.algorithm, 'rsa4096');
  assert.equal(ed.algorithm, 'ed25519');
  assert.match(rsa.keyid, /^[0-9A-F]{16}$/);
  assert.deepEqual(storeFiles(store), [`${rsa.fingerprint}.key.asc`, `${ed.fingerprint}.key.asc`].sort());
  assert.equal(statSync(store).mode & 0o777, 0o700);
  for (const f of storeFiles(store)) {
    assert.equal(statSync(join(store, f)).mode & 0o777, 0o600, f);
    const stored = await openpgp.readPrivateKey({ armoredKey: readFileSync(join(store, f), 'utf8') });
    assert.equal(stored.isDecrypted(), false, `${f} is encrypted at rest`);
  }
  assert.deepEqual((await listKeys(store)).map((k) => k.fingerprint).sort(), [rsa.fingerprint, ed.fingerprint].sort());

  const unlocked = await unlockKeys(store, PASS);
  assert.equal(unlocked.length, 2);
  for (const k of unlocked) {
    const r = await signAndCheck(k.secret, `gen${k.info.algorithm}`);
    assert.equal(r.code, 0, r.output);
    assert.ok(r.checks.some(([name, state]) => /^Header V4 (RSA|EdDSA)\/SHA(256|512) Signature, key ID [0-9a-f]+$/.test(name) && state === 'OK'), r.output);
  }
  await assert.rejects(unlockKeys(store, 'wrong'), (e: Error) => e.message.startsWith(join(store, '')) && /cannot unlock the key with the store passphrase/.test(e.message));
});

test('a gpg-style export is imported under the store passphrase; re-importing changes nothing', async () => {
  const store = join(dir, 'imported');
  const { imported, present } = await importKeys(store, readFileSync(corpusKey('rpm.org-rsa-2048-test.secret'), 'utf8'), 'rpm.org-rsa-2048-test.secret', PASS);
  assert.equal(imported.length, 1);
  assert.equal(present.length, 0);
  assert.equal(imported[0]?.algorithm, 'rsa2048');
  const again = await importKeys(store, readFileSync(corpusKey('rpm.org-rsa-2048-test.secret'), 'utf8'), 'again', PASS);
  assert.equal(again.imported.length, 0);
  assert.equal(again.present[0]?.fingerprint, imported[0]?.fingerprint);
  const [k] = await unlockKeys(store, PASS);
  assert.ok(k);
  const r = await signAndCheck(k.secret, 'imported');
  assert.equal(r.code, 0, r.output);
  // The public key rpm.org published checks it too: the same key.
  const official = rpmkeysCheck(keyDb([corpusKey('rpm.org-rsa-2048-test.pub')]), join(dir, 'imported-1.0-1.x86_64.rpm'));
  assert.equal(official.code, 0, official.output);
});

test('bad input is refused with the reason and writes nothing', async () => {
  const store = join(dir, 'bad');
  await assert.rejects(generateKey(store, { algorithm: 'rsa4096', name: 'n', email: 'a@example.org' }, ''), /the store passphrase must not be empty/);
  await assert.rejects(generateKey(store, { algorithm: 'dsa1024' as 'rsa4096', name: 'n', email: 'a@example.org' }, PASS), /unknown key algorithm "dsa1024" \(rsa4096, ed25519\)/);
  await assert.rejects(generateKey(store, { algorithm: 'ed25519', name: 'n', email: 'not-mail' }, PASS), /not an e-mail address: "not-mail"/);
  await assert.rejects(importKeys(store, readFileSync(corpusKey('alice.asc'), 'utf8'), 'alice.asc', PASS), /^Error: alice.asc: a public key: the signer needs the secret key|alice.asc: a public key/);
  await assert.rejects(importKeys(store, 'hello', 'junk.txt', PASS), /junk.txt: not an ASCII-armored OpenPGP secret key/);
  await assert.rejects(importKeys(store, readFileSync(corpusKey('rpm.org-v6-ed25519-test.secret'), 'utf8'), 'v6.secret', PASS), /v6.secret: /);
  assert.deepEqual(storeFiles(store), [], 'nothing written');
  assert.throws(() => readPassphrase(undefined, {}), /the key store needs a passphrase: pass --passphrase-file FILE or set DISTFORGE_SIGNER_PASSPHRASE/);
  assert.throws(() => readPassphrase(join(dir, 'missing')), /missing: cannot read the passphrase file \(no such file\)/);
  writeFileSync(join(dir, 'empty'), '\n');
  assert.throws(() => readPassphrase(join(dir, 'empty')), /empty: the passphrase file is empty/);
  assert.equal(readPassphrase(undefined, { DISTFORGE_SIGNER_PASSPHRASE: 'x' }), 'x');
});
