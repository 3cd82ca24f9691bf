/**
 * Secret keys for signing, read with openpgp.js from ASCII armor as `gpg --armor
 * --export-secret-keys` writes it, unlocked with a passphrase given as data (never a prompt,
 * never gpg-agent).
 */
import * as openpgp from 'openpgp';
import { PgpError } from './errors.ts';
import { PubkeyAlgo } from './algorithms.ts';
import { nativeKey, nativeSignDetached } from './native-sign.ts';

/** An unlocked secret key ready to sign. */
export interface SecretKey {
  key: openpgp.PrivateKey;
  /** Key id (16 hex digits) of the (sub)key that makes signatures. */
  signingKeyId: string;
  /** Fingerprint of the primary key. */
  fingerprint: string;
  /** OpenPGP public-key algorithm id of the signing (sub)key. */
  algorithm: number;
}

/**
 * Reads and unlocks a secret key.
 * @throws PgpError when the text is not a secret key, the key is locked and no passphrase was
 *   given, the passphrase is wrong, or the key cannot sign.
 */
export async function readSecretKey(armored: string, passphrase?: string): Promise<SecretKey> {
  let key: openpgp.PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: armored });
  } catch (e) {
    throw new PgpError(`not an ASCII-armored OpenPGP secret key: ${(e as Error).message}`, { cause: e });
  }
  if (!key.isDecrypted()) {
    if (passphrase === undefined) throw new PgpError('the secret key is protected by a passphrase and none was given');
    try {
      key = await openpgp.decryptKey({ privateKey: key, passphrase });
    } catch (e) {
      throw new PgpError(`cannot unlock the secret key: ${(e as Error).message}`, { cause: e });
    }
  }
  let signing: openpgp.PrivateKey | openpgp.Subkey;
  try {
    signing = await key.getSigningKey();
  } catch (e) {
    throw new PgpError(`the key cannot sign: ${(e as Error).message}`, { cause: e });
  }
  const algorithm = (signing.keyPacket as unknown as { algorithm: number }).algorithm;
  if (algorithm === PubkeyAlgo.ED25519 || algorithm === PubkeyAlgo.ED448) {
    throw new PgpError('rpm 4.x cannot check signatures made with RFC 9580 Ed25519/Ed448 keys; use an RSA or v4 ed25519 (EdDSA legacy) key');
  }
  return { key, signingKeyId: signing.getKeyID().toHex(), fingerprint: key.getFingerprint(), algorithm };
}

/** A detached binary signature packet over `data` (Node's crypto for RSA and EdDSA keys). */
export async function signDetached(secret: SecretKey, data: Uint8Array): Promise<Buffer> {
  const native = await nativeKey(secret.key);
  if (native) return nativeSignDetached(native, data);
  const message = await openpgp.createMessage({ binary: data });
  const sig = await openpgp.sign({ message, signingKeys: secret.key, detached: true, format: 'binary' });
  return Buffer.from(sig);
}

/** A detached ASCII-armored signature over `data` (as `gpg --detach-sign --armor`). */
export async function signDetachedArmored(secret: SecretKey, data: Uint8Array): Promise<string> {
  const message = await openpgp.createMessage({ binary: data });
  return openpgp.sign({ message, signingKeys: secret.key, detached: true, format: 'armored' });
}

/** The public half of a secret key, ASCII-armored (an RPM-GPG-KEY file). */
export function publicKeyArmored(secret: SecretKey): string {
  return secret.key.toPublic().armor();
}
