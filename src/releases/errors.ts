/** Errors of the release system. */
import { DistforgeError } from '../errors.ts';

/** A release in a state that does not allow what was asked (editing a committed plan, reverting a planned one, …). */
export class ReleaseStateError extends DistforgeError {
  constructor(message: string) {
    super('release_state', message, { status: 409 });
  }
}

/** A release whose checks do not all pass: the message names each failing package and check. */
export class ReleaseChecksError extends DistforgeError {
  constructor(message: string) {
    super('checks_failed', message, { status: 409 });
  }
}

/** A platform that cannot release (no release repositories, no key, past its end of life). */
export class NotReleasableError extends DistforgeError {
  constructor(message: string) {
    super('not_releasable', message, { status: 409 });
  }
}
