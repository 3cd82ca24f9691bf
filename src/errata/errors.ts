/**
 * Errors of the errata domain: each names what was wrong in one line, maps to a 4xx status, and is
 * raised before anything changes.
 */
import { DistforgeError } from '../errors.ts';
import type { AdvisoryState } from './types.ts';

/** An advisory that breaks a rule beyond the request's shape (a security advisory without severity, a malformed CVE id, …). */
export class InvalidAdvisoryError extends DistforgeError {
  constructor(message: string) {
    super('invalid_advisory', message, { status: 400 });
  }
}

/** Packages an advisory names that are not built packages of its platform. */
export class UnknownPackageError extends DistforgeError {
  readonly nevras: string[];

  constructor(nevras: string[], platform: string) {
    const shown = nevras.slice(0, 5).join(', ');
    const more = nevras.length > 5 ? ` and ${nevras.length - 5} more` : '';
    const what = nevras.length === 1 ? `package ${shown} is not a built package` : `packages ${shown}${more} are not built packages`;
    super('unknown_package', `${what} of platform ${platform}`, { status: 422 });
    this.nevras = nevras;
  }
}

/** A lifecycle move the advisory's state does not allow (approve a released one, retract a draft, …). */
export class IllegalAdvisoryTransitionError extends DistforgeError {
  constructor(
    readonly advisoryId: string,
    readonly from: AdvisoryState,
    readonly to: AdvisoryState,
    why?: string,
  ) {
    super('illegal_transition', `advisory ${advisoryId} is ${from}: it cannot become ${to}${why ? ` (${why})` : ''}`, { status: 409 });
  }
}

/** An edit the advisory's state does not allow (a released advisory's packages, anything of a retracted one). */
export class AdvisoryEditError extends DistforgeError {
  constructor(message: string) {
    super('conflict', message, { status: 409 });
  }
}

/**
 * The release system asked for an advisory it may not release: not approved or released, or of
 * another platform.
 */
export class AdvisoryNotReleasableError extends DistforgeError {
  constructor(
    readonly advisoryId: string,
    message: string,
  ) {
    super('advisory_not_releasable', message, { status: 409 });
  }
}
