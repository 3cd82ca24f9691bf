/**
 * Public keys for verification, read with openpgp.js (armored as `gpg --armor --export` writes
 * them, or binary). openpgp.js checks self-signatures and subkey bindings; the signature
 * mathematics in verify.ts uses the key material it parsed.
 */
import * as openpgp from 'openpgp';
import { PgpError } from './errors.ts';

/** A set of public keys to verify against. */
export interface PublicKeyRing {
  keys: openpgp.Key[];
}

/** Parses one or more public keys (armored text or binary). */
export async function readPublicKeys(data: string | Uint8Array): Promise<PublicKeyRing> {
  try {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    const keys = text.includes('-----BEGIN PGP')
      ? await openpgp.readKeys({ armoredKeys: text })
      : await openpgp.readKeys({ binaryKeys: typeof data === 'string' ? Buffer.from(data, 'latin1') : data });
    return { keys };
  } catch (e) {
    throw new PgpError(`cannot read OpenPGP public key: ${(e as Error).message}`, { cause: e });
  }
}

/** Merges rings. */
export function mergeRings(rings: PublicKeyRing[]): PublicKeyRing {
  return { keys: rings.flatMap((r) => r.keys) };
}

/** The key (primary or subkey) material a signature is checked with. */
export interface SigningKeyMaterial {
  keyId: string;
  fingerprint: string;
  /** OpenPGP public-key algorithm id. */
  algorithm: number;
  /** openpgp.js public parameters: {n, e} for RSA, {p, q, g, y} for DSA, {oid, Q} for EdDSA. */
  params: Record<string, unknown>;
}

type KeyLike = openpgp.Key | openpgp.Subkey;

function materialOf(k: KeyLike): SigningKeyMaterial {
  // openpgp.js types publicParams as `object`; it is a record of the algorithm's public values.
  const packet = k.keyPacket as unknown as { algorithm: number; publicParams: Record<string, unknown> };
  return { keyId: k.getKeyID().toHex(), fingerprint: k.getFingerprint(), algorithm: packet.algorithm, params: packet.publicParams };
}

/** Result of looking up the key for an issuer. */
export type KeyLookup =
  | { kind: 'found'; key: SigningKeyMaterial }
  | { kind: 'nokey' }
  | { kind: 'nottrusted'; keyId: string; reason: string };

/**
 * Finds the key that may have made a signature by `issuer` (16 hex digits) at time `created`
 * (seconds): the primary key or a subkey with a valid binding, not revoked or expired then, and
 * allowed to sign.
 */
export async function findSigningKey(ring: PublicKeyRing, issuer: string, created: number): Promise<KeyLookup> {
  let reason: string | null = null;
  for (const key of ring.keys) {
    const match = key.getKeys().find((k) => k.getKeyID().toHex() === issuer);
    if (!match) continue;
    const id = match.getKeyID();
    try {
      const when = created > 0 ? new Date(created * 1000) : null;
      const signing = await key.getSigningKey(id, when);
      return { kind: 'found', key: materialOf(signing) };
    } catch (e) {
      reason = (e as Error).message;
    }
  }
  return reason === null ? { kind: 'nokey' } : { kind: 'nottrusted', keyId: issuer, reason };
}
