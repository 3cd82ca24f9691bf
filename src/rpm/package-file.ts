/**
 * Reading the framing of an RPM file: the 96-byte lead, the signature header (padded to 8 bytes)
 * and the main header. The payload is not read here; its offset is returned so that it can be
 * streamed (payload/) or hashed (verify.ts). Only the header bytes are read from disk, so reading
 * metadata costs a few small reads however large the package.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { RpmFormatError } from './errors.ts';
import { Header, headerSize, readHeaderIntro, HEADER_INTRO_SIZE } from './header.ts';
import { RegionTag } from './tags.ts';

export const LEAD_SIZE = 96;
const LEAD_MAGIC = 0xedabeedb;
/** Lead signature type meaning "a header-structured signature follows" (the only one rpm accepts). */
const SIGTYPE_HEADERSIG = 5;

/** The lead: historical, but its magic and signature type are still checked by rpm. */
export interface RpmLead {
  major: number;
  minor: number;
  /** 0 binary, 1 source. */
  type: number;
  archnum: number;
  name: string;
  osnum: number;
  signatureType: number;
  /** The 96 bytes as stored (kept so a rewrite can copy them without reading the file again). */
  bytes: Buffer;
}

/** The parsed framing of an RPM file. Offsets are in bytes from the start of the file. */
export interface RpmFile {
  lead: RpmLead;
  signature: Header;
  header: Header;
  signatureStart: number;
  headerStart: number;
  /** Offset of the payload: also the end of the main header (createrepo_c's header-range end). */
  payloadStart: number;
  fileSize: number;
}

/** Random-access byte source: a file descriptor or an in-memory buffer. */
interface ByteSource {
  size: number;
  read(pos: number, len: number): Buffer;
}

function fdSource(fd: number): ByteSource {
  const size = fstatSync(fd).size;
  return {
    size,
    read(pos, len) {
      const n = Math.max(0, Math.min(len, size - pos));
      const buf = Buffer.allocUnsafe(n);
      let done = 0;
      while (done < n) {
        const got = readSync(fd, buf, done, n - done, pos + done);
        if (got === 0) break;
        done += got;
      }
      return done === n ? buf : buf.subarray(0, done);
    },
  };
}

function bufferSource(data: Buffer): ByteSource {
  return { size: data.length, read: (pos, len) => data.subarray(pos, Math.min(data.length, pos + len)) };
}

function parseLead(b: Buffer): RpmLead {
  if (b.length < 4 || b.readUInt32BE(0) !== LEAD_MAGIC) throw new RpmFormatError('not an RPM package (bad lead magic)', 0);
  if (b.length < LEAD_SIZE) throw new RpmFormatError('truncated lead', b.length);
  const lead: RpmLead = {
    major: b[4] ?? 0,
    minor: b[5] ?? 0,
    type: b.readUInt16BE(6),
    archnum: b.readUInt16BE(8),
    name: b.toString('latin1', 10, 76).replace(/\0.*$/s, ''),
    osnum: b.readUInt16BE(76),
    signatureType: b.readUInt16BE(78),
    bytes: Buffer.from(b.subarray(0, LEAD_SIZE)),
  };
  if (lead.major < 3 || lead.major > 4) throw new RpmFormatError(`unsupported RPM package version ${lead.major}`, 4);
  if (lead.signatureType !== SIGTYPE_HEADERSIG) throw new RpmFormatError(`illegal signature type ${lead.signatureType}`, 78);
  return lead;
}

/** Reads one header starting at `pos`; the source must hold all of it. */
function readHeaderAt(src: ByteSource, pos: number, what: string): Header {
  const intro = src.read(pos, HEADER_INTRO_SIZE);
  if (intro.length < HEADER_INTRO_SIZE) throw new RpmFormatError(`truncated ${what} header`, pos + intro.length);
  const { il, dl } = readHeaderIntro(intro, 0, pos);
  const size = headerSize(il, dl);
  // Never allocate more than the file can hold: a hostile il/dl fails here, before the read.
  if (size > src.size - pos) throw new RpmFormatError(`truncated ${what} header (needs ${size} bytes, file has ${src.size - pos})`, pos);
  return Header.parse(src.read(pos, size), pos);
}

function readFraming(src: ByteSource): RpmFile {
  const lead = parseLead(src.read(0, LEAD_SIZE));
  const signatureStart = LEAD_SIZE;
  const signature = readHeaderAt(src, signatureStart, 'signature');
  if (signature.region && signature.region.tag !== RegionTag.HEADERSIGNATURES) {
    throw new RpmFormatError(`signature header has region tag ${signature.region.tag}`, signatureStart);
  }
  const sigSize = headerSize(signature.il, signature.dl);
  const headerStart = signatureStart + sigSize + ((8 - (sigSize % 8)) % 8);
  const header = readHeaderAt(src, headerStart, 'main');
  if (header.region && header.region.tag !== RegionTag.HEADERIMMUTABLE) {
    throw new RpmFormatError(`main header has region tag ${header.region.tag}`, headerStart);
  }
  const payloadStart = headerStart + headerSize(header.il, header.dl);
  return { lead, signature, header, signatureStart, headerStart, payloadStart, fileSize: src.size };
}

/**
 * Reads lead, signature header and main header of an RPM file.
 * @throws RpmFormatError for anything that is not a well-formed RPM (with the byte offset).
 */
export function readRpmFileSync(path: string): RpmFile {
  const fd = openSync(path, 'r');
  try {
    return readFraming(fdSource(fd));
  } finally {
    closeSync(fd);
  }
}

/** Same as {@link readRpmFileSync} over bytes already in memory (a whole package, or only its head). */
export function readRpmBuffer(data: Buffer): RpmFile {
  return readFraming(bufferSource(data));
}

/**
 * How long the head of a package is (lead, signature header, main header: everything before the
 * payload), from its first bytes; null when `prefix` is too short to tell yet.
 * @throws RpmFormatError when the bytes are not the start of an RPM.
 */
export function packageHeadLength(prefix: Buffer): number | null {
  if (prefix.length < LEAD_SIZE + HEADER_INTRO_SIZE) {
    if (prefix.length >= 4 && prefix.readUInt32BE(0) !== LEAD_MAGIC) throw new RpmFormatError('not an RPM package (bad lead magic)', 0);
    return null;
  }
  parseLead(prefix);
  const sig = readHeaderIntro(prefix, LEAD_SIZE, LEAD_SIZE);
  const sigSize = headerSize(sig.il, sig.dl);
  const headerStart = LEAD_SIZE + sigSize + ((8 - (sigSize % 8)) % 8);
  if (prefix.length < headerStart + HEADER_INTRO_SIZE) return null;
  const main = readHeaderIntro(prefix, headerStart, headerStart);
  return headerStart + headerSize(main.il, main.dl);
}
