/** Reading a whole stored blob into memory (for blobs known to be small). */
import { readFile } from 'node:fs/promises';
import type { ArtifactStore } from './store.ts';

/** The bytes of blob `sha256`: read from its local file when the store has one, else streamed. */
export async function readBlob(store: ArtifactStore, sha256: string): Promise<Buffer> {
  const local = store.localPath(sha256);
  if (local !== null) return readFile(local);
  const chunks: Buffer[] = [];
  for await (const chunk of store.open(sha256)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
