/**
 * Errors of the git service. Each names what was wrong (the mirror, the URL and git's reason, the
 * rule's field) and is raised before anything changes.
 */
import { DistforgeError } from '../errors.ts';

/** No mirror of that name. */
export class UnknownMirrorError extends DistforgeError {
  constructor(name: string) {
    super('not_found', `no git mirror "${name}"`, { status: 404 });
  }
}

/** A mirror or rule definition (API body or configuration file) that is not valid. */
export class GitDefinitionError extends DistforgeError {
  constructor(where: string, field: string, problem: string) {
    super('invalid_git_definition', `${where}: ${field ? `${field}: ` : ''}${problem}`, { status: 400 });
  }
}

/** A push webhook without a signature (401) or with a wrong one (403). */
export class WebhookSignatureError extends DistforgeError {
  constructor(missing: boolean, message: string) {
    super(missing ? 'unauthorized' : 'forbidden', message, { status: missing ? 401 : 403 });
  }
}

/** A git command on a mirror failed (git's reason). */
export class GitMirrorError extends DistforgeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('git_mirror', message, { status: 502, ...options });
  }
}
