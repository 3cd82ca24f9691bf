/**
 * Making v4 detached signatures (type 0x00, binary document, SHA256) with Node's crypto instead of
 * openpgp.js, for RSA and EdDSA (legacy ed25519) signing keys. openpgp.js converts the secret key
 * to a WebCrypto key for every signature; here the key becomes a Node KeyObject once and each
 * signature is one private-key operation on libuv's thread pool, plus a few bytes of packet.
 *
 * The packet holds, as openpgp.js and gpg write them, the creation time and issuer fingerprint
 * in the hashed area and the issuer key id in the unhashed one (rpm finds the key by either).
 *
 * Terminology (RFC 4880 §5.2.3-4):
 * - hashed part: version, type, algorithms and the hashed subpackets; hashed with the trailer
 *   (0x04 0xFF and its length) after the signed data.
 * - MPI: a big-endian integer prefixed by its bit count (2 bytes).
 */
import { createHash, createPrivateKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import type * as openpgp from 'openpgp';
import { PubkeyAlgo } from './algorithms.ts';

const SIGNATURE_PACKET = 2;
const SHA256 = 8;
const SUB_CREATION_TIME = 2;
const SUB_ISSUER = 16;
const SUB_ISSUER_FPR = 33;

/** What a native signature needs: the key object, algorithm, and the issuer's identity. */
interface NativeKey {
  keyObject: KeyObject;
  algorithm: number;
  keyId: Buffer;
  fingerprint: Buffer;
}

const b64url = (v: unknown): string => Buffer.from(v as Uint8Array).toString('base64url');
const big = (v: unknown): bigint => BigInt(`0x${Buffer.from(v as Uint8Array).toString('hex') || '0'}`);
const bytes = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(2 * Math.ceil(n.toString(16).length / 2), '0'), 'hex');

/** The Node key for an openpgp.js secret (sub)key packet, or null for an algorithm done elsewhere. */
function keyObjectOf(packet: { algorithm: number; publicParams: Record<string, unknown>; privateParams?: Record<string, unknown> }): KeyObject | null {
  const pub = packet.publicParams;
  const priv = packet.privateParams;
  if (!priv) return null;
  if (packet.algorithm === PubkeyAlgo.RSA || packet.algorithm === PubkeyAlgo.RSA_SIGN) {
    // OpenPGP's u is p⁻¹ mod q; JWK's qi is q⁻¹ mod p: swap p and q.
    const d = big(priv.d);
    const p = big(priv.p);
    const q = big(priv.q);
    const jwk = { kty: 'RSA', n: b64url(pub.n), e: b64url(pub.e), d: b64url(priv.d), p: b64url(priv.q), q: b64url(priv.p), dp: bytes(d % (q - 1n)).toString('base64url'), dq: bytes(d % (p - 1n)).toString('base64url'), qi: b64url(priv.u) };
    return createPrivateKey({ key: jwk, format: 'jwk' });
  }
  if (packet.algorithm === PubkeyAlgo.EDDSA_LEGACY) {
    const q = Buffer.from(pub.Q as Uint8Array);
    if (q.length !== 33 || q[0] !== 0x40) return null;
    return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64url(priv.seed), x: q.subarray(1).toString('base64url') }, format: 'jwk' });
  }
  return null;
}

const cache = new WeakMap<object, Promise<NativeKey | null>>();

/** The native form of `key`'s signing (sub)key (made once per key), or null when it has none. */
export function nativeKey(key: openpgp.PrivateKey): Promise<NativeKey | null> {
  let known = cache.get(key);
  if (!known) {
    known = (async () => {
      const signing = await key.getSigningKey();
      const packet = signing.keyPacket as unknown as { version: number; algorithm: number; publicParams: Record<string, unknown>; privateParams?: Record<string, unknown> };
      // v4 signatures come from v4 keys only (a v6 key makes v6 signatures: openpgp.js does it).
      if (packet.version !== 4) return null;
      const keyObject = keyObjectOf(packet);
      if (!keyObject) return null;
      return { keyObject, algorithm: packet.algorithm, keyId: Buffer.from(signing.getKeyID().toHex(), 'hex'), fingerprint: Buffer.from(signing.getFingerprint(), 'hex') };
    })().catch(() => null);
    cache.set(key, known);
  }
  return known;
}

function mpi(value: Buffer): Buffer {
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  const v = value.subarray(i);
  const bits = v.length === 0 ? 0 : (v.length - 1) * 8 + (32 - Math.clz32(v[0] ?? 0));
  const head = Buffer.alloc(2);
  head.writeUInt16BE(bits);
  return Buffer.concat([head, v]);
}

function subpacket(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([body.length + 1, type]), body]);
}

function packetHeader(length: number): Buffer {
  const tag = 0xc0 | SIGNATURE_PACKET;
  if (length < 192) return Buffer.from([tag, length]);
  if (length < 8384) return Buffer.from([tag, ((length - 192) >> 8) + 192, (length - 192) & 0xff]);
  const h = Buffer.alloc(6);
  h[0] = tag;
  h[1] = 0xff;
  h.writeUInt32BE(length, 2);
  return h;
}

function signAsync(algorithm: string | null, data: Buffer, key: KeyObject): Promise<Buffer> {
  return new Promise((done, fail) => nodeSign(algorithm, data, key, (e, sig) => (e ? fail(e) : done(sig))));
}

/** A binary detached signature packet over `data`, made at `now` (ms). */
export async function nativeSignDetached(k: NativeKey, data: Uint8Array, now = Date.now()): Promise<Buffer> {
  const time = Buffer.alloc(4);
  time.writeUInt32BE(Math.floor(now / 1000));
  const hashedSubs = Buffer.concat([subpacket(SUB_CREATION_TIME, time), subpacket(SUB_ISSUER_FPR, Buffer.concat([Buffer.from([4]), k.fingerprint]))]);
  const hashed = Buffer.concat([Buffer.from([4, 0x00, k.algorithm, SHA256, hashedSubs.length >> 8, hashedSubs.length & 0xff]), hashedSubs]);
  const tail = Buffer.alloc(6);
  tail[0] = 4;
  tail[1] = 0xff;
  tail.writeUInt32BE(hashed.length, 2);
  const trailer = Buffer.concat([hashed, tail]);
  const digest = createHash('sha256').update(data).update(trailer).digest();
  let values: Buffer[];
  if (k.algorithm === PubkeyAlgo.EDDSA_LEGACY) {
    // EdDSA signs the digest itself; the signature is R ‖ S.
    const sig = await signAsync(null, digest, k.keyObject);
    values = [mpi(sig.subarray(0, 32)), mpi(sig.subarray(32))];
  } else {
    // PKCS#1 v1.5 over SHA256(data ‖ trailer): Node hashes what it is given.
    values = [mpi(await signAsync('sha256', Buffer.concat([data, trailer]), k.keyObject))];
  }
  const unhashed = subpacket(SUB_ISSUER, k.keyId);
  const body = Buffer.concat([hashed, Buffer.from([unhashed.length >> 8, unhashed.length & 0xff]), unhashed, digest.subarray(0, 2), ...values]);
  return Buffer.concat([packetHeader(body.length), body]);
}
