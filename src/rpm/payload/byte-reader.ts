/**
 * Pull-style reading of exact byte counts from a chunked async source, keeping count of the offset.
 * Memory stays bounded by one source chunk plus what a caller asks to hold. Internal.
 */
import type { Readable } from 'node:stream';
import { RpmPayloadError } from '../errors.ts';

/** The input accepted by the cpio reader: any async source of byte chunks. */
export type ByteSource = AsyncIterable<Uint8Array> | Readable;

const EMPTY = Buffer.alloc(0);

/** Reads exact byte counts from a {@link ByteSource}. Not safe for concurrent calls (it refuses them). */
export class ByteReader {
  readonly #it: AsyncIterator<unknown>;
  #chunk: Buffer = EMPTY;
  #offset = 0;
  #busy = false;
  #ended = false;

  constructor(source: ByteSource) {
    this.#it = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  }

  /** Bytes consumed so far: the offset of the next byte in the source. */
  get offset(): number {
    return this.#offset;
  }

  /** True once the source is exhausted and every byte consumed. */
  async atEnd(): Promise<boolean> {
    return !(await this.#fill());
  }

  /** Reads exactly `n` bytes; `what` names them in the error raised on a short source. */
  async read(n: number, what: string): Promise<Buffer> {
    if (this.#chunk.length >= n) return this.#take(n);
    const parts: Buffer[] = [];
    let got = 0;
    const start = this.#offset;
    while (got < n) {
      if (!(await this.#fill())) throw truncated(what, n, got, start);
      const part = this.#take(Math.min(n - got, this.#chunk.length));
      parts.push(part);
      got += part.length;
    }
    return Buffer.concat(parts, n);
  }

  /**
   * Yields exactly `n` bytes in pieces (views into the source's chunks), without gathering them.
   * Stopping early leaves the rest unread.
   */
  async *pieces(n: number, what: string): AsyncGenerator<Buffer, void, undefined> {
    let left = n;
    const start = this.#offset;
    while (left > 0) {
      if (!(await this.#fill())) throw truncated(what, n, n - left, start);
      const piece = this.#take(Math.min(left, this.#chunk.length));
      left -= piece.length;
      yield piece;
    }
  }

  /** Discards exactly `n` bytes. */
  async skip(n: number, what: string): Promise<void> {
    for await (const _piece of this.pieces(n, what)) {
      // discarded
    }
  }

  /** Lets go of the source (stopping a stream that is still producing). */
  async close(): Promise<void> {
    this.#chunk = EMPTY;
    if (!this.#ended) {
      this.#ended = true;
      try {
        await this.#it.return?.();
      } catch {
        // the source failed while being stopped: nothing more is read from it anyway
      }
    }
  }

  #take(n: number): Buffer {
    const out = this.#chunk.subarray(0, n);
    this.#chunk = this.#chunk.subarray(n);
    this.#offset += n;
    return out;
  }

  /** Makes sure the current chunk is not empty; false at the end of the source. */
  async #fill(): Promise<boolean> {
    if (this.#chunk.length > 0) return true;
    if (this.#ended) return false;
    if (this.#busy) throw new Error('cpio archive read concurrently: finish reading an entry before the next');
    this.#busy = true;
    try {
      while (this.#chunk.length === 0) {
        let r: IteratorResult<unknown>;
        try {
          r = await this.#it.next();
        } catch (err) {
          this.#ended = true;
          throw withOffset(err, this.#offset);
        }
        if (r.done === true) {
          this.#ended = true;
          return false;
        }
        this.#chunk = toBuffer(r.value);
      }
      return true;
    } finally {
      this.#busy = false;
    }
  }
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`cpio input must yield bytes (Buffer or Uint8Array), got ${typeof value}`);
}

function truncated(what: string, wanted: number, got: number, start: number): RpmPayloadError {
  return new RpmPayloadError(
    `truncated cpio archive: ${what} needs ${wanted} bytes at offset ${start}, only ${got} left`,
    start + got,
  );
}

/** A payload error from the source (e.g. a decompressor) gets the archive offset it broke at. */
function withOffset(err: unknown, offset: number): unknown {
  if (err instanceof RpmPayloadError && err.offset === undefined) {
    return new RpmPayloadError(`${err.message} (after ${offset} bytes of the archive)`, offset, { cause: err });
  }
  return err;
}
