/**
 * The artifact store in a local directory (the embedded default): each blob is a file named by
 * its sha256, split as `ab/cdef…` so no directory grows too large. A blob is staged in `.tmp/`
 * (staging.ts: hashed, checked against the sha256 the sender announced, flushed to disk), checked
 * by the caller when it asks (`accept`: is it an RPM?), and renamed into place: readers never see
 * a partial blob, and a mismatch, a refused upload or an aborted one leaves nothing behind.
 *
 * Listing walks the `ab/` directories; deleting moves a blob into `.tmp/` first and looks at the
 * moved file's time, so a blob put again at that moment (a new file renamed into place) is either
 * the one moved, seen as new and moved back, or arrives after, and stays.
 */
import { createReadStream, existsSync } from 'node:fs';
import { access, link, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { NotFoundError } from '../errors.ts';
import { checkSha256 } from './sha256.ts';
import { Staging } from './staging.ts';
import type { ArtifactStore, DeleteOptions, ListedBlob, PutOptions, StoredBlob } from './store.ts';

/** Blobs listed per page. */
const PAGE = 1000;
const HEX2 = /^[0-9a-f]{2}$/;
const HEX62 = /^[0-9a-f]{62}$/;

export class LocalStore implements ArtifactStore {
  readonly dir: string;
  readonly #staging: Staging;

  /** A store in `dir` (created when needed), e.g. DATA/store. */
  constructor(dir: string) {
    this.dir = dir;
    this.#staging = new Staging(join(dir, '.tmp'));
  }

  /** Removes what killed processes left staged (at start). */
  removeStagedLeftovers(): Promise<number> {
    return this.#staging.removeLeftovers();
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

  /** The master serves a local blob itself: no download URL. */
  downloadUrl(sha256: string): Promise<string | null> {
    checkSha256(sha256);
    return Promise.resolve(null);
  }

  async *list(): AsyncIterable<ListedBlob[]> {
    let page: ListedBlob[] = [];
    for (const top of (await readdirOrNone(this.dir)).filter((d) => HEX2.test(d)).sort()) {
      for (const rest of await readdirOrNone(join(this.dir, top))) {
        if (!HEX62.test(rest)) continue;
        // Gone since the directory was read (deleted meanwhile): not listed.
        const st = await stat(join(this.dir, top, rest)).catch(() => null);
        if (!st?.isFile()) continue;
        page.push({ sha256: top + rest, size: st.size, modifiedAt: st.mtimeMs });
        if (page.length >= PAGE) {
          yield page;
          page = [];
        }
      }
    }
    if (page.length > 0) yield page;
  }

  async delete(sha256s: readonly string[], options: DeleteOptions = {}): Promise<ListedBlob[]> {
    for (const sha256 of sha256s) checkSha256(sha256);
    const deleted: ListedBlob[] = [];
    for (const sha256 of sha256s) {
      const gone = await this.#deleteOne(sha256, options.modifiedBefore ?? Infinity);
      if (gone) deleted.push(gone);
    }
    return deleted;
  }

  /** Deletes one blob unless it is missing or was written at or after `before`. */
  async #deleteOne(sha256: string, before: number): Promise<ListedBlob | null> {
    const path = this.localPath(sha256);
    const seen = await stat(path).catch(() => null);
    if (!seen || seen.mtimeMs >= before) return null;
    // Moved aside first: a put renaming a new file into place now either lands before the move
    // (then the moved file is new, and goes back) or after it (and stays where it is).
    const aside = await this.#staging.newPath();
    try {
      await rename(path, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    const moved = await stat(aside);
    if (moved.mtimeMs >= before) {
      // Put again meanwhile: back in place (unless yet another put already is).
      await link(aside, path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
      await unlink(aside);
      return null;
    }
    await unlink(aside);
    return { sha256, size: moved.size, modifiedAt: moved.mtimeMs };
  }

  /** Directories made (or found) by this store: made once, not on every put. */
  readonly #dirs = new Set<string>();

  async #ensureDir(dir: string): Promise<void> {
    if (this.#dirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.#dirs.add(dir);
  }

  async put(data: Readable | Buffer, expectedSha256?: string, options: PutOptions = {}): Promise<StoredBlob> {
    const staged = await this.#staging.stage(data, expectedSha256);
    const { sha256, size } = staged;
    try {
      // Checked while still staged: refused bytes never become a blob (nothing to remove later, so
      // nothing can remove a blob someone else stored meanwhile).
      await options.accept?.(staged);
      const target = this.localPath(sha256);
      await this.#ensureDir(join(this.dir, sha256.slice(0, 2)));
      await rename(staged.path, target).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
        // The directory was removed behind our back: make it again.
        this.#dirs.clear();
        await this.#ensureDir(join(this.dir, sha256.slice(0, 2)));
        await rename(staged.path, target);
      });
      await syncDir(join(this.dir, sha256.slice(0, 2)));
      return { sha256, size };
    } catch (e) {
      await this.#staging.discard(staged);
      throw e;
    }
  }
}

/** The entries of `dir`, or none when it does not exist. */
async function readdirOrNone(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
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
