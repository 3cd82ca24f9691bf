/**
 * The artifact store in a local directory (the embedded default): each blob is a file named by
 * its sha256, split as `ab/cdef…` so no directory grows too large. A blob is written to a
 * temporary file while it is hashed, checked against the sha256 the sender announced, flushed to
 * disk, checked by the caller when it asks (`accept`: is it an RPM?), and renamed into place:
 * readers never see a partial blob, and a mismatch, a refused upload or an aborted one leaves
 * nothing behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { access, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DistforgeError, NotFoundError } from '../errors.ts';
import type { ArtifactStore, PutOptions, StoredBlob } from './store.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** @throws DistforgeError `bad_sha256` (400) unless `sha256` is 64 lowercase hex digits. */
function checkSha256(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) throw new DistforgeError('bad_sha256', `not a sha256 (64 lowercase hex digits): ${JSON.stringify(sha256)}`, { status: 400 });
}

export class LocalStore implements ArtifactStore {
  readonly dir: string;

  /** A store in `dir` (created when needed), e.g. DATA/store. */
  constructor(dir: string) {
    this.dir = dir;
  }

  /** Where the blob `sha256` lives (or would live). */
  localPath(sha256: string): string {
    checkSha256(sha256);
    return join(this.dir, sha256.slice(0, 2), sha256.slice(2));
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await access(this.localPath(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async size(sha256: string): Promise<number | null> {
    try {
      return (await stat(this.localPath(sha256))).size;
    } catch {
      return null;
    }
  }

  open(sha256: string): Readable {
    const path = this.localPath(sha256);
    if (!existsSync(path)) throw new NotFoundError(`no blob ${sha256} in the artifact store`);
    return createReadStream(path);
  }

  /** Directories made (or found) by this store: made once, not on every put. */
  readonly #dirs = new Set<string>();

  async #ensureDir(dir: string): Promise<void> {
    if (this.#dirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.#dirs.add(dir);
  }

  async put(data: Readable | Buffer, expectedSha256?: string, options: PutOptions = {}): Promise<StoredBlob> {
    if (expectedSha256 !== undefined) checkSha256(expectedSha256);
    const tmpDir = join(this.dir, '.tmp');
    await this.#ensureDir(tmpDir);
    const tmp = join(tmpDir, `${process.pid}.${randomBytes(8).toString('hex')}`);
    try {
      const { sha256, size } = await writeHashed(tmp, Buffer.isBuffer(data) ? Readable.from([data]) : data).catch(async (e: NodeJS.ErrnoException) => {
        // The temporary directory was removed behind our back: make it again (nothing was read yet).
        if (e.code !== 'ENOENT') throw e;
        this.#dirs.clear();
        await this.#ensureDir(tmpDir);
        return writeHashed(tmp, Buffer.isBuffer(data) ? Readable.from([data]) : data);
      });
      if (expectedSha256 !== undefined && sha256 !== expectedSha256) {
        throw new DistforgeError('checksum_mismatch', `sha256 mismatch: expected ${expectedSha256}, received ${sha256} (${size} bytes)`, { status: 422 });
      }
      // Checked while still staged: refused bytes never become a blob (nothing to remove later, so
      // nothing can remove a blob someone else stored meanwhile).
      await options.accept?.({ sha256, size, path: tmp });
      const target = this.localPath(sha256);
      await this.#ensureDir(join(this.dir, sha256.slice(0, 2)));
      await rename(tmp, target).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
        // The directory was removed behind our back: make it again.
        this.#dirs.clear();
        await this.#ensureDir(join(this.dir, sha256.slice(0, 2)));
        await rename(tmp, target);
      });
      await syncDir(join(this.dir, sha256.slice(0, 2)));
      return { sha256, size };
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }
}

/** Writes `stream` to `path` while hashing it, and flushes it to disk. */
async function writeHashed(path: string, stream: Readable): Promise<StoredBlob> {
  const hash = createHash('sha256');
  let size = 0;
  const file = await open(path, 'wx', 0o600);
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      hash.update(buf);
      size += buf.length;
      for (let off = 0; off < buf.length; ) off += (await file.write(buf, off, buf.length - off)).bytesWritten;
    }
    await file.sync();
  } finally {
    await file.close();
  }
  return { sha256: hash.digest('hex'), size };
}

/** Flushes a directory entry change (the rename) to disk. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
