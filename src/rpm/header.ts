/**
 * The RPM header structure (used by both the signature header and the main header): an intro
 * (magic, il = index entry count, dl = data length), il index entries of 16 bytes, and dl bytes
 * of data. Values are decoded lazily, on request; every count, offset and length is checked
 * against the blob when the header is parsed, so later reads cannot go out of range.
 */
import { isUtf8 } from 'node:buffer';
import { RpmFormatError } from './errors.ts';
import { RegionTag, TagType } from './tags.ts';

/** The 8 bytes every header starts with: 8e ad e8, version 01, four reserved bytes. */
export const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);
/** Size of the intro: magic (8) + il (4) + dl (4). */
export const HEADER_INTRO_SIZE = 16;
/** Most index entries accepted (rpm: hdrchkTags). */
export const MAX_INDEX_ENTRIES = 0x00ffffff;
/** Most data bytes accepted (rpm: HEADER_DATA_MAX, 256 MiB). */
export const MAX_DATA_LENGTH = 0x0fffffff;

/** One index entry as stored: where a tag's value lives in the data store. */
export interface HeaderEntry {
  tag: number;
  type: number;
  /** Offset of the value in the data store. */
  offset: number;
  count: number;
}

/**
 * Decodes header text: UTF-8 when the bytes are valid UTF-8, else ISO-8859-1 (old packages carry
 * Latin-1 metadata; createrepo_c converts it the same way).
 */
export function decodeText(buf: Buffer, start: number, end: number): string {
  const view = buf.subarray(start, end);
  return isUtf8(view) ? view.toString('utf8') : view.toString('latin1');
}

/** Sizes of fixed-width types; 0 for variable-width ones. */
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 0, 1, 0, 0] as const;

/** Reads il and dl from a 16-byte intro at `pos` of `buf` and checks magic and limits. */
export function readHeaderIntro(buf: Buffer, pos: number, fileOffset: number): { il: number; dl: number } {
  if (buf.length - pos < HEADER_INTRO_SIZE) throw new RpmFormatError('truncated header intro', fileOffset);
  if (buf[pos] !== 0x8e || buf[pos + 1] !== 0xad || buf[pos + 2] !== 0xe8) {
    throw new RpmFormatError('bad header magic', fileOffset);
  }
  if (buf[pos + 3] !== 0x01) throw new RpmFormatError(`unsupported header version ${buf[pos + 3]}`, fileOffset + 3);
  const il = buf.readUInt32BE(pos + 8);
  const dl = buf.readUInt32BE(pos + 12);
  if (il === 0 || il > MAX_INDEX_ENTRIES) throw new RpmFormatError(`header index count ${il} out of range`, fileOffset + 8);
  if (dl > MAX_DATA_LENGTH) throw new RpmFormatError(`header data length ${dl} out of range`, fileOffset + 12);
  return { il, dl };
}

/** Total on-disk size of a header with the given il and dl. */
export function headerSize(il: number, dl: number): number {
  return HEADER_INTRO_SIZE + il * 16 + dl;
}

/** Region information of a header (its immutable part, which digests and signatures cover). */
export interface HeaderRegion {
  tag: number;
  /** Number of index entries inside the region (including the region entry itself). */
  il: number;
  /** Bytes of data inside the region (up to and including the trailer). */
  dl: number;
}

/**
 * A parsed header. `blob` holds the whole header from its magic to the end of its data store;
 * `fileOffset` is where the header starts in its file (for error messages).
 */
export class Header {
  readonly blob: Buffer;
  readonly fileOffset: number;
  readonly il: number;
  readonly dl: number;
  readonly region: HeaderRegion | null;
  private readonly entries: Map<number, HeaderEntry>;
  private readonly dataStart: number;

