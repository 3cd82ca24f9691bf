import { DistforgeError } from '../errors.ts';

/** A malformed or unsupported OpenPGP packet, key or signature. */
export class PgpError extends DistforgeError {
  /** True when the data is well-formed but uses something we do not implement (e.g. v6 signatures). */
  readonly unsupported: boolean;
  constructor(message: string, options?: { cause?: unknown; unsupported?: boolean }) {
    super('pgp', message, { status: 422, cause: options?.cause });
    this.unsupported = options?.unsupported ?? false;
  }
}
