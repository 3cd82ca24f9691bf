/** Errors of the sign server's key store. */
import { DistforgeError } from '../errors.ts';

/** The key store cannot be used as asked: no passphrase, a key that does not unlock, a bad import. */
export class KeyStoreError extends DistforgeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('key_store', message, { status: 422, ...options });
  }
}
