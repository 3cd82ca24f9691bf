/**
 * Errors of the builds domain. Each has a stable code; all are raised before anything is written,
 * so a rejected submit changes nothing.
 */
import { DistforgeError } from '../errors.ts';

/** A platform named in a build does not exist. */
export class UnknownPlatformError extends DistforgeError {
  constructor(names: readonly string[], known: readonly string[]) {
    const list = names.map((n) => JSON.stringify(n)).join(', ');
    const hint = known.length > 0 ? ` (known: ${known.join(', ')})` : ' (no platforms are defined)';
    super('unknown_platform', `unknown platform${names.length > 1 ? 's' : ''}: ${list}${hint}`, { status: 404 });
  }
}

/** A git URL that cannot be read (does not exist, refuses us, times out). */
export class GitUnreachableError extends DistforgeError {
  constructor(url: string, reason: string) {
    super('git_unreachable', `cannot reach git repository ${url}: ${reason}`, { status: 400 });
  }
}

/** A branch, tag or commit that the repository does not have. */
export class GitRefNotFoundError extends DistforgeError {
  constructor(url: string, ref: string, what = 'branch, tag or commit') {
    super('git_ref_not_found', `${url} has no ${what} "${ref}"`, { status: 400 });
  }
}

/** The source has no spec file where we look, or several and no way to choose. */
export class SpecNotFoundError extends DistforgeError {
  constructor(message: string) {
    super('spec_not_found', message, { status: 400 });
  }
}

/** A state change that the build's current state does not allow (cancel a finished build, …). */
export class BuildStateError extends DistforgeError {
  constructor(message: string) {
    super('build_state', message, { status: 409 });
  }
}
