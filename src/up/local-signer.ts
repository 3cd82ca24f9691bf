/**
 * The sign server `distforge up` runs beside the master, on embedded defaults: a key store in
 * DATA/signer/keys whose passphrase is a random secret in DATA/signer/passphrase (mode 0600; an
 * operator who wants the passphrase elsewhere runs `distforge signer` with --passphrase-file or
 * DISTFORGE_SIGNER_PASSPHRASE instead), an RSA 4096 key generated on first start, a node `signer`
 * with the sign capability (token in DATA/signer.token), and the key allowed for the platforms
 * given when no key is allowed for them yet.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNodeToken } from '../auth/nodes.ts';
import type { Context } from '../context.ts';
import { hostArch } from '../node/host.ts';
import { publicKeyArmored } from '../pgp/secret-key.ts';
import { getKey, platformKeys, registerKeys, setKeyPlatforms } from '../signing/index.ts';
import { KeyStoreError } from '../signer/errors.ts';
import { generateKey, listKeys, unlockKeys } from '../signer/keystore.ts';

const SIGNER_NODE = 'signer';

export interface LocalSigner {
  token: string;
  keysDir: string;
  passphrase: string;
  /** The key the platforms were given (or already had). */
  keyid: string;
  algorithm: string;
  /** Platforms this start allowed the key for. */
  allowed: string[];
}

function readOrCreate(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

/** Prepares the local signer: passphrase, key, node token, allowances. */
export async function prepareLocalSigner(ctx: Context, platforms: readonly string[]): Promise<LocalSigner> {
  const root = join(ctx.settings.dataDir, 'signer');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const keysDir = join(root, 'keys');
  const passphrase = readOrCreate(join(root, 'passphrase'), () => randomBytes(32).toString('hex'));
  if ((await listKeys(keysDir, { missingIsEmpty: true })).length === 0) {
    await generateKey(keysDir, { algorithm: 'rsa4096', name: 'distforge local signing key', email: 'signing@distforge.localhost' }, passphrase);
  }
  const tokenFile = join(ctx.settings.dataDir, 'signer.token');
  let token: string;
  let nodeId: number;
  const known = await ctx.db.kysely.selectFrom('nodes').select('id').where('name', '=', SIGNER_NODE).executeTakeFirst();
  if (known && existsSync(tokenFile)) {
    token = readFileSync(tokenFile, 'utf8').trim();
    nodeId = known.id;
  } else {
    const issued = await createNodeToken(ctx, { name: known ? `${SIGNER_NODE}-${randomBytes(3).toString('hex')}` : SIGNER_NODE, arches: [hostArch()] as Parameters<typeof createNodeToken>[1]['arches'], capabilities: ['sign'], maxConcurrency: 2 });
    writeFileSync(tokenFile, `${issued.secret}\n`, { mode: 0o600 });
    token = issued.secret;
    nodeId = issued.node.id;
  }
  // The signer registers its keys when it starts; registered here too so that they can be allowed now.
  const keys = await unlockKeys(keysDir, passphrase);
  await registerKeys(ctx, nodeId, keys.map((k) => publicKeyArmored(k.secret)));
  const first = keys[0]?.info;
  if (!first) throw new KeyStoreError(`${keysDir}: the key store holds no keys`);
  const allowed: string[] = [];
  for (const p of platforms) if ((await platformKeys(ctx, p)).length === 0) allowed.push(p);
  if (allowed.length > 0) await setKeyPlatforms(ctx, first.keyid, [...new Set([...(await getKey(ctx, first.keyid)).platforms, ...allowed])]);
  return { token, keysDir, passphrase, keyid: first.keyid, algorithm: first.algorithm, allowed };
}
