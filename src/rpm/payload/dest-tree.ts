/**
 * Safe file operations under an extraction directory. Internal to extract.ts.
 *
 * Paths are handled as "binary strings" (one char per byte, latin1) so that names that are not
 * UTF-8 come out byte for byte; they become Buffers for every fs call.
 *
 * Safety rules: a name must be relative (after "./") with no ".." segment; every directory on the
 * way to an entry must be a real directory (lstat), never a symbolic link, whether the archive
 * made it or it was there before; files are created with O_CREAT|O_EXCL|O_NOFOLLOW after removing
 * whatever non-directory was in the way, so nothing is ever written through a link; a directory
 * is never replaced.
 */
import { constants } from 'node:fs';
import { chmod, link, lstat, lutimes, mkdir, open, realpath, symlink, unlink, utimes } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { RpmPayloadError } from '../errors.ts';

/** What the tree needs to know about an entry for errors and metadata. */
export interface EntryMeta {
  readonly name: string;
  readonly mode: number;
  readonly mtime: number;
  readonly offset: number;
}

/** An extraction directory and the directories known to be real inside it. */
export class DestTree {
  readonly #root: string;
  readonly #permMask: number;
  readonly #realDirs = new Set<string>(['']);
  readonly #dirMeta = new Map<string, EntryMeta>();

  private constructor(root: string, permMask: number) {
    this.#root = root;
    this.#permMask = permMask;
  }

  /** Creates `destDir` if needed and opens it; `permMask` is applied to every mode. */
  static async open(destDir: string, permMask: number): Promise<DestTree> {
    await mkdir(destDir, { recursive: true });
    const real = await realpath(destDir);
    return new DestTree(Buffer.from(real, 'utf8').toString('latin1'), permMask);
  }

  /**
   * The checked relative path (binary string, '' for the directory itself) of an entry name.
   * @throws RpmPayloadError for an absolute name or one with a ".." segment.
   */
  relativePath(rawName: Buffer, meta: EntryMeta): string {
    let name = rawName.toString('latin1');
    if (name.startsWith('./')) name = name.slice(2);
    if (name.startsWith('/')) throw refuse(meta, 'is an absolute path');
    const segments = name.split('/').filter((s) => s !== '' && s !== '.');
    if (segments.includes('..')) throw refuse(meta, 'has a ".." segment');
    return segments.join('/');
  }

  /** Makes sure every parent of `rel` is a real directory, creating missing ones. */
  async prepareParents(rel: string, meta: EntryMeta): Promise<void> {
    const segments = rel.split('/');
    let prefix = '';
    for (const segment of segments.slice(0, -1)) {
      prefix = prefix === '' ? segment : `${prefix}/${segment}`;
      if (this.#realDirs.has(prefix)) continue;
      const st = await lstatOrNull(this.#abs(prefix));
      if (st === null) await mkdir(this.#abs(prefix), 0o755);
      else if (st.isSymbolicLink()) throw refuse(meta, `goes through the symbolic link ${show(prefix)}`);
      else if (!st.isDirectory()) throw refuse(meta, `goes through ${show(prefix)}, which is not a directory`);
      this.#realDirs.add(prefix);
    }
  }

  /** Writes a regular file from `data`; returns the number of bytes written. */
  async writeFile(rel: string, meta: EntryMeta, data: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<number> {
    await this.#clearForNonDirectory(rel, meta);
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    const fh = await open(this.#abs(rel), flags, 0o600);
    let written = 0;
    try {
      for await (const piece of data) {
        let done = 0;
        while (done < piece.length) {
          const { bytesWritten } = await fh.write(piece, done, piece.length - done);
          done += bytesWritten;
        }
        written += piece.length;
      }
      await fh.chmod(meta.mode & this.#permMask);
      await fh.utimes(meta.mtime, meta.mtime);
    } finally {
      await fh.close();
    }
    return written;
  }

  /** Creates a directory (or keeps an existing one); its mode and mtime are set by {@link finish}. */
  async makeDirectory(rel: string, meta: EntryMeta): Promise<void> {
    await this.prepareParents(rel, meta);
    if (!this.#realDirs.has(rel)) {
      const st = await lstatOrNull(this.#abs(rel));
      if (st !== null && !st.isDirectory()) await unlink(this.#abs(rel));
      if (st === null || !st.isDirectory()) await mkdir(this.#abs(rel), 0o755);
      this.#realDirs.add(rel);
    }
    this.#dirMeta.set(rel, meta);
  }

  /** Creates a symbolic link (its target is never followed by us). */
  async makeSymlink(rel: string, target: Buffer, meta: EntryMeta): Promise<void> {
    await this.#clearForNonDirectory(rel, meta);
    await symlink(target, this.#abs(rel));
    await lutimes(this.#abs(rel), meta.mtime, meta.mtime);
  }

  /** Creates `rel` as a hard link to the file at `existing` (a path this extraction wrote). */
  async makeHardLink(existing: string, rel: string, meta: EntryMeta): Promise<void> {
    await this.#clearForNonDirectory(rel, meta);
    await link(this.#abs(existing), this.#abs(rel));
  }

  /** Applies directory modes and mtimes, deepest first (children change their parent's mtime). */
  async finish(): Promise<void> {
    const dirs = [...this.#dirMeta].sort(([a], [b]) => depth(b) - depth(a));
    for (const [rel, meta] of dirs) {
      await chmod(this.#abs(rel), meta.mode & this.#permMask);
      await utimes(this.#abs(rel), meta.mtime, meta.mtime);
    }
  }

  /** Checks the way to `rel` and removes a non-directory in its place; refuses to replace a directory. */
  async #clearForNonDirectory(rel: string, meta: EntryMeta): Promise<void> {
    await this.prepareParents(rel, meta);
    if (this.#realDirs.has(rel)) throw refuse(meta, 'would replace a directory');
    const st = await lstatOrNull(this.#abs(rel));
    if (st === null) return;
    if (st.isDirectory()) throw refuse(meta, 'would replace a directory');
    await unlink(this.#abs(rel));
  }

  #abs(rel: string): Buffer {
    return Buffer.from(rel === '' ? this.#root : `${this.#root}/${rel}`, 'latin1');
  }
}

async function lstatOrNull(path: Buffer): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function depth(rel: string): number {
  return rel.split('/').length;
}

function show(rel: string): string {
  return JSON.stringify(Buffer.from(rel, 'latin1').toString('utf8'));
}

function refuse(meta: EntryMeta, why: string): RpmPayloadError {
  return new RpmPayloadError(`refusing cpio entry ${JSON.stringify(meta.name)}: ${why}`, meta.offset);
}
