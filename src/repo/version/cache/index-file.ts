/**
 * The version cache's index: one file that says where every cached fragment and chunk is, read
 * whole and checked at the start of a render (about 170 bytes per package: 12 MB for 70,000).
 *
 * Layout: `DFVINDEX`, a u32 length and a JSON header (format, render version, byte order, the
 * packs, record counts and the sha256 of the body), padded to 8 bytes, then the body: fragment
 * records (16 u32 words each), chunk records (8 words each), fragment pkgIds and digests (32
 * bytes each), chunk keys (32 bytes each) and the hrefs (UTF-8, one per line). The words are
 * copied straight into typed arrays; nothing is parsed per record but the hrefs. An index that
 * does not decode, or whose body does not match its sha256, is ignored (the render starts empty).
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import type { PackInfo, PackKind } from './packs.ts';

const MAGIC = 'DFVINDEX';
const FORMAT = 1;

/** Words of a fragment record. */
export const FW = {
  width: 16,
  pack: 0,
  /** Offsets: lo, hi pairs at 1–2, 3–4, 5–6 for the three kinds. */
  off: 1,
  /** Lengths of the three fragments at 7, 8, 9. */
  len: 7,
  timeLo: 10,
  timeHi: 11,
  limit: 12,
  /** Days since the epoch it was last used. */
  used: 13,
  /** 1 when the record is not to be used or kept (in memory only). */
  dead: 14,
} as const;

/** Words of a chunk record. */
export const CW = {
  width: 10,
  pack: 0,
  offLo: 1,
  offHi: 2,
  len: 3,
  openLen: 4,
  /** CRC-32 of the compressed bytes, and of the uncompressed ones. */
  crc: 5,
  openCrc: 6,
  used: 7,
  /** As FW.dead. */
  dead: 8,
} as const;

export interface FragmentColumns {
  count: number;
  words: Uint32Array;
  /** pkgIds, 32 bytes each. */
  ids: Buffer;
  /** sha256 of each package's three fragments, 32 bytes each. */
  digests: Buffer;
  hrefs: string[];
}

export interface ChunkColumns {
  count: number;
  words: Uint32Array;
  /** Chunk keys, 32 bytes each. */
  keys: Buffer;
}

export interface IndexData {
  packs: PackInfo[];
  frags: FragmentColumns;
  chunks: ChunkColumns;
}

interface Header {
  format: number;
  render: number;
  endian: string;
  packs: [PackKind, string, number][];
  fragments: number;
  chunks: number;
  hrefBytes: number;
  sha256: string;
}

function bytesOf(words: Uint32Array, count: number): Buffer {
  return Buffer.from(words.buffer, words.byteOffset, count * 4);
}

/** The index file's bytes. */
export function encodeIndex(d: IndexData, render: number): Buffer {
  const { frags, chunks } = d;
  const hrefs = Buffer.from(frags.hrefs.slice(0, frags.count).join('\n'), 'utf8');
  const body = [
    bytesOf(frags.words, frags.count * FW.width),
    bytesOf(chunks.words, chunks.count * CW.width),
    frags.ids.subarray(0, frags.count * 32),
    frags.digests.subarray(0, frags.count * 32),
    chunks.keys.subarray(0, chunks.count * 32),
    hrefs,
  ];
  const sha = createHash('sha256');
  for (const b of body) sha.update(b);
  const header: Header = {
    format: FORMAT,
    render,
    endian: endianness(),
    packs: d.packs.map((p) => [p.kind, p.id, p.size]),
    fragments: frags.count,
    chunks: chunks.count,
    hrefBytes: hrefs.length,
    sha256: sha.digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headLen = 12 + json.length;
  const head = Buffer.alloc(headLen + ((8 - (headLen % 8)) % 8));
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, 8);
  json.copy(head, 12);
  return Buffer.concat([head, ...body]);
}

function words(buf: Buffer, at: number, count: number): Uint32Array {
  const out = new Uint32Array(Math.max(count, 16));
  new Uint8Array(out.buffer).set(buf.subarray(at, at + count * 4));
  return out;
}

/** The index in `buf`, or null when it is not one, is damaged, or was made by another renderer. */
export function decodeIndex(buf: Buffer, render: number): IndexData | null {
  try {
    if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) return null;
    const jsonLen = buf.readUInt32LE(8);
    const h = JSON.parse(buf.toString('utf8', 12, 12 + jsonLen)) as Header;
    if (h.format !== FORMAT || h.render !== render || h.endian !== endianness()) return null;
    let at = 12 + jsonLen;
    at += (8 - (at % 8)) % 8;
    const n = h.fragments;
    const m = h.chunks;
    const bodyLen = n * FW.width * 4 + m * CW.width * 4 + n * 64 + m * 32 + h.hrefBytes;
    if (!Number.isInteger(bodyLen) || buf.length !== at + bodyLen) return null;
    if (createHash('sha256').update(buf.subarray(at)).digest('hex') !== h.sha256) return null;
    const fw = words(buf, at, n * FW.width);
    at += n * FW.width * 4;
    const cw = words(buf, at, m * CW.width);
    at += m * CW.width * 4;
    const ids = Buffer.from(buf.subarray(at, at + n * 32));
    at += n * 32;
    const digests = Buffer.from(buf.subarray(at, at + n * 32));
    at += n * 32;
    const keys = Buffer.from(buf.subarray(at, at + m * 32));
    at += m * 32;
    const hrefs = n === 0 ? [] : buf.toString('utf8', at, at + h.hrefBytes).split('\n');
    if (hrefs.length !== n) return null;
    const packs = h.packs.map(([kind, id, size]) => ({ kind, id, size }));
    return { packs, frags: { count: n, words: fw, ids, digests, hrefs }, chunks: { count: m, words: cw, keys } };
  } catch {
    return null;
  }
}
