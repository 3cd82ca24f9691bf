/**
 * The hash pass over a version's three metadata files (hash-files.ts), on two threads for large
 * versions: a worker thread hashes filelists and other while this thread hashes primary (the two
 * shares are about equal). sha256 cannot be split within a file, so two threads is what the three
 * files allow. The worker is started when the render starts, so that loading its code (most of its
 * cost when running from the TypeScript sources) overlaps with loading the cache; small versions
 * are hashed in this thread only. A worker that fails leaves the work to this thread.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../util/ts-worker.ts';
import type { VersionCache } from './cache/store.ts';
import { fragmentTable, hashFile, tableSpans, type FileLayout, type HashedFile } from './hash-files.ts';
import type { HashReply, HashRequest } from './hash-worker.ts';

/** From this many packages (about 40 MB of metadata) a second thread pays for starting it. */
const HELPER_FROM = 10_000;

/** The worker thread of one render, or none. */
export class HashHelper {
  #worker: Worker | null;

  private constructor(worker: Worker | null) {
    this.#worker = worker;
    // An idle worker must not keep the process alive, nor an error of it end the process.
    worker?.unref();
    worker?.on('error', () => (this.#worker = null));
  }

  /** Starts the worker for a version of `packages` packages (none below `from`). */
  static start(packages: number, from = HELPER_FROM): HashHelper {
    if (packages < from) return new HashHelper(null);
    try {
      return new HashHelper(startWorker(new URL('./hash-worker.ts', import.meta.url)));
    } catch {
      return new HashHelper(null);
    }
  }

  /** Whether a worker is there (and has not failed). */
  get active(): boolean {
    return this.#worker !== null;
  }

  /** Sends `req` to the worker; null when there is none or it fails. */
  run(req: HashRequest): Promise<HashReply | null> {
    const w = this.#worker;
    if (!w) return Promise.resolve(null);
    return new Promise((done) => {
      const finish = (r: HashReply | null): void => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        w.unref();
        done(r);
      };
      const onMessage = (r: HashReply): void => finish(r);
      const onError = (): void => finish(null);
      const onExit = (): void => finish(null);
      w.on('message', onMessage).on('error', onError).on('exit', onExit);
      w.ref();
      w.postMessage(req);
    });
  }

  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    if (w) await w.terminate();
  }
}

/**
 * Hashes and checks `layouts` (the three files, in kind order) of the packages `recs` (their
 * fragment records, file order). @throws when a pack cannot be read.
 */
export async function hashFiles(cache: VersionCache, recs: Int32Array, layouts: readonly FileLayout[], helper: HashHelper): Promise<HashedFile[]> {
  const [first, ...rest] = layouts;
  if (!first) return [];
  const here = (l: FileLayout): HashedFile => hashFile(cache.files, tableSpans(fragmentTable(cache, recs, l.kind)), l);
  const away = helper.run({
    packsDir: cache.packsDir,
    packs: cache.data.packs,
    files: rest.map((layout) => ({ table: fragmentTable(cache, recs, layout.kind), layout: { kind: layout.kind, head: layout.head, tail: layout.tail, starts: layout.starts, openCrcs: layout.openCrcs } })),
  });
  const mine = here(first);
  const reply = await away;
  if (reply?.ok === false) throw new Error(reply.message);
  return [mine, ...(reply ? reply.results : rest.map(here))];
}
