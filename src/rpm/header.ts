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
 *
 * The index is not copied into objects: entries are read from the blob when asked for. rpm
 * writes the index sorted by tag, so a tag is found by binary search; an index that is not
 * strictly sorted (or has a tag twice) gets a map of each tag's first entry instead.
 */
export class Header {
  readonly blob: Buffer;
  readonly fileOffset: number;
  readonly il: number;
  readonly dl: number;
  readonly region: HeaderRegion | null;
  /** Tag → number of its first index entry; null when the index is strictly sorted (binary search). */
  private readonly byTag: Map<number, number> | null;
  private readonly dataStart: number;

  private constructor(blob: Buffer, fileOffset: number, il: number, dl: number) {
    this.blob = blob;
    this.fileOffset = fileOffset;
    this.il = il;
    this.dl = dl;
    this.dataStart = HEADER_INTRO_SIZE + il * 16;
    this.region = null;
    let sorted = true;
    let previous = -1;
    for (let i = 0; i < il; i++) {
      const at = HEADER_INTRO_SIZE + i * 16;
      const tag = blob.readUInt32BE(at);
      this.checkEntry(tag, blob.readUInt32BE(at + 4), blob.readInt32BE(at + 8), blob.readUInt32BE(at + 12), at);
      if (tag <= previous) sorted = false;
      previous = tag;
    }
    let byTag: Map<number, number> | null = null;
    if (!sorted) {
      byTag = new Map();
      // rpm keeps the first occurrence of a duplicated tag; so do we.
      for (let i = 0; i < il; i++) {
        const tag = blob.readUInt32BE(HEADER_INTRO_SIZE + i * 16);
        if (!byTag.has(tag)) byTag.set(tag, i);
      }
    }
    this.byTag = byTag;
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

  /** Checks one index entry (at byte `at` of the blob). */
  private checkEntry(tag: number, type: number, offset: number, count: number, at: number): void {
    if (type > TagType.I18NSTRING) this.fail(`tag ${tag}: bad type ${type}`, at + 4);
    if (offset < 0 || offset > this.dl) {
      // A region trailer's offset is negative but lives in the data, never in the index.
      this.fail(`tag ${tag}: data offset ${offset} out of range`, at + 8);
    }
    if (count === 0 || count > this.dl) this.fail(`tag ${tag}: count ${count} out of range`, at + 12);
    const size = TYPE_SIZE[type] ?? 0;
    if (size > 1 && offset % size !== 0) this.fail(`tag ${tag}: misaligned data offset ${offset}`, at + 8);
    if (size > 0) {
      if (count * size > this.dl - offset) this.fail(`tag ${tag}: data runs past the header`, at + 12);
      return;
    }
    if (type === TagType.STRING && count !== 1) this.fail(`tag ${tag}: string with count ${count}`, at + 12);
    // Strings are checked for their terminating NULs when first read (stringsEnd): the data
    // store is already known to be inside the blob, so no read can leave it.
  }

  /** Number of the index entry of `tag`, or -1. */
  private find(tag: number): number {
    if (this.byTag) return this.byTag.get(tag) ?? -1;
    const b = this.blob;
    let lo = 0;
    let hi = this.il - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = b.readUInt32BE(HEADER_INTRO_SIZE + mid * 16);
      if (t === tag) return mid;
      if (t < tag) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * The `count` strings starting at data offset `offset`: where they end (exclusive, after the last
   * NUL) and whether every byte is ASCII, in one pass over the bytes; throws if a string runs past
   * the data.
   */
  private stringsEnd(tag: number, offset: number, count: number): { stop: number; ascii: boolean } {
    const b = this.blob;
    const end = this.dataStart + this.dl;
    let pos = this.dataStart + offset;
    let from = pos;
    let high = 0;
    for (let n = 0; n < count; n++) {
      from = pos;
      for (;;) {
        if (pos >= end) this.fail(`tag ${tag}: unterminated string`, from);
        const c = b[pos++] as number;
        if (c === 0) break;
        high |= c;
      }
    }
    return { stop: pos, ascii: high < 0x80 };
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
    const seen = new Set<number>();
    for (let i = 0; i < this.il; i++) seen.add(this.blob.readUInt32BE(HEADER_INTRO_SIZE + i * 16));
    return [...seen];
  }

  has(tag: number): boolean {
    return this.find(tag) >= 0;
  }

  entry(tag: number): HeaderEntry | undefined {
    const i = this.find(tag);
    return i < 0 ? undefined : this.entryAt(i);
  }

  /** Number of values of `tag` (0 when absent). */
  count(tag: number): number {
    const i = this.find(tag);
    return i < 0 ? 0 : this.blob.readUInt32BE(HEADER_INTRO_SIZE + i * 16 + 12);
  }

  /** The index entry of a string-typed tag, or -1 when absent; throws when of another type. */
  private stringEntry(tag: number, what: string): number {
    const i = this.find(tag);
    if (i < 0) return -1;
    const type = this.blob.readUInt32BE(HEADER_INTRO_SIZE + i * 16 + 4);
    if (type !== TagType.STRING && type !== TagType.STRING_ARRAY && type !== TagType.I18NSTRING) {
      this.fail(`tag ${tag}: expected ${what}, found type ${type}`, 0);
    }
    return i;
  }

  /** Strings of a STRING, STRING_ARRAY or I18NSTRING entry ([] when absent). */
  strings(tag: number): string[] {
    return this.stringsPrefix(tag, Infinity);
  }

  /**
   * The first `limit` strings of a string-typed entry ([] when absent), decoded as {@link strings}
   * decodes them: the whole array is checked to be terminated, and read as UTF-8 when all of it is
   * valid UTF-8 (else as Latin-1), so a prefix reads the same as the start of the whole list.
   */
  stringsPrefix(tag: number, limit: number): string[] {
    if (limit <= 0) {
      this.stringEntry(tag, 'strings'); // refused alike when of another type
      return [];
    }
    const range = this.stringsRange(tag);
    if (!range) return [];
    const { start, stop, count, ascii } = range;
    // ASCII reads the same either way, and decodes fastest as Latin-1.
    const enc = ascii || !isUtf8(this.blob.subarray(start, stop - 1)) ? 'latin1' : 'utf8';
    if (count === 1) return [this.blob.toString(enc, start, stop - 1)];
    if (limit >= count) {
      // One decode and split for the whole array: much faster than a decode per string.
      return this.blob.toString(enc, start, stop - 1).split('\0');
    }
    const out: string[] = [];
    for (let pos = start; out.length < limit; ) {
      const nul = this.blob.indexOf(0, pos);
      out.push(this.blob.toString(enc, pos, nul));
      pos = nul + 1;
    }
    return out;
  }

  /**
   * Where the strings of a string-typed entry lie in {@link blob}: from `start` to `stop` (after
   * the last NUL), `count` NUL-terminated strings, and whether every byte is ASCII; null when absent. For readers that work on the
   * bytes (checked as {@link strings} checks them: every string terminated inside the header).
   */
  stringsRange(tag: number): { start: number; stop: number; count: number; ascii: boolean } | null {
    const i = this.stringEntry(tag, 'strings');
    if (i < 0) return null;
    const at = HEADER_INTRO_SIZE + i * 16;
    const offset = this.blob.readInt32BE(at + 8);
    const count = this.blob.readUInt32BE(at + 12);
    const { stop, ascii } = this.stringsEnd(tag, offset, count);
    return { start: this.dataStart + offset, stop, count, ascii };
  }

  /** The first string of a string-typed entry (the C locale for I18NSTRING), or undefined. */
  string(tag: number): string | undefined {
    const i = this.stringEntry(tag, 'a string');
    if (i < 0) return undefined;
    const b = this.blob;
    const pos = this.dataStart + b.readInt32BE(HEADER_INTRO_SIZE + i * 16 + 8);
    const end = this.dataStart + this.dl;
    // Find the NUL and whether every byte is ASCII in one pass (short strings: no native calls).
    let high = 0;
    let nul = pos;
    while (nul < end) {
      const c = b[nul] as number;
      if (c === 0) break;
      high |= c;
      nul++;
    }
    if (nul >= end) this.fail(`tag ${tag}: unterminated string`, pos);
    return high < 0x80 ? b.toString('latin1', pos, nul) : decodeText(b, pos, nul);
  }

  /** Raw bytes of the first string (for callers that must not assume UTF-8). */
  stringBytes(tag: number): Buffer | undefined {
    const i = this.find(tag);
    if (i < 0) return undefined;
    const pos = this.dataStart + this.blob.readInt32BE(HEADER_INTRO_SIZE + i * 16 + 8);
    const nul = this.blob.indexOf(0, pos);
    if (nul < 0 || nul >= this.dataStart + this.dl) this.fail(`tag ${tag}: unterminated string`, pos);
    return this.blob.subarray(pos, nul);
  }

  /** Integers of a CHAR/INT8/INT16/INT32/INT64 entry ([] when absent). INT64 beyond 2^53 loses precision. */
  numbers(tag: number): number[] {
    return this.numbersPrefix(tag, Infinity);
  }

  /** The first `limit` integers of an integer entry ([] when absent), as {@link numbers}. */
  numbersPrefix(tag: number, limit: number): number[] {
    const range = this.numbersRange(tag);
    if (!range) return [];
    const b = this.blob;
    const pos = range.start;
    const count = Math.min(range.count, limit);
    const out = new Array<number>(count);
    switch (range.type) {
      case TagType.CHAR:
      case TagType.INT8:
        for (let k = 0; k < count; k++) out[k] = b[pos + k] ?? 0;
        break;
      case TagType.INT16:
        for (let k = 0; k < count; k++) out[k] = b.readUInt16BE(pos + 2 * k);
        break;
      case TagType.INT32:
        for (let k = 0; k < count; k++) out[k] = b.readUInt32BE(pos + 4 * k);
        break;
      default: // INT64 (numbersRange refuses anything else)
        for (let k = 0; k < count; k++) out[k] = Number(b.readBigUInt64BE(pos + 8 * k));
    }
    return out;
  }

  /**
   * Where the values of an integer entry lie in {@link blob} (big-endian, `count` values of its
   * type's size from `start`), for readers that work on the bytes; null when absent; throws when
   * of another type, as {@link numbers} does.
   */
  numbersRange(tag: number): { start: number; count: number; type: number } | null {
    const i = this.find(tag);
    if (i < 0) return null;
    const at = HEADER_INTRO_SIZE + i * 16;
    const b = this.blob;
    const type = b.readUInt32BE(at + 4);
    if (type !== TagType.CHAR && type !== TagType.INT8 && type !== TagType.INT16 && type !== TagType.INT32 && type !== TagType.INT64) {
      this.fail(`tag ${tag}: expected integers, found type ${type}`, 0);
    }
    return { start: this.dataStart + b.readInt32BE(at + 8), count: b.readUInt32BE(at + 12), type };
  }

  /** The first integer of an integer entry, or undefined. */
  number(tag: number): number | undefined {
    return this.find(tag) < 0 ? undefined : this.numbersPrefix(tag, 1)[0];
  }

  /** Raw bytes of a BIN entry (a view into the blob), or undefined. */
  bin(tag: number): Buffer | undefined {
    const i = this.find(tag);
    if (i < 0) return undefined;
    const e = this.entryAt(i);
    if (e.type !== TagType.BIN) this.fail(`tag ${tag}: expected binary data, found type ${e.type}`, 0);
    const pos = this.dataStart + e.offset;
    return this.blob.subarray(pos, pos + e.count);
  }
}
