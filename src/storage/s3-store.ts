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
 *
 * Listing pages through ListObjectsV2 under `PREFIX/blobs/`; deleting reads each object's
 * LastModified again (HEAD) and removes those still old enough with DeleteObjects, up to 1000 at
 * a time. A put of a blob whose object is older than PUT_REFRESH_MS uploads it again, so its
 * LastModified says it was just put.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NotFoundError } from '../errors.ts';
import { attachmentDisposition } from '../util/content-disposition.ts';
import { bucketProblem, isNotFound, s3Reason, StoreUnavailableError } from './s3-errors.ts';
import { checkSha256 } from './sha256.ts';
import { Staging } from './staging.ts';
import type { S3Settings } from './store-settings.ts';
import { PUT_REFRESH_MS, type ArtifactStore, type DeleteOptions, type ListedBlob, type PutOptions, type StoredBlob } from './store.ts';

/** Multipart uploads send parts of this size, two at a time (a blob below it is one PUT). */
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_AT_ONCE = 2;
/** DeleteObjects takes at most 1000 keys; HEADs before it run this many at a time. */
const DELETE_BATCH = 1000;
const HEADS_AT_ONCE = 8;
const SHA256_TAIL = /^([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{64})$/;

export interface S3StoreOptions {
  /** A local directory for staging uploads (DATA/s3-staging). */
  stagingDir: string;
  /** The clock presigned URLs are signed with (default Date.now). */
  now?: () => number;
}

/** An S3 client for `settings` talking to `endpoint` (absent: AWS). */
function client(settings: S3Settings, endpoint: string | undefined): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    ...(endpoint !== undefined && { endpoint }),
    ...(settings.credentials && { credentials: settings.credentials }),
    // Checksums only where S3 requires them: the store checks sha256 itself, and S3-compatible
    // services do not all take the SDK's newer checksum trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    maxAttempts: 3,
  });
}

export class S3Store implements ArtifactStore {
  readonly settings: S3Settings;
  readonly #client: S3Client;
  readonly #presigner: S3Client;
  readonly #staging: Staging;
  readonly #now: () => number;

  constructor(settings: S3Settings, options: S3StoreOptions) {
    this.settings = settings;
    this.#staging = new Staging(options.stagingDir);
    this.#now = options.now ?? Date.now;
    this.#client = client(settings, settings.endpoint);
    // Presigned URLs name the host they are for (it is signed): the public one when it differs.
    this.#presigner = settings.publicEndpoint === undefined ? this.#client : client(settings, settings.publicEndpoint);
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
    return (await this.#head(sha256))?.size ?? null;
  }

  /** The blob's size and modified time, or null when the bucket does not hold it. */
  async #head(sha256: string): Promise<ListedBlob | null> {
    const Key = this.key(sha256);
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key }));
      return { sha256, size: head.ContentLength ?? 0, modifiedAt: head.LastModified?.getTime() ?? 0 };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw this.#failure('HEAD', Key, e);
    }
  }

  async *list(): AsyncIterable<ListedBlob[]> {
    const Prefix = `${this.settings.prefix}blobs/`;
    let ContinuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.#client.send(new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix, ...(ContinuationToken !== undefined && { ContinuationToken }) }));
      } catch (e) {
        throw this.#failure('LIST', Prefix, e);
      }
      const blobs: ListedBlob[] = [];
      for (const o of page.Contents ?? []) {
        const m = SHA256_TAIL.exec((o.Key ?? '').slice(Prefix.length));
        // Only PREFIX/blobs/ab/cd/abcd…: anything else under the prefix is not ours to list.
        if (!o.Key?.startsWith(Prefix) || !m?.[3] || m[3].slice(0, 2) !== m[1] || m[3].slice(2, 4) !== m[2]) continue;
        blobs.push({ sha256: m[3], size: o.Size ?? 0, modifiedAt: o.LastModified?.getTime() ?? 0 });
      }
      if (blobs.length > 0) yield blobs;
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }

  async delete(sha256s: readonly string[], options: DeleteOptions = {}): Promise<ListedBlob[]> {
    for (const sha256 of sha256s) checkSha256(sha256);
    const before = options.modifiedBefore ?? Infinity;
    const deleted: ListedBlob[] = [];
    for (let i = 0; i < sha256s.length; i += DELETE_BATCH) {
      // Read again right before it goes: a blob put since is left alone.
      const heads = await mapLimited(sha256s.slice(i, i + DELETE_BATCH), HEADS_AT_ONCE, (sha256) => this.#head(sha256));
      const old = heads.filter((h): h is ListedBlob => h !== null && h.modifiedAt < before);
      if (old.length === 0) continue;
      let answer;
      try {
        answer = await this.#client.send(new DeleteObjectsCommand({ Bucket: this.settings.bucket, Delete: { Objects: old.map((b) => ({ Key: this.key(b.sha256) })), Quiet: true } }));
      } catch (e) {
        throw this.#failure('DELETE', `${this.settings.prefix}blobs/…`, e);
      }
      const failed = answer.Errors ?? [];
      const failedKeys = new Set(failed.map((f) => f.Key));
      deleted.push(...old.filter((b) => !failedKeys.has(this.key(b.sha256))));
      const first = failed[0];
      if (first) {
        throw new StoreUnavailableError(`S3 DELETE s3://${this.settings.bucket}/${first.Key ?? '?'} failed: ${[first.Code, first.Message].filter(Boolean).join(': ')}${failed.length > 1 ? ` (and ${failed.length - 1} more)` : ''}; ${deleted.length} blobs were deleted`);
      }
    }
    return deleted;
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
      // Sent again when the bucket holds it but its time is old: it must look just put (store.ts).
      const there = await this.#head(staged.sha256);
      if (there?.size !== staged.size || there.modifiedAt < Date.now() - PUT_REFRESH_MS) {
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
    return getSignedUrl(this.#presigner, get, { expiresIn: this.settings.presignSeconds, signingDate: new Date(this.#now()) });
  }

  close(): void {
    this.#client.destroy();
    if (this.#presigner !== this.#client) this.#presigner.destroy();
  }

  #failure(op: string, key: string, e: unknown): StoreUnavailableError {
    return new StoreUnavailableError(`S3 ${op} s3://${this.settings.bucket}/${key} failed: ${s3Reason(e)}`, { cause: e });
  }
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Where an S3 store stages uploads: DATA/s3-staging. */
export function s3StagingDir(dataDir: string): string {
  return join(dataDir, 's3-staging');
}
