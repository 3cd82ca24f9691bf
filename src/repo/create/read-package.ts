/**
 * Reads package files for the repository: the headers each record needs and the sha256 of the
 * whole file (the pkgId). A file that fits the read buffer is read whole with one read into a
 * buffer reused from file to file, hashed and parsed from memory; a larger one has its headers
 * read and is hashed in buffer-sized pieces. When another thread hashes the files
 * (`hash: false`), only the head of each file (lead and headers) is read, and the pkgId is
 * {@link UNKNOWN_ID}.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { packageHeadLength, readRpmBuffer, readRpmFileSync } from '../../rpm/package-file.ts';
import { rpmvercmp } from '../../rpm/vercmp.ts';
import { DistforgeError } from '../../errors.ts';
import { RepoCreateError } from '../errors.ts';
import { repoPackageFromSource } from '../from-rpm.ts';
import type { RepoPackage } from '../model.ts';
import type { HeaderFileList } from './file-lines.ts';
import { recordSourceAndFileList, recordSourceFromHeaders } from './header-record.ts';
import { FileDigester, sha256 } from './file-digest.ts';
import { UNKNOWN_ID } from './fragments.ts';
import type { FoundPackage } from './scan.ts';

/** Files up to this size are read whole; larger ones are hashed in pieces of this size. */
const WHOLE_FILE_LIMIT = 8 * 1024 * 1024;
/** Read first when only the head is wanted: most packages' heads fit (the rest is read after). */
const HEAD_GUESS = 64 * 1024;

/** Reads package files one after the other (one per thread: it keeps a buffer between files). */
export class PackageReader {
  private buf = Buffer.allocUnsafe(256 * 1024);
  /** For files too large to read whole (made when the first one comes). */
  private digester: FileDigester | null = null;

  constructor(private readonly changelogLimit: number) {}

  /**
   * The repodata record of the package at `found.path` (its pkgId {@link UNKNOWN_ID} unless `hash`).
   * @throws RepoCreateError naming the file when it is not a readable RPM package.
   */
  read(found: FoundPackage, hash = true): RepoPackage {
    return this.readWith(found, hash, false).pkg;
  }

  /**
   * The record as {@link read} gives it, with the file list left as the header's bytes when they
   * can be written as they are (the record's `files` then empty; see file-lines.ts). The list
   * points into this reader's buffer: it is good until the next file is read.
   */
  readForRendering(found: FoundPackage, hash: boolean): { pkg: RepoPackage; fileList: HeaderFileList | null } {
    return this.readWith(found, hash, true);
  }

  private readWith(found: FoundPackage, hash: boolean, bytesFileList: boolean): { pkg: RepoPackage; fileList: HeaderFileList | null } {
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
        if (!hash) {
          pkgId = UNKNOWN_ID;
          file = readRpmBuffer(this.readHead(fd, found.size));
        } else if (found.size <= WHOLE_FILE_LIMIT) {
          const bytes = this.readWhole(fd, found.size);
          pkgId = sha256(bytes);
          file = readRpmBuffer(bytes);
        } else {
          file = readRpmFileSync(found.path);
          pkgId = (this.digester ??= new FileDigester()).digest(fd).hex;
        }
      } finally {
        closeSync(fd);
      }
      const { source, fileList } = bytesFileList ? recordSourceAndFileList(file, this.changelogLimit) : { source: recordSourceFromHeaders(file, this.changelogLimit), fileList: null };
      const pkg = repoPackageFromSource(source, { pkgId, checksumType: 'sha256', href: found.href, mtime: found.mtime, size: found.size }, { vercmp: rpmvercmp, changelogLimit: this.changelogLimit });
      return { pkg, fileList };
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
    this.fit(size);
    return this.buf.subarray(0, this.readInto(fd, 0, size));
  }

  /** The head of a package file of `size` bytes (all of it when it does not tell its head's length). */
  private readHead(fd: number, size: number): Buffer {
    let got = this.readInto(fd, 0, Math.min(size, HEAD_GUESS, this.buf.length));
    const want = Math.min(size, packageHeadLength(this.buf.subarray(0, got)) ?? size);
    if (want > got) {
      this.fit(want);
      got = this.readInto(fd, got, want);
    }
    return this.buf.subarray(0, got);
  }

  /** Makes the reused buffer hold at least `size` bytes (keeping what it holds). */
  private fit(size: number): void {
    if (this.buf.length >= size) return;
    const bigger = Buffer.allocUnsafe(Math.max(size, Math.min(WHOLE_FILE_LIMIT, 2 * this.buf.length)));
    this.buf.copy(bigger);
    this.buf = bigger;
  }

  /** Reads the file from `from` up to `to` (or its end) into the buffer at the same offsets; returns where it stopped. */
  private readInto(fd: number, from: number, to: number): number {
    let off = from;
    while (off < to) {
      const n = readSync(fd, this.buf, off, to - off, off);
      if (n === 0) break;
      off += n;
    }
    return off;
  }

}