  private constructor(blob: Buffer, fileOffset: number, il: number, dl: number) {
    this.blob = blob;
    this.fileOffset = fileOffset;
    this.il = il;
    this.dl = dl;
    this.dataStart = HEADER_INTRO_SIZE + il * 16;
    this.entries = new Map();
    this.region = null;
    for (let i = 0; i < il; i++) {
      const at = HEADER_INTRO_SIZE + i * 16;
      const entry: HeaderEntry = {
        tag: blob.readUInt32BE(at),
        type: blob.readUInt32BE(at + 4),
        offset: blob.readInt32BE(at + 8),
        count: blob.readUInt32BE(at + 12),
      };
      this.checkEntry(entry, i);
      // rpm keeps the first occurrence of a duplicated tag; so do we.
      if (!this.entries.has(entry.tag)) this.entries.set(entry.tag, entry);
    }
    this.region = this.parseRegion();
  }

  /**
   * Parses a header whose bytes (intro, index, data) are all in `blob`.
   * @throws RpmFormatError when any entry is out of range or malformed.
   */
  static parse(blob: Buffer, fileOffset = 0): Header {
    const { il, dl } = readHeaderIntro(blob, 0, fileOffset);
    if (blob.length < headerSize(il, dl)) throw new RpmFormatError('truncated header', fileOffset + blob.length);
    return new Header(blob.subarray(0, headerSize(il, dl)), fileOffset, il, dl);
  }

  private fail(message: string, at: number): never {
    throw new RpmFormatError(message, this.fileOffset + at);
  }

  private checkEntry(e: HeaderEntry, index: number): void {
    const at = HEADER_INTRO_SIZE + index * 16;
    if (e.type > TagType.I18NSTRING) this.fail(`tag ${e.tag}: bad type ${e.type}`, at + 4);
    if (e.offset < 0 || e.offset > this.dl) {
      // A region trailer's offset is negative but lives in the data, never in the index.
      this.fail(`tag ${e.tag}: data offset ${e.offset} out of range`, at + 8);
    }
    if (e.count === 0 || e.count > this.dl) this.fail(`tag ${e.tag}: count ${e.count} out of range`, at + 12);
    const size = TYPE_SIZE[e.type] ?? 0;
    if (size > 1 && e.offset % size !== 0) this.fail(`tag ${e.tag}: misaligned data offset ${e.offset}`, at + 8);
    if (size > 0) {
      if (e.count * size > this.dl - e.offset) this.fail(`tag ${e.tag}: data runs past the header`, at + 12);
      return;
    }
    if (e.type === TagType.STRING && e.count !== 1) this.fail(`tag ${e.tag}: string with count ${e.count}`, at + 12);
    // Strings are checked for their terminating NULs when first read (stringsEnd): the data
    // store is already known to be inside the blob, so no read can leave it.
  }

  /** End (exclusive, after the last NUL) of the `count` strings starting at `pos`; throws if a string runs past the data. */
  private stringsEnd(e: HeaderEntry): number {
    const end = this.dataStart + this.dl;
    let pos = this.dataStart + e.offset;
    for (let n = 0; n < e.count; n++) {
      const nul = this.blob.indexOf(0, pos);
      if (nul < 0 || nul >= end) this.fail(`tag ${e.tag}: unterminated string`, pos);
      pos = nul + 1;
    }
    return pos;
  }

  private parseRegion(): HeaderRegion | null {
    const first = this.entryAt(0);
    const tag = first.tag;
    if (tag !== RegionTag.HEADERIMAGE && tag !== RegionTag.HEADERSIGNATURES && tag !== RegionTag.HEADERIMMUTABLE) {
      return null;
    }
    if (first.type !== TagType.BIN || first.count !== 16) this.fail(`region tag ${tag}: bad type or size`, HEADER_INTRO_SIZE);
    if (first.offset + 16 > this.dl) this.fail(`region tag ${tag}: trailer out of range`, HEADER_INTRO_SIZE + 8);
    const t = this.dataStart + first.offset;
    const trailerTag = this.blob.readUInt32BE(t);
    const trailerOffset = this.blob.readInt32BE(t + 8);
    const ril = -trailerOffset / 16;
    if (trailerTag !== tag || trailerOffset >= 0 || !Number.isInteger(ril) || ril > this.il) {
      this.fail(`region tag ${tag}: bad trailer`, t - 0);
    }
    return { tag, il: ril, dl: first.offset + 16 };
  }

