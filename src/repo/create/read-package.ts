/**
 * Reads package files for the repository: the headers each record needs and the sha256 of the
 * whole file (the pkgId). A file that fits the read buffer is read whole with one read into a
 * buffer reused from file to file, hashed and parsed from memory; a larger one has its headers
 * read and is hashed in buffer-sized pieces.
 */
import { createHash, hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readRpmBuffer, readRpmFileSync } from '../../rpm/package-file.ts';
import { rpmvercmp } from '../../rpm/vercmp.ts';
import { DistforgeError } from '../../errors.ts';
import { RepoCreateError } from '../errors.ts';
import { repoPackageFromSource } from '../from-rpm.ts';
import type { RepoPackage } from '../model.ts';
import { recordSourceFromHeaders } from './header-record.ts';
import type { FoundPackage } from './scan.ts';

/** Files up to this size are read whole; larger ones are hashed in pieces of this size. */
const WHOLE_FILE_LIMIT = 8 * 1024 * 1024;

/** Reads package files one after the other (one per thread: it keeps a buffer between files). */
export class PackageReader {
  private buf = Buffer.allocUnsafe(256 * 1024);

  constructor(private readonly changelogLimit: number) {}

  /**
   * The repodata record of the package at `found.path`.
   * @throws RepoCreateError naming the file when it is not a readable RPM package.
   */
  read(found: FoundPackage): RepoPackage {
    try {
      let pkgId: string;
      let file;
      const fd = openSync(found.path, 'r');
      try {
        if (found.size < 0) {
          const st = fstatSync(fd, { bigint: true });
          found.size = Number(st.size);
          found.mtime = Number(st.mtimeMs / 1000n);
          found.mtimeNs = st.mtimeNs;
        }
        if (found.size <= WHOLE_FILE_LIMIT) {
          const bytes = this.readWhole(fd, found.size);
          pkgId = hash('sha256', bytes, 'hex');
          file = readRpmBuffer(bytes);
        } else {
          file = readRpmFileSync(found.path);
          pkgId = this.hashFile(fd);
        }
      } finally {
        closeSync(fd);
      }
      return repoPackageFromSource(
        recordSourceFromHeaders(file, this.changelogLimit),
        { pkgId, checksumType: 'sha256', href: found.href, mtime: found.mtime, size: found.size },
        { vercmp: rpmvercmp, changelogLimit: this.changelogLimit },
      );
    } catch (e) {
      if (e instanceof DistforgeError) {
        const offset = (e as { offset?: unknown }).offset;
        const where = typeof offset === 'number' ? ` (offset ${offset})` : '';
        throw new RepoCreateError(`not a valid RPM package: ${e.message}${where}`, found.path, { cause: e });
      }
      const err = e as NodeJS.ErrnoException;
      throw new RepoCreateError(`cannot read: ${err.code ?? err.message}`, found.path, { cause: e });
    }
  }

  /** The first `size` bytes of the file (fewer if it is shorter), in the reused buffer. */
  private readWhole(fd: number, size: number): Buffer {
    if (this.buf.length < size) this.buf = Buffer.allocUnsafe(Math.min(WHOLE_FILE_LIMIT, Math.max(size, 2 * this.buf.length)));
    let off = 0;
    while (off < size) {
      const n = readSync(fd, this.buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return this.buf.subarray(0, off);
  }

  private hashFile(fd: number): string {
    if (this.buf.length < WHOLE_FILE_LIMIT) this.buf = Buffer.allocUnsafe(WHOLE_FILE_LIMIT);
    const h = createHash('sha256');
    for (let pos = 0; ; ) {
      const n = readSync(fd, this.buf, 0, this.buf.length, pos);
      if (n === 0) break;
      h.update(this.buf.subarray(0, n));
      pos += n;
    }
    return h.digest('hex');
  }
}
