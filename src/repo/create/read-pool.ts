/**
 * Reads many package files in parallel: a pool of reader threads (one per core but one) that take
 * batches of files from a shared counter and send back their rendered fragments (see
 * read-worker.ts). With a single reader thread (a 2-core machine) the calling thread hashes the
 * files meanwhile (hash-files.ts) and the reader reads only their heads; with more, the readers
 * hash too (one thread hashing for many would hold them up). Results come back in the order of
 * the input. The first unreadable file stops the pool and fails the whole read with that file's
 * name, before anything is written.
 *
 * Threads can be started before the file list is known ({@link ReadPool.start}), so that loading
 * their code overlaps with finding the files.
 */
import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { BUNDLED } from '../../util/bundled.ts';
import { startWorker } from '../../util/ts-worker.ts';
import { RepoCreateError } from '../errors.ts';
import { FileDigester } from './file-digest.ts';
import { BatchRenderer, unpackBatch, type FragmentBatch, type PackageFragments } from './fragments.ts';
import { FileHasher } from './hash-files.ts';
import type { Prehash } from './prehash.ts';
import { PackageReader } from './read-package.ts';
import { readJob, runReadJob, type ReadJob, type ReadReply } from './read-worker.ts';
import type { FoundPackage } from './scan.ts';

/** Files per batch: few messages, and little left for one thread when the others are done. */
const BATCH = 64;

/** Reader threads worth starting for these files (0: read them in the calling thread); sizes not known count as 0. */
export function readerThreads(files: readonly FoundPackage[]): number {
  let bytes = 0;
  for (const f of files) bytes += Math.max(0, f.size);
  // A rough single-thread cost: per package, then per byte read and hashed.
  const ms = files.length * 0.05 + bytes / 1e6;
  // Bundled, a thread starts in a few ms; run from the sources, it loads them through tsx (~0.3 s).
  const enough = BUNDLED ? ms >= 40 : ms >= 400;
  return enough ? defaultThreads() : 0;
}

/**
 * One reader thread per core but one: the calling thread hashes the files meanwhile (and takes
 * the batches in, and feeds the compressors), and every reader thread compiles the reading code
 * for itself (~0.2 s of CPU), which on a machine whose cores are busy costs more than it gains.
 */
function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism() - 1, 8));
}

function failure(r: Extract<ReadReply, { kind: 'failed' }>): RepoCreateError {
  return new RepoCreateError(r.code === 'repo_create' ? r.message.replace(`${r.file}: `, '') : `cannot read: ${r.message}`, r.file);
}

/**
 * Called with each batch of packages as it is read (`start`: the index of its first file), in no
 * particular order.
 */
export type OnBatch = (start: number, pkgs: PackageFragments[]) => void;

/** Takes in a batch (with its files' pkgIds when the reader did not hash them): into `out`, and to `onBatch`. */
function receive(files: readonly FoundPackage[], out: PackageFragments[], r: Extract<ReadReply, { kind: 'batch' }>, onBatch: OnBatch | undefined, ids?: readonly string[]): void {
  const pkgs = unpackBatch(r.batch, files.slice(r.start, r.start + r.batch.count), ids);
  pkgs.forEach((p, i) => (out[r.start + i] = p));
  onBatch?.(r.start, pkgs);
}

/** Reads `files` in the calling thread. */
function readHere(files: readonly FoundPackage[], changelogLimit: number, onBatch?: OnBatch): PackageFragments[] {
  const out = new Array<PackageFragments>(files.length);
  runReadJob(readJob(files, changelogLimit, BATCH), (r) => {
    if (r.kind === 'failed') throw failure(r);
    if (r.kind === 'batch') receive(files, out, r, onBatch);
  });
  return out;
}

/**
 * Reads `files` in the calling thread while a pipeline started before this process hashes them
 * (prehash.ts): batch by batch, letting other work in between (the compressors' pipes, the
 * pipeline's output); a batch is taken in once its files' pkgIds are known, those the pipeline
 * does not vouch for hashed here.
 */
