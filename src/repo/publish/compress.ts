/**
 * Compression of metadata files: zstd (the default, as EL9 and createrepo_c 1.x write it), gzip
 * (for older clients) or none. zstd runs the system `zstd` tool with pipes (Node 20's zlib has no
 * zstd); gzip runs in zlib's thread pool. Either way compression runs beside the JavaScript thread
 * that renders the XML.
 *
 * Terminology:
 * - open: uncompressed (repomd.xml's open-checksum and open-size describe the uncompressed bytes).
 */
import { spawn } from 'node:child_process';
import { Duplex, PassThrough } from 'node:stream';
import { createGzip } from 'node:zlib';
import { RepoCreateError } from '../errors.ts';

export type MetadataCompression = 'zstd' | 'gz' | 'none';

export const METADATA_COMPRESSIONS: readonly MetadataCompression[] = ['zstd', 'gz', 'none'];

/** File name suffix of a compressed metadata file. */
export function compressionSuffix(c: MetadataCompression): string {
  return c === 'zstd' ? '.zst' : c === 'gz' ? '.gz' : '';
}

/** Checks a user's `--compress` value. */
export function parseCompression(s: string): MetadataCompression {
  if ((METADATA_COMPRESSIONS as readonly string[]).includes(s)) return s as MetadataCompression;
  throw new RepoCreateError(`unknown compression ${JSON.stringify(s)} (use zstd, gz or none)`);
}

/** A stream taking open bytes and giving compressed bytes. */
export function compressStream(c: MetadataCompression): Duplex {
  switch (c) {
    case 'none':
      return new PassThrough();
    case 'gz':
      return createGzip({ level: 6 });
    case 'zstd':
      return zstdStream();
  }
}

/** `zstd -c` as a duplex stream; a failing tool becomes an error event on it. */
function zstdStream(): Duplex {
  const child = spawn('zstd', ['-q', '-c', '-3', '-T1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const out = new PassThrough();
  child.stdout.pipe(out, { end: false });
  const duplex = Duplex.from({ writable: child.stdin, readable: out });
  const fail = (why: string): void => {
    duplex.destroy(new RepoCreateError(`zstd failed: ${why}${stderr ? ` (${stderr.trim()})` : ''}`));
  };
  child.on('error', (e) => fail(e.message));
  child.stdin.on('error', (e) => fail(e.message));
  child.on('close', (code, signal) => {
    if (code === 0) out.end();
    else fail(signal ? `killed by ${signal}` : `exit code ${String(code)}`);
  });
  duplex.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
  return duplex;
}

/**
 * A compressor of one content given as pieces (views into buffers, back to back), fed as they
 * come and possibly started before the content exists: zstd is one `zstd` process, best started
 * while this process is small (starting a process copies the parent's page tables); gzip is zlib
 * in the thread pool.
 */
export interface ViewCompressor {
  /** Feeds the next pieces. */
  write(views: readonly Uint8Array[]): void;
  /** Feeds the last pieces; the compressed bytes of everything fed. Call once. */
  end(views?: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /** Stops it when it will not be used (or failed); harmless after end. */
  abort(): void;
}

/** A compressor for `c`, started now. */
export function startCompressor(c: MetadataCompression): ViewCompressor {
  const stream = compressStream(c);
  const result = new Promise<Uint8Array[]>((done, fail) => {
    const out: Buffer[] = [];
    stream.on('data', (b: Buffer) => out.push(b));
    stream.on('error', fail);
    stream.on('end', () => done(out));
  });
  // A compressor stopped before use fails; nobody waits for it.
  result.catch(() => undefined);
  return {
    write(views) {
      for (const v of views) stream.write(v);
    },
    end(views = []) {
      for (const v of views) stream.write(v);
      stream.end();
      return result;
    },
    abort() {
      stream.destroy();
    },
  };
}
