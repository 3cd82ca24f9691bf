/**
 * The sha256 of whole package files (their pkgIds), read into a buffer kept from file to file: a
 * file that fits is hashed in one call; a larger one in pieces (the buffer grows up to 8 MiB for
 * the next files). Used by the reader for files too large to read whole, by the thread that
 * hashes beside a reader (hash-files.ts), and for the files a hashing pipeline did not vouch for
 * (read-pool.ts).
 */
import { createHash, hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { RepoCreateError } from '../errors.ts';

/** The largest piece read at once. */
const PIECE = 8 * 1024 * 1024;

/** The sha256 of `bytes`, in hex: a package's pkgId. */
export function sha256(bytes: Uint8Array): string {
  return hash('sha256', bytes, 'hex');
}

export class FileDigester {
  private buf = Buffer.allocUnsafe(256 * 1024);

  /** The sha256 (hex) and length of the whole file open at `fd`. @throws the file system's error. */
  digest(fd: number): { hex: string; bytes: number } {
    let got = readSync(fd, this.buf, 0, this.buf.length, 0);
    if (got < this.buf.length) return { hex: sha256(this.buf.subarray(0, got)), bytes: got };
    const h = createHash('sha256');
    let pos = 0;
    while (got > 0) {
      h.update(this.buf.subarray(0, got));
      pos += got;
      if (this.buf.length < PIECE) this.buf = Buffer.allocUnsafe(Math.min(PIECE, 2 * this.buf.length));
      got = readSync(fd, this.buf, 0, this.buf.length, pos);
    }
    return { hex: h.digest('hex'), bytes: pos };
  }

  /**
   * The sha256 (hex) and length of the file at `path`.
   * @throws RepoCreateError naming the file when it cannot be read.
   */
  digestFile(path: string): { hex: string; bytes: number } {
    try {
      const fd = openSync(path, 'r');
      try {
        return this.digest(fd);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      throw new RepoCreateError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, path, { cause: e });
    }
  }
}
