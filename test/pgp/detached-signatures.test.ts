/**
 * Detached signatures: the ones we make with Node's crypto (RSA 2048 and ed25519 corpus keys;
 * RSA 4096 in test/rpm/sign-verify.test.ts) check with openpgp.js — an independent
 * implementation — and with our own checker; a changed byte, another key, a non-signature or two
 * packets are refused, with the reason; what is kept is the checked packet alone, armored anew.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import * as openpgp from 'openpgp';
import { verifyDetachedArmored } from '../../src/pgp/detached.ts';
import { readPublicKeys } from '../../src/pgp/keys.ts';
import { nativeKey } from '../../src/pgp/native-sign.ts';
import { readSecretKey, signDetached, signDetachedArmored } from '../../src/pgp/secret-key.ts';
import { corpusKey } from '../support/corpus.ts';

const KEYS = [
  { name: 'rsa2048', secret: 'rpm.org-rsa-2048-test.secret', pub: 'rpm.org-rsa-2048-test.pub' },
  { name: 'ed25519', secret: 'rpm.org-ed25519-test.secret', pub: 'rpm.org-ed25519-test.pub' },
];

describe('detached signatures', () => {
  for (const k of KEYS) {
    test(`${k.name}: a signature made with Node's crypto checks with openpgp.js and with ours`, async () => {
      const secret = await readSecretKey(readFileSync(corpusKey(k.secret), 'utf8'));
      assert.ok(await nativeKey(secret.key), 'the key is signed with natively');
      const data = Buffer.from('<?xml version="1.0"?>\n<repomd xmlns="http://linux.duke.edu/metadata/repo"/>\n');
      const binary = await signDetached(secret, data);
      const publicKey = await openpgp.readKey({ armoredKey: readFileSync(corpusKey(k.pub), 'utf8') });
      const theirs = await openpgp.verify({ message: await openpgp.createMessage({ binary: data }), signature: await openpgp.readSignature({ binarySignature: binary }), verificationKeys: publicKey, format: 'binary' });
      const [first] = theirs.signatures;
      assert.ok(first);
      assert.equal(await first.verified, true);
      assert.equal(first.keyID.toHex(), secret.signingKeyId);

      const ring = await readPublicKeys(readFileSync(corpusKey(k.pub), 'utf8'));
      const armored = await signDetachedArmored(secret, data);
      assert.match(armored, /^-----BEGIN PGP SIGNATURE-----/);
      assert.equal((await verifyDetachedArmored(armored, data, ring)).status, 'OK');
      const changed = Buffer.from(data);
      changed[5] = 0x41;
      const bad = await verifyDetachedArmored(armored, changed, ring);
      assert.equal(bad.status, 'BAD');
    });
  }

  test('exactly one signature packet is taken, and what is kept is that packet armored anew', async () => {
    const secret = await readSecretKey(readFileSync(corpusKey('rpm.org-rsa-2048-test.secret'), 'utf8'));
    const ring = await readPublicKeys(readFileSync(corpusKey('rpm.org-rsa-2048-test.pub'), 'utf8'));
    const data = Buffer.from('repomd bytes');
    const good = await signDetachedArmored(secret, data);
    const wrapped = `text before the armor\n${good.replace('-----BEGIN PGP SIGNATURE-----\n', '-----BEGIN PGP SIGNATURE-----\nComment: added by someone\n')}<script>after</script>\n`;
    const kept = await verifyDetachedArmored(wrapped, data, ring);
    assert.equal(kept.status, 'OK');
    assert.ok(kept.armored?.startsWith('-----BEGIN PGP SIGNATURE-----'));
    for (const junk of ['text before', 'Comment: added', '<script>']) assert.ok(!kept.armored?.includes(junk), junk);
    assert.equal((await verifyDetachedArmored(kept.armored ?? '', data, ring)).status, 'OK');
    const two = openpgp.armor(openpgp.enums.armor.signature, Buffer.concat([await signDetached(secret, data), await signDetached(secret, Buffer.from('other'))]));
    const refused = await verifyDetachedArmored(two, data, ring);
    assert.equal(refused.status, 'BAD');
    assert.match(refused.detail ?? '', /2 signature packets where one is expected/);
  });

  test('another key, or text that is not a signature, is refused with the reason', async () => {
    const secret = await readSecretKey(readFileSync(corpusKey('rpm.org-rsa-2048-test.secret'), 'utf8'));
    const data = Buffer.from('data');
    const armored = await signDetachedArmored(secret, data);
    const other = await readPublicKeys(readFileSync(corpusKey('rpm.org-ed25519-test.pub'), 'utf8'));
    assert.equal((await verifyDetachedArmored(armored, data, other)).status, 'NOKEY');
    const garbage = await verifyDetachedArmored('-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n', data, other);
    assert.equal(garbage.status, 'BAD');
    assert.match(garbage.detail ?? '', /signature/i);
  });
});
