/**
 * Compression of metadata files: zstd (the default, as EL9 and createrepo_c 1.x write it), gzip
 * (for older clients) or none. zstd runs the system `zstd` tool with pipes (Node 20's zlib has no
 * zstd); gzip runs in zlib's thread pool. Either way compression runs beside the JavaScript thread
 * that renders the XML.
 *
 * Terminology:
 * - open: uncompressed (repomd.xml's open-checksum and open-size describe the uncompressed bytes).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writev } from 'node:fs';
import { Duplex, PassThrough, Writable, type Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { RepoCreateError } from '../errors.ts';

export type MetadataCompression = 'zstd' | 'gz' | 'none';

export const METADATA_COMPRESSIONS: readonly MetadataCompression[] = ['zstd', 'gz', 'none'];

/** File name suffix of a compressed metadata file. */
export function compressionSuffix(c: MetadataCompression): string {
  return c === 'zstd' ? '.zst' : c === 'gz' ? '.gz' : '';
}

/** Checks a user's `--compress` value. */
export function parseCompression(s: string): MetadataCompression {
  if ((METADATA_COMPRESSIONS as readonly string[]).includes(s)) return s as MetadataCompression;
  throw new RepoCreateError(`unknown compression ${JSON.stringify(s)} (use zstd, gz or none)`);
}

/** A stream taking open bytes and giving compressed bytes. */
export function compressStream(c: MetadataCompression): Duplex {
  switch (c) {
    case 'none':
      return new PassThrough();
    case 'gz':
      return createGzip({ level: 6 });
    case 'zstd':
      return zstdStream();
  }
}

/**
 * `zstd -c` as a duplex stream; a failing tool becomes an error event on it, saying what the tool
 * said (its input is written through a stream of our own: a broken pipe is only a symptom).
 */
function zstdStream(): Duplex {
  return zstdDuplex(zstdProcess());
}

/** A running `zstd -c` as a duplex stream (see {@link zstdStream}). */
function zstdDuplex({ child, output, broke }: ZstdProcess): Duplex {
  const input = new Writable({
    write(chunk: Buffer, _encoding, done) {
      child.stdin.write(chunk, (e) => {
        if (e) broke(e);
        done();
      });
    },
    final(done) {
      child.stdin.end(() => done());
    },
  });
  return Duplex.from({ writable: input, readable: output });
}

interface ZstdProcess {
  child: ChildProcessWithoutNullStreams;
  /** What it writes; it fails when the tool does (with its message), and stopping it stops the tool. */
  output: PassThrough;
  /**
   * Tells that writing its input failed: `output` then fails when the tool ends (with what the
   * tool said), even if it ends with status 0.
   */
  broke(e: Error): void;
}

