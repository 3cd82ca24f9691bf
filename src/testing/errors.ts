/** Errors of the test system (master side). */
import { DistforgeError } from '../errors.ts';

/** A build that cannot be tested on request: not succeeded, or on a platform that does not test. */
export class NotTestableError extends DistforgeError {
  constructor(message: string) {
    super('not_testable', message, { status: 409 });
  }
}
