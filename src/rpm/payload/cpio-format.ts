/**
 * Constants and small helpers of the SVR4 "newc" cpio format shared by the reader and the writer.
 *
 * A newc header is the 6-byte magic followed by 13 fields of 8 hexadecimal digits: ino, mode, uid,
 * gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check. The name
 * (namesize bytes, NUL included) follows; header + name are padded to a multiple of 4, and so is
 * the data. The archive ends with an entry named TRAILER!!!.
 */

/** Magic of the newc format (what rpm writes). */
export const NEWC_MAGIC = '070701';
/** Magic of the newc format with a checksum in the `check` field. */
export const CRC_MAGIC = '070702';
/** Magic of rpm's "stripped" format, used only for payloads with files of 4 GiB or more. */
export const STRIPPED_MAGIC = '07070X';
/** Magic of the old portable (odc) format. */
export const ODC_MAGIC = '070707';
/** Size of a newc header, magic included. */
export const HEADER_SIZE = 110;
/** Name of the entry that ends an archive. */
export const TRAILER_NAME = 'TRAILER!!!';
/** Largest name accepted, in bytes, without the NUL. */
export const MAX_NAME_BYTES = 65535;
/** Largest symbolic link target accepted, in bytes (PATH_MAX). */
export const MAX_LINK_TARGET_BYTES = 4096;
/** Largest value of a header field. */
export const MAX_FIELD = 0xffffffff;

/** The names of the 13 header fields, in order. */
export const HEADER_FIELDS = [
  'ino',
  'mode',
  'uid',
  'gid',
  'nlink',
  'mtime',
  'size',
  'devMajor',
  'devMinor',
  'rdevMajor',
  'rdevMinor',
  'nameSize',
  'check',
] as const;

/** A parsed newc header; `crc` tells a 070702 header. */
export type CpioHeader = Record<(typeof HEADER_FIELDS)[number], number> & { crc: boolean };

/** What kind of file an entry is, from the type bits of its mode. */
export type CpioFileType = 'file' | 'directory' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

/** The file type bits of a mode (S_IFMT). */
export const S_IFMT = 0o170000;

const TYPE_BITS: ReadonlyMap<number, CpioFileType> = new Map([
  [0o100000, 'file'],
  [0o040000, 'directory'],
  [0o120000, 'symlink'],
  [0o020000, 'char'],
  [0o060000, 'block'],
  [0o010000, 'fifo'],
  [0o140000, 'socket'],
]);

/** The file type of a mode, or undefined if the type bits are not a known type. */
export function fileTypeOf(mode: number): CpioFileType | undefined {
  if (mode < 0 || mode > 0o177777) return undefined;
  return TYPE_BITS.get(mode & S_IFMT);
}

/** Bytes of padding that bring `n` up to a multiple of 4. */
export function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** The 32-bit sum of the bytes of `buf`, added to `sum` (the checksum of the 070702 format). */
export function addChecksum(sum: number, buf: Uint8Array): number {
  let s = sum;
  for (let i = 0; i < buf.length; i++) s += buf[i] ?? 0;
  return s >>> 0;
}
