/**
 * Checking an OpenPGP signature's mathematics over a digest already computed (see
 * startSignatureHash/finishSignatureHash), for RSA (PKCS#1 v1.5), DSA and EdDSA (ed25519).
 */
import { constants, createPublicKey, publicDecrypt, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { digestInfoPrefix, PubkeyAlgo } from './algorithms.ts';
import { findSigningKey, type PublicKeyRing, type SigningKeyMaterial } from './keys.ts';
import type { PgpSignature } from './signature.ts';

/** Outcome of a signature check, with rpm's words for each. */
export type SignatureStatus = 'OK' | 'BAD' | 'NOKEY' | 'NOTTRUSTED' | 'UNSUPPORTED';

export interface SignatureCheck {
  status: SignatureStatus;
  /** Key id (16 hex digits) of the key that verified it, when found. */
  keyId: string | null;
  detail: string | null;
}

const keyObjects = new Map<string, KeyObject>();

function b64url(b: Uint8Array): string {
  return Buffer.from(b).toString('base64url');
}

function bytesParam(params: Record<string, unknown>, name: string): Uint8Array {
  const v = params[name];
  if (!(v instanceof Uint8Array)) throw new Error(`key has no ${name} parameter`);
  return v;
}

function leftPad(b: Buffer, len: number): Buffer {
  if (b.length >= len) return b;
  return Buffer.concat([Buffer.alloc(len - b.length), b]);
}

function verifyRsa(key: SigningKeyMaterial, sig: PgpSignature, digest: Buffer): boolean {
  const n = bytesParam(key.params, 'n');
  let ko = keyObjects.get(key.fingerprint);
  if (!ko) {
    ko = createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(bytesParam(key.params, 'e')) }, format: 'jwk' });
    keyObjects.set(key.fingerprint, ko);
  }
  const prefix = digestInfoPrefix(sig.hashAlgo);
  const s = sig.values[0];
  if (!prefix || !s) return false;
  const modLen = n[0] === 0 ? n.length - 1 : n.length;
  if (s.length > modLen) return false;
  try {
    const recovered = publicDecrypt({ key: ko, padding: constants.RSA_PKCS1_PADDING }, leftPad(s, modLen));
    return recovered.equals(Buffer.concat([prefix, digest]));
  } catch {
    return false;
  }
}

function toBig(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex'));
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

function verifyDsa(key: SigningKeyMaterial, sig: PgpSignature, digest: Buffer): boolean {
  const p = toBig(bytesParam(key.params, 'p'));
  const q = toBig(bytesParam(key.params, 'q'));
  const g = toBig(bytesParam(key.params, 'g'));
  const y = toBig(bytesParam(key.params, 'y'));
  const [rb, sb] = sig.values;
  if (!rb || !sb) return false;
  const r = toBig(rb);
  const s = toBig(sb);
  if (r <= 0n || r >= q || s <= 0n || s >= q) return false;
  // The digest is truncated to the bit length of q (FIPS 186).
  const qBits = q.toString(2).length;
  let h = toBig(digest);
  const hBits = digest.length * 8;
  if (hBits > qBits) h >>= BigInt(hBits - qBits);
  const w = modInverse(s, q);
  const u1 = (h * w) % q;
  const u2 = (r * w) % q;
  const v = ((modPow(g, u1, p) * modPow(y, u2, p)) % p) % q;
  return v === r;
}

function verifyEddsa(key: SigningKeyMaterial, sig: PgpSignature, digest: Buffer): boolean {
  const q = bytesParam(key.params, 'Q');
  if (q.length !== 33 || q[0] !== 0x40) return false;
  const [r, s] = sig.values;
  if (!r || !s || r.length > 32 || s.length > 32) return false;
  let ko = keyObjects.get(key.fingerprint);
  if (!ko) {
    ko = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(q.subarray(1)) }, format: 'jwk' });
    keyObjects.set(key.fingerprint, ko);
  }
  try {
    return nodeVerify(null, digest, ko, Buffer.concat([leftPad(r, 32), leftPad(s, 32)]));
  } catch {
    return false;
  }
}

/**
 * Checks `sig` over `digest` (the data's hash including the signature trailer) against the keys
 * in `ring`. Never throws for a bad signature: the outcome is in the result.
 */
export async function checkSignature(sig: PgpSignature, digest: Buffer, ring: PublicKeyRing): Promise<SignatureCheck> {
  if (!sig.issuer) return { status: 'NOKEY', keyId: null, detail: 'signature names no issuer key' };
  if (sig.left16.length !== 2 || !digest.subarray(0, 2).equals(sig.left16)) {
    return { status: 'BAD', keyId: sig.issuer, detail: 'digest does not match the signature (left 16 bits)' };
  }
  const found = await findSigningKey(ring, sig.issuer, sig.created);
  if (found.kind === 'nokey') return { status: 'NOKEY', keyId: sig.issuer, detail: null };
  if (found.kind === 'nottrusted') return { status: 'NOTTRUSTED', keyId: sig.issuer, detail: found.reason };
  const key = found.key;
  const keyAlgo = key.algorithm === PubkeyAlgo.RSA_SIGN ? PubkeyAlgo.RSA : key.algorithm;
  const sigAlgo = sig.pubkeyAlgo === PubkeyAlgo.RSA_SIGN ? PubkeyAlgo.RSA : sig.pubkeyAlgo;
  if (keyAlgo !== sigAlgo) {
    return { status: 'BAD', keyId: key.keyId, detail: `signature algorithm ${sig.pubkeyAlgo} does not match key algorithm ${key.algorithm}` };
  }
  let ok: boolean;
  try {
    if (sigAlgo === PubkeyAlgo.RSA) ok = verifyRsa(key, sig, digest);
    else if (sigAlgo === PubkeyAlgo.DSA) ok = verifyDsa(key, sig, digest);
    else if (sigAlgo === PubkeyAlgo.EDDSA_LEGACY) ok = verifyEddsa(key, sig, digest);
    else return { status: 'UNSUPPORTED', keyId: key.keyId, detail: `public-key algorithm ${sig.pubkeyAlgo} is not supported` };
  } catch (e) {
    return { status: 'BAD', keyId: key.keyId, detail: (e as Error).message };
  }
  return ok ? { status: 'OK', keyId: key.keyId, detail: null } : { status: 'BAD', keyId: key.keyId, detail: null };
}
