/**
 * Checking a detached ASCII-armored signature (as `gpg --detach-sign --armor` writes it, e.g. a
 * repository's repomd.xml.asc) over some bytes, with the same signature mathematics rpm's checks
 * use (verify.ts). Never throws for a bad or malformed signature: the outcome is in the result.
 */
import * as openpgp from 'openpgp';
import type { PublicKeyRing } from './keys.ts';
import { finishSignatureHash, parseSignature, startSignatureHash } from './signature.ts';
import { checkSignature, type SignatureCheck } from './verify.ts';

/** OpenPGP signature type of a signature over a binary document. */
const BINARY_DOCUMENT = 0x00;

export async function verifyDetachedArmored(armored: string, data: Uint8Array, ring: PublicKeyRing): Promise<SignatureCheck> {
  let packet: Buffer;
  try {
    packet = Buffer.from((await openpgp.readSignature({ armoredSignature: armored })).write());
  } catch (e) {
    return { status: 'BAD', keyId: null, detail: `not an ASCII-armored OpenPGP signature: ${(e as Error).message}` };
  }
  try {
    const sig = parseSignature(packet);
    if (sig.sigType !== BINARY_DOCUMENT) return { status: 'BAD', keyId: sig.issuer, detail: `signature type 0x${sig.sigType.toString(16)} is not a binary-document signature` };
    const hash = startSignatureHash(sig);
    hash.update(data);
    return await checkSignature(sig, finishSignatureHash(sig, hash), ring);
  } catch (e) {
    return { status: 'BAD', keyId: null, detail: (e as Error).message };
  }
}
