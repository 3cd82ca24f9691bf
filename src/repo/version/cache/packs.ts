/**
 * Pack files of the version cache: immutable files of byte ranges (rendered fragments, or
 * compressed chunks) written once by one render and read by later ones with a few large reads.
 *
 * A pack starts with a 24-byte header: `DFVPACK1` and its 16-byte id, which the index records, so
 * that an index is never applied to another file of the same name. The index also records the
 * pack's size: a shorter file (or another id) makes the pack unusable and everything in it is
 * rendered or compressed again.
 *
 * Terminology:
 * - span: a range of one pack (pack number in the index, offset, length).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const MAGIC = Buffer.from('DFVPACK1', 'latin1');
export const PACK_HEADER = 24;
/** Bytes read at once when streaming spans. */
const READ_BLOCK = 8 * 1024 * 1024;

export type PackKind = 'f' | 'c';

/** What the index records of a pack. */
export interface PackInfo {
  /** 32 hex digits. */
  id: string;
  kind: PackKind;
  /** Bytes of the file, header included. */
  size: number;
}

export function packPath(dir: string, p: Pick<PackInfo, 'id' | 'kind'>): string {
  return join(dir, `${p.kind}-${p.id}.pack`);
}

/** Writes a new pack: append ranges, then `finish` (or `abort`). */
export class PackWriter {
  readonly id = randomBytes(16).toString('hex');
  #fd: number;
  #size = PACK_HEADER;
  readonly #tmp: string;
  readonly #path: string;

  constructor(
    dir: string,
    readonly kind: PackKind,
  ) {
    mkdirSync(dir, { recursive: true });
    this.#path = packPath(dir, { id: this.id, kind });
    this.#tmp = `${this.#path}.tmp`;
    this.#fd = openSync(this.#tmp, 'wx', 0o644);
    writeSync(this.#fd, Buffer.concat([MAGIC, Buffer.from(this.id, 'hex')]));
  }

  /** Appends `parts`; returns the offset of the first byte. */
  append(parts: readonly Uint8Array[]): number {
    const at = this.#size;
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const flush = (): void => {
      if (batchBytes === 0) return;
      const buf = batch.length === 1 ? (batch[0] as Uint8Array) : Buffer.concat(batch, batchBytes);
      for (let off = 0; off < buf.length; ) off += writeSync(this.#fd, buf, off);
      batch = [];
      batchBytes = 0;
    };
    for (const p of parts) {
      batch.push(p);
      batchBytes += p.length;
      this.#size += p.length;
      if (batchBytes >= READ_BLOCK) flush();
    }
    flush();
    return at;
  }

  get size(): number {
    return this.#size;
  }

  /** Closes the file and gives it its name. */
  finish(): PackInfo {
    closeSync(this.#fd);
    this.#fd = -1;
    renameSync(this.#tmp, this.#path);
    return { id: this.id, kind: this.kind, size: this.#size };
  }

  abort(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
    try {
      unlinkSync(this.#tmp);
    } catch {
      // not there
    }
  }
}

/** Makes a pack with `fill` (which appends to it); a failure leaves no file behind. */
export function writePack<T>(dir: string, kind: PackKind, fill: (w: PackWriter) => T): { info: PackInfo; result: T } {
  const writer = new PackWriter(dir, kind);
  try {
    const result = fill(writer);
    return { info: writer.finish(), result };
  } catch (e) {
    writer.abort();
    throw e;
  }
}

/** Open pack files by their number in the index; each checked once (header, id, size). */
export class PackFiles {
  readonly #fds = new Map<number, number | null>();
  #buffer = Buffer.alloc(0);

  constructor(
    private readonly dir: string,
    private readonly packs: () => readonly PackInfo[],
  ) {}

  /** Whether pack `n` is there, whole, and the one the index means. */
  usable(n: number): boolean {
    return this.#fd(n) !== null;
  }

  #fd(n: number): number | null {
    const known = this.#fds.get(n);
    if (known !== undefined) return known;
    const info = this.packs()[n];
    let fd: number | null = null;
    if (info) {
      try {
        fd = openSync(packPath(this.dir, info), 'r');
        const head = Buffer.alloc(PACK_HEADER);
        const ok = fstatSync(fd).size >= info.size && readSync(fd, head, 0, PACK_HEADER, 0) === PACK_HEADER && head.subarray(0, 8).equals(MAGIC) && head.toString('hex', 8) === info.id;
        if (!ok) {
          closeSync(fd);
          fd = null;
        }
      } catch {
        fd = null;
      }
    }
    this.#fds.set(n, fd);
    return fd;
  }

  /** Reads `length` bytes at `offset` of pack `n` into `into` at `at`. @throws when the pack is unusable or short. */
  read(n: number, offset: number, length: number, into: Uint8Array, at = 0): void {
    const fd = this.#fd(n);
    if (fd === null) throw new Error(`pack ${n} is not usable`);
    let done = 0;
    while (done < length) {
      const got = readSync(fd, into, at + done, length - done, offset + done);
      if (got === 0) throw new Error(`pack ${n} ends early`);
      done += got;
    }
  }

  /**
   * The read buffer of these files, at least `size` bytes: one for all reads (they never overlap:
   * {@link readSpans} is synchronous), so that passes over hundreds of megabytes allocate nothing.
   */
  buffer(size: number): Buffer {
    if (this.#buffer.length < size) this.#buffer = Buffer.allocUnsafe(Math.max(size, READ_BLOCK));
    return this.#buffer;
  }

  /** Forgets pack `n`'s file (it is about to be deleted). */
  drop(n: number): void {
    const fd = this.#fds.get(n);
    if (fd !== undefined && fd !== null) closeSync(fd);
    this.#fds.delete(n);
  }

  close(): void {
    for (const fd of this.#fds.values()) if (fd !== null) closeSync(fd);
    this.#fds.clear();
  }
}

/** Spans to read, in order (column arrays: pack number, offset, length). */
export interface Spans {
  count: number;
  pack(i: number): number;
  offset(i: number): number;
  length(i: number): number;
}

/**
 * Reads `spans` in order with as few reads as possible (neighbouring spans of one pack are read
 * together, up to 8 MiB at once). For each span `visit(i, buf, at)` sees its bytes at
 * buf[at, at + length); then `block(buf, end)` sees everything read in that go, buf[0, end), in span
 * order, spans first to last - 1. The buffer is `files`' and reused: copy what must outlive the
 * call, and do not read `files` from the callbacks.
 */
export function readSpans(
  files: PackFiles,
  spans: Spans,
  visit: ((i: number, buf: Buffer, at: number) => void) | null,
  block: ((buf: Buffer, end: number, first: number, last: number) => void) | null,
): void {
  for (let i = 0; i < spans.count; ) {
    const pack = spans.pack(i);
    const start = spans.offset(i);
    let end = start + spans.length(i);
    let j = i + 1;
    while (j < spans.count && spans.pack(j) === pack && spans.offset(j) === end && end - start + spans.length(j) <= READ_BLOCK) {
      end += spans.length(j);
      j++;
    }
    const total = end - start;
    const buf = files.buffer(total);
    files.read(pack, start, total, buf);
    if (visit) for (let k = i; k < j; k++) visit(k, buf, spans.offset(k) - start);
    block?.(buf, total, i, j);
    i = j;
  }
}
