/**
 * A real S3-compatible server for tests: s3rver (an npm devDependency) in a child process on
 * 127.0.0.1, on a free port, keeping its objects in a temporary directory. Each store a test asks
 * for gets a bucket of its own. The child stops when the test process ends however it ends (it
 * watches its standard input, which closes with the parent), and the directory is removed at exit,
 * passed or failed.
 *
 * s3rver does not check request signatures or conditional writes; tests must not rely on either.
 * It does check the access key (S3RVER) and the expiry of presigned URLs. Its listing's
 * continuation tokens are DES-encrypted, which Node's OpenSSL 3 offers only with the legacy
 * provider: the child runs with --openssl-legacy-provider, so listings of more than a page work.
 *
 * ```ts
 * const s3 = await sharedS3Server();
 * const settings = await s3.newStore({ presignSeconds: 60 }); // S3Settings of a fresh bucket
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../../src/storage/store-settings.ts';
import { exitTempDir } from './exit-temp-dir.ts';

/** The only credentials s3rver knows. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

const ROOT = resolve(import.meta.dirname, '../..');

/** Runs in the child: starts s3rver, prints its port, exits when standard input closes. */
const CHILD = `
const S3rver = require('s3rver');
process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();
new S3rver({ address: '127.0.0.1', port: 0, directory: process.env.S3RVER_DIR, silent: true })
  .run()
  .then(({ port }) => process.stdout.write(JSON.stringify({ port }) + '\\n'), (e) => { console.error(e); process.exit(1); });
`;

export interface S3TestServer {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** Settings of a store in a new, empty bucket (path-style, s3rver's credentials). */
  newStore(options?: { prefix?: string; presignSeconds?: number }): Promise<S3Settings>;
  /** The keys in `bucket` (under `prefix`), sorted. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  /** Writes `body` at `key` behind the store's back (a test that damages a blob). */
  putObject(bucket: string, key: string, body: Buffer): Promise<void>;
  /**
   * Sets the LastModified of the object at `key` behind the store's back (a test of garbage
   * collection ages a blob): s3rver reports its file's modification time.
   */
  setModifiedTime(bucket: string, key: string, at: Date): void;
  /** Removes an empty bucket behind the store's back. */
  deleteBucket(bucket: string): Promise<void>;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Starts s3rver in a child process. With `unref`, the child does not keep the test process alive
 * (it stops when the test process ends and our end of its standard input closes).
 */
export async function startS3Server(options: { unref?: boolean } = {}): Promise<S3TestServer> {
  const dir = exitTempDir('distforge-s3rver-');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD], { cwd: ROOT, env: { ...process.env, S3RVER_DIR: dir }, stdio: ['pipe', 'pipe', 'inherit'] });
  const stop = (): boolean => child.kill('SIGKILL');
  process.once('exit', stop);
  const port = await portOf(child);
  if (options.unref) {
    child.unref();
    for (const pipe of [child.stdin, child.stdout]) (pipe as unknown as Socket | null)?.unref();
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  return {
    endpoint,
    async newStore(options = {}) {
      const bucket = `t-${randomBytes(6).toString('hex')}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      return {
        kind: 's3',
        bucket,
        prefix: options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '',
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        presignSeconds: options.presignSeconds ?? 0,
        credentials: { ...S3RVER_CREDENTIALS },
      };
    },
    async keys(bucket, prefix = '') {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token !== undefined && { ContinuationToken: token }) }));
        for (const o of page.Contents ?? []) if (o.Key !== undefined) out.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return out.sort();
    },
    async putObject(bucket, key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    setModifiedTime(bucket, key, at) {
      // s3rver keeps the object KEY as the file DIR/BUCKET/KEY._S3rver_object.
      utimesSync(join(dir, bucket, `${key}._S3rver_object`), at, at);
    },
    async deleteBucket(bucket) {
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    },
    async close() {
      client.destroy();
      process.off('exit', stop);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Reads the port the child prints; rejects when it exits first. */
function portOf(child: ChildProcess): Promise<number> {
  return new Promise((done, fail) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) done((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => fail(new Error(`s3rver exited (${code}) before listening`)));
  });
}

let shared: Promise<S3TestServer> | undefined;

/** One server for the whole test process, started at first use, stopped when the process exits. */
export function sharedS3Server(): Promise<S3TestServer> {
  shared ??= startS3Server({ unref: true });
  return shared;
}