  private entryAt(i: number): HeaderEntry {
    const at = HEADER_INTRO_SIZE + i * 16;
    return {
      tag: this.blob.readUInt32BE(at),
      type: this.blob.readUInt32BE(at + 4),
      offset: this.blob.readInt32BE(at + 8),
      count: this.blob.readUInt32BE(at + 12),
    };
  }

  /** Tags present, in index order of first occurrence. */
  tags(): number[] {
    return [...this.entries.keys()];
  }

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  entry(tag: number): HeaderEntry | undefined {
    return this.entries.get(tag);
  }

  /** Strings of a STRING, STRING_ARRAY or I18NSTRING entry ([] when absent). */
  strings(tag: number): string[] {
    const e = this.entries.get(tag);
    if (!e) return [];
    if (e.type !== TagType.STRING && e.type !== TagType.STRING_ARRAY && e.type !== TagType.I18NSTRING) {
      this.fail(`tag ${tag}: expected strings, found type ${e.type}`, 0);
    }
    const start = this.dataStart + e.offset;
    const stop = this.stringsEnd(e);
    // One decode and split for the whole array: much faster than a decode per string.
    const text = decodeText(this.blob, start, stop - 1);
    return e.count === 1 ? [text] : text.split('\0');
  }

  /** The first string of a string-typed entry (the C locale for I18NSTRING), or undefined. */
  string(tag: number): string | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    if (e.type !== TagType.STRING && e.type !== TagType.STRING_ARRAY && e.type !== TagType.I18NSTRING) {
      this.fail(`tag ${tag}: expected a string, found type ${e.type}`, 0);
    }
    const pos = this.dataStart + e.offset;
    const nul = this.blob.indexOf(0, pos);
    if (nul < 0 || nul >= this.dataStart + this.dl) this.fail(`tag ${tag}: unterminated string`, pos);
    return decodeText(this.blob, pos, nul);
  }

  /** Raw bytes of the first string (for callers that must not assume UTF-8). */
  stringBytes(tag: number): Buffer | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    const pos = this.dataStart + e.offset;
    const nul = this.blob.indexOf(0, pos);
    if (nul < 0 || nul >= this.dataStart + this.dl) this.fail(`tag ${tag}: unterminated string`, pos);
    return this.blob.subarray(pos, nul);
  }

  /** Integers of a CHAR/INT8/INT16/INT32/INT64 entry ([] when absent). INT64 beyond 2^53 loses precision. */
  numbers(tag: number): number[] {
    const e = this.entries.get(tag);
    if (!e) return [];
    const pos = this.dataStart + e.offset;
    const b = this.blob;
    const out = new Array<number>(e.count);
    switch (e.type) {
      case TagType.CHAR:
      case TagType.INT8:
        for (let i = 0; i < e.count; i++) out[i] = b[pos + i] ?? 0;
        break;
      case TagType.INT16:
        for (let i = 0; i < e.count; i++) out[i] = b.readUInt16BE(pos + 2 * i);
        break;
      case TagType.INT32:
        for (let i = 0; i < e.count; i++) out[i] = b.readUInt32BE(pos + 4 * i);
        break;
      case TagType.INT64:
        for (let i = 0; i < e.count; i++) out[i] = Number(b.readBigUInt64BE(pos + 8 * i));
        break;
      default:
        this.fail(`tag ${tag}: expected integers, found type ${e.type}`, 0);
    }
    return out;
  }

  /** The first integer of an integer entry, or undefined. */
  number(tag: number): number | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    return this.numbers(tag)[0];
  }

  /** Raw bytes of a BIN entry (a view into the blob), or undefined. */
  bin(tag: number): Buffer | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    if (e.type !== TagType.BIN) this.fail(`tag ${tag}: expected binary data, found type ${e.type}`, 0);
    const pos = this.dataStart + e.offset;
    return this.blob.subarray(pos, pos + e.count);
  }
}
