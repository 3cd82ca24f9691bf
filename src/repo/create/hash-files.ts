/**
 * Hashes package files (their pkgIds) in the calling thread while reader threads read their
 * heads: the sha256 of a whole file is native code that every thread runs at full speed, whereas
 * each thread that parses headers first spends ~0.2 s of CPU compiling the reading code. So the
 * thread that waits for the readers' batches anyway hashes meanwhile, a few files at a time
 * between the batches it takes in, in the order of the files.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { RepoCreateError } from '../errors.ts';
import { sha256 } from './read-package.ts';

/** Bytes hashed before letting other work in (a batch of the readers, the compressors). */
const TURN_BYTES = 4 * 1024 * 1024;
/** Files up to this size are read whole into one reused buffer; larger ones in pieces of it. */
const PIECE = 8 * 1024 * 1024;

export class FileHasher {
  /** pkgIds, by file index; hashed up to {@link done}. */
  readonly ids: string[];
  private doneUpTo = 0;
  private stopped = false;
  private buf = Buffer.allocUnsafe(256 * 1024);
  private waiters: { upTo: number; wake: () => void }[] = [];
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
        turn += this.hash(i, path);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        this.failure = new RepoCreateError(`cannot read: ${err.code ?? err.message}`, path, { cause: e });
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

  /** Resolves once the first `upTo` files are hashed (at once if they are, or if hashing stopped). */
  until(upTo: number): Promise<void> {
    if (this.doneUpTo >= upTo || this.stopped || this.failure) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ upTo, wake }));
  }

  /** Stops after the file being hashed (the read failed elsewhere). */
  stop(): void {
    this.stopped = true;
    this.wake(true);
  }

  private wake(all = false): void {
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (all || this.failure || w.upTo <= this.doneUpTo) w.wake();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Hashes file `i`; returns the bytes read. */
  private hash(i: number, path: string): number {
    const fd = openSync(path, 'r');
    try {
      let got = readSync(fd, this.buf, 0, this.buf.length, 0);
      if (got < this.buf.length) {
        this.ids[i] = sha256(this.buf.subarray(0, got));
        return got;
      }
      // Larger than the buffer: hash in pieces (the buffer grows up to PIECE for the next files).
      const h = createHash('sha256');
      let pos = 0;
      while (got > 0) {
        h.update(this.buf.subarray(0, got));
        pos += got;
        if (this.buf.length < PIECE) this.buf = Buffer.allocUnsafe(Math.min(PIECE, 2 * this.buf.length));
        got = readSync(fd, this.buf, 0, this.buf.length, pos);
      }
      this.ids[i] = h.digest('hex');
      return pos;
    } finally {
      closeSync(fd);
    }
  }
}
