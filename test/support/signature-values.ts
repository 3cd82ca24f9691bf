/**
 * Forging the values of an OpenPGP signature packet (RSA's s; DSA's and EdDSA's r and s) while
 * keeping its 16-bit digest prefix, so that only the signature mathematics can tell the signature
 * is bad. The packet is read by a parser of this file's own (v3 and v4, RFC 4880 §5.2), not
 * src/pgp's, so that a fault there cannot hide a fault of the forgery; and the RPM signature
 * header entries are found the same way.
 */
import { createHash } from 'node:crypto';

const HASH_NAMES: Record<number, string> = { 2: 'sha1', 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224' };

/** Where things are in a signature packet (offsets from the packet's first byte). */
export interface SignatureLayout {
  version: number;
  pubkeyAlgo: number;
  hashAlgo: number;
  /** Bytes hashed after the signed data. */
  trailer: Buffer;
  left16At: number;
  /** The signature values' bytes (after each MPI's bit count). */
  values: { start: number; end: number }[];
}

function u8(b: Buffer, at: number): number {
  const v = b[at];
  if (v === undefined) throw new Error(`signature packet truncated at ${at}`);
  return v;
}

/** The layout of the signature packet `packet` (old- or new-format header). */
export function signatureLayout(packet: Buffer): SignatureLayout {
  const first = u8(packet, 0);
  let tag: number;
  let body: number;
  if (first & 0x40) {
    tag = first & 0x3f;
    const l0 = u8(packet, 1);
    body = l0 < 192 ? 2 : l0 < 224 ? 3 : 6;
  } else {
    tag = (first >> 2) & 0x0f;
    body = 1 + (({ 0: 1, 1: 2, 2: 4 } as Record<number, number>)[first & 3] ?? 0);
  }
  if (tag !== 2) throw new Error(`packet type ${tag} is not a signature`);
  const version = u8(packet, body);
  let valuesAt: number;
  let layout: Omit<SignatureLayout, 'values'>;
  if (version === 3) {
    layout = {
      version,
      pubkeyAlgo: u8(packet, body + 15),
      hashAlgo: u8(packet, body + 16),
      trailer: packet.subarray(body + 2, body + 7),
      left16At: body + 17,
    };
    valuesAt = body + 19;
  } else if (version === 4) {
    const hashedEnd = 6 + packet.readUInt16BE(body + 4);
    const unhashedEnd = hashedEnd + 2 + packet.readUInt16BE(body + hashedEnd);
    const tail = Buffer.from([4, 0xff, 0, 0, 0, 0]);
    tail.writeUInt32BE(hashedEnd, 2);
    layout = {
      version,
      pubkeyAlgo: u8(packet, body + 2),
      hashAlgo: u8(packet, body + 3),
      trailer: Buffer.concat([packet.subarray(body, body + hashedEnd), tail]),
      left16At: body + unhashedEnd,
    };
    valuesAt = body + unhashedEnd + 2;
  } else throw new Error(`signature version ${version} is not v3 or v4`);
  const count = layout.pubkeyAlgo === 1 || layout.pubkeyAlgo === 3 ? 1 : 2;
  const values: { start: number; end: number }[] = [];
  for (let i = 0, at = valuesAt; i < count; i++) {
    const bytes = (packet.readUInt16BE(at) + 7) >> 3;
    values.push({ start: at + 2, end: at + 2 + bytes });
    at += 2 + bytes;
  }
  if ((values.at(-1)?.end ?? 0) > packet.length) throw new Error('signature values run past the packet');
  return { ...layout, values };
}

/** True when the packet's 16-bit digest prefix matches `signed` (the data the signature covers). */
export function digestPrefixHolds(packet: Buffer, signed: Buffer): boolean {
  const l = signatureLayout(packet);
  const name = HASH_NAMES[l.hashAlgo];
  if (!name) throw new Error(`hash algorithm ${l.hashAlgo} is not known here`);
  const digest = createHash(name).update(signed).update(l.trailer).digest();
  return digest.subarray(0, 2).equals(packet.subarray(l.left16At, l.left16At + 2));
}

/**
 * A copy of `packet` with one bit of signature value `index` flipped, in the middle of the value
 * (its length and bit count, the digest prefix and everything hashed stay as they were).
 */
export function withValueChanged(packet: Buffer, index: number): Buffer {
  const v = signatureLayout(packet).values[index];
  if (!v) throw new Error(`the signature has no value ${index}`);
  const out = Buffer.from(packet);
  const at = v.start + ((v.end - v.start) >> 1);
  out[at] = u8(out, at) ^ 0x01;
  return out;
}

/** The byte range of signature-header entry `tag` in an RPM file (lead of 96 bytes, then the header). */
export function rpmSignatureEntry(file: Buffer, tag: number): { start: number; end: number } {
  const at = 96;
  if (file.readUInt32BE(at) !== 0x8eade801) throw new Error('no signature header magic at 96');
  const il = file.readUInt32BE(at + 8);
  const data = at + 16 + il * 16;
  for (let i = 0; i < il; i++) {
    const e = at + 16 + i * 16;
    if (file.readUInt32BE(e) === tag) {
      const start = data + file.readUInt32BE(e + 8);
      return { start, end: start + file.readUInt32BE(e + 12) };
    }
  }
  throw new Error(`no signature tag ${tag}`);
}

/** The range of the main header (what header-only signatures cover) and the file's size. */
export function rpmMainHeader(file: Buffer): { start: number; end: number } {
  const sigSize = 16 + file.readUInt32BE(96 + 8) * 16 + file.readUInt32BE(96 + 12);
  const start = 96 + sigSize + ((8 - (sigSize % 8)) % 8);
  if (file.readUInt32BE(start) !== 0x8eade801) throw new Error(`no main header magic at ${start}`);
  return { start, end: start + 16 + file.readUInt32BE(start + 8) * 16 + file.readUInt32BE(start + 12) };
}
