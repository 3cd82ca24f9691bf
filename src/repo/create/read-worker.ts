/**
 * The work of a reader thread (and of the calling thread when there is none): takes the next
 * batch of files from a counter shared by all readers, reads each file (headers and sha256),
 * renders its fragments into the batch's buffers, and posts the batch (its buffers transferred);
 * then the next, until every file is taken. The file list arrives once, as a few strings and
 * arrays (cheap to copy between threads). A file that cannot be read is reported by path and
 * message and stops every reader; the pool decides what to do.
 */
import { parentPort } from 'node:worker_threads';
import { DistforgeError } from '../../errors.ts';
import { BatchRenderer, type FragmentBatch } from './fragments.ts';
import { PackageReader } from './read-package.ts';
import type { FoundPackage } from './scan.ts';

/** The files to read, for every reader. */
export interface ReadJob {
  /** Paths, NUL-separated. */
  paths: string;
  /** hrefs, NUL-separated. */
  hrefs: string;
  /** -1: unknown (the reader looks). */
  sizes: Float64Array;
  /** mtimes in seconds. */
  mtimes: Float64Array;
  mtimesNs: BigInt64Array;
  changelogLimit: number;
  /** Whether the readers hash the files (else the calling thread does: see hash-files.ts). */
  hash: boolean;
  /** Files per batch. */
  batch: number;
  /** Int32Array [next file to take, stop] shared by the readers. */
  shared: SharedArrayBuffer;
}

export type ReadReply =
  | { kind: 'batch'; start: number; batch: FragmentBatch }
  | { kind: 'failed'; file: string; message: string; code: string }
  | { kind: 'done' };

/** The job for `files`. */
export function readJob(files: readonly FoundPackage[], changelogLimit: number, batch: number, hash = true): ReadJob {
  return {
    paths: files.map((f) => f.path).join('\0'),
    hrefs: files.map((f) => f.href).join('\0'),
    sizes: new Float64Array(files.map((f) => f.size)),
    mtimes: new Float64Array(files.map((f) => f.mtime)),
    mtimesNs: new BigInt64Array(files.map((f) => f.mtimeNs)),
    changelogLimit,
    hash,
    batch,
    shared: new SharedArrayBuffer(8),
  };
}

/** Reads batches of the job until none is left (or a reader failed); `post` gets every reply. */
export function runReadJob(job: ReadJob, post: (reply: ReadReply, transfer?: ArrayBuffer[]) => void): void {
  const paths = job.paths.split('\0');
  const hrefs = job.hrefs.split('\0');
  const n = job.sizes.length;
  const shared = new Int32Array(job.shared);
  const reader = new PackageReader(job.changelogLimit);
  const renderer = new BatchRenderer();
  for (;;) {
    const start = Atomics.add(shared, 0, job.batch);
    if (start >= n || Atomics.load(shared, 1) !== 0) break;
    const end = Math.min(n, start + job.batch);
    for (let i = start; i < end; i++) {
      const found: FoundPackage = { path: paths[i] as string, href: hrefs[i] as string, size: job.sizes[i] as number, mtime: job.mtimes[i] as number, mtimeNs: job.mtimesNs[i] as bigint };
      try {
        const { pkg, fileList } = reader.readForRendering(found, job.hash);
        renderer.add(pkg, found, fileList);
      } catch (e) {
        Atomics.store(shared, 1, 1);
        post({ kind: 'failed', file: found.path, message: (e as Error).message, code: e instanceof DistforgeError ? e.code : 'internal' });
        return;
      }
    }
    const batch = renderer.take();
    post({ kind: 'batch', start, batch }, batch.data);
  }
  post({ kind: 'done' });
}

parentPort?.on('message', (job: ReadJob) => {
  runReadJob(job, (reply, transfer) => parentPort?.postMessage(reply, transfer ?? []));
});
