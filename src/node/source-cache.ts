/**
 * The node's cache of downloaded source files, shared by all its tasks: `DIR/HASHTYPE/HASH`, where
 * DIR is `WORKROOT/source-cache`. A file enters it only whole and verified: it is downloaded to a
 * temporary file under `DIR/.tmp`, hashed while it is written, and renamed into place only when
 * its hash is the one asked for. Tasks downloading the same file at once each write their own
 * temporary file; the renames are atomic, so a reader sees nothing or the whole file. A cached file
 * is hashed again before use, and a damaged one is dropped and downloaded again.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { MultiHash, type HashType } from '../lookaside/index.ts';
import { BuildFailedError } from './errors.ts';

/** Which file, by which hash. */
export interface CacheKey {
  filename: string;
  hashtype: HashType;
  hash: string;
}

/** Where a file came from: `cache`, or the URL it was downloaded from. */
export interface CachedSource {
  path: string;
  from: string;
}

const DOWNLOAD_TIMEOUT_MS = 30 * 60_000;

function hashOf(stream: Readable, type: HashType, sink?: NodeJS.WritableStream): Promise<string> {
  const h = new MultiHash([type]);
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      h.update(chunk);
      done(null, sink ? chunk : undefined);
    },
  });
  const done = sink ? pipeline(stream, tap, sink) : pipeline(stream, tap);
  return done.then(() => h.digest()[type] ?? '');
}

export class SourceCache {
  constructor(readonly dir: string) {}

  /** Where `key` lives in the cache. */
  path(key: CacheKey): string {
    return join(this.dir, key.hashtype, key.hash);
  }

  /** The cached file when present and intact (a damaged one is removed), else null. */
  async lookup(key: CacheKey): Promise<string | null> {
    const path = this.path(key);
    if (!(await stat(path).catch(() => null))?.isFile()) return null;
    if ((await hashOf(createReadStream(path), key.hashtype)) === key.hash) return path;
    await unlink(path).catch(() => undefined);
    return null;
  }

  /**
   * The file `key` from the cache, or downloaded from the first of `urls` that has it.
   * @throws BuildFailedError when a download has another hash (naming the file, URL and both
   *   hashes), or when no URL has the file (naming each URL and its answer).
   */
  async fetch(key: CacheKey, urls: readonly string[], options: { signal?: AbortSignal; headers?: (url: string) => Record<string, string> } = {}): Promise<CachedSource> {
    const cached = await this.lookup(key);
    if (cached) return { path: cached, from: 'cache' };
    const tried: string[] = [];
    for (const url of urls) {
      let res: Response;
      try {
        const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS)]) : AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
        res = await fetch(url, { headers: options.headers?.(url) ?? {}, signal });
      } catch (e) {
        if (options.signal?.aborted) throw e;
        tried.push(`${url} (${(e as Error).message})`);
        continue;
      }
      if (!res.ok || res.body === null) {
        await res.body?.cancel();
        tried.push(`${url} (HTTP ${res.status})`);
        continue;
      }
      return { path: await this.#store(key, url, res.body as WebReadableStream<Uint8Array>), from: url };
    }
    throw new BuildFailedError(`source file ${key.filename} (${key.hashtype} ${key.hash}) is in no lookaside; tried ${tried.length > 0 ? tried.join(', ') : 'no URL'}`);
  }

  async #store(key: CacheKey, url: string, body: WebReadableStream<Uint8Array>): Promise<string> {
    const tmpDir = join(this.dir, '.tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
    try {
      const got = await hashOf(Readable.fromWeb(body), key.hashtype, createWriteStream(tmp, { flags: 'wx' }));
      if (got !== key.hash) throw new BuildFailedError(`source file ${key.filename}: ${key.hashtype} mismatch: expected ${key.hash}, got ${got} (downloaded from ${url})`);
      const path = this.path(key);
      await mkdir(join(this.dir, key.hashtype), { recursive: true });
      await rename(tmp, path);
      return path;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }
}
