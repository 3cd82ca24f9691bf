/**
 * Reads one package file for the repository: its headers (src/rpm) and the sha256 of the whole
 * file (the pkgId), in one pass over the bytes for files that fit a read buffer.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { readRpmBuffer, readRpmFileSync } from '../../rpm/package-file.ts';
import { packageFromFile } from '../../rpm/package.ts';
import { rpmvercmp } from '../../rpm/vercmp.ts';
import { DistforgeError } from '../../errors.ts';
import { RepoCreateError } from '../errors.ts';
import { repoPackageFromRpm } from '../from-rpm.ts';
import type { RepoPackage } from '../model.ts';
import type { FoundPackage } from './scan.ts';

/** Files up to this size are read whole; larger ones are hashed in chunks. */
const WHOLE_FILE_LIMIT = 8 * 1024 * 1024;
const CHUNK = 1024 * 1024;

function hashFile(path: string, hash: ReturnType<typeof createHash>): void {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

function readWhole(path: string, size: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === size ? buf : buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

/** Options of {@link readRepoPackage}. */
export interface ReadPackageOptions {
  changelogLimit?: number;
}

/**
 * The repodata record of the package at `found.path`.
 * @throws RepoCreateError naming the file when it is not a readable RPM package.
 */
export function readRepoPackage(found: FoundPackage, options: ReadPackageOptions = {}): RepoPackage {
  try {
    const hash = createHash('sha256');
    let file;
    if (found.size <= WHOLE_FILE_LIMIT) {
      const buf = readWhole(found.path, found.size);
      hash.update(buf);
      file = readRpmBuffer(buf);
    } else {
      file = readRpmFileSync(found.path);
      hashFile(found.path, hash);
    }
    const pkg = packageFromFile(file);
    return repoPackageFromRpm(
      pkg,
      { pkgId: hash.digest('hex'), checksumType: 'sha256', href: found.href, mtime: found.mtime, size: found.size },
      { vercmp: rpmvercmp, ...(options.changelogLimit === undefined ? {} : { changelogLimit: options.changelogLimit }) },
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
