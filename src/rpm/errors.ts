import { DistforgeError } from '../errors.ts';

/**
 * A file that is not a valid RPM package, or is damaged: truncated, corrupted, hostile.
 * `offset` is the byte offset in the file where the problem was found (when known).
 */
export class RpmFormatError extends DistforgeError {
  readonly offset: number | undefined;
  constructor(message: string, offset?: number, options?: { cause?: unknown }) {
    super('rpm_format', message, { status: 422, ...options });
    this.offset = offset;
  }
}

/** A payload (cpio archive) problem: bad cpio, unsupported compressor, unsafe path. */
export class RpmPayloadError extends DistforgeError {
  readonly offset: number | undefined;
  constructor(message: string, offset?: number, options?: { cause?: unknown }) {
    super('rpm_payload', message, { status: 422, ...options });
    this.offset = offset;
  }
}
