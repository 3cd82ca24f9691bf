/**
 * Reads many package files in parallel: a pool of worker threads (one per core) takes batches of
 * files and returns their rendered fragments. Results come back in the order of the input. The
 * first unreadable file stops the pool and fails the whole read with that file's name, before
 * anything is written.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../util/ts-worker.ts';
import { RepoCreateError } from '../errors.ts';
import type { PackageFragments } from './fragments.ts';
import { readBatch, type ReadReply, type ReadRequest } from './read-worker.ts';
import type { FoundPackage } from './scan.ts';

const BATCH = 32;
/** Below this many files, starting workers (~0.3 s each, to load the code) costs more than it saves. */
const WORKERS_FROM = 2000;

/** Reads `files` with `threads` workers (0: in this thread; default: one per core for large sets). */
export async function readPackages(files: FoundPackage[], changelogLimit: number, threads?: number): Promise<PackageFragments[]> {
  threads ??= files.length >= WORKERS_FROM ? Math.min(availableParallelism(), 8) : 0;
  const batches: ReadRequest[] = [];
  for (let i = 0; i < files.length; i += BATCH) batches.push({ batch: batches.length, files: files.slice(i, i + BATCH), changelogLimit });
  const out: PackageFragments[][] = new Array<PackageFragments[]>(batches.length);
  const fail = (r: Extract<ReadReply, { ok: false }>): never => {
    throw new RepoCreateError(r.code === 'repo_create' ? r.message.replace(`${r.file}: `, '') : `cannot read: ${r.message}`, r.file);
  };
  if (threads <= 1 || batches.length <= 1) {
    for (const b of batches) {
      const r = readBatch(b);
      if (!r.ok) fail(r);
      else out[r.batch] = r.results;
    }
    return out.flat();
  }
  const workers = Array.from({ length: Math.min(threads, batches.length) }, () => startWorker(new URL('./read-worker.ts', import.meta.url)));
  let next = 0;
  try {
    await new Promise<void>((done, reject) => {
      let pending = batches.length;
      const feed = (w: Worker): void => {
        const b = batches[next++];
        if (b) w.postMessage(b);
      };
      for (const w of workers) {
        w.on('message', (r: ReadReply) => {
          if (!r.ok) {
            try {
              fail(r);
            } catch (e) {
              reject(e);
            }
            return;
          }
          out[r.batch] = r.results;
          if (--pending === 0) done();
          else feed(w);
        });
        w.on('error', reject);
        feed(w);
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out.flat();
}
