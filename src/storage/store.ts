/**
 * The artifact store: content addressed by sha256, behind a small interface so an S3-compatible
 * store can replace the local directory later.
 *
 * Terminology:
 * - blob: stored bytes, named by the sha256 of its content.
 */
import type { Readable } from 'node:stream';

export interface StoredBlob {
  sha256: string;
  size: number;
}

export interface ArtifactStore {
  /**
   * Stores a stream. The sha256 is computed while writing; when `expectedSha256` is given and does
   * not match, nothing is stored and a DistforgeError `checksum_mismatch` (status 422) names both.
   */
  put(data: Readable | Buffer, expectedSha256?: string): Promise<StoredBlob>;
  /** A stream of the blob. @throws NotFoundError */
  open(sha256: string): Readable;
  has(sha256: string): Promise<boolean>;
  /** The blob's size in bytes, or null when the store does not hold it. */
  size(sha256: string): Promise<number | null>;
  /** A local file path of the blob when the store is local (for hard links into repositories), else null. */
  localPath(sha256: string): string | null;
}
