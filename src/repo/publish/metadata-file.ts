/**
 * Writes one metadata file into repodata/: renders (streamed), compresses and checksums it in one
 * pass, then gives it its final checksum-prefixed name (`<sha256>-primary.xml.zst`). The file is
 * written under a temporary name, flushed to disk and only then renamed, so a reader never finds a
 * checksum-named file with partial content; a failure removes the temporary file.
 *
 * Terminology:
 * - open checksum / open size: of the uncompressed content; checksum / size: of the file as stored.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, fsyncSync, openSync, closeSync, renameSync, unlinkSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tempPathBeside } from '../../util/atomic-file.ts';
import { compressStream, compressionSuffix, startCompressor, type MetadataCompression, type ViewCompressor } from './compress.ts';

/** What repomd.xml records about a metadata file. */
export interface WrittenMetadata {
  /** File name inside repodata/. */
  fileName: string;
  checksum: string;
  openChecksum: string;
  size: number;
  openSize: number;
}

/** Counts and hashes the bytes passing through; turns strings into UTF-8 buffers. */
class Digest extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  constructor() {
    super({ writableObjectMode: true });
  }
  override _transform(chunk: Buffer | string, _enc: BufferEncoding, done: TransformCallback): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.hash.update(buf);
    this.bytes += buf.length;
    done(null, buf);
  }
}

/** Joins small pieces into ~256 KiB chunks so streams move few, large chunks. */
async function* batched(parts: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>): AsyncGenerator<Buffer> {
  let acc: Uint8Array[] = [];
  let len = 0;
  for await (const p of parts) {
    const b = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
    acc.push(b);
    len += b.length;
    if (len >= 256 * 1024) {
      yield Buffer.concat(acc, len);
      acc = [];
      len = 0;
    }
  }
  if (len > 0) yield Buffer.concat(acc, len);
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams `parts` into repodata/`<checksum>-<name><suffix>`.
 * @param name - the base name, e.g. `primary.xml`.
 */
export function writeMetadataFile(
  repodata: string,
  name: string,
  parts: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
  compression: MetadataCompression,
): Promise<WrittenMetadata> {
  return writeFromStream(repodata, name, Readable.from(batched(parts)), compression);
}

/**
 * A metadata file written from its content given as pieces (views into buffers, back to back),
 * fed as they come: each piece is hashed where it lies and handed to the compressor (another
 * process or thread; one started ahead may be given); at the end the compressed bytes are
 * written with one vectored write under a temporary name, flushed, and renamed to
 * repodata/`<checksum>-<name><suffix>`. Nothing is written to repodata/ before {@link finish}.
 */
export class MetadataWriter {
  private readonly open = createHash('sha256');
  private openSize = 0;

  constructor(
    private readonly repodata: string,
    private readonly name: string,
    private readonly compression: MetadataCompression,
    private readonly compressor: ViewCompressor = startCompressor(compression),
  ) {}

  /** Feeds the next pieces. */
  write(views: readonly Uint8Array[]): void {
    this.compressor.write(views);
    this.hash(views);
  }

  private hash(views: readonly Uint8Array[]): void {
    for (const v of views) {
      this.open.update(v);
      this.openSize += v.byteLength;
    }
  }

  /** Feeds the last pieces and writes the file. */
  async finish(views: readonly Uint8Array[] = []): Promise<WrittenMetadata> {
    const compressed = this.compressor.end(views);
    this.hash(views);
    const stored = await compressed;
    const hash = createHash('sha256');
    let size = 0;
    for (const v of stored) {
      hash.update(v);
      size += v.byteLength;
    }
    const checksum = hash.digest('hex');
    const suffix = compressionSuffix(this.compression);
    const tmp = tempPathBeside(join(this.repodata, `${this.name}${suffix}`));
    try {
      // On libuv's threads: the three files of a repository are written and flushed at once.
      const fh = await openFile(tmp, 'wx');
      try {
        await fh.writev(stored as NodeJS.ArrayBufferView[]);
        await fh.sync();
      } finally {
        await fh.close();
      }
      const fileName = `${checksum}-${this.name}${suffix}`;
      const target = join(this.repodata, fileName);
      // Same name, same checksum: the same content is already there (an unchanged re-publish).
      if (existsSync(target)) unlinkSync(tmp);
      else renameSync(tmp, target);
      return { fileName, checksum, openChecksum: this.open.digest('hex'), size, openSize: this.openSize };
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // not created
      }
      throw e;
    }
  }

  /** Gives up (the compressor is stopped; nothing was written). */
  abort(): void {
    this.compressor.abort();
  }
}

/** Writes a file given by the user (comps, modules) byte for byte, compressed or not. */
export function writeMetadataBuffer(repodata: string, name: string, content: Buffer, compression: MetadataCompression): Promise<WrittenMetadata> {
  return writeFromStream(repodata, name, Readable.from([content], { objectMode: true }), compression);
}

async function writeFromStream(repodata: string, name: string, source: Readable, compression: MetadataCompression): Promise<WrittenMetadata> {
  const suffix = compressionSuffix(compression);
  const tmp = tempPathBeside(join(repodata, `${name}${suffix}`));
  const open = new Digest();
  const stored = new Digest();
  try {
    await pipeline(source, open, compressStream(compression), stored, createWriteStream(tmp));
    fsyncPath(tmp);
    const checksum = stored.hash.digest('hex');
    const fileName = `${checksum}-${name}${suffix}`;
    const target = join(repodata, fileName);
    // Same name, same checksum: the same content is already there (an unchanged re-publish).
    if (existsSync(target)) unlinkSync(tmp);
    else renameSync(tmp, target);
    return { fileName, checksum, openChecksum: open.hash.digest('hex'), size: stored.bytes, openSize: open.bytes };
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // not created
    }
    throw e;
  }
}
