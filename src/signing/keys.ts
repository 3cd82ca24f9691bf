/**
 * The public keys the master knows: registered by the signers that hold them (only public keys
 * are accepted: a private key block is refused and never stored), served to users as RPM-GPG-KEY
 * files, and allowed per platform by an admin.
 */
import * as openpgp from 'openpgp';
import type { Context } from '../context.ts';
import { NotFoundError, UsageError } from '../errors.ts';
import { keyInfo, type KeyInfo } from '../pgp/key-info.ts';
import { findPlatform } from '../platforms/index.ts';
import { inTransaction } from '../scheduler/index.ts';
import { BadPublicKeyError } from './errors.ts';
import { signingDb } from './schema.ts';

/** A key as the API lists it. */
export interface KeyView {
  keyid: string;
  fingerprint: string;
  algorithm: string;
  userIds: string[];
  created: string;
  /** Platforms whose packages it may sign. */
  platforms: string[];
  /** The signer holding it (node name), null once that node is gone. */
  signer: string | null;
}

/** Upper-case 16-hex key id, or a clear error. @throws UsageError */
export function checkKeyId(keyid: string): string {
  if (!/^[0-9A-Fa-f]{16}$/.test(keyid)) throw new UsageError(`invalid key id "${keyid}": 16 hex digits, e.g. 8118846FB570ED39`);
  return keyid.toUpperCase();
}

async function readPublic(armored: string, index: number): Promise<{ key: openpgp.PublicKey; info: KeyInfo }> {
  if (/-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(armored)) throw new BadPublicKeyError(`keys[${index}]: a private key block: only public keys may reach the master`);
  let key: openpgp.Key;
  try {
    key = await openpgp.readKey({ armoredKey: armored });
  } catch (e) {
    throw new BadPublicKeyError(`keys[${index}]: not an ASCII-armored OpenPGP public key (${(e as Error).message})`);
  }
  if (key.isPrivate()) throw new BadPublicKeyError(`keys[${index}]: a private key: only public keys may reach the master`);
  try {
    return { key: key as openpgp.PublicKey, info: await keyInfo(key) };
  } catch (e) {
    throw new BadPublicKeyError(`keys[${index}]: ${(e as Error).message}`);
  }
}

/**
 * Records the public keys a signer holds (new keys are added, known ones point to this signer).
 * Nothing is stored unless every key reads as a public signing key.
 * @throws BadPublicKeyError
 */
export async function registerKeys(ctx: Context, nodeId: number, armoredKeys: readonly string[]): Promise<KeyInfo[]> {
  const keys: { key: openpgp.PublicKey; info: KeyInfo }[] = [];
  for (const [i, armored] of armoredKeys.entries()) keys.push(await readPublic(armored, i));
  await inTransaction(ctx, async (t) => {
    const tx = signingDb(t);
    for (const { key, info } of keys) {
      const values = {
        keyid: info.keyid,
        fingerprint: info.fingerprint,
        algorithm: info.algorithm,
        user_ids: JSON.stringify(info.userIds),
        public_key: key.armor(),
        key_created_at: key.getCreationTime().getTime(),
        node_id: nodeId,
        registered_at: ctx.now(),
      };
      await tx
        .insertInto('signing_keys')
        .values(values)
        .onConflict((oc) => oc.column('keyid').doUpdateSet({ node_id: nodeId, public_key: values.public_key, user_ids: values.user_ids }))
        .execute();
    }
  });
  return keys.map((k) => k.info);
}

/** Every key with the platforms it may sign. */
export async function listKeys(ctx: Context): Promise<KeyView[]> {
  const db = signingDb(ctx);
  const [keys, allowed] = await Promise.all([
    db.selectFrom('signing_keys as k').leftJoin('nodes as n', 'n.id', 'k.node_id').select(['k.keyid', 'k.fingerprint', 'k.algorithm', 'k.user_ids', 'k.key_created_at', 'n.name as signer']).orderBy('k.keyid').execute(),
    db.selectFrom('platform_keys').selectAll().orderBy('platform').execute(),
  ]);
  return keys.map((k) => ({
    keyid: k.keyid,
    fingerprint: k.fingerprint,
    algorithm: k.algorithm,
    userIds: JSON.parse(k.user_ids) as string[],
    created: new Date(k.key_created_at).toISOString(),
    platforms: allowed.filter((a) => a.keyid === k.keyid).map((a) => a.platform),
    signer: k.signer ?? null,
  }));
}

/** One key. @throws NotFoundError */
export async function getKey(ctx: Context, keyid: string): Promise<KeyView> {
  const id = checkKeyId(keyid);
  const key = (await listKeys(ctx)).find((k) => k.keyid === id);
  if (!key) throw new NotFoundError(`key ${id} is not known (a signer registers its keys when it starts)`);
  return key;
}

/** The armored public key (an RPM-GPG-KEY file). @throws NotFoundError */
export async function publicKeyFile(ctx: Context, keyid: string): Promise<string> {
  const id = checkKeyId(keyid);
  const row = await signingDb(ctx).selectFrom('signing_keys').select('public_key').where('keyid', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`key ${id} is not known`);
  return row.public_key.endsWith('\n') ? row.public_key : `${row.public_key}\n`;
}

/** Sets the platforms a key may sign (replacing the list). @throws NotFoundError for the key or a platform */
export async function setKeyPlatforms(ctx: Context, keyid: string, platforms: readonly string[]): Promise<KeyView> {
  const id = checkKeyId(keyid);
  await getKey(ctx, id);
  for (const p of platforms) {
    if (!(await findPlatform(ctx, p).catch(() => null))) throw new NotFoundError(`platform ${p} does not exist`);
  }
  await inTransaction(ctx, async (t) => {
    const tx = signingDb(t);
    await tx.deleteFrom('platform_keys').where('keyid', '=', id).execute();
    if (platforms.length > 0) await tx.insertInto('platform_keys').values([...new Set(platforms)].map((platform) => ({ platform, keyid: id }))).execute();
  });
  return getKey(ctx, id);
}

/** The keys allowed for a platform. */
export async function platformKeys(ctx: Context, platform: string): Promise<string[]> {
  const rows = await signingDb(ctx).selectFrom('platform_keys').select('keyid').where('platform', '=', platform).orderBy('keyid').execute();
  return rows.map((r) => r.keyid);
}
