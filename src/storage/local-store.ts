/**
 * The artifact store in a local directory (the embedded default): each blob is a file named by
 * its sha256, split as `ab/cdef…` so no directory grows too large. A blob is staged in `.tmp/`
 * (staging.ts: hashed, checked against the sha256 the sender announced, flushed to disk), checked
 * by the caller when it asks (`accept`: is it an RPM?), and renamed into place: readers never see
 * a partial blob, and a mismatch, a refused upload or an aborted one leaves nothing behind.
 */
import { createReadStream, existsSync } from 'node:fs';
import { access, mkdir, open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { NotFoundError } from '../errors.ts';
import { checkSha256 } from './sha256.ts';
import { Staging } from './staging.ts';
import type { ArtifactStore, PutOptions, StoredBlob } from './store.ts';

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

/** Flushes a directory entry change (the rename) to disk. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