export async function readWithPrehash(files: readonly FoundPackage[], changelogLimit: number, prehash: Prehash, onBatch?: OnBatch): Promise<PackageFragments[]> {
  const out = new Array<PackageFragments>(files.length);
  const reader = new PackageReader(changelogLimit);
  const renderer = new BatchRenderer();
  const digester = new FileDigester();
  const waiting: { start: number; batch: FragmentBatch }[] = [];
  const idOf = (f: FoundPackage): string => prehash.idOf(f) ?? digester.digestFile(f.path).hex;
  // Takes in the waiting batches, in order, while their files are settled (all: waiting for them).
  const takeIn = async (all: boolean): Promise<void> => {
    for (let w = waiting[0]; w; w = waiting[0]) {
      const batchFiles = files.slice(w.start, w.start + w.batch.count);
      for (const f of batchFiles) {
        if (prehash.settled(f)) continue;
        if (!all) return;
        await prehash.until(f);
      }
      waiting.shift();
      receive(files, out, { kind: 'batch', start: w.start, batch: w.batch }, onBatch, batchFiles.map(idOf));
    }
  };
  try {
    for (let start = 0; start < files.length; start += BATCH) {
      for (const found of files.slice(start, start + BATCH)) {
        const { pkg, fileList } = reader.readForRendering(found, false);
        renderer.add(pkg, found, fileList);
      }
      waiting.push({ start, batch: renderer.take() });
      await takeIn(false);
      await nextTurn();
    }
    await takeIn(true);
    return out;
  } finally {
    prehash.close();
  }
}

/** Reader threads, started ahead of their work. */
export class ReadPool {
  private constructor(private readonly workers: Worker[]) {}

  /** Starts `threads` reader threads (default: one per core but one). */
  static start(threads = defaultThreads()): ReadPool {
    return new ReadPool(Array.from({ length: threads }, () => startReader()));
  }

  /** Reads `files` with the pool's threads (see the top of this file); the pool is closed afterwards. */
  async read(files: readonly FoundPackage[], changelogLimit: number, onBatch?: OnBatch): Promise<PackageFragments[]> {
    try {
      if (this.workers.length === 0 || files.length === 0) return readHere(files, changelogLimit, onBatch);
      const hasher = this.workers.length === 1 ? new FileHasher(files.map((f) => f.path)) : null;
      const job: ReadJob = readJob(files, changelogLimit, BATCH, hasher === null);
      const out = new Array<PackageFragments>(files.length);
      await new Promise<void>((done, reject) => {
        let running = this.workers.length;
        let unpacking = 0;
        let failed = false;
        const fail = (e: unknown): void => {
          if (failed) return;
          failed = true;
          hasher?.stop();
          reject(e);
        };
        const settle = (): void => {
          if (running === 0 && unpacking === 0 && !failed) done();
        };
        // A batch is taken in once its files are hashed.
        const take = async (r: Extract<ReadReply, { kind: 'batch' }>): Promise<void> => {
          if (!hasher) return receive(files, out, r, onBatch);
          const end = r.start + r.batch.count;
          await hasher.until(end);
          // Hashing stops only when the read has failed (this batch is then of no use).
          if (!failed) receive(files, out, r, onBatch, hasher.ids.slice(r.start, end));
        };
        hasher?.run().catch(fail);
        for (const w of this.workers) {
          w.on('message', (r: ReadReply) => {
            if (r.kind === 'failed') fail(failure(r));
            else if (r.kind === 'batch') {
              unpacking++;
              take(r)
                .then(() => {
                  unpacking--;
                  settle();
                })
                .catch(fail);
            } else {
              running--;
              settle();
            }
          });
          w.on('error', fail);
          w.postMessage(job);
        }
      });
      return out;
    } finally {
      await this.close();
    }
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }
}

function startReader(): Worker {
  return startWorker(new URL('./read-worker.ts', import.meta.url));
}

/** Reads `files` with `threads` reader threads (0: in this thread; default: as {@link readerThreads}). */
export async function readPackages(files: FoundPackage[], changelogLimit: number, threads?: number): Promise<PackageFragments[]> {
  threads ??= readerThreads(files);
  if (threads === 0) return readHere(files, changelogLimit);
  return ReadPool.start(threads).read(files, changelogLimit);
}
