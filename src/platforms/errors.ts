/**
 * Errors of platform, node, user and token definitions: every one names what was wrong (the file
 * and field for a definition), maps to a 4xx status, and is raised before anything changes.
 */
import { DistforgeError } from '../errors.ts';

/** A platform definition (YAML file or API body) that is not valid; names the file and field. */
export class PlatformDefinitionError extends DistforgeError {
  /** Dotted path of the offending field, e.g. `arches[1]` or `lifecycle.releaseDate`. */
  readonly field: string;
  readonly file: string | undefined;

  constructor(field: string, problem: string, file?: string) {
    const where = field ? `${field}: ` : '';
    super('invalid_platform', `${file ? `${file}: ` : 'platform definition: '}${where}${problem}`, { status: 400 });
    this.field = field;
    this.file = file;
  }
}

/** A name (platform, node, user, repository) that is empty, too long or path-like. */
export class InvalidNameError extends DistforgeError {
  constructor(message: string) {
    super('invalid_name', message, { status: 400 });
  }
}

/** Creating something whose name is taken. */
export class AlreadyExistsError extends DistforgeError {
  constructor(message: string) {
    super('already_exists', message, { status: 409 });
  }
}

/** A change refused because of what depends on the thing (e.g. deleting a platform in use). */
export class ConflictError extends DistforgeError {
  constructor(message: string) {
    super('conflict', message, { status: 409 });
  }
}

/** True for a unique-constraint violation from SQLite or PostgreSQL (a concurrent insert won). */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
