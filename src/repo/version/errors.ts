import { DistforgeError } from '../../errors.ts';

/**
 * A repository version that cannot be rendered: a package file that is missing, is not an RPM or
 * does not have the sha256 it was given, an invalid package list, an output directory that is not
 * empty. `file` names the file or directory, `href` the package's location when it is about one.
 * Nothing is left in the output directory when this is thrown.
 */
export class RepoVersionError extends DistforgeError {
  readonly file: string | undefined;
  readonly href: string | undefined;
  constructor(message: string, where: { file?: string; href?: string } = {}, options?: { cause?: unknown }) {
    const name = where.href && where.file ? `${where.href} (${where.file})` : (where.href ?? where.file);
    super('repo_version', name ? `${name}: ${message}` : message, { status: 422, ...options });
    this.file = where.file;
    this.href = where.href;
  }
}
