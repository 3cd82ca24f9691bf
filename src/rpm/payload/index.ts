/**
 * The payload of an RPM file: the compressed cpio archive that follows the headers.
 *
 * Terminology:
 * - payload: everything after the main header: a cpio archive, usually compressed.
 * - payload offset: where the payload starts in the file: 96 (lead) + signature header padded to
 *   a multiple of 8 + main header. Found by the header reader, not here.
 * - compressor: the PAYLOADCOMPRESSOR tag (`gzip`, `bzip2`, `xz`, `lzma`, `zstd`); no tag means
 *   gzip, and rpm's gzip reader passes uncompressed data through (`none` names that case).
 * - archive: the uncompressed cpio stream; offsets in payload errors are offsets in it.
 * - newc: the SVR4 cpio format rpm writes, magic "070701" (with checksums: "070702"). rpm ≥ 4.12
 *   writes a "stripped" format, "07070X", only for packages with files of 4 GiB or more; it needs
 *   the header's file list to read and is refused here.
 * - entry: one header + name + data in the archive; rpm names are "./usr/bin/x" (source packages:
 *   "x.spec"), the archive ends with an entry named "TRAILER!!!".
 * - hard-link set: regular-file entries with the same inode; rpm writes them together and puts the
 *   data only on the last one (the others have size 0).
 * - body: the data of an entry; for a symbolic link, its target.
 */
export {
  PAYLOAD_COMPRESSORS,
  compressBuffer,
  decompressStream,
  isPayloadCompressor,
  parseCompressor,
} from './codec.ts';
export type { PayloadCompressor } from './codec.ts';
export { entryInfo, readCpio } from './cpio-read.ts';
export type { ByteSource, CpioEntry, CpioEntryInfo } from './cpio-read.ts';
export type { CpioFileType } from './cpio-format.ts';
export { writeCpio } from './cpio-write.ts';
export type { CpioWriteEntry, CpioWriteOptions } from './cpio-write.ts';
export { extractPayload, listPayload, payloadStream } from './extract.ts';
export type { ExtractOptions, ExtractResult } from './extract.ts';
