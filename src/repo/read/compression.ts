/**
 * Which decompressor a metadata file needs: by its magic bytes when they are recognisable, else by
 * its file name (`.gz`, `.zst`/`.zstd`, `.xz`, `.bz2`; anything else is plain XML).
 *
 * Terminology:
 * - magic: the first bytes of a compressed stream: gzip 1f 8b, zstd 28 b5 2f fd, xz fd 37 7a 58 5a
 *   00, bzip2 "BZh".
 * - head: the first bytes of the file, enough to tell the magic apart (8 are plenty).
 */
import type { PayloadCompressor } from '../../rpm/payload/index.ts';

/** Bytes needed by {@link sniffCompression}. */
export const SNIFF_BYTES = 8;

/** The compression that the magic at the start of `head` shows, or null when none is recognised. */
export function sniffCompression(head: Buffer): PayloadCompressor | null {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.length >= 4 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68 && (head[3] ?? 0) >= 0x31 && (head[3] ?? 0) <= 0x39) {
    return 'bzip2';
  }
  return null;
}

/** The compression a file name suggests; 'zchunk' for `.zck`, which we cannot read. */
export function compressionOfName(name: string): PayloadCompressor | 'zchunk' {
  const lower = name.toLowerCase();
  if (lower.endsWith('.gz')) return 'gzip';
  if (lower.endsWith('.zst') || lower.endsWith('.zstd')) return 'zstd';
  if (lower.endsWith('.xz')) return 'xz';
  if (lower.endsWith('.bz2')) return 'bzip2';
  if (lower.endsWith('.zck')) return 'zchunk';
  return 'none';
}

/**
 * The decompressor for a file named `name` that starts with `head`: the magic wins; data that
 * starts like XML is plain whatever the name says; otherwise the name decides (and the
 * decompressor will report the data as damaged).
 */
export function chooseCompression(name: string, head: Buffer): PayloadCompressor | 'zchunk' {
  const sniffed = sniffCompression(head);
  if (sniffed) return sniffed;
  const text = head.toString('latin1').replace(/^\ufeff|^\u00ef\u00bb\u00bf/, '').trimStart();
  if (text.startsWith('<') || head.length === 0) return 'none';
  return compressionOfName(name);
}
