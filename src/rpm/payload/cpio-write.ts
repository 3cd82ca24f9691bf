/**
 * Writes newc cpio archives the way rpm does, for the RPM writer and for tests.
 */
import { RpmPayloadError } from '../errors.ts';
import {
  CRC_MAGIC,
  HEADER_SIZE,
  MAX_FIELD,
  MAX_LINK_TARGET_BYTES,
  MAX_NAME_BYTES,
  NEWC_MAGIC,
  TRAILER_NAME,
  addChecksum,
  fileTypeOf,
  pad4,
} from './cpio-format.ts';

/** One entry to write with {@link writeCpio}. */
export interface CpioWriteEntry {
  /** Name as it goes in the archive; rpm payloads use `./usr/bin/x` (source packages: `x.spec`). */
  name: string | Uint8Array;
  /** Full st_mode, type bits included (e.g. `0o100644`, `0o040755`, `0o120777`). */
  mode: number;
  uid?: number;
  gid?: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  /** Inode number; regular files that share it (and the device) form a hard-link set. rpm uses file index + 1. */
  ino: number;
  /** Link count; defaults to the size of the entry's hard-link set (1 for a lone file, 2 for a directory). */
  nlink?: number;
  /**
   * Contents of a regular file (default empty). For a hard-link set, give it on any member(s):
   * members without data or with empty data take the set's data.
   */
  data?: Uint8Array;
  /** Target of a symbolic link (required for symlinks, refused for other types). */
  linkTarget?: string | Uint8Array;
  devMajor?: number;
  devMinor?: number;
  /** Device numbers of a character or block device. */
  rdevMajor?: number;
  rdevMinor?: number;
}

/** Options of {@link writeCpio}. */
export interface CpioWriteOptions {
  /** Write the "070702" variant with data checksums (rpm writes and expects plain "070701"). */
  crc?: boolean;
}

/**
 * Builds a newc cpio archive: each header + name padded to 4 bytes, each data padded to 4 bytes,
 * then a TRAILER!!! entry padded to 4 bytes (no 512-byte blocking, as rpm).
 *
 * Hard links, the rpm way: regular files with the same `ino` (and device) form a set. As rpm does,
 * the other entries come first, in their given order, then each set (sets in the order of their
 * first member), its members together in their given order; only the last member carries the data
 * (its `size` is the data length), the others have size 0. rpm takes the data for the member with
 * the highest file index, so pass entries in header order.
 *
 * @throws RpmPayloadError for an entry that cannot be written: empty name or one with a NUL byte or
 *   over 65535 bytes, unknown file type, field out of 0..2^32-1, data on a non-regular file, a
 *   symlink without target, members of a hard-link set with different data.
 */
export function writeCpio(entries: readonly CpioWriteEntry[], options: CpioWriteOptions = {}): Buffer {
  const sets = linkSets(entries);
  const out: Buffer[] = [];
  const linked: number[][] = [];
  entries.forEach((entry, index) => {
    const set = sets.get(linkKey(entry));
    if (set === undefined || set.length < 2) {
      out.push(...encodeEntry(entry, entryData(entry), entry.nlink ?? defaultNlink(entry), options));
    } else if (set[0] === index) {
      linked.push(set);
    }
  });
  for (const set of linked) {
    const data = setData(set.map((i) => entries[i] as CpioWriteEntry));
    set.forEach((i, k) => {
      const member = entries[i] as CpioWriteEntry;
      const last = k === set.length - 1;
      out.push(...encodeEntry(member, last ? data : Buffer.alloc(0), member.nlink ?? set.length, options));
    });
  }
  out.push(...encodeEntry(TRAILER, Buffer.alloc(0), 1, {}));
  return Buffer.concat(out);
}

const TRAILER: CpioWriteEntry = { name: TRAILER_NAME, mode: 0, mtime: 0, ino: 0 };

/** Hard-link sets: key → indexes of the regular-file entries sharing it, in order. */
function linkSets(entries: readonly CpioWriteEntry[]): Map<string, number[]> {
  const sets = new Map<string, number[]>();
  entries.forEach((entry, i) => {
    if (fileTypeOf(entry.mode) !== 'file') return;
    const key = linkKey(entry);
    const set = sets.get(key);
    if (set) set.push(i);
    else sets.set(key, [i]);
  });
  return sets;
}

