/**
 * The artifact store in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW), through the AWS SDK
 * for JavaScript v3. Each blob is the object `PREFIX/blobs/ab/cd/SHA256`.
 *
 * A put stages the bytes in a local file first (staging.ts: hashed, checked against the sha256
 * the sender announced), lets the caller check them (`accept`), and only then uploads them under
 * their sha256 (one PUT, or a multipart upload for large blobs): S3 makes an object visible only
 * once all its bytes are there, so no reader ever sees part of a blob, and bytes that are refused
 * or do not match never reach the bucket. A blob already there with the same size is not sent
 * again; two puts of the same blob at once both write the same bytes, which is harmless. Nothing
 * relies on conditional writes, which not every S3-compatible service has.
 *
 * Reads stream from the bucket; when presigning is on, download routes answer with a short-lived
 * presigned GET URL instead (downloadUrl).
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NotFoundError } from '../errors.ts';
import { attachmentDisposition } from '../util/content-disposition.ts';
import { bucketProblem, isNotFound, s3Reason, StoreUnavailableError } from './s3-errors.ts';
import { checkSha256 } from './sha256.ts';
import { Staging } from './staging.ts';
import type { S3Settings } from './store-settings.ts';
import type { ArtifactStore, PutOptions, StoredBlob } from './store.ts';

/** Multipart uploads send parts of this size, two at a time (a blob below it is one PUT). */
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_AT_ONCE = 2;

export interface S3StoreOptions {
  /** A local directory for staging uploads (DATA/s3-staging). */
  stagingDir: string;
  /** The clock presigned URLs are signed with (default Date.now). */
  now?: () => number;
}

export class S3Store implements ArtifactStore {
  readonly settings: S3Settings;
  readonly #client: S3Client;
  readonly #staging: Staging;
  readonly #now: () => number;

  constructor(settings: S3Settings, options: S3StoreOptions) {
    this.settings = settings;
    this.#staging = new Staging(options.stagingDir);
    this.#now = options.now ?? Date.now;
    this.#client = new S3Client({
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      ...(settings.endpoint !== undefined && { endpoint: settings.endpoint }),
      ...(settings.credentials && { credentials: settings.credentials }),
      // Checksums only where S3 requires them: the store checks sha256 itself, and S3-compatible
      // services do not all take the SDK's newer checksum trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
      maxAttempts: 3,
    });
  }

  /** The object key of blob `sha256`. @throws DistforgeError `bad_sha256` */
  key(sha256: string): string {
    checkSha256(sha256);
    return `${this.settings.prefix}blobs/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  }

  /** Whether the bucket answers (at start). @throws StoreUnavailableError in one line saying what is wrong */
  async check(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.settings.bucket }));
    } catch (e) {
      throw new StoreUnavailableError(bucketProblem(this.settings, e), { cause: e });
    }
  }

  /** Removes what killed processes left staged (at start). */
  removeStagedLeftovers(): Promise<number> {
    return this.#staging.removeLeftovers();
  }

  /** A remote store has no local files. */
  localPath(sha256: string): null {
    checkSha256(sha256);
    return null;
  }

  async size(sha256: string): Promise<number | null> {
    const Key = this.key(sha256);
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key }));
      return head.ContentLength ?? 0;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw this.#failure('HEAD', Key, e);
    }
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.size(sha256)) !== null;
  }

  open(sha256: string): Readable {
    const Key = this.key(sha256);
    const out = new PassThrough();
    const abort = new AbortController();
    out.once('close', () => {
      if (!out.readableEnded) abort.abort();
    });
    this.#client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key }), { abortSignal: abort.signal }).then(
      (got) => {
        // pipeline destroys `out` with the body's error (and the body when `out` closes early).
        pipeline(got.Body as Readable, out).catch(() => undefined);
      },
      (e: unknown) => {
        if (out.destroyed) return;
        out.destroy(isNotFound(e) ? new NotFoundError(`no blob ${sha256} in the artifact store`) : this.#failure('GET', Key, e));
      },
    );
    return out;
  }

  async put(data: Readable | Buffer, expectedSha256?: string, options: PutOptions = {}): Promise<StoredBlob> {
    const staged = await this.#staging.stage(data, expectedSha256);
    try {
      // Checked while only staged: refused bytes never reach the bucket.
      await options.accept?.(staged);
      if ((await this.size(staged.sha256)) !== staged.size) {
        const Key = this.key(staged.sha256);
        const body = createReadStream(staged.path);
        const upload = new Upload({
          client: this.#client,
          params: { Bucket: this.settings.bucket, Key, Body: body, ContentType: 'application/octet-stream' },
          partSize: PART_BYTES,
          queueSize: PARTS_AT_ONCE,
          leavePartsOnError: false,
        });
        await upload
          .done()
          .catch((e: unknown) => {
            throw this.#failure('PUT', Key, e);
          })
          .finally(() => body.destroy());
      }
      return { sha256: staged.sha256, size: staged.size };
    } finally {
      await this.#staging.discard(staged);
    }
  }

  /** A presigned GET URL valid for `presignSeconds`, downloading as `fileName`; null when presigning is off. */
  async downloadUrl(sha256: string, fileName: string): Promise<string | null> {
    const Key = this.key(sha256);
    if (this.settings.presignSeconds <= 0) return null;
    const get = new GetObjectCommand({
      Bucket: this.settings.bucket,
      Key,
      ResponseContentDisposition: attachmentDisposition(fileName),
      ResponseContentType: 'application/octet-stream',
    });
    return getSignedUrl(this.#client, get, { expiresIn: this.settings.presignSeconds, signingDate: new Date(this.#now()) });
  }

  close(): void {
    this.#client.destroy();
  }

  #failure(op: string, key: string, e: unknown): StoreUnavailableError {
    return new StoreUnavailableError(`S3 ${op} s3://${this.settings.bucket}/${key} failed: ${s3Reason(e)}`, { cause: e });
  }
}

/** Where an S3 store stages uploads: DATA/s3-staging. */
export function s3StagingDir(dataDir: string): string {
  return join(dataDir, 's3-staging');
}
