/**
 * Every request body goes through a guard before any route reads it (a `preParsing` hook): a body
 * that pauses longer than the idle timeout while the server waits for it fails with 408
 * `request_timeout`, so a client sending a byte every few seconds cannot hold a request (a
 * connection, a file being written, a git process) open for ever. A route may also bound a
 * streamed body (`config: { streamBodyLimit }`, for the routes whose parser hands the handler the
 * raw stream, which Fastify's bodyLimit does not cover): a larger Content-Length is refused at
 * once, a larger chunked body as soon as it passes the limit (413 `body_too_large`).
 *
 * Terminology:
 * - idle: the guard is waiting for bytes from the client while its reader wants them. A reader
 *   that is not reading (a request queued for a git process) does not make the client idle.
 */
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { DistforgeError } from '../errors.ts';

/** A request body that paused too long: 408. */
export class RequestTimeoutError extends DistforgeError {
  constructor(idleMs: number) {
    super('request_timeout', `the request body stopped arriving for ${idleMs / 1000} s; nothing was done with it`, { status: 408 });
  }
}

/** A request body over a route's limit: 413. */
export class BodyTooLargeError extends DistforgeError {
  constructor(limit: number) {
    super('body_too_large', `the request body is larger than ${limit} bytes`, { status: 413 });
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Largest body, in bytes, of a route whose handler reads the raw stream (Fastify's bodyLimit does not apply to it). */
    streamBodyLimit?: number;
  }
}

/** A pass-through stream that fails when its writer pauses longer than `idleMs` while it is read, or sends more than `maxBytes`. */
export class BodyGuard extends Transform {
  readonly #idleMs: number;
  readonly #maxBytes: number;
  #timer: NodeJS.Timeout | null = null;
  #bytes = 0;
  #done = false;

  constructor(idleMs: number, maxBytes = Number.POSITIVE_INFINITY) {
    super();
    this.#idleMs = idleMs;
    this.#maxBytes = maxBytes;
    // Whoever reads the body gets the error; a body nobody reads any more must not crash the process.
    this.on('error', () => undefined);
    this.#arm();
  }

  /** Stops watching (the answer has gone out). */
  stop(): void {
    this.#done = true;
    this.#disarm();
  }

  override _read(size: number): void {
    this.#arm();
    super._read(size);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#disarm();
    this.#bytes += chunk.length;
    if (this.#bytes > this.#maxBytes) {
      done(new BodyTooLargeError(this.#maxBytes));
      return;
    }
    done(null, chunk);
    // A full buffer means the reader is not reading: the client is not the one keeping us waiting.
    if (this.readableLength < this.readableHighWaterMark) this.#arm();
  }

  override _flush(done: TransformCallback): void {
    this.stop();
    done();
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.stop();
    done(error);
  }

  #arm(): void {
    if (this.#timer !== null || this.#done || this.destroyed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.destroy(new RequestTimeoutError(this.#idleMs));
    }, this.#idleMs);
  }

  #disarm(): void {
    if (this.#timer === null) return;
    clearTimeout(this.#timer);
    this.#timer = null;
  }
}

function hasBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  return raw.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Whether a body of a stated length has all arrived already (a small body comes with its headers,
 * as most node API calls do): it can neither stall nor grow, so there is nothing to guard. */
function arrivedWhole(raw: IncomingMessage): boolean {
  return raw.headers['content-length'] !== undefined && raw.headers['transfer-encoding'] === undefined && raw.complete;
}

/** Installs the guard on every route registered after this call. */
export function registerBodyGuard(app: FastifyInstance, idleMs: number): void {
  app.addHook('preParsing', async (request, reply, payload) => {
    if (!hasBody(request.raw)) return payload;
    const limit = request.routeOptions.config.streamBodyLimit;
    if (limit !== undefined && Number(request.headers['content-length']) > limit) throw new BodyTooLargeError(limit);
    if (arrivedWhole(request.raw)) return payload;
    const guard = new BodyGuard(idleMs, limit);
    const raw = request.raw;
    // A client that goes away ends the body with an error instead of leaving its reader waiting.
    raw.once('error', (e) => guard.destroy(e));
    raw.once('close', () => {
      if (!raw.complete) guard.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    });
    reply.raw.once('close', () => guard.stop());
    return payload.pipe(guard);
  });
}
