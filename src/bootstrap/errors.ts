/** Errors of the bootstrap repository maker. */
import { DistforgeError } from '../errors.ts';

/**
 * Making the bootstrap repository failed for a reason outside the caller's input: apt could not
 * resolve or download, a tool failed, a deb did not match the archive's checksum.
 */
export class BootstrapError extends DistforgeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('bootstrap', message, { status: 500, ...options });
  }
}
