/**
 * OpenPGP packet framing (RFC 4880 §4.2): old- and new-format headers with their length
 * encodings. Every length is checked against the buffer.
 */
import { PgpError } from './errors.ts';

/** One packet: its tag and a view of its body. */
export interface Packet {
  tag: number;
  body: Buffer;
}

/** Reads the packet at `pos`; returns it and the offset after it. */
export function readPacket(buf: Buffer, pos: number): { packet: Packet; next: number } {
  const first = buf[pos];
  if (first === undefined) throw new PgpError('truncated packet header');
  if ((first & 0x80) === 0) throw new PgpError(`not an OpenPGP packet (byte 0x${first.toString(16)})`);
  let tag: number;
  let len: number;
  let at = pos + 1;
  const need = (n: number): void => {
    if (at + n > buf.length) throw new PgpError('truncated packet length');
  };
  if (first & 0x40) {
    tag = first & 0x3f;
    need(1);
    const l0 = buf[at++] ?? 0;
    if (l0 < 192) len = l0;
    else if (l0 < 224) {
      need(1);
      len = ((l0 - 192) << 8) + (buf[at++] ?? 0) + 192;
    } else if (l0 === 255) {
      need(4);
      len = buf.readUInt32BE(at);
      at += 4;
    } else throw new PgpError('partial-length packets are not supported here');
  } else {
    tag = (first >> 2) & 0x0f;
    const lt = first & 3;
    if (lt === 0) {
      need(1);
      len = buf[at++] ?? 0;
    } else if (lt === 1) {
      need(2);
      len = buf.readUInt16BE(at);
      at += 2;
    } else if (lt === 2) {
      need(4);
      len = buf.readUInt32BE(at);
      at += 4;
    } else len = buf.length - at;
  }
  if (at + len > buf.length) throw new PgpError(`packet body of ${len} bytes runs past the data`);
  return { packet: { tag, body: buf.subarray(at, at + len) }, next: at + len };
}

/** Reads a multiprecision integer at `pos` of `body`; returns its bytes and the next offset. */
export function readMpi(body: Buffer, pos: number): { value: Buffer; next: number } {
  if (pos + 2 > body.length) throw new PgpError('truncated MPI');
  const bits = body.readUInt16BE(pos);
  const bytes = (bits + 7) >> 3;
  if (pos + 2 + bytes > body.length) throw new PgpError('MPI runs past the packet');
  return { value: body.subarray(pos + 2, pos + 2 + bytes), next: pos + 2 + bytes };
}
