/**
 * Typed errors shared by every part of distforge.
 *
 * Terminology:
 * - code: a stable, machine-readable identifier (`rpm_format`, `not_found`, …) that clients may
 *   match on; it never changes once published.
 * - status: the HTTP status the server answers with when this error reaches a request handler.
 *
 * This module imports nothing, so the pure libraries (rpm/, repo/, pgp/) may use it too.
 */
export class DistforgeError extends Error {
  /** Stable machine-readable code. */
  readonly code: string;
  /** HTTP status for the API's error handler. */
  readonly status: number;

  constructor(code: string, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options?.status ?? 400;
  }
}

/** Bad input from a user: a wrong argument, a missing file, a malformed value. */
export class UsageError extends DistforgeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage', message, { status: 400, ...options });
  }
}

/** Something asked for does not exist. */
export class NotFoundError extends DistforgeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('not_found', message, { status: 404, ...options });
  }
}