function linkKey(entry: CpioWriteEntry): string {
  return `${entry.devMajor ?? 0}:${entry.devMinor ?? 0}:${entry.ino}`;
}

function defaultNlink(entry: CpioWriteEntry): number {
  return fileTypeOf(entry.mode) === 'directory' ? 2 : 1;
}

/** The data of a hard-link set: the non-empty data given (identical if given on several members). */
function setData(members: CpioWriteEntry[]): Buffer {
  let data: Buffer | undefined;
  for (const m of members) {
    const d = entryData(m); // validates every member
    if (d.length === 0) continue; // an empty member says nothing: the set's file may have data
    if (data !== undefined && !data.equals(d)) {
      throw new RpmPayloadError(`hard links ${nameText(m)} and others of inode ${m.ino} have different data`);
    }
    data = d;
  }
  return data ?? Buffer.alloc(0);
}

/** The data of a lone entry, checked against its type. */
function entryData(entry: CpioWriteEntry): Buffer {
  const type = fileTypeOf(entry.mode);
  if (type === undefined) {
    throw new RpmPayloadError(`entry ${nameText(entry)} has an unknown file type (mode 0o${entry.mode.toString(8)})`);
  }
  if (type === 'symlink') {
    if (entry.data !== undefined) throw new RpmPayloadError(`symlink ${nameText(entry)} has data: give linkTarget`);
    if (entry.linkTarget === undefined) throw new RpmPayloadError(`symlink ${nameText(entry)} has no linkTarget`);
    const target = toBytes(entry.linkTarget);
    if (target.length === 0 || target.length > MAX_LINK_TARGET_BYTES || target.includes(0)) {
      throw new RpmPayloadError(`symlink ${nameText(entry)} has a bad target (empty, too long or with a NUL byte)`);
    }
    return target;
  }
  if (entry.linkTarget !== undefined) throw new RpmPayloadError(`${type} entry ${nameText(entry)} has a linkTarget`);
  if (type !== 'file' && entry.data !== undefined && entry.data.length > 0) {
    throw new RpmPayloadError(`${type} entry ${nameText(entry)} cannot have data`);
  }
  return entry.data === undefined ? Buffer.alloc(0) : toBytes(entry.data);
}

/** Header, name, padding, data, padding of one entry. */
function encodeEntry(entry: CpioWriteEntry, data: Buffer, nlink: number, options: CpioWriteOptions): Buffer[] {
  if (entry !== TRAILER && fileTypeOf(entry.mode) === undefined) {
    throw new RpmPayloadError(`entry ${nameText(entry)} has an unknown file type (mode 0o${entry.mode.toString(8)})`);
  }
  const name = toBytes(entry.name);
  if (name.length === 0 || name.length > MAX_NAME_BYTES || name.includes(0)) {
    throw new RpmPayloadError(`bad cpio entry name ${nameText(entry)}: empty, over ${MAX_NAME_BYTES} bytes, or with a NUL byte`);
  }
  const fields = [
    entry.ino,
    entry.mode,
    entry.uid ?? 0,
    entry.gid ?? 0,
    nlink,
    entry.mtime,
    data.length,
    entry.devMajor ?? 0,
    entry.devMinor ?? 0,
    entry.rdevMajor ?? 0,
    entry.rdevMinor ?? 0,
    name.length + 1,
    options.crc === true ? addChecksum(0, data) : 0,
  ];
  let header = options.crc === true ? CRC_MAGIC : NEWC_MAGIC;
  for (const value of fields) {
    if (!Number.isInteger(value) || value < 0 || value > MAX_FIELD) {
      throw new RpmPayloadError(`entry ${nameText(entry)} has a field out of range: ${value}`);
    }
    header += value.toString(16).padStart(8, '0');
  }
  const nameEnd = HEADER_SIZE + name.length + 1;
  return [
    Buffer.from(header, 'latin1'),
    name,
    Buffer.alloc(1 + pad4(nameEnd)),
    data,
    Buffer.alloc(pad4(data.length)),
  ];
}

function toBytes(value: string | Uint8Array): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function nameText(entry: CpioWriteEntry): string {
  return JSON.stringify(typeof entry.name === 'string' ? entry.name : Buffer.from(entry.name).toString('utf8'));
}
