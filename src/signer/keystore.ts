/**
 * The sign server's key store: a directory of OpenPGP secret keys, each encrypted at rest with the
 * store's passphrase (OpenPGP's own S2K protection, as gpg exports protected keys) in
 * `<FINGERPRINT>.key.asc`, mode 0600, in a 0700 directory. Keys are generated here (RSA 4096 or
 * v4 ed25519, the kinds rpm 4 checks) or imported from gpg's ASCII-armored export (re-protected
 * with the store's passphrase), listed without unlocking, and unlocked all at once when the signer
 * starts. Nothing here prompts; no gpg, no agent.
 *
 * Terminology:
 * - store passphrase: the one passphrase protecting every key in the directory.
 * - source passphrase: the passphrase of a key being imported, when it differs.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { readSecretKey, type SecretKey } from '../pgp/secret-key.ts';
import { KeyStoreError } from './errors.ts';
import { keyInfo, type KeyInfo } from '../pgp/key-info.ts';

export const KEY_ALGORITHMS = ['rsa4096', 'ed25519'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

const SUFFIX = '.key.asc';

/** Creates the store directory (0700) when missing. @throws KeyStoreError when it is not a directory. */
function ensureStore(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!statSync(dir).isDirectory()) throw new KeyStoreError(`${dir}: not a directory`);
}

function keyFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw new KeyStoreError(`${dir}: cannot read the key store (${code ?? (e as Error).message})`, { cause: e });
  }
  return names.filter((n) => n.endsWith(SUFFIX)).sort().map((n) => join(dir, n));
}

/** Writes a key file whole or not at all (temp file, fsync, rename), readable by its owner only. */
function writeKeyFile(dir: string, fingerprint: string, armored: string): void {
  const target = join(dir, `${fingerprint}${SUFFIX}`);
  const temp = `${target}.tmp-${process.pid}`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, armored);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
}

async function readStoredKey(file: string): Promise<openpgp.PrivateKey> {
  try {
    return await openpgp.readPrivateKey({ armoredKey: readFileSync(file, 'utf8') });
  } catch (e) {
    throw new KeyStoreError(`${file}: not an OpenPGP secret key (${(e as Error).message})`, { cause: e });
  }
}

function checkPassphrase(passphrase: string): void {
  if (passphrase === '') throw new KeyStoreError('keys are encrypted at rest: the store passphrase must not be empty');
}

/**
 * The keys in the store, without unlocking them. A store that does not exist is an error, unless
 * `missingIsEmpty` (a store about to be made).
 * @throws KeyStoreError
 */
export async function listKeys(dir: string, options: { missingIsEmpty?: boolean } = {}): Promise<KeyInfo[]> {
  if (!options.missingIsEmpty && !existsSync(dir)) throw new KeyStoreError(`${dir}: no such key store (make one with distforge key generate --keys ${dir} …, or key import)`);
  const out: KeyInfo[] = [];
  for (const file of keyFiles(dir)) out.push(await keyInfo(await readStoredKey(file)));
  return out;
}

/** Generates a key protected by the store passphrase and stores it. @throws KeyStoreError */
export async function generateKey(dir: string, o: { algorithm: KeyAlgorithm; name: string; email: string }, passphrase: string): Promise<KeyInfo> {
  checkPassphrase(passphrase);
  if (!(KEY_ALGORITHMS as readonly string[]).includes(o.algorithm)) throw new KeyStoreError(`unknown key algorithm "${o.algorithm}" (${KEY_ALGORITHMS.join(', ')})`);
  if (!o.name.trim()) throw new KeyStoreError('a key needs a name (the user id, e.g. "Example Linux Packaging")');
  if (!/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(o.email)) throw new KeyStoreError(`not an e-mail address: "${o.email}"`);
  ensureStore(dir);
  const kind = o.algorithm === 'rsa4096' ? { type: 'rsa' as const, rsaBits: 4096 } : { type: 'ecc' as const, curve: 'ed25519Legacy' as const };
  const { privateKey } = await openpgp.generateKey({ ...kind, userIDs: [{ name: o.name, email: o.email }], passphrase, format: 'object' });
  const info = await keyInfo(privateKey);
  writeKeyFile(dir, info.fingerprint, privateKey.armor());
  return info;
}

/**
 * Imports the secret keys of an ASCII-armored export (`gpg --armor --export-secret-keys`),
 * re-protected with the store passphrase. A key already in the store is left as it is. Nothing is
 * written unless every key in the text unlocks and can sign.
 * @throws KeyStoreError naming `source`
 */
export async function importKeys(dir: string, armored: string, source: string, passphrase: string, sourcePassphrase?: string): Promise<{ imported: KeyInfo[]; present: KeyInfo[] }> {
  checkPassphrase(passphrase);
  let keys: openpgp.PrivateKey[];
  try {
    keys = await openpgp.readPrivateKeys({ armoredKeys: armored });
  } catch (e) {
    const isPublic = /BEGIN PGP PUBLIC KEY BLOCK/.test(armored);
    throw new KeyStoreError(`${source}: ${isPublic ? 'a public key: the signer needs the secret key (gpg --armor --export-secret-keys)' : `not an ASCII-armored OpenPGP secret key (${(e as Error).message})`}`, { cause: e });
  }
  const ready: { info: KeyInfo; armored: string }[] = [];
  for (const key of keys) {
    let open = key;
    if (!key.isDecrypted()) {
      try {
        open = await openpgp.decryptKey({ privateKey: key, passphrase: sourcePassphrase ?? passphrase });
      } catch (e) {
        throw new KeyStoreError(`${source}: cannot unlock key ${key.getFingerprint().toUpperCase()} (${sourcePassphrase === undefined ? 'give its passphrase with --key-passphrase-file' : 'wrong passphrase'})`, { cause: e });
      }
    }
    const protectedKey = await openpgp.encryptKey({ privateKey: open, passphrase });
    // The same checks as signing: it must sign, and with an algorithm rpm checks.
    try {
      await readSecretKey(protectedKey.armor(), passphrase);
    } catch (e) {
      throw new KeyStoreError(`${source}: key ${key.getFingerprint().toUpperCase()}: ${(e as Error).message}`, { cause: e });
    }
    ready.push({ info: await keyInfo(protectedKey), armored: protectedKey.armor() });
  }
  ensureStore(dir);
  const have = new Set((await listKeys(dir)).map((k) => k.fingerprint));
  const imported: KeyInfo[] = [];
  const present: KeyInfo[] = [];
  for (const k of ready) {
    if (have.has(k.info.fingerprint)) {
      present.push(k.info);
      continue;
    }
    writeKeyFile(dir, k.info.fingerprint, k.armored);
    imported.push(k.info);
  }
  return { imported, present };
}

/** An unlocked key with what the store says about it. */
export interface UnlockedKey {
  info: KeyInfo;
  secret: SecretKey;
}

/** Unlocks every key in the store (the signer's start). @throws KeyStoreError naming the file that does not unlock */
export async function unlockKeys(dir: string, passphrase: string): Promise<UnlockedKey[]> {
  checkPassphrase(passphrase);
  const out: UnlockedKey[] = [];
  for (const file of keyFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    let secret: SecretKey;
    try {
      secret = await readSecretKey(text, passphrase);
    } catch (e) {
      throw new KeyStoreError(`${file}: cannot unlock the key with the store passphrase (${(e as Error).message})`, { cause: e });
    }
    out.push({ info: await keyInfo(secret.key), secret });
  }
  return out;
}
