/**
 * One metadata file of a repository, streamed: bytes from the transport → checksum and size of the
 * stored file → decompression → checksum and size of the contents → the consumer. The checks end
 * with the file: a mismatch throws from the iterator after the last chunk, so a consumer that reads
 * to the end never takes a damaged file for a complete one.
 *
 * Terminology:
 * - stored: the file as repomd.xml lists it (`<checksum>`, `<size>`), usually compressed.
 * - open: its decompressed contents (`<open-checksum>`, `<open-size>`).
 */
import { createHash, getHashes } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { PassThrough, Readable, pipeline } from 'node:stream';
import { decompressStream } from '../../rpm/payload/index.ts';
import { RepoReadError } from '../errors.ts';
import { SNIFF_BYTES, chooseCompression } from './compression.ts';
import type { RepomdChecksum, RepomdRecord } from './repomd.ts';
import type { Transport } from './transport.ts';
import { badHref } from './transport.ts';

/** Decompressed bytes that may wait for the parser. */
const READ_AHEAD = 1024 * 1024;

/** Hash names of repodata (yum's "sha" is SHA-1) to node's. */
const HASH_NAMES: Readonly<Record<string, string>> = { sha: 'sha1', sha1: 'sha1', sha224: 'sha224', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512', md5: 'md5' };

/** A hash for a repodata checksum type, or a RepoReadError naming `file`. */
function hashFor(sum: RepomdChecksum, file: string, what: string): Hash {
  const name = HASH_NAMES[sum.type.toLowerCase()];
  if (name === undefined || !getHashes().includes(name)) {
    throw new RepoReadError(file, `unsupported ${what} type ${JSON.stringify(sum.type)} in repomd.xml`);
  }
  return createHash(name);
}

/**
 * The decompressed contents of the file `record` describes, in chunks. Checks stored size and
 * checksum, open size and open checksum (those repomd.xml gives) once the file ends, and throws a
 * RepoReadError naming the file (with both values) on a mismatch; a file that cannot be fetched or
 * decompressed is a RepoReadError naming it too.
 */
export async function* metadataContent(transport: Transport, record: RepomdRecord): AsyncGenerator<Buffer, void, undefined> {
  const { href } = record.location;
  const file = transport.resolve(href);
  const why = badHref(href);
  if (why !== null) throw new RepoReadError(file, why);
  if (record.location.base !== undefined) {
    throw new RepoReadError(file, `metadata with a location base (${record.location.base}) is not supported`);
  }
  const storedHash = hashFor(record.checksum, file, 'checksum');
  const openHash = record.openChecksum ? hashFor(record.openChecksum, file, 'open-checksum') : null;

  const source = transport.stream(href);
  // Read enough of the start to recognise the compression.
  const head: Buffer[] = [];
  let headLength = 0;
  let sourceDone = false;
  while (headLength < SNIFF_BYTES) {
    const next = await source.next();
    if (next.done) {
      sourceDone = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  const compression = chooseCompression(href, Buffer.concat(head));
  if (compression === 'zchunk') {
    await source.return();
    throw new RepoReadError(file, 'zchunk-compressed metadata (.zck) is not supported');
  }

  let storedSize = 0;
  let inputEnded = false;
  async function* stored(): AsyncGenerator<Buffer, void, undefined> {
    for (const chunk of head) {
      storedHash.update(chunk);
      storedSize += chunk.length;
      yield chunk;
    }
    if (!sourceDone) {
      for await (const chunk of source) {
        storedHash.update(chunk);
        storedSize += chunk.length;
        yield chunk;
      }
    }
    inputEnded = true;
  }

  const decoder = decompressStream(compression);
  // Lets the decompressor (gzip runs on libuv's threads, the others in child processes) work
  // ahead of the parser, and hands the parser larger pieces.
  const readAhead = new PassThrough({ highWaterMark: READ_AHEAD });
  pipeline(Readable.from(stored()), decoder, readAhead, () => {
    // Failures reach the consumer through readAhead, which pipeline destroys with the error.
  });
  let openSize = 0;
  try {
    for await (const chunk of readAhead as AsyncIterable<Buffer>) {
      openSize += chunk.length;
      openHash?.update(chunk);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof RepoReadError) throw err;
    // A truncated or damaged file usually fails to decompress before its checksum is known; when
    // the whole file was read, the size or checksum says more than the decompressor.
    if (inputEnded) checkStored(record, file, storedSize, storedHash.digest('hex'), err);
    const message = err instanceof Error ? err.message : String(err);
    throw new RepoReadError(file, `cannot decompress (${compression}): ${message}`, { cause: err });
  }
  checkStored(record, file, storedSize, storedHash.digest('hex'));
  if (record.openSize !== undefined && openSize !== record.openSize) {
    throw new RepoReadError(file, `decompressed size mismatch: repomd.xml says ${record.openSize} bytes, the contents have ${openSize}`);
  }
  if (openHash && record.openChecksum) {
    const actual = openHash.digest('hex');
    if (actual !== record.openChecksum.value.toLowerCase()) {
      throw new RepoReadError(
        file,
        `open-checksum mismatch: repomd.xml says ${record.openChecksum.type} ${record.openChecksum.value}, the decompressed contents have ${actual}`,
      );
    }
  }
}

/** Throws if the stored file's size or checksum differ from what repomd.xml says. */
function checkStored(record: RepomdRecord, file: string, size: number, digest: string, cause?: unknown): void {
  const options = cause === undefined ? undefined : { cause };
  if (record.size !== undefined && size !== record.size) {
    throw new RepoReadError(file, `size mismatch: repomd.xml says ${record.size} bytes, the file has ${size} (truncated or damaged?)`, options);
  }
  if (digest !== record.checksum.value.toLowerCase()) {
    throw new RepoReadError(
      file,
      `checksum mismatch: repomd.xml says ${record.checksum.type} ${record.checksum.value}, the file has ${digest}`,
      options,
    );
  }
}

/** The whole decompressed contents (for small files such as comps or modules metadata). */
export async function metadataBuffer(transport: Transport, record: RepomdRecord): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of metadataContent(transport, record)) parts.push(chunk);
  return Buffer.concat(parts);
}
