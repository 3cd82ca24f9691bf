/**
 * Serialising a header: the inverse of header.ts. Entries are sorted by tag, values laid out in
 * that order with each type's alignment, and the region entry (when asked for) comes first with
 * its 16-byte trailer at the end of the data, as rpm writes it.
 */
import { RpmFormatError } from './errors.ts';
import { HEADER_INTRO_SIZE, HEADER_MAGIC } from './header.ts';
import { TagType, type TagTypeCode } from './tags.ts';

/** One value to write. Integers are checked against their type's range. */
export type EntryValue =
  | { tag: number; type: typeof TagType.STRING | typeof TagType.I18NSTRING; value: string | string[] }
  | { tag: number; type: typeof TagType.STRING_ARRAY; value: string[] }
  | { tag: number; type: typeof TagType.BIN; value: Uint8Array }
  | {
      tag: number;
      type: typeof TagType.CHAR | typeof TagType.INT8 | typeof TagType.INT16 | typeof TagType.INT32 | typeof TagType.INT64;
      value: number[];
    };

const ALIGN: Partial<Record<TagTypeCode, number>> = { [TagType.INT16]: 2, [TagType.INT32]: 4, [TagType.INT64]: 8 };

function encode(e: EntryValue): { data: Buffer; count: number } {
  switch (e.type) {
    case TagType.STRING:
    case TagType.I18NSTRING:
    case TagType.STRING_ARRAY: {
      const list = typeof e.value === 'string' ? [e.value] : e.value;
      if (list.length === 0) throw new RpmFormatError(`tag ${e.tag}: empty string list`);
      if (e.type === TagType.STRING && list.length !== 1) throw new RpmFormatError(`tag ${e.tag}: STRING takes one value`);
      const parts: Buffer[] = [];
      for (const s of list) {
        if (s.includes('\0')) throw new RpmFormatError(`tag ${e.tag}: string contains NUL`);
        parts.push(Buffer.from(s, 'utf8'), Buffer.alloc(1));
      }
      return { data: Buffer.concat(parts), count: list.length };
    }
    case TagType.BIN:
      if (e.value.length === 0) throw new RpmFormatError(`tag ${e.tag}: empty binary value`);
      return { data: Buffer.from(e.value), count: e.value.length };
    default: {
      const size = e.type === TagType.INT64 ? 8 : e.type === TagType.INT32 ? 4 : e.type === TagType.INT16 ? 2 : 1;
      if (e.value.length === 0) throw new RpmFormatError(`tag ${e.tag}: empty integer list`);
      const data = Buffer.alloc(size * e.value.length);
      e.value.forEach((v, i) => {
        if (!Number.isInteger(v) || v < 0) throw new RpmFormatError(`tag ${e.tag}: ${v} is not a non-negative integer`);
        if (size === 8) data.writeBigUInt64BE(BigInt(v), i * 8);
        else if (size === 4) data.writeUInt32BE(v, i * 4);
        else if (size === 2) data.writeUInt16BE(v, i * 2);
        else data.writeUInt8(v, i);
      });
      return { data, count: e.value.length };
    }
  }
}

/**
 * Builds a header blob (magic to end of data) from `entries`. With `regionTag` (62 for the
 * signature header, 63 for the main header) the whole header is one immutable region.
 * Space reserved for signatures is an ordinary BIN entry (RESERVEDSPACE) the caller adds.
 */
export function buildHeader(entries: EntryValue[], regionTag?: number): Buffer {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.tag === sorted[i - 1]?.tag) throw new RpmFormatError(`duplicate tag ${sorted[i]?.tag}`);
  }
  const il = sorted.length + (regionTag === undefined ? 0 : 1);
  const index = Buffer.alloc(il * 16);
  const chunks: Buffer[] = [];
  let dl = 0;
  let slot = regionTag === undefined ? 0 : 1;
  for (const e of sorted) {
    const { data, count } = encode(e);
    const align = ALIGN[e.type] ?? 1;
    const pad = (align - (dl % align)) % align;
    if (pad) {
      chunks.push(Buffer.alloc(pad));
      dl += pad;
    }
    index.writeUInt32BE(e.tag, slot * 16);
    index.writeUInt32BE(e.type, slot * 16 + 4);
    index.writeUInt32BE(dl, slot * 16 + 8);
    index.writeUInt32BE(count, slot * 16 + 12);
    chunks.push(data);
    dl += data.length;
    slot++;
  }
  if (regionTag !== undefined) {
    const trailer = Buffer.alloc(16);
    trailer.writeUInt32BE(regionTag, 0);
    trailer.writeUInt32BE(TagType.BIN, 4);
    trailer.writeInt32BE(-il * 16, 8);
    trailer.writeUInt32BE(16, 12);
    index.writeUInt32BE(regionTag, 0);
    index.writeUInt32BE(TagType.BIN, 4);
    index.writeUInt32BE(dl, 8);
    index.writeUInt32BE(16, 12);
    chunks.push(trailer);
    dl += 16;
  }
  const intro = Buffer.alloc(HEADER_INTRO_SIZE);
  HEADER_MAGIC.copy(intro, 0);
  intro.writeUInt32BE(il, 8);
  intro.writeUInt32BE(dl, 12);
  return Buffer.concat([intro, index, ...chunks]);
}
