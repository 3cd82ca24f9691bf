/**
 * Hashes package files (their pkgIds) in the calling thread while reader threads read their
 * heads: the sha256 of a whole file is native code that every thread runs at full speed, whereas
 * each thread that parses headers first spends ~0.2 s of CPU compiling the reading code. So the
 * thread that waits for the readers' batches anyway hashes meanwhile, a few files at a time
 * between the batches it takes in, in the order of the files.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { RepoCreateError } from '../errors.ts';
import { FileDigester } from './file-digest.ts';

/** Bytes hashed before letting other work in (a batch of the readers, the compressors). */
const TURN_BYTES = 4 * 1024 * 1024;

export class FileHasher {
  /** pkgIds, by file index; hashed up to {@link done}. */
  readonly ids: string[];
  private doneUpTo = 0;
  private stopped = false;
  private readonly digester = new FileDigester();
  private waiters: { upTo: number; wake: () => void; fail: (e: RepoCreateError) => void }[] = [];
  private failure: RepoCreateError | null = null;

  constructor(private readonly paths: readonly string[]) {
    this.ids = new Array<string>(paths.length);
  }

  /** Files hashed so far (the first `done`). */
  get done(): number {
    return this.doneUpTo;
  }

  /** Hashes every file, yielding between turns; rejects with the first file that cannot be read. */
  async run(): Promise<void> {
    let turn = 0;
    for (let i = 0; i < this.paths.length && !this.stopped; i++) {
      const path = this.paths[i] as string;
      try {
        const { hex, bytes } = this.digester.digestFile(path);
        this.ids[i] = hex;
        turn += bytes;
      } catch (e) {
        this.failure = e as RepoCreateError;
        this.wake();
        throw this.failure;
      }
      this.doneUpTo = i + 1;
      if (turn >= TURN_BYTES) {
        turn = 0;
        this.wake();
        await nextTurn();
      }
    }
    this.wake();
  }

  /**
   * Resolves once the first `upTo` files are hashed, or hashing was stopped; rejects with the
   * failure of a file that could not be read.
   */
  until(upTo: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.doneUpTo >= upTo || this.stopped) return Promise.resolve();
    return new Promise((wake, fail) => this.waiters.push({ upTo, wake, fail }));
  }

  /** Stops after the file being hashed (the read failed elsewhere). */
  stop(): void {
    this.stopped = true;
    this.wake(true);
  }

  private wake(all = false): void {
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.failure) w.fail(this.failure);
      else if (all || w.upTo <= this.doneUpTo) w.wake();
      else still.push(w);
    }
    this.waiters = still;
  }
}
