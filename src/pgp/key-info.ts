/**
 * What we say about a signing key without unlocking it: the id of the (sub)key that signs,
 * the primary key's fingerprint, the algorithm (`rsa4096`, `ed25519`, …), its user ids and when it
 * was made: what the sign server's store lists and the master records with the public key.
 */
import * as openpgp from 'openpgp';
import { PubkeyAlgo } from './algorithms.ts';
import { PgpError } from './errors.ts';

export interface KeyInfo {
  /** Key id of the signing (sub)key, 16 upper-case hex digits (as `gpg --keyid-format long`). */
  keyid: string;
  /** Fingerprint of the primary key, upper-case hex. */
  fingerprint: string;
  algorithm: string;
  userIds: string[];
  /** Creation time of the primary key (ISO 8601). */
  created: string;
}

/** Algorithm name of a key packet: rsa<bits>, ed25519 (EdDSA legacy, what rpm 4 checks), dsa<bits>, … */
export function algorithmName(packet: openpgp.PublicKeyPacket | openpgp.SecretKeyPacket | openpgp.SecretSubkeyPacket | openpgp.PublicSubkeyPacket): string {
  const info = packet.getAlgorithmInfo() as { algorithm: string; bits?: number; curve?: string };
  const id = (packet as unknown as { algorithm: number }).algorithm;
  if (id === PubkeyAlgo.RSA || id === PubkeyAlgo.RSA_SIGN) return `rsa${info.bits ?? ''}`;
  if (id === PubkeyAlgo.EDDSA_LEGACY) return 'ed25519';
  if (info.curve) return info.curve.toLowerCase();
  return `${info.algorithm}${info.bits ?? ''}`;
}

/** The KeyInfo of a key (public or secret; a secret key stays locked). @throws PgpError */
export async function keyInfo(key: openpgp.Key): Promise<KeyInfo> {
  let signing: openpgp.Key | openpgp.Subkey;
  try {
    signing = await key.getSigningKey(undefined, new Date(), undefined, { ...openpgp.config, rejectPublicKeyAlgorithms: new Set() });
  } catch (e) {
    throw new PgpError(`key ${key.getFingerprint().toUpperCase()} cannot sign: ${(e as Error).message}`, { cause: e });
  }
  return {
    keyid: signing.getKeyID().toHex().toUpperCase(),
    fingerprint: key.getFingerprint().toUpperCase(),
    algorithm: algorithmName(signing.keyPacket),
    userIds: key.getUserIDs(),
    created: key.getCreationTime().toISOString(),
  };
}
