/**
 * Putting a blob of a content-addressed store at a path: a hard link to the store's own file
 * when the store is a local directory on the same file system, else a copy streamed from it.
 * The file appears whole or not at all (written beside the target, then renamed). A leaf module:
 * it knows the store only by the two methods it calls.
 */
import { createWriteStream, linkSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tempPathBeside } from './atomic-file.ts';

/** What {@link blobToFile} needs of a store. */
export interface BlobSource {
  /** The blob's own file when the store is local, else null. */
  localPath(sha256: string): string | null;
  open(sha256: string): Readable;
}

/** Makes `target` hold blob `sha256` (replacing what is there). */
export async function blobToFile(store: BlobSource, sha256: string, target: string, mode = 0o644): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = tempPathBeside(target);
  try {
    const local = store.localPath(sha256);
    let linked = false;
    if (local !== null) {
      try {
        linkSync(local, tmp);
        linked = true;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EXDEV' && code !== 'EPERM') throw e;
      }
    }
    if (!linked) await pipeline(store.open(sha256), createWriteStream(tmp, { mode }));
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
