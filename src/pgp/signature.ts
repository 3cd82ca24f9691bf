/**
 * Parsing OpenPGP signature packets (v3 and v4; v5/v6 are recognised and reported as
 * unsupported) into what verification and `rpm info` need: algorithms, issuer key id, creation
 * time, the trailer to hash after the signed data, and the signature values.
 *
 * Terminology:
 * - issuer: the key id (last 8 bytes of the fingerprint) of the key that made the signature.
 * - trailer: bytes hashed after the signed data (v3: type and time; v4: the hashed subpackets
 *   plus a final 0x04 0xff length marker).
 * - left16: the first two bytes of the digest, stored in the packet as a quick check.
 */
import { createHash, type Hash } from 'node:crypto';
import { hashAlgoName, nodeHashName, pubkeyAlgoName } from './algorithms.ts';
import { PgpError } from './errors.ts';
import { readMpi, readPacket } from './packets.ts';

const SIGNATURE_PACKET = 2;
const SUBPACKET_CREATED = 2;
const SUBPACKET_ISSUER = 16;
const SUBPACKET_ISSUER_FPR = 33;

/** A parsed signature packet. */
export interface PgpSignature {
  version: number;
  sigType: number;
  pubkeyAlgo: number;
  hashAlgo: number;
  /** Creation time, seconds since the epoch (0 when the packet has none). */
  created: number;
  /** Issuer key id, 16 lower-case hex digits, or null when the packet names none. */
  issuer: string | null;
  /** Issuer fingerprint (lower-case hex) when the packet carries one. */
  issuerFingerprint: string | null;
  trailer: Buffer;
  left16: Buffer;
  /** Signature values: [s] for RSA, [r, s] for DSA/ECDSA/EdDSA. */
  values: Buffer[];
}

function readSubpackets(area: Buffer, sig: PgpSignature): void {
  let pos = 0;
  while (pos < area.length) {
    const l0 = area[pos] ?? 0;
    let len: number;
    if (l0 < 192) {
      len = l0;
      pos += 1;
    } else if (l0 < 255) {
      if (pos + 2 > area.length) throw new PgpError('truncated subpacket length');
      len = ((l0 - 192) << 8) + (area[pos + 1] ?? 0) + 192;
      pos += 2;
    } else {
      if (pos + 5 > area.length) throw new PgpError('truncated subpacket length');
      len = area.readUInt32BE(pos + 1);
      pos += 5;
    }
    if (len < 1 || pos + len > area.length) throw new PgpError('subpacket runs past its area');
    const type = (area[pos] ?? 0) & 0x7f;
    const data = area.subarray(pos + 1, pos + len);
    if (type === SUBPACKET_CREATED && data.length === 4) sig.created = data.readUInt32BE(0);
    else if (type === SUBPACKET_ISSUER && data.length === 8) sig.issuer = data.toString('hex');
    else if (type === SUBPACKET_ISSUER_FPR && data.length >= 21) sig.issuerFingerprint = data.subarray(1).toString('hex');
    pos += len;
  }
}

function readValues(body: Buffer, pos: number, pubkeyAlgo: number): Buffer[] {
  const values: Buffer[] = [];
  const n = pubkeyAlgo === 1 || pubkeyAlgo === 3 ? 1 : 2;
  for (let i = 0; i < n; i++) {
    const m = readMpi(body, pos);
    values.push(m.value);
    pos = m.next;
  }
  return values;
}

function parseV3(body: Buffer): PgpSignature {
  if (body.length < 19) throw new PgpError('truncated v3 signature');
  if (body[1] !== 5) throw new PgpError('bad v3 signature hashed length');
  const sig: PgpSignature = {
    version: 3,
    sigType: body[2] ?? 0,
    created: body.readUInt32BE(3),
    issuer: body.subarray(7, 15).toString('hex'),
    issuerFingerprint: null,
    pubkeyAlgo: body[15] ?? 0,
    hashAlgo: body[16] ?? 0,
    left16: body.subarray(17, 19),
    trailer: body.subarray(2, 7),
    values: [],
  };
  sig.values = readValues(body, 19, sig.pubkeyAlgo);
  return sig;
}

function parseV4(body: Buffer): PgpSignature {
  if (body.length < 6) throw new PgpError('truncated v4 signature');
  const hashedLen = body.readUInt16BE(4);
  const hashedEnd = 6 + hashedLen;
  if (hashedEnd + 2 > body.length) throw new PgpError('v4 signature hashed area runs past the packet');
  const unhashedLen = body.readUInt16BE(hashedEnd);
  const unhashedEnd = hashedEnd + 2 + unhashedLen;
  if (unhashedEnd + 2 > body.length) throw new PgpError('v4 signature unhashed area runs past the packet');
  const tail = Buffer.alloc(6);
  tail[0] = 4;
  tail[1] = 0xff;
  tail.writeUInt32BE(hashedEnd, 2);
  const sig: PgpSignature = {
    version: 4,
    sigType: body[1] ?? 0,
    pubkeyAlgo: body[2] ?? 0,
    hashAlgo: body[3] ?? 0,
    created: 0,
    issuer: null,
    issuerFingerprint: null,
    left16: body.subarray(unhashedEnd, unhashedEnd + 2),
    trailer: Buffer.concat([body.subarray(0, hashedEnd), tail]),
    values: [],
  };
  readSubpackets(body.subarray(6, hashedEnd), sig);
  readSubpackets(body.subarray(hashedEnd + 2, unhashedEnd), sig);
  if (sig.issuer === null && sig.issuerFingerprint !== null) sig.issuer = sig.issuerFingerprint.slice(-16);
  sig.values = readValues(body, unhashedEnd + 2, sig.pubkeyAlgo);
  return sig;
}

/**
 * Parses one binary OpenPGP signature packet (as rpm stores it in the signature header).
 * @throws PgpError when the bytes are not a signature packet or are malformed.
 */
export function parseSignature(bytes: Buffer): PgpSignature {
  const { packet } = readPacket(bytes, 0);
  if (packet.tag !== SIGNATURE_PACKET) throw new PgpError(`expected a signature packet, found packet type ${packet.tag}`);
  const version = packet.body[0];
  if (version === 3) return parseV3(packet.body);
  if (version === 4) return parseV4(packet.body);
  throw new PgpError(`unsupported signature version ${version ?? '?'}`, { unsupported: true });
}

/** Starts the hash a signature covers; feed it the signed data, then call {@link finishSignatureHash}. */
export function startSignatureHash(sig: PgpSignature): Hash {
  const name = nodeHashName(sig.hashAlgo);
  if (!name) throw new PgpError(`unsupported hash algorithm ${hashAlgoName(sig.hashAlgo)}`);
  return createHash(name);
}

/** Adds the signature's trailer and returns the final digest. */
export function finishSignatureHash(sig: PgpSignature, hash: Hash): Buffer {
  hash.update(sig.trailer);
  return hash.digest();
}

/** rpm's description, e.g. `V4 RSA/SHA256 Signature, key ID 1964c5fc`. */
export function describeSignature(sig: PgpSignature): string {
  const id = sig.issuer ? sig.issuer.slice(-8) : '(none)';
  return `V${sig.version} ${pubkeyAlgoName(sig.pubkeyAlgo)}/${hashAlgoName(sig.hashAlgo)} Signature, key ID ${id}`;
}
