/**
 * Blobs as local files, whatever the store. Code that needs a file (reading an RPM header with
 * random access, hard-linking packages into a repository) gets the store's own file when the store
 * is local, and otherwise a copy downloaded from it: a temporary file, or a copy at the place
 * asked for instead of a hard link.
 */
import { createWriteStream, linkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { replaceFile } from '../util/atomic-file.ts';
import type { ArtifactStore } from './store.ts';

/**
 * A local path of blob `sha256`: the store's own file, or a copy downloaded into the directory
 * `scratch()` gives (made on first need; the caller removes it).
 * @throws NotFoundError
 */
export async function localBlobIn(store: ArtifactStore, sha256: string, scratch: () => string): Promise<string> {
  const local = store.localPath(sha256);
  if (local !== null) return local;
  const path = join(scratch(), sha256);
  await pipeline(store.open(sha256), createWriteStream(path, { mode: 0o600 }));
  return path;
}

/** Runs `fn` with a local file holding blob `sha256`; a downloaded copy is removed afterwards. @throws NotFoundError */
export async function withLocalBlob<T>(store: ArtifactStore, sha256: string, fn: (path: string) => Promise<T> | T): Promise<T> {
  let dir: string | undefined;
  try {
    return await fn(await localBlobIn(store, sha256, () => (dir ??= mkdtempSync(join(tmpdir(), 'distforge-blob-')))));
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Makes `target` (a new path) hold blob `sha256`: a hard link to the store's file when the store is
 * local and on the same file system, else a copy streamed from the store (made with `mode`,
 * renamed into place once complete).
 * @throws NotFoundError
 */
export async function placeBlob(store: ArtifactStore, sha256: string, target: string, mode = 0o644): Promise<void> {
  const local = store.localPath(sha256);
  if (local !== null) {
    try {
      linkSync(local, target);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    }
  }
  // A copy appears whole or not at all: a download cut short leaves nothing at `target`.
  await replaceFile(target, (tmp) => pipeline(store.open(sha256), createWriteStream(tmp, { mode })));
}
