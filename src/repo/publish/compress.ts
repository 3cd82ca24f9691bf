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
import { createGzip, gzip } from 'node:zlib';
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
 * A compressor of one content given as pieces (`views`, back to back), possibly started before
 * the content exists: zstd is one `zstd` process, which is best started while this process is
 * small (starting a process copies the parent's page tables); gzip is zlib in the thread pool.
 */
export interface ViewCompressor {
  /** The compressed bytes of `views`; call once. */
  compress(views: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /** Stops it when it will not be used (or failed); harmless after compress. */
  abort(): void;
}

/** A compressor for `c`, started now. */
export function startCompressor(c: MetadataCompression): ViewCompressor {
  switch (c) {
    case 'none':
      return { compress: (views) => Promise.resolve([...views]), abort: () => undefined };
    case 'gz':
      return { compress: gzipViews, abort: () => undefined };
    case 'zstd':
      return zstdCompressor();
  }
}

function gzipViews(views: readonly Uint8Array[]): Promise<Uint8Array[]> {
  // One piece: zlib's one-call form. Several: a stream, so the pieces are not joined first.
  if (views.length <= 1) {
    return new Promise((done, fail) => gzip(views[0] ?? new Uint8Array(0), { level: 6 }, (e, out) => (e ? fail(e) : done([out]))));
  }
  return new Promise((done, fail) => {
    const z = createGzip({ level: 6 });
    const out: Buffer[] = [];
    z.on('data', (b: Buffer) => out.push(b));
    z.on('error', fail);
    z.on('end', () => done(out));
    for (const v of views) z.write(v);
    z.end();
  });
}

function zstdCompressor(): ViewCompressor {
  const child = spawn('zstd', ['-q', '-c', '-3', '-T1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const result = new Promise<Uint8Array[]>((done, fail) => {
    const out: Buffer[] = [];
    let stderr = '';
    const stop = (why: string): void => {
      if (child.exitCode === null) child.kill();
      fail(new RepoCreateError(`zstd failed: ${why}${stderr ? ` (${stderr.trim()})` : ''}`));
    };
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => stop(e.message));
    child.stdin.on('error', (e) => stop(e.message));
    child.on('close', (code, signal) => (code === 0 ? done(out) : stop(signal ? `killed by ${signal}` : `exit code ${String(code)}`)));
  });
  // A compressor stopped before use fails; nobody waits for it.
  result.catch(() => undefined);
  return {
    compress(views) {
      for (const v of views) child.stdin.write(v);
      child.stdin.end();
      return result;
    },
    abort() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}
