/**
 * Received bytes staged before they enter a store, the same way for every backend: written to a
 * temporary file of the staging directory while hashed, flushed to disk and checked against the
 * sha256 the sender announced. The store then lets the caller check the file (`accept`) and only
 * after that makes it a blob (LocalStore renames it into place, S3Store uploads it under its
 * sha256); a mismatch or a stream that fails midway leaves no file behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { checkSha256, checksumMismatch } from './sha256.ts';
import type { StagedBlob, StoredBlob } from './store.ts';

export class Staging {
  readonly dir: string;
  #made = false;

  /** Stages in `dir` (made when needed; for LocalStore on the store's file system, so a rename moves the file). */
  constructor(dir: string) {
    this.dir = dir;
  }

  /**
   * Writes `data` to a new temporary file while hashing it.
   * @throws DistforgeError `bad_sha256`, `checksum_mismatch` (422); the stream's error when it fails
   */
  async stage(data: Readable | Buffer, expectedSha256?: string): Promise<StagedBlob> {
    if (expectedSha256 !== undefined) checkSha256(expectedSha256);
    const path = join(this.dir, `${process.pid}.${randomBytes(8).toString('hex')}`);
    try {
      const { sha256, size } = await this.#write(path, data);
      if (expectedSha256 !== undefined && sha256 !== expectedSha256) throw checksumMismatch(expectedSha256, sha256, size);
      return { sha256, size, path };
    } catch (e) {
      await this.discard({ path });
      throw e;
    }
  }

  /**
   * Removes the files that processes no longer running left staged (a master killed during an
   * upload); files are named PID.RANDOM. Returns how many.
   */
  async removeLeftovers(): Promise<number> {
    let removed = 0;
    for (const f of await readdir(this.dir).catch(() => [] as string[])) {
      const pid = Number(f.split('.')[0]);
      if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || isRunning(pid)) continue;
      await unlink(join(this.dir, f)).then(() => (removed += 1), () => undefined);
    }
    return removed;
  }

  /**
   * A new path in the staging directory (made when needed), named as staged files are: the store
   * moves a blob there to delete it, and what a killed process left is removed at start.
   */
  async newPath(): Promise<string> {
    await this.#ensureDir();
    return join(this.dir, `${process.pid}.${randomBytes(8).toString('hex')}`);
  }

  /** Removes a staged file (stored, refused or failed). */
  async discard(staged: Pick<StagedBlob, 'path'>): Promise<void> {
    await unlink(staged.path).catch(() => undefined);
  }

  async #write(path: string, data: Readable | Buffer): Promise<StoredBlob> {
    const stream = (): Readable => (Buffer.isBuffer(data) ? Readable.from([data]) : data);
    await this.#ensureDir();
    try {
      return await writeHashed(path, stream());
    } catch (e) {
      // The directory was removed behind our back: make it again (nothing was read yet).
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(this.dir, { recursive: true });
      return writeHashed(path, stream());
    }
  }

  async #ensureDir(): Promise<void> {
    if (this.#made) return;
    await mkdir(this.dir, { recursive: true });
    this.#made = true;
  }
}

/** Whether process `pid` runs (or may: one of another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Writes `stream` to a new file `path` while hashing it, and flushes it to disk. */
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
