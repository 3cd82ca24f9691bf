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

/** Received bytes not yet in the store: a local file holding them, readable until the check returns. */
export interface StagedBlob extends StoredBlob {
  path: string;
}

export interface PutOptions {
  /**
   * Checks the received bytes before they enter the store (an upload that must be an RPM, say).
   * When it throws, the put fails with that error and nothing was stored: the bytes were never
   * readable from the store, and a blob of the same sha256 already there (or put meanwhile by
   * someone else) is left alone.
   */
  accept?: (staged: StagedBlob) => Promise<void> | void;
}

export interface ArtifactStore {
  /**
   * Stores a stream. The sha256 is computed while writing; when `expectedSha256` is given and does
   * not match, nothing is stored and a DistforgeError `checksum_mismatch` (status 422) names both.
   * `options.accept` may refuse the bytes before they are stored.
   */
  put(data: Readable | Buffer, expectedSha256?: string, options?: PutOptions): Promise<StoredBlob>;
  /** A stream of the blob. @throws NotFoundError */
  open(sha256: string): Readable;
  has(sha256: string): Promise<boolean>;
  /** The blob's size in bytes, or null when the store does not hold it. */
  size(sha256: string): Promise<number | null>;
  /** A local file path of the blob when the store is local (for hard links into repositories), else null. */
  localPath(sha256: string): string | null;
}
