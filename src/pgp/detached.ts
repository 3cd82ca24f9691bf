/**
 * Checking a detached ASCII-armored signature (as `gpg --detach-sign --armor` writes it, e.g. a
 * repository's repomd.xml.asc) over some bytes, with the same signature mathematics rpm's checks
 * use (verify.ts). Exactly one signature packet is accepted; the result carries that packet armored
 * anew, so what a caller stores and serves is the signature it checked and nothing else (no text
 * around the armor, no extra packets). Never throws for a bad or malformed signature: the outcome
 * is in the result.
 */
import * as openpgp from 'openpgp';
import { hashAlgoName } from './algorithms.ts';
import type { PublicKeyRing } from './keys.ts';
import { finishSignatureHash, parseSignature, startSignatureHash } from './signature.ts';
import { checkSignature, type SignatureCheck } from './verify.ts';

/** OpenPGP signature type of a signature over a binary document. */
const BINARY_DOCUMENT = 0x00;

/** MD5 and SHA-1: collisions can be made, so a new detached signature must not use them. */
const WEAK_HASHES = new Set([1, 2]);

export interface DetachedCheck extends SignatureCheck {
  /** The checked signature packet, ASCII-armored anew (set when status is OK). */
  armored?: string;
}

export async function verifyDetachedArmored(armored: string, data: Uint8Array, ring: PublicKeyRing): Promise<DetachedCheck> {
  let signature: openpgp.Signature;
  try {
    signature = await openpgp.readSignature({ armoredSignature: armored });
  } catch (e) {
    return { status: 'BAD', keyId: null, detail: `not an ASCII-armored OpenPGP signature: ${(e as Error).message}` };
  }
  if (signature.packets.length !== 1) return { status: 'BAD', keyId: null, detail: `${signature.packets.length} signature packets where one is expected` };
  try {
    const sig = parseSignature(Buffer.from(signature.write()));
    if (sig.sigType !== BINARY_DOCUMENT) return { status: 'BAD', keyId: sig.issuer, detail: `signature type 0x${sig.sigType.toString(16)} is not a binary-document signature` };
    if (WEAK_HASHES.has(sig.hashAlgo)) return { status: 'BAD', keyId: sig.issuer, detail: `a ${hashAlgoName(sig.hashAlgo)} signature is not accepted (SHA-2 or SHA-3 is)` };
    const hash = startSignatureHash(sig);
    hash.update(data);
    const check = await checkSignature(sig, finishSignatureHash(sig, hash), ring);
    return check.status === 'OK' ? { ...check, armored: signature.armor() } : check;
  } catch (e) {
    return { status: 'BAD', keyId: null, detail: (e as Error).message };
  }
}
