/**
 * Reading the payload of an RPM file: the decompressed archive as a stream, its listing, and a
 * safe extraction into a directory.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { RpmPayloadError } from '../errors.ts';
import { decompressStream } from './codec.ts';
import type { PayloadCompressor } from './codec.ts';
import { entryInfo, readCpio } from './cpio-read.ts';
import type { CpioEntryInfo } from './cpio-read.ts';
import { DestTree } from './dest-tree.ts';
import type { EntryMeta } from './dest-tree.ts';

/**
 * The decompressed payload (the cpio archive) of the RPM file at `path`, whose payload starts at
 * byte `payloadOffset`. Read errors and decompression errors are `error` events on the stream;
 * destroying it closes the file and stops the decompressor.
 */
export function payloadStream(path: string, payloadOffset: number, compressor: PayloadCompressor): Readable {
  if (!Number.isSafeInteger(payloadOffset) || payloadOffset < 0) {
    throw new RpmPayloadError(`bad payload offset ${payloadOffset}`);
  }
  const decoder = decompressStream(compressor);
  // pipeline destroys the file stream when the decoder goes away and vice versa; the errors reach
  // the consumer as events on the decoder, so the callback has nothing left to do.
  return pipeline(createReadStream(path, { start: payloadOffset }), decoder, () => undefined);
}

/**
 * The entries of the payload, in archive order, without their data (which is skipped, not read
 * into memory). Sizes are as stored: in a hard-link set only the last entry has a non-zero size.
 *
 * @throws RpmPayloadError for a damaged or unsupported payload.
 */
export async function listPayload(path: string, payloadOffset: number, compressor: PayloadCompressor): Promise<CpioEntryInfo[]> {
  const entries: CpioEntryInfo[] = [];
  for await (const entry of readCpio(payloadStream(path, payloadOffset, compressor))) entries.push(entryInfo(entry));
  return entries;
}

/** Options of {@link extractPayload}. */
export interface ExtractOptions {
  /**
   * Keep the set-user-ID, set-group-ID and sticky bits. Off by default: ownership is not restored,
   * so those bits would apply to the user running the extraction.
   */
  preserveSpecialBits?: boolean;
}

/** What {@link extractPayload} did. */
export interface ExtractResult {
  /** Paths created: regular files (each hard link counted), directories and symbolic links. */
  files: number;
  /** Bytes of regular-file data written (each hard-link set once). */
  bytes: number;
  /** Names of the entries not created: device nodes, fifos and sockets. */
  skipped: string[];
}

/** A hard-link set while it is being extracted. */
interface LinkSet {
  /** Path of the file holding the data, once written. */
  file?: string;
  /** Members seen before the data, to link once it comes. */
  waiting: { rel: string; meta: EntryMeta }[];
}

/**
 * Extracts the payload into `destDir` (created if missing): regular files, directories, symbolic
 * links and hard links, with their permission bits and mtimes. Ownership is not restored. Device
 * nodes, fifos and sockets are skipped and listed in the result (node has no mknod/mkfifo, and a
 * build never needs them). The entry "." (the directory itself) is ignored.
 *
 * Safety: an entry whose name is absolute (after "./") or has a ".." segment, or whose path goes
 * through a symbolic link (one the archive made or one already there) or a non-directory, or
 * which would replace a directory, is refused with RpmPayloadError before anything is written for
 * it. Nothing is written through a link. On error the files already written stay: extract into a
 * fresh directory and remove it on failure.
 *
 * Hard links: members of a set that come before the member with the data are created as links
 * once the data is written; a set that never gets data becomes an empty file.
 *
 * @throws RpmPayloadError for a damaged or unsupported payload or an unsafe entry.
 */
export async function extractPayload(
  path: string,
  payloadOffset: number,
  compressor: PayloadCompressor,
  destDir: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const tree = await DestTree.open(destDir, options.preserveSpecialBits === true ? 0o7777 : 0o777);
  const result: ExtractResult = { files: 0, bytes: 0, skipped: [] };
  const sets = new Map<string, LinkSet>();
  const linkAll = async (set: LinkSet, file: string): Promise<void> => {
    for (const w of set.waiting) {
      await tree.makeHardLink(file, w.rel, w.meta);
      result.files++;
    }
    set.waiting = [];
  };

  for await (const entry of readCpio(payloadStream(path, payloadOffset, compressor))) {
    const meta: EntryMeta = { name: entry.name, mode: entry.mode, mtime: entry.mtime, offset: entry.offset };
    const rel = tree.relativePath(entry.rawName, meta);
    if (rel === '') continue;
    if (entry.type === 'directory') {
      await tree.makeDirectory(rel, meta);
    } else if (entry.type === 'symlink') {
      await tree.makeSymlink(rel, entry.rawLinkTarget ?? Buffer.alloc(0), meta);
    } else if (entry.type !== 'file') {
      result.skipped.push(entry.name);
      continue;
    } else if (entry.nlink < 2) {
      result.bytes += await tree.writeFile(rel, meta, entry.body());
    } else {
      const key = `${entry.devMajor}:${entry.devMinor}:${entry.ino}`;
      const set = sets.get(key) ?? { waiting: [] };
      sets.set(key, set);
      if (entry.size === 0 && set.file === undefined) {
        await tree.prepareParents(rel, meta); // refuse an unsafe path now, not when the data comes
        set.waiting.push({ rel, meta });
        continue;
      }
      if (entry.size === 0 && set.file !== undefined) {
        await tree.makeHardLink(set.file, rel, meta);
      } else {
        result.bytes += await tree.writeFile(rel, meta, entry.body());
        set.file = rel;
        await linkAll(set, rel);
      }
    }
    result.files++;
  }

  for (const set of sets.values()) {
    const first = set.waiting.shift();
    if (first === undefined) continue;
    await tree.writeFile(first.rel, first.meta, []);
    result.files++;
    await linkAll(set, first.rel);
  }
  await tree.finish();
  return result;
}
