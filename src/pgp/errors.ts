import { DistforgeError } from '../errors.ts';

/** A malformed or unsupported OpenPGP packet, key or signature. */
export class PgpError extends DistforgeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('pgp', message, { status: 422, ...options });
  }
}
