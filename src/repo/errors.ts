import { DistforgeError } from '../errors.ts';

/**
 * Repository metadata that cannot be read: a missing or unreachable repomd.xml, damaged or
 * truncated XML, a metadata file whose checksum or size does not match repomd.xml.
 * `file` names the file or URL; the message says what is wrong (and where, when known).
 */
export class RepoReadError extends DistforgeError {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super('repo_read', `${file}: ${message}`, { status: 422, ...options });
    this.file = file;
  }
}

/** A repository that cannot be created or published: bad input directory, package or option. */
export class RepoCreateError extends DistforgeError {
  readonly file: string | undefined;
  constructor(message: string, file?: string, options?: { cause?: unknown }) {
    super('repo_create', file ? `${file}: ${message}` : message, { status: 422, ...options });
    this.file = file;
  }
}
