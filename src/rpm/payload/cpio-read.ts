/**
 * Streaming reader of newc cpio archives (rpm payloads), validating every header field.
 */
import { RpmPayloadError } from '../errors.ts';
import { ByteReader } from './byte-reader.ts';
import type { ByteSource } from './byte-reader.ts';
import {
  CRC_MAGIC,
  HEADER_FIELDS,
  HEADER_SIZE,
  MAX_LINK_TARGET_BYTES,
  MAX_NAME_BYTES,
  NEWC_MAGIC,
  ODC_MAGIC,
  STRIPPED_MAGIC,
  TRAILER_NAME,
  fileTypeOf,
  pad4,
} from './cpio-format.ts';
import type { CpioFileType, CpioHeader } from './cpio-format.ts';
import { EntryBody } from './entry-body.ts';

export type { ByteSource } from './byte-reader.ts';

/** What a cpio header says about one entry (no data). */
export interface CpioEntryInfo {
  /** The name as stored, decoded as UTF-8 (invalid bytes become U+FFFD); rpm writes `./usr/bin/x`. */
  readonly name: string;
  /** The name's bytes as stored, without the NUL. */
  readonly rawName: Buffer;
  /** File type, from the type bits of `mode`. */
  readonly type: CpioFileType;
  /** Inode number; entries of one hard-link set share it (and the device). */
  readonly ino: number;
  /** Full st_mode: type bits and permission bits. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Link count; more than 1 for a regular file means a hard-link set. */
  readonly nlink: number;
  /** Modification time, seconds since the epoch. */
  readonly mtime: number;
  /**
   * Size of the data stored in the archive. In a hard-link set only the entry that carries the data
   * (the last one, in rpm payloads) has a non-zero size. For a symlink, the target's length.
   */
  readonly size: number;
  readonly devMajor: number;
  readonly devMinor: number;
  /** Device numbers of a character or block device entry. */
  readonly rdevMajor: number;
  readonly rdevMinor: number;
  /** The `check` field: the data's byte sum in the 070702 format, 0 otherwise. */
  readonly check: number;
  /** Target of a symbolic link, decoded as UTF-8; undefined for other types. */
  readonly linkTarget?: string;
  /** Target of a symbolic link, as stored. */
  readonly rawLinkTarget?: Buffer;
  /** Offset of the entry's header in the uncompressed archive. */
  readonly offset: number;
}

/**
 * One entry as yielded by {@link readCpio}: its header and a way to read its data.
 *
 * The data may be read only while this is the current entry, at most once, with either method.
 * Data that is not read is skipped (never buffered) when the next entry is asked for.
 */
export interface CpioEntry extends CpioEntryInfo {
  /** Yields the data in pieces as they arrive (views: copy them to keep them past the next read). */
  body(): AsyncGenerator<Buffer, void, undefined>;
  /**
   * Reads all the data into one Buffer.
   * @param maxBytes - refuse (RpmPayloadError) an entry larger than this; unlimited by default.
   */
  readBody(maxBytes?: number): Promise<Buffer>;
}

/**
 * Reads a newc ("070701") or newc-with-checksum ("070702") cpio archive entry by entry, up to and
 * not including the TRAILER!!! entry, then releases the input (later bytes are never read).
 *
 * Memory stays bounded: the data of an entry is read only when asked for, and skipped otherwise.
 * Symbolic link targets (at most 4096 bytes) are read eagerly into `linkTarget`.
 *
 * @throws RpmPayloadError (with the offset in the uncompressed archive) on truncation, a bad magic
 *   (including rpm's large-file "07070X" format, which needs the package header to read), a field
 *   that is not 8 hex digits, a bad name, a size that does not fit the file type, an unknown file
 *   type, or a 070702 checksum mismatch. Errors from the input are passed on (payload errors from
 *   a decompressor get the offset at which the archive broke).
 */
