/**
 * The machinery behind `decompressStream`: one Duplex that feeds a decoder (zlib, a child process
 * or nothing) and relays its output with backpressure, turning every decoder failure into an
 * RpmPayloadError on the stream. Internal to the payload folder.
 */
import { spawn } from 'node:child_process';
import { Duplex, PassThrough, finished } from 'node:stream';
import type { Readable, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { RpmPayloadError } from '../errors.ts';

/** One running decoder. */
export interface DecoderBackend {
  /** Receives the compressed bytes. */
  readonly input: Writable;
  /** Gives the decompressed bytes. */
  readonly output: Readable;
  /** Settles after `output` has ended: resolves if the decoder succeeded, rejects with why not. */
  readonly done: Promise<void>;
  /** Stops the decoder now (the consumer went away); idempotent. */
  abort(): void;
}

/** Chooses and starts a backend, given the first bytes of the input (at least the sniff length). */
export type OpenBackend = (head: Buffer) => DecoderBackend;

/** Longest stderr text kept for an error message. */
const STDERR_LIMIT = 4096;

/**
 * A Duplex around a lazily started {@link DecoderBackend}. The backend starts once `sniff` bytes
 * have arrived (or at end of input), so that the choice may depend on the data's magic.
 */
export class DecoderStream extends Duplex {
  readonly #open: OpenBackend;
  readonly #sniff: number;
  #head: Buffer[] = [];
  #headLength = 0;
  #backend: DecoderBackend | undefined;

  constructor(open: OpenBackend, sniff: number) {
    super();
    this.#open = open;
    this.#sniff = sniff;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#backend) {
      this.#forward(this.#backend.input, chunk, callback);
      return;
    }
    this.#head.push(chunk);
    this.#headLength += chunk.length;
    if (this.#headLength < this.#sniff) {
      callback();
      return;
    }
    const input = this.#start();
    if (input) this.#forward(input, Buffer.concat(this.#takeHead()), callback);
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    let input = this.#backend?.input;
    if (!this.#backend) {
      input = this.#start();
      const head = Buffer.concat(this.#takeHead());
      if (input && head.length > 0 && input.writable) input.write(head);
    }
    if (input && input.writable) input.end();
    // The readable side reports success or failure once the decoder has finished.
    callback();
  }

  override _read(): void {
    this.#backend?.output.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#backend?.abort();
    callback(error);
  }

  #takeHead(): Buffer[] {
    const head = this.#head;
    this.#head = [];
    this.#headLength = 0;
    return head;
  }

  /** Starts the backend and wires its output to our readable side; undefined if it could not start. */
  #start(): Writable | undefined {
    let backend: DecoderBackend;
    try {
      backend = this.#open(Buffer.concat(this.#head));
    } catch (err) {
      this.destroy(toPayloadError(err, 'cannot start the decompressor'));
      return undefined;
    }
    this.#backend = backend;
    const { output } = backend;
    output.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) output.pause();
    });
    backend.done.then(
      () => this.push(null),
      (err: unknown) => this.destroy(toPayloadError(err, 'decompression failed')),
    );
    return backend.input;
  }

  /** Writes to the decoder, waiting for it to drain; a decoder that stopped reading drops the data. */
  #forward(input: Writable, chunk: Buffer, callback: (error?: Error | null) => void): void {
    if (!input.writable) {
      callback(); // it exited or failed: `done` says which
      return;
    }
    if (input.write(chunk)) {
      callback();
      return;
    }
    const go = (): void => {
      input.off('drain', go);
      input.off('close', go);
      callback();
    };
    input.on('drain', go);
    input.on('close', go);
  }
}

/** Backend that passes the bytes through unchanged. */
export function plainBackend(): DecoderBackend {
  const pass = new PassThrough();
  return { input: pass, output: pass, done: settled(pass, 'copy'), abort: () => pass.destroy() };
}

/** gzip through zlib if the data starts with the gzip magic, unchanged otherwise (rpm's gzdio). */
export function gzipOrPlainBackend(head: Buffer): DecoderBackend {
  if (head[0] !== 0x1f || head[1] !== 0x8b) return plainBackend();
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  return { input: gunzip, output: gunzip, done: settled(gunzip, 'gzip'), abort: () => gunzip.destroy() };
}

/**
 * `zstd -dcq`, after checking that the data starts with a zstd frame (or a skippable frame): the
 * zstd tool also decompresses xz and gzip, which rpm's zstd reader does not.
 */
export function zstdBackend(head: Buffer): DecoderBackend {
  const frame = head.length >= 4 ? head.readUInt32LE(0) : 0;
  if (frame !== 0xfd2fb528 && (frame & 0xfffffff0) >>> 0 !== 0x184d2a50) {
    throw new RpmPayloadError(`zstd: not zstd data (starts with 0x${head.subarray(0, 4).toString('hex')})`);
  }
  return processBackend('zstd', ['-dcq']);
}

/** Resolves when `stream`'s readable side ends; rejects (as RpmPayloadError) if it fails first. */
function settled(stream: Duplex, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    finished(stream, { writable: false }, (err) => {
      if (err) reject(new RpmPayloadError(`${what}: ${err.message}`, undefined, { cause: err }));
      else resolve();
    });
  });
}

/** Backend that runs `tool args` with the compressed data on stdin and reads stdout. */
export function processBackend(tool: string, args: string[]): DecoderBackend {
  const child = spawn(tool, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < STDERR_LIMIT) stderr += d.toString('utf8');
  });
  // EPIPE when the tool stops reading early: its exit status says whether that was an error.
  child.stdin.on('error', () => undefined);
  child.stdout.on('error', () => undefined);
  const command = [tool, ...args].join(' ');
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err) => {
      reject(new RpmPayloadError(`cannot run ${command}: ${err.message}`, undefined, { cause: err }));
    });
    child.once('close', (code, signal) => {
      if (code === 0) {
        resolve();
        return;
      }
      const why = signal ?? `exit code ${String(code)}`;
      const detail = stderr.trim().slice(0, STDERR_LIMIT);
      reject(new RpmPayloadError(`${command} failed (${why})${detail ? `: ${detail}` : ''}`));
    });
  });
  const abort = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child.stdin.destroy();
    child.stdout.destroy();
  };
  return { input: child.stdin, output: child.stdout, done, abort };
}

/** `err` if it is already an RpmPayloadError, otherwise one wrapping it. */
function toPayloadError(err: unknown, context: string): RpmPayloadError {
  if (err instanceof RpmPayloadError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RpmPayloadError(`${context}: ${message}`, undefined, { cause: err });
}
