/**
 * The artifact store: content addressed by sha256, behind a small interface with two backends, a
 * local directory (local-store.ts, the embedded default) and an S3-compatible bucket
 * (s3-store.ts). Code that needs a blob as a file asks for one (blob-files.ts): a remote store has
 * no local path.
 *
 * Terminology:
 * - blob: stored bytes, named by the sha256 of its content.
 * - staged blob: received bytes in a local file, hashed, not yet readable from the store.
 * - download URL: a short-lived URL a client fetches a blob from without the master (S3 presigned).
 * - modified time: when the store last wrote a blob (the file's mtime, the object's LastModified),
 *   by the store's clock; garbage collection (gc.ts) judges a blob's age by it.
 */
import type { Readable } from 'node:stream';

export interface StoredBlob {
  sha256: string;
  size: number;
}

/** A blob as the store lists it. */
export interface ListedBlob extends StoredBlob {
  /** When the store last wrote it, in ms since the epoch (see {@link PUT_REFRESH_MS}). */
  modifiedAt: number;
}

/**
 * A put of a blob the store already holds leaves its modified time at most this old: the local
 * store always writes it anew (a rename), the S3 store uploads it again when its object is older.
 * So a blob put at time T has a modified time of at least T − PUT_REFRESH_MS, and garbage
 * collection keeps what was put while it ran (gc.ts).
 */
export const PUT_REFRESH_MS = 10 * 60_000;

export interface DeleteOptions {
  /**
   * Deletes a blob only when its modified time, read again right before it goes, is earlier than
   * this (ms since the epoch): a blob put again meanwhile stays.
   */
  modifiedBefore?: number;
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
  /**
   * A stream of the blob. A missing blob throws NotFoundError here (local store) or makes the
   * stream fail with it before its first byte (remote store), so an HTTP reply still answers 404.
   */
  open(sha256: string): Readable;
  has(sha256: string): Promise<boolean>;
  /** The blob's size in bytes, or null when the store does not hold it. */
  size(sha256: string): Promise<number | null>;
  /** A local file path of the blob when the store is local (for hard links into repositories), else null. */
  localPath(sha256: string): string | null;
  /**
   * A short-lived URL that downloads the blob straight from the store as `fileName`, or null when
   * the store hands out none (the local store; an S3 store without presigning). It does not check
   * that the blob exists.
   */
  downloadUrl(sha256: string, fileName: string): Promise<string | null>;
  /**
   * Every blob, a page at a time (in no particular order). Files or objects of the store's place
   * that are not blobs (staged uploads, foreign keys) are left out.
   */
  list(): AsyncIterable<ListedBlob[]>;
  /**
   * Deletes blobs (with `options.modifiedBefore`, only those not written since); a blob that is
   * not there is skipped. Returns the blobs deleted, with their size and modified time.
   * @throws DistforgeError `bad_sha256`; StoreUnavailableError (remote store)
   */
  delete(sha256s: readonly string[], options?: DeleteOptions): Promise<ListedBlob[]>;
  /** Releases what the store holds open (connections); nothing to do for a local store. */
  close?(): void;
}