/** A running `zstd -c`. */
function zstdProcess(): ZstdProcess {
  const child = spawn('zstd', ['-q', '-c', '-3', '-T1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let broken: string | null = null;
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const output = new PassThrough();
  child.stdout.pipe(output, { end: false });
  const fail = (why: string): void => {
    output.destroy(new RepoCreateError(`zstd failed: ${why}${stderr ? ` (${stderr.trim()})` : ''}`));
  };
  const broke = (e: Error): void => {
    broken ??= e.message;
  };
  child.on('error', (e) => fail(e.message));
  child.stdin.on('error', broke);
  child.on('close', (code, signal) => {
    if (code === 0 && broken === null) output.end();
    else fail(signal ? `killed by ${signal}` : code !== 0 ? `exit code ${String(code)}` : `its input broke: ${broken}`);
  });
  output.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  return { child, output, broke };
}

/**
 * A compressor of one content given as pieces (views into buffers, back to back), fed as they
 * come and possibly started before the content exists. Compression runs beside the thread that
 * feeds it and keeps up with it even when that thread lets its event loop turn only now and then
 * (repo create reads a batch of packages between turns):
 * - zstd is one `zstd` process, best started while this process is small (starting a process
 *   copies the parent's page tables). Its input is written by libuv's threads with blocking
 *   writes, everything fed since the last write in one: written as a stream, only what fits in
 *   the socket's buffer (~200 KiB) would go out per turn, and the rest would be compressed after
 *   the last package was read.
 * - gzip is zlib in the thread pool, a step at a time, each step given everything fed since the
 *   one before began and room for all of its output (zlib's default 16 KiB of output per step
 *   would compress ~250 KiB a turn).
 */
export interface ViewCompressor {
  /** Feeds the next pieces. */
  write(views: readonly Uint8Array[]): void;
  /** Feeds the last pieces; the compressed bytes of everything fed. Call once. */
  end(views?: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /** Stops it when it will not be used (or failed); harmless after end. */
  abort(): void;
}

/** A compressor for `c`, started now. */
export function startCompressor(c: MetadataCompression): ViewCompressor {
  switch (c) {
    case 'zstd':
      return zstdCompressor();
    case 'gz':
      return zlibCompressor(createGzip({ level: 6, chunkSize: GZIP_STEP }));
    case 'none':
      return streamCompressor(new PassThrough());
  }
}

/** Room for zlib's output per step in the thread pool: more than a batch of packages compresses to. */
const GZIP_STEP = 4 << 20;

/** A compressor on a duplex stream (as its pieces come). */
function streamCompressor(stream: Duplex): ViewCompressor {
  const result = collect(stream);
  const feed = (views: readonly Uint8Array[]): void => {
    for (const v of views) if (v.byteLength > 0) stream.write(v);
  };
  return {
    write: feed,
    end(views = []) {
      feed(views);
      stream.end();
      return result;
    },
    abort() {
      stream.destroy();
    },
  };
}

/**
 * A compressor on zlib: one step at a time, each given everything fed since the step before
 * started, as one buffer. A step starts only when the feeding thread's event loop turns; given
 * each feeding as a step of its own, zlib falls behind whenever two come in one turn, and what
 * it is behind by is compressed after the last package was read.
 */
function zlibCompressor(stream: Duplex): ViewCompressor {
  const result = collect(stream);
  const feeder = new OneAtATime({
    closed: () => stream.destroyed,
    send: (views, done) => stream.write(views.length === 1 ? (views[0] as Uint8Array) : Buffer.concat(views), (e) => done(e ?? [])),
    close: () => stream.end(),
  });
  return fedCompressor(feeder, result, () => stream.destroy());
}

/** A compressor fed by `feeder`, giving `result`; `stop` stops the compression (then the feeding). */
function fedCompressor(feeder: OneAtATime, result: Promise<Uint8Array[]>, stop: () => void): ViewCompressor {
  return {
    write: (views) => feeder.write(views),
    end(views = []) {
      feeder.write(views);
      feeder.end();
      return result;
    },
    abort() {
      stop();
      feeder.abort();
    },
  };
}

/** Everything `stream` gives until it ends (rejects when it fails; nobody need wait for it). */
function collect(stream: Readable): Promise<Uint8Array[]> {
  const result = new Promise<Uint8Array[]>((done, fail) => {
    const out: Buffer[] = [];
    stream.on('data', (b: Buffer) => out.push(b));
    stream.on('error', fail);
    stream.on('end', () => done(out));
  });
  result.catch(() => undefined);
  return result;
}

/** A `zstd` process fed by writes on libuv's threads ({@link blockingSocketSink}), or as a stream where its socket cannot block. */
function zstdCompressor(): ViewCompressor {
  const zstd = zstdProcess();
  const { child, output } = zstd;
  const sink = blockingSocketSink(child.stdin, zstd.broke);
  if (!sink) return streamCompressor(zstdDuplex(zstd));
  const writer = new OneAtATime(sink);
  // The writer alone closes the socket, once no write of its is queued: Node closes a child's
  // stdin when the child exits, and a write still queued for libuv's threads would then go to
  // whatever file opened next under the same descriptor number.
  (child as { stdin: Writable | null }).stdin = null;
  return fedCompressor(writer, collect(output), () => output.destroy());
}

/** Where {@link OneAtATime} sends. */
interface Sink {
  /** Whether it can take nothing more (what is queued is then dropped). */
  closed(): boolean;
  /** Takes `views`; `done` gets what it did not take (to go first next time), or its failure. */
  send(views: Uint8Array[], done: (rest: Uint8Array[] | Error) => void): void;
  /** Ends it, once everything was sent. */
  close(): void;
}

/**
 * Feeds a sink one sending at a time, each taking everything fed since the one before began, so
 * that what is fed between two turns of the event loop goes out as the sink takes it, not a
 * piece a turn. After {@link end} the sink is closed once everything was sent; after a failed
 * sending nothing more is sent (the failure is the sink's to report).
 */
class OneAtATime {
  private queue: Uint8Array[] = [];
  private sending = false;
  private ending = false;

  constructor(private readonly sink: Sink) {}

  write(views: readonly Uint8Array[]): void {
    if (this.ending) return;
    for (const v of views) if (v.byteLength > 0) this.queue.push(v);
    this.pump();
  }

  /** No more writes: the sink is closed once the queue is sent. */
  end(): void {
    this.ending = true;
    this.pump();
  }

  /** No more writes, and what is queued is dropped: the sink is closed once a sending under way ends. */
  abort(): void {
    this.queue = [];
    this.end();
  }

  private pump(): void {
    if (this.sending) return;
    if (this.sink.closed()) {
      this.queue = [];
      return;
    }
    if (this.queue.length === 0) {
      if (this.ending) this.sink.close();
      return;
    }
    const views = this.queue;
    this.queue = [];
    this.sending = true;
    this.sink.send(views, (rest) => {
      this.sending = false;
      if (rest instanceof Error) {
        this.queue = [];
        this.ending = true;
        return;
      }
      if (rest.length > 0) this.queue.unshift(...rest);
      this.pump();
    });
  }
}

/**
 * A sink writing to a socket's descriptor, made blocking, with writes on libuv's threads (as
 * {@link OneAtATime} sends: one at a time); the socket is destroyed (the reader sees the end) when
 * closed or when a write fails. Null where Node does not show the descriptor or it cannot be made
 * blocking. A write is never started after the socket was destroyed: its descriptor number may
 * name another file by then.
 */
function blockingSocketSink(socket: Writable, onError: (e: Error) => void): Sink | null {
  const handle = (socket as Writable & { _handle?: { fd?: unknown; setBlocking?: (b: boolean) => number } })._handle;
  if (typeof handle?.fd !== 'number' || handle.fd < 0 || typeof handle.setBlocking !== 'function') return null;
  if (handle.setBlocking(true) !== 0) return null;
  const fd = handle.fd;
  return {
    closed: () => socket.destroyed,
    send: (views, done) =>
      writev(fd, views, (e, written) => {
        if (!e) return done(remainder(views, written));
        socket.destroy();
        onError(e);
        done(e);
      }),
    close: () => socket.destroy(),
  };
}

/** What of `views` is left after the first `written` bytes. */
function remainder(views: readonly Uint8Array[], written: number): Uint8Array[] {
  let skip = written;
  const rest: Uint8Array[] = [];
  for (const v of views) {
    if (skip >= v.byteLength) {
      skip -= v.byteLength;
      continue;
    }
    rest.push(skip > 0 ? v.subarray(skip) : v);
    skip = 0;
  }
  return rest;
}