export async function* readCpio(input: ByteSource): AsyncGenerator<CpioEntry, void, undefined> {
  const reader = new ByteReader(input);
  try {
    for (;;) {
      const offset = reader.offset;
      if (await reader.atEnd()) {
        throw new RpmPayloadError(`cpio archive ends at offset ${offset} without a ${TRAILER_NAME} entry`, offset);
      }
      const magic = await reader.read(6, 'entry magic');
      checkMagic(magic, offset);
      const header = parseHeader(Buffer.concat([magic, await reader.read(HEADER_SIZE - 6, 'entry header')]), offset);
      const rawName = await readName(reader, header.nameSize, offset);
      await reader.skip(pad4(HEADER_SIZE + header.nameSize), 'name padding');
      const name = rawName.toString('utf8');
      if (name === TRAILER_NAME) {
        if (header.size !== 0) throw new RpmPayloadError(`${TRAILER_NAME} entry has data (${header.size} bytes)`, offset);
        return;
      }
      const type = checkType(header, name, offset);
      const body = new EntryBody(reader, header, name, offset);
      let link: { linkTarget: string; rawLinkTarget: Buffer } | undefined;
      if (type === 'symlink') {
        const rawLinkTarget = await body.preload();
        if (rawLinkTarget.includes(0)) throw new RpmPayloadError(`symlink ${JSON.stringify(name)} target has a NUL byte`, offset);
        link = { linkTarget: rawLinkTarget.toString('utf8'), rawLinkTarget };
      }
      const { nameSize: _nameSize, crc: _crc, ...fields } = header;
      yield {
        name,
        rawName,
        type,
        ...fields,
        ...link,
        offset,
        body: () => body.chunks(),
        readBody: (maxBytes?: number) => body.readAll(maxBytes),
      };
      body.retire();
      await body.drain();
      await reader.skip(pad4(header.size), 'data padding');
    }
  } finally {
    await reader.close();
  }
}

/** The header fields of an {@link CpioEntryInfo} (without the methods of a {@link CpioEntry}). */
export function entryInfo(entry: CpioEntryInfo): CpioEntryInfo {
  const { body: _body, readBody: _readBody, ...info } = entry as CpioEntry;
  return info;
}

const HEX8 = /^[0-9a-fA-F]{8}$/;

function parseHeader(bytes: Buffer, offset: number): CpioHeader {
  const header: Partial<CpioHeader> = { crc: bytes.toString('latin1', 0, 6) === CRC_MAGIC };
  HEADER_FIELDS.forEach((field, i) => {
    const at = 6 + 8 * i;
    const text = bytes.toString('latin1', at, at + 8);
    if (!HEX8.test(text)) {
      throw new RpmPayloadError(
        `bad cpio header at offset ${offset}: ${field} is not 8 hex digits (${JSON.stringify(text)})`,
        offset + at,
      );
    }
    header[field] = Number.parseInt(text, 16);
  });
  return header as CpioHeader;
}

function checkMagic(magic: Buffer, offset: number): void {
  const text = magic.toString('latin1');
  if (text !== NEWC_MAGIC && text !== CRC_MAGIC) throw badMagic(magic, offset);
}

function badMagic(magic: Buffer, offset: number): RpmPayloadError {
  const text = magic.toString('latin1');
  if (text === STRIPPED_MAGIC) {
    return new RpmPayloadError(
      `unsupported cpio format at offset ${offset}: rpm's stripped format (${STRIPPED_MAGIC}), used for payloads ` +
        'with files of 4 GiB or more, keeps file metadata in the package header and cannot be read alone',
      offset,
    );
  }
  if (text === ODC_MAGIC) {
    return new RpmPayloadError(`unsupported cpio format at offset ${offset}: old portable (${ODC_MAGIC}), not newc`, offset);
  }
  return new RpmPayloadError(`not a newc cpio header at offset ${offset}: magic is 0x${magic.toString('hex')}`, offset);
}

async function readName(reader: ByteReader, nameSize: number, offset: number): Promise<Buffer> {
  if (nameSize < 2 || nameSize > MAX_NAME_BYTES + 1) {
    throw new RpmPayloadError(`bad cpio name size ${nameSize} at offset ${offset} (must be 2..${MAX_NAME_BYTES + 1})`, offset);
  }
  const bytes = await reader.read(nameSize, 'entry name');
  const nul = bytes.indexOf(0);
  if (nul !== nameSize - 1) {
    const why = nul === -1 ? 'is not NUL-terminated' : `has a NUL byte at position ${nul}`;
    throw new RpmPayloadError(`bad cpio entry name at offset ${offset}: ${why}`, offset + HEADER_SIZE);
  }
  return Buffer.from(bytes.subarray(0, nameSize - 1));
}

function checkType(header: CpioHeader, name: string, offset: number): CpioFileType {
  const type = fileTypeOf(header.mode);
  const what = JSON.stringify(name);
  if (type === undefined) {
    throw new RpmPayloadError(`entry ${what} at offset ${offset} has an unknown file type (mode 0o${header.mode.toString(8)})`, offset);
  }
  if (type === 'symlink' && (header.size < 1 || header.size > MAX_LINK_TARGET_BYTES)) {
    throw new RpmPayloadError(`symlink ${what} at offset ${offset} has a bad target length ${header.size}`, offset);
  }
  if (type !== 'file' && type !== 'symlink' && header.size !== 0) {
    throw new RpmPayloadError(`${type} entry ${what} at offset ${offset} has data (${header.size} bytes)`, offset);
  }
  return type;
}
